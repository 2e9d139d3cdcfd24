"""Sphinx roles in docstrings resolve as a reader would read them (docs/hooks/griffe_roles.py)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import griffe
import pytest

HOOK = Path(__file__).resolve().parents[1] / "docs" / "hooks" / "griffe_roles.py"
_spec = importlib.util.spec_from_file_location("griffe_roles", HOOK)
assert _spec is not None and _spec.loader is not None
roles = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(roles)


@pytest.fixture(scope="module")
def pkg() -> griffe.Module:
    return griffe.load("regionopt", extensions=griffe.load_extensions(roles.SphinxRoles))


@pytest.fixture(scope="module")
def plain() -> griffe.Module:
    return griffe.load("regionopt")


@pytest.mark.parametrize(
    ("target", "scope", "expected"),
    [
        ("InputError", "land.problem", "regionopt.errors.InputError"),  # an import of the module
        ("regionopt.geo", "plot", "regionopt.geo"),  # absolute
        ("regionopt.solve.Solution", "solve", "regionopt.solve.types.Solution"),  # re-export -> definition
        ("ClusterRoleProblem.from_frames", "clusters", "regionopt.clusters.problem.ClusterRoleProblem.from_frames"),
        ("settings_class", "contract.Problem.with_settings", "regionopt.contract.Problem.settings_class"),  # class scope
        (".linkages", "clusters.problem.ClusterRoleProblem.from_frames", "regionopt.clusters.linkages"),  # suffix
        ("pandas.DataFrame", "land.inputs", None),  # outside the package: plain code
        ("no_such_thing", "land", None),
    ],
)
def test_resolve(plain: griffe.Module, target: str, scope: str, expected: str | None) -> None:
    assert roles.resolve(target, plain[scope], plain) == expected


def test_inherited_member_resolves_to_its_definition(plain: griffe.Module) -> None:
    cls = plain["land.LandQuotaProblem"]
    inherited = [n for n, m in cls.all_members.items() if m.is_alias and m.inherited and not n.startswith("_")]
    assert "to_pyomo" in inherited
    assert roles.resolve("to_pyomo", cls, plain) == "regionopt.contract.Problem.to_pyomo"


def test_a_function_named_like_its_module_is_the_function(plain: griffe.Module) -> None:
    # regionopt.enclave has a module `nucleolus` and re-exports its function `nucleolus`
    assert roles._resolve_role("func", "nucleolus", plain["enclave"], plain) == "regionopt.enclave.nucleolus.nucleolus"
    assert roles._resolve_role("mod", "regionopt.enclave.nucleolus", plain, plain) == "regionopt.enclave.nucleolus"


def test_rewrite_forms(plain: griffe.Module) -> None:
    scope = plain["solve"]
    out = roles.rewrite("See :class:`~regionopt.solve.Solution`, :py:func:`solve_checked` and :class:`pandas.DataFrame`.",
                        scope, plain)
    assert out == (
        'See <autoref identifier="regionopt.solve.types.Solution" optional><code>Solution</code></autoref>, '
        '<autoref identifier="regionopt.solve.pipeline.solve_checked" optional><code>solve_checked</code></autoref> '
        "and <code>pandas.DataFrame</code>."
    )
    titled = roles.rewrite(":class:`the error <regionopt.InputError>`", scope, plain)
    assert titled == '<autoref identifier="regionopt.errors.InputError" optional><code>the error</code></autoref>'


def test_no_role_is_left_in_any_docstring(pkg: griffe.Module, plain: griffe.Module) -> None:
    before = sum(len(roles.ROLE.findall(o.docstring.value)) for o in roles._objects(plain) if o.docstring)
    after = [(o.path, m.group()) for o in roles._objects(pkg) if o.docstring for m in roles.ROLE.finditer(o.docstring.value)]
    assert before > 100  # the docstrings do use roles
    assert after == []
    refs = sum(len(re.findall(r"<autoref ", o.docstring.value)) for o in roles._objects(pkg) if o.docstring)
    assert refs >= 0.9 * before  # nearly all resolve; the rest (pandas, os, ...) become plain code
