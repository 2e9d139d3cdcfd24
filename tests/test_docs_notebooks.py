"""The example notebooks are committed as the docs build wants them (docs/README.md).

The docs build runs every notebook (mkdocs-jupyter ``execute: true``), so the
notebooks are committed without outputs; they draw inline and show each figure,
and the gallery's figure cells carry a caption.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "examples").glob("[0-9][0-9]_*.ipynb"))


def test_cells_have_ids() -> None:
    """nbformat 4.5 wants an id on every cell (nbformat warns today and will refuse later)."""
    for p in NOTEBOOKS:
        nb = json.loads(p.read_text(encoding="utf-8"))
        assert (nb["nbformat"], nb["nbformat_minor"]) >= (4, 5)
        assert all("id" in c for c in nb["cells"]), p.name


def _code(path: Path) -> list[dict]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_every_notebook_is_a_docs_page() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert len(NOTEBOOKS) >= 4
    for p in NOTEBOOKS:
        assert f"notebooks/{p.name}" in nav, p.name
        assert f"<!-- gallery: {p.stem} -->" in (ROOT / "docs" / "gallery.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean_and_draws_inline(path: Path) -> None:
    cells = _code(path)
    assert all(c.get("outputs") == [] and c.get("execution_count") is None for c in cells), (
        "commit notebooks without outputs: the docs build runs them"
    )
    source = ["".join(c["source"]) for c in cells]
    first_plot = next(i for i, s in enumerate(source) if "plt." in s or "plot." in s)
    assert any("%matplotlib inline" in s for s in source[: first_plot + 1]), "draw inline"
    for s in source:
        assert "matplotlib.use(" not in s, "a non-interactive backend hides the figures"
        assert "plt.close(" not in s, "a figure closed before it is shown does not appear"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_gallery_cells_have_captions_and_show_a_figure(path: Path) -> None:
    tagged = [c for c in _code(path) if "gallery" in c["metadata"].get("tags", [])]
    assert tagged, f"{path.stem}: no figure tagged for the gallery"
    for c in tagged:
        assert len(c["metadata"].get("caption", "")) > 20, c["source"][:1]
        assert "plt.show()" in "".join(c["source"])
