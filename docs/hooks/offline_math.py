"""MkDocs hook: MathJax served from the site itself, never from a CDN.

The formulas of the model pages (``pymdownx.arithmatex``, ``\\(...\\)`` and
``\\[...\\]`` in ``<span class="arithmatex">``) are typeset in the browser by
MathJax 3. Its files come from the ``django-static-mathjax`` wheel on PyPI (the
MathJax 3.2.2 distribution as files, no Django needed at run time; part of the
``docs`` extra): this hook adds the CommonHTML bundle, its web fonts, the TeX
extensions it may autoload and the accessibility components its menu may load
to the site under ``javascripts/mathjax/``, so the built site typesets offline.
``mkdocs.yml`` loads ``javascripts/mathjax/tex-mml-chtml.js``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

DEST = "javascripts/mathjax"
#: What the CommonHTML bundle needs or may load, relative to MathJax's es5 folder.
PARTS = ("tex-mml-chtml.js", "input/tex/extensions", "output/chtml", "ui", "a11y", "sre")


def mathjax_root() -> Path:
    """MathJax's ``es5`` folder in the installed ``django-static-mathjax`` package."""
    spec = importlib.util.find_spec("mathjax")
    root = None
    if spec is not None and spec.submodule_search_locations:
        root = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"
    if root is None or not (root / "tex-mml-chtml.js").is_file():
        raise PluginError(
            "MathJax files not found: the docs serve MathJax from the site itself. "
            'Install them with: pip install "regionopt[docs]"  (or: pip install django-static-mathjax)'
        )
    return root


def on_files(files: Files, config: Any, **kwargs: Any) -> Files:
    root = mathjax_root()
    for part in PARTS:
        src = root / part
        paths = [src] if src.is_file() else sorted(p for p in src.rglob("*") if p.is_file())
        for path in paths:
            rel = path.relative_to(root).as_posix()
            files.append(File.generated(config, f"{DEST}/{rel}", abs_src_path=str(path)))
    return files

