"""MkDocs hook: the gallery page shows the key figures of every worked example.

A notebook marks a figure cell for the gallery with the cell tag ``gallery`` and
a caption in the cell's metadata (``"caption": "..."``). The docs build executes
the notebooks (mkdocs-jupyter ``execute: true``); this hook takes the PNG images
from the outputs of the tagged cells of each notebook page, writes them next to
the gallery page and replaces each marker ``<!-- gallery: NOTEBOOK -->`` of
``gallery.md`` (NOTEBOOK = the file name without ``.ipynb``) with the figures of
that notebook, each linking to the notebook page.

The figures therefore always come from the notebooks as they ran in this
build. A marker naming a notebook without tagged figures, or a tagged cell
whose output holds no image, fails the build.
"""

from __future__ import annotations

import base64
import html as html_lib
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

TAG = "gallery"
_MARKER = re.compile(r"<!--\s*gallery:\s*([\w.-]+)\s*-->")
_CELL = re.compile(r'<div\s+class="jp-Cell [^"]*"')
_IMG = re.compile(r'<img\s[^>]*src="data:image/png;base64,([^"]+)"')


@dataclass
class Figure:
    png: bytes
    caption: str
    page_url: str
    page_title: str


_figures: dict[str, list[Figure]] = {}


def _tagged_captions(path: str) -> list[str]:
    """Captions of the notebook's code cells tagged ``gallery``, in order."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return [
        str(c.get("metadata", {}).get("caption", ""))
        for c in nb["cells"]
        if c["cell_type"] == "code" and TAG in c.get("metadata", {}).get("tags", [])
    ]


def _tagged_cells(html: str) -> list[str]:
    """The HTML of each notebook cell carrying the ``celltag_gallery`` class, in order."""
    matches = list(_CELL.finditer(html))
    # mkdocs-jupyter's template wraps nbconvert's cell div in one of its own with the same classes:
    # a cell div directly inside another is the same cell
    starts = [m.start() for k, m in enumerate(matches)
              if k == 0 or html[matches[k - 1].end():m.start()].strip() != ">"] + [len(html)]
    cells = [html[a:b] for a, b in itertools.pairwise(starts)]
    return [c for c in cells if f"celltag_{TAG}" in c[: c.find(">")]]


def on_pre_build(**kwargs: Any) -> None:
    _figures.clear()


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    src = page.file.src_uri
    if not src.endswith(".ipynb"):
        return html
    captions = _tagged_captions(page.file.abs_src_path)
    cells = _tagged_cells(html)
    if len(cells) != len(captions):
        raise PluginError(f"gallery: {src}: {len(captions)} cells tagged {TAG!r}, {len(cells)} found in the page")
    name = Path(src).stem
    figs: list[Figure] = []
    for caption, cell in zip(captions, cells, strict=True):
        images = _IMG.findall(cell)
        if not images:
            raise PluginError(f"gallery: {src}: the cell captioned {caption!r} shows no PNG image")
        figs += [Figure(base64.b64decode(b), caption, page.url, page.title or name) for b in images]
    _figures[name] = figs
    return html


def _figure_html(fig: Figure, img_url: str, page_link: str) -> str:
    cap = html_lib.escape(fig.caption)
    return (
        f'<figure class="gallery-figure"><a href="{page_link}"><img src="{img_url}" alt="{cap}" loading="lazy"></a>'
        f'<figcaption>{cap} — <a href="{page_link}">{html_lib.escape(fig.page_title)}</a></figcaption></figure>'
    )


def on_post_page(output: str, page: Any, config: Any, **kwargs: Any) -> str:
    if not _MARKER.search(output):
        return output
    out_dir = Path(page.file.abs_dest_path).parent

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if not _figures.get(name):
            raise PluginError(f"gallery: {page.file.src_uri} asks for {name!r}, which has no tagged figures")
        parts = []
        for i, fig in enumerate(_figures[name], start=1):
            fname = f"{name}-{i}.png"
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / fname).write_bytes(fig.png)
            img_url = get_relative_url(str(Path(page.file.dest_uri).parent / fname), page.file.dest_uri)
            parts.append(_figure_html(fig, img_url, get_relative_url(fig.page_url, page.url)))
        return "\n".join(parts)

    return _MARKER.sub(repl, output)
