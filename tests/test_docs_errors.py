"""docs/errors.md lists every error of the input boundary (tables, workbooks, settings, options, files, CLI)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The modules where user input is checked; every message they raise must be on the errors page.
MODULES = ["schema.py", "io/excel.py", "io/files.py", "cli.py", "contract.py", "solve/types.py",
           "land/inputs.py", "clusters/inputs.py", "enclave/workbook.py", "enclave/forecast.py", "plan/inputs.py"]
ERRORS = ("InputError", "InfeasibleError", "RegionoptError")


def _fragment(node: ast.expr) -> str | None:
    """The longest literal piece of a message (f-string parts between the placeholders)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        parts = [node.value]
    elif isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    else:
        return None
    best = max(parts, key=len, default="").strip(" ;:,.(")
    return best if len(best) >= 8 else None


def _messages() -> list[tuple[str, int, str]]:
    out = []
    for mod in MODULES:
        path = ROOT / "regionopt" / mod
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ERRORS and node.args:
                frag = _fragment(node.args[0])
                if frag:
                    out.append((mod, node.lineno, frag))
    return out


def test_every_input_error_message_is_on_the_errors_page() -> None:
    page = (ROOT / "docs" / "errors.md").read_text()
    missing = [f"{m}:{line}: {frag!r}" for m, line, frag in _messages() if frag not in page]
    assert not missing, "add these to docs/errors.md:\n" + "\n".join(missing)


@pytest.mark.parametrize("name", ["InputError", "InfeasibleError", "RegionoptWarning", "SolverUnavailableError",
                                  "MissingExtraError", "RegionoptError"])
def test_every_error_type_is_described(name: str) -> None:
    assert f"`regionopt.{name}`" in (ROOT / "docs" / "errors.md").read_text()
