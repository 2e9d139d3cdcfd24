"""The built docs as a reader sees them: headless Chromium renders the pages.

Each worked-example page must show its figures (images that loaded, with a
non-zero natural size) and its tables; the gallery must show the figures of
every notebook; every page with formulas must have them typeset by MathJax
(``mjx-container`` elements, no raw ``\\(``/``\\[`` left in the text) with the
MathJax served by the site itself; the API reference must show its Sphinx roles
as links or code, never as ``:class:`` text.

Chromium runs with every host name except 127.0.0.1 unresolvable, so a page that
needed a CDN would fail here. The site is the one ``check.sh`` built
(``REGIONOPT_DOCS_SITE``), or built here with ``mkdocs build --strict`` (which runs
every notebook: a few minutes). Chromium is Debian's ``chromium`` package, which
``.ci/run`` installs: in CI (``CI`` set) a missing Chromium fails these tests;
elsewhere they are skipped with the command that installs it.
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "examples").glob("[0-9][0-9]_*.ipynb"))

#: Runs in the test page: loads the page under test in a same-origin iframe, waits for
#: MathJax and the images, and writes what it found as JSON into <pre id="out">.
PROBE = """<!doctype html>
<html><head><meta charset="utf-8"><title>probe</title></head><body>
<pre id="out">pending</pre>
<iframe id="f" style="width:1280px;height:1000px" src="__PAGE__"></iframe>
<script>
const out = document.getElementById("out");
const frame = document.getElementById("f");
frame.addEventListener("load", async () => {
  const w = frame.contentWindow, d = frame.contentDocument;
  try {
    const imgs = Array.from(d.images);
    imgs.forEach(i => { i.loading = "eager"; });
    await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
    if (w.MathJax && w.MathJax.startup && w.MathJax.startup.promise) { await w.MathJax.startup.promise; }
    const skip = "code, pre, script, style, textarea, mjx-assistive-mml";
    const walker = d.createTreeWalker(d.body, NodeFilter.SHOW_TEXT);
    const raw = [];
    const roles = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement && n.parentElement.closest(skip)) continue;
      const t = n.textContent;
      if (/\\\\[()\\[\\]]|\\\\begin\\{/.test(t)) raw.push(t.trim().slice(0, 120));
      if (/:(class|func|meth|mod|attr|data|exc|obj):/.test(t)) roles.push(t.trim().slice(0, 120));
    }
    const origin = w.location.origin;
    out.textContent = JSON.stringify({
      title: d.title,
      images: imgs.map(i => ({
        w: i.naturalWidth, h: i.naturalHeight, src: (i.currentSrc || i.src).slice(0, 60),
        output: !!i.closest(".jp-OutputArea-output"),
        gallery: !!i.closest("figure.gallery-figure"),
        link: i.closest("a") ? i.closest("a").getAttribute("href") : null,
      })),
      tables: d.querySelectorAll(".jp-OutputArea-output table").length,
      outputs: d.querySelectorAll(".jp-OutputArea-output").length,
      arithmatex: d.querySelectorAll(".arithmatex").length,
      mjx: d.querySelectorAll("mjx-container").length,
      mjx_errors: d.querySelectorAll("mjx-merror").length,
      mathjax_version: w.MathJax && w.MathJax.version ? w.MathJax.version : null,
      raw_tex: raw,
      sphinx_roles: roles,
      autorefs: d.querySelectorAll("a.autorefs").length,
      foreign: w.performance.getEntriesByType("resource").map(e => e.name)
                .filter(n => !n.startsWith(origin) && !n.startsWith("data:")),
    });
  } catch (e) {
    out.textContent = JSON.stringify({error: String(e)});
  }
});
</script></body></html>
"""


def _chromium() -> str | None:
    for name in (os.environ.get("REGIONOPT_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = _chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs Debian's chromium (.ci/run); the rendered docs must be tested")
        pytest.skip("no Chromium: apt-get install chromium (Debian), or set REGIONOPT_CHROMIUM")
    return exe


@pytest.fixture(scope="module")
def site() -> Iterator[Path]:
    given = os.environ.get("REGIONOPT_DOCS_SITE")
    if given:
        path = Path(given)
        assert (path / "index.html").is_file(), f"REGIONOPT_DOCS_SITE={given} holds no built site"
        yield path
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "MPLBACKEND": "Agg", "NO_MKDOCS_2_WARNING": "1"}
        proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", tmp],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
        assert proc.returncode == 0, proc.stderr[-4000:]
        yield Path(tmp)


class _Handler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/__probe__.html":
            page = parse_qs(parts.query)["page"][0]
            body = PROBE.replace("__PAGE__", html.escape(page, quote=True)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def chromium_args(exe: str, profile: str) -> list[str]:
    """Headless Chromium, as root, that reaches nothing but 127.0.0.1."""
    return [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def render(chromium: str, server: str, page: str) -> dict[str, Any]:
    """What a reader's browser shows on ``page`` (a site path such as ``land/``)."""
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [*chromium_args(chromium, profile), "--virtual-time-budget=30000", "--dump-dom",
             f"{server}/__probe__.html?page=/{page}"],
            capture_output=True, text=True, timeout=180,
        )
    m = re.search(r'<pre id="out">(.*?)</pre>', proc.stdout, flags=re.DOTALL)
    assert m, f"Chromium returned no page for {page}: {proc.stderr[-2000:]}"
    text = html.unescape(m.group(1))
    assert text != "pending", f"{page} did not finish loading within the time budget"
    report: dict[str, Any] = json.loads(text)
    assert "error" not in report, report
    return report


def _figure_cells(name: str) -> int:
    nb = json.loads((ROOT / "examples" / f"{name}.ipynb").read_text(encoding="utf-8"))
    return sum("plt.show()" in "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_worked_example_page_shows_its_figures_and_tables(chromium: str, server: str, name: str) -> None:
    r = render(chromium, server, f"notebooks/{name}/")
    shown = [i for i in r["images"] if i["output"] and i["w"] > 0 and i["h"] > 0]
    broken = [i for i in r["images"] if i["w"] == 0 or i["h"] == 0]
    assert not broken, f"{name}: images that did not load: {broken}"
    # every cell that draws (ends with plt.show()) shows at least one figure
    assert _figure_cells(name) >= 1
    assert len(shown) >= _figure_cells(name), (name, len(shown), _figure_cells(name))
    assert all(i["w"] >= 300 and i["h"] >= 150 for i in shown), shown  # figures, not icons
    assert r["outputs"] >= 5  # printed tables and text: the notebook ran
    if name != "02_enclave_revenue":  # 02 prints its tables as text
        assert r["tables"] >= 3
    assert r["foreign"] == []


def test_gallery_shows_every_worked_example(chromium: str, server: str) -> None:
    r = render(chromium, server, "gallery/")
    figs = [i for i in r["images"] if i["gallery"]]
    assert figs and all(i["w"] >= 300 and i["h"] >= 150 for i in figs), figs
    linked = {i["link"].strip("./").split("/")[-1] for i in figs}
    assert linked == set(NOTEBOOKS), linked  # each notebook has figures there, each links back
    assert r["foreign"] == []


def _formula_pages(site: Path) -> list[str]:
    return sorted(p.parent.relative_to(site).as_posix() + "/" for p in site.glob("*/index.html")
                  if 'class="arithmatex"' in p.read_text(encoding="utf-8"))


def test_formulas_render_offline(chromium: str, server: str, site: Path) -> None:
    pages = _formula_pages(site)
    assert {"land/", "clusters/", "enclave/", "plan/"} <= set(pages), pages
    for page in pages:
        r = render(chromium, server, page)
        assert r["mathjax_version"] and r["mathjax_version"].startswith("3."), (page, r["mathjax_version"])
        assert r["arithmatex"] > 0
        # every formula typeset: one mjx-container per arithmatex span, none left as TeX, no TeX errors
        assert r["mjx"] >= r["arithmatex"], (page, r["mjx"], r["arithmatex"])
        assert r["raw_tex"] == [], (page, r["raw_tex"][:5])
        assert r["mjx_errors"] == 0, page
        assert r["foreign"] == [], (page, r["foreign"])


def test_api_reference_shows_roles_as_links(chromium: str, server: str) -> None:
    r = render(chromium, server, "api/")
    assert r["sphinx_roles"] == [], r["sphinx_roles"][:5]
    assert r["autorefs"] >= 150, r["autorefs"]


def test_site_loads_nothing_from_outside(site: Path) -> None:
    """No page loads a script, style sheet or font from another host (links to sources are fine)."""
    pat = re.compile(r'<(?:script|img|iframe)[^>]*\ssrc="(?:https?:)?//|<link[^>]*\shref="(?:https?:)?//[^"]*"[^>]*>')
    offenders = {}
    for p in site.rglob("*.html"):
        found = [m.group(0)[:120] for m in pat.finditer(p.read_text(encoding="utf-8"))
                 if "rel=\"canonical\"" not in m.group(0)]
        if found:
            offenders[str(p.relative_to(site))] = found
    assert offenders == {}
    assert (site / "javascripts/mathjax/tex-mml-chtml.js").is_file()
    assert any((site / "javascripts/mathjax/output/chtml/fonts/woff-v2").glob("*.woff"))
