"""Griffe extension: Sphinx roles in docstrings become cross-references on the docs site.

The docstrings are numpy style and cross-reference with Sphinx roles
(``:class:`InputError```, ``:meth:`~regionopt.solve.Solution.value```,
``:mod:`regionopt.geo```...), which Markdown would show literally. Loaded by
mkdocstrings-python (``extensions:`` in ``mkdocs.yml``), this extension rewrites
every role, once the package is loaded, into an *optional* mkdocs-autorefs
reference::

    <autoref identifier="regionopt.errors.InputError" optional><code>InputError</code></autoref>

The target is resolved the way a reader would: in the docstring's own object
(class members, inherited ones included), then its parents (class, module,
package), then from the package root; a dotted name resolves its first part
that way and the rest as members; a leading ``~`` shows only the last part.
autorefs turns the reference into a link when the target is rendered somewhere
on the site and into plain code otherwise (an ``optional`` reference never
warns), so ``mkdocs build --strict`` does not fail on a role whose target is
not documented (``:class:`pandas.DataFrame```, a private helper).
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

#: ``:role:`target```, ``:py:role:`~target```, ``:role:`title <target>```.
ROLE = re.compile(
    r":(?:py:)?(?P<role>class|func|meth|attr|mod|data|exc|obj|const|type):`(?P<body>[^`]+)`"
)
_TITLED = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$")


def _member(obj: Any, name: str) -> Any | None:
    """``obj``'s member ``name`` (inherited members of classes included), or None."""
    try:
        if obj.is_class:
            return obj.all_members.get(name)
        return obj.members.get(name)
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def _canonical(obj: Any) -> str | None:
    """The path where ``obj`` is defined (through aliases), None if it lies outside the collection."""
    try:
        return str(obj.final_target.path) if obj.is_alias else str(obj.path)
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def _walk(start: Any, parts: list[str]) -> Any | None:
    obj = start
    for part in parts:
        obj = _member(obj, part)
        if obj is None:
            return None
    return obj


def resolve(target: str, scope: Any, root: Any) -> str | None:
    """The canonical path of ``target`` as seen from ``scope`` (a Griffe object), or None.

    ``root`` is the top-level package: absolute dotted paths are looked up from it.
    """
    target = target.strip().removesuffix("()")
    if target.startswith("."):  # a suffix, as Sphinx reads it: ":mod:`.linkages`" in regionopt.clusters.problem
        module = scope if scope.is_module else scope.module
        while module is not None:
            found = resolve(module.path + target, module, root)
            if found is not None:
                return found
            module = module.parent
        return None
    parts = target.split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    if parts[0] == root.name:
        found = _walk(root, parts[1:])
        return _canonical(found) if found is not None else None
    s = scope
    while s is not None:
        head = _member(s, parts[0])
        if head is None and s.name == parts[0] and not s.is_module:
            head = s
        if head is not None:
            found = _walk(head, parts[1:])
            if found is not None:
                return _canonical(found)
        s = s.parent
    return None


def _resolve_role(role: str, target: str, scope: Any, root: Any) -> str | None:
    """As :func:`resolve`, but a function or class named like its module is preferred to the module.

    (``regionopt.enclave`` has a module ``nucleolus`` and re-exports its function
    ``nucleolus``: ``:func:`nucleolus``` means the function.)
    """
    path = resolve(target, scope, root)
    if path is None or role == "mod":
        return path
    try:
        found = root.modules_collection[path]
    except KeyError:
        return path
    if found.is_module:
        inner = _member(found, path.rsplit(".", 1)[-1])
        if inner is not None and not inner.is_module:
            return _canonical(inner) or path
    return path


def rewrite(text: str, scope: Any, root: Any) -> str:
    """``text`` with every Sphinx role replaced by an optional autorefs reference."""

    def repl(m: re.Match[str]) -> str:
        body = m["body"].strip()
        titled = _TITLED.match(body)
        if titled:
            shown, target = titled["title"], titled["target"]
        else:
            target = body.lstrip("~")
            shown = target.rsplit(".", 1)[-1] if body.startswith("~") else target.lstrip(".")
        code = f"<code>{html.escape(shown)}</code>"
        path = _resolve_role(m["role"], target.lstrip("~"), scope, root)
        if path is None:
            return code
        return f'<autoref identifier="{html.escape(path)}" optional>{code}</autoref>'

    return ROLE.sub(repl, text)


def _objects(obj: Any) -> Any:
    """``obj`` and every object defined inside it (aliases, i.e. imports, skipped)."""
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _objects(member)


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring of a package once it is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for obj in _objects(pkg):
            if obj.docstring is not None and ":" in obj.docstring.value:
                obj.docstring.value = rewrite(obj.docstring.value, obj, pkg)

    def on_package_loaded(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """The same event under its name before Griffe 1.14 (a second call finds no role left)."""
        self.on_package(pkg=pkg)
