"""MkDocs hook: tidy the notebook pages that mkdocs-jupyter renders.

- Links between pages: a notebook's Markdown links to a docs page relative to
  ``docs/notebooks/`` (where the notebooks appear, ``docs/notebooks`` being a link
  to ``examples/``), e.g. ``[policy facts](../policy.md#enclave-revenue)``, as the
  Markdown pages do. mkdocs-jupyter leaves such ``href`` values as they are, which
  would point nowhere on the built site; this hook rewrites them to the pages'
  URLs, as MkDocs does for Markdown pages, and warns (an error under
  ``--strict``) about a link to a page that does not exist.
- MathJax: mkdocs-jupyter writes a MathJax 2 loader into each notebook page (an
  empty ``<script src="">`` and an inert MathJax 2 configuration block). The site
  serves its own MathJax 3 (``offline_math.py``), so that block is dropped.
"""

from __future__ import annotations

import logging
import posixpath
import re
from typing import Any

from mkdocs.utils import get_relative_url

log = logging.getLogger("mkdocs.hooks.notebook_pages")

_NB_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", flags=re.DOTALL)
_HREF = re.compile(r'href="(?P<path>[^":#?]+\.(?:md|ipynb))(?P<anchor>#[^"]*)?"')


def on_page_content(html: str, page: Any, files: Any, **kwargs: Any) -> str:
    src = page.file.src_uri
    if not src.endswith(".ipynb"):
        return html
    html = _NB_MATHJAX.sub("", html)

    def repl(m: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(src), m["path"]))
        file = files.get_file_from_path(target)
        if file is None:
            log.warning("%s links to %r, which is not a docs page", src, m["path"])
            return m.group(0)
        return f'href="{get_relative_url(file.url, page.url)}{m["anchor"] or ""}"'

    return _HREF.sub(repl, html)
