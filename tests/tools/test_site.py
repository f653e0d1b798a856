"""The course website (`python -m aecourse site`), opened in headless Chromium from disk (file://)
and from a local http.server, with every request that would leave the machine aborted.

On every page: no outside request, no console error, page error, failed request or HTTP error;
every image loaded; every formula typeset by MathJax (no mjx-merror); every stored widget drawn,
visible and not empty; no serious or critical axe-core violation. Beside them: the explorer moves
with its sliders, search finds pages, the download link serves the notebook as stored, a deck
opens from its notebook's page. The meta-tests build the site with Sphinx's and myst-nb's default
(CDN) settings and break an image, and show that these checks fail then.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from aecourse.tools import notebook_dir
from aecourse.tools.site import build_site

NOTEBOOKS = sorted(p.stem for p in notebook_dir().glob("[0-9][0-9]_*.ipynb"))
PAGES = ["index.html", "instructors.html", "maintainers.html"] + [
    f"notebooks/{name}.html" for name in NOTEBOOKS
]
# axe-core's serious or critical findings that stay: rule -> (reason, text in every element's HTML).
AXE_ALLOWED: dict[str, tuple[str, str]] = {
    "scrollable-region-focusable": (
        "ipywidgets' stored progress bars (tqdm): its box can scroll by a few pixels in the narrow "
        "column; it holds a finished bar and its text, nothing to reach with the keyboard",
        "jupyter-widgets",
    ),
}
SETTLE_JS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const views = document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]');
  const drawn = () => document.querySelectorAll('.jupyter-widgets').length;
  for (let i = 0; i < 100 && drawn() < views.length; i++)
    await new Promise(done => setTimeout(done, 100));
  await document.fonts.ready;
  return true;
}"""
REPORT_JS = """() => {
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const views = [...document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')];
  const math = [...document.querySelectorAll('.math')];
  return {
    images: document.images.length,
    broken: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))
      .map(i => i.src.slice(0, 120)),
    no_alt: [...document.images].filter(i => !i.alt || /\\.(png|jpe?g)$/.test(i.alt))
      .map(i => i.src.slice(0, 120)),
    math: math.length,
    untypeset: math.filter(e => !e.querySelector('mjx-container'))
      .map(e => e.textContent.slice(0, 60)),
    merror: document.querySelectorAll('mjx-merror').length,
    views: views.length,
    undrawn: views.filter(v => {
      const w = v.parentElement.querySelector('.jupyter-widgets');
      const empty = w && !w.textContent.trim() && !w.querySelector('input, .progress, img');
      return !w || !visible(w) || empty;
    }).length,
    explorers: document.querySelectorAll('figure.aecourse-explorer').length,
    mathjax: window.MathJax && MathJax.version || null,
  };
}"""


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The whole website, built once (decks included)."""
    tmp = tmp_path_factory.mktemp("site")
    index = build_site(out_dir=tmp / "site", build_dir=tmp / "build")
    return index.parent


def _serve(folder: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def server(site):
    """The website served by http.server on 127.0.0.1 (a free port)."""
    server = _serve(site)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _allowed(violation: dict) -> bool:
    reason_and_marker = AXE_ALLOWED.get(violation["id"])
    return reason_and_marker is not None and all(
        reason_and_marker[1] in node["html"] for node in violation["nodes"]
    )


def _url(site: Path, server: str, mode: str, page: str) -> str:
    return (site / page).as_uri() if mode == "file" else server + page


def open_page(offline, url: str) -> tuple[object, dict]:
    page = offline.new_page()
    page.goto(url, wait_until="load")
    page.evaluate(SETTLE_JS)
    page.wait_for_timeout(300)
    return page, page.evaluate(REPORT_JS)


def page_failures(offline, report: dict) -> list[str]:
    """Everything wrong on a page, as readable lines (empty when the page is complete)."""
    failures = [f"outside request: {u}" for u in offline.outside] + list(offline.problems)
    failures += [f"image did not load: {src}" for src in report["broken"]]
    failures += [f"image without alt text: {src}" for src in report["no_alt"]]
    failures += [f"formula not typeset: {text}" for text in report["untypeset"]]
    if report["merror"]:
        failures.append(f"{report['merror']} MathJax errors (mjx-merror)")
    if report["math"] and not report["mathjax"]:
        failures.append("formulas on the page but no MathJax")
    if report["undrawn"]:
        failures.append(f"{report['undrawn']} of {report['views']} stored widgets not drawn")
    return failures


@pytest.mark.parametrize("mode", ["file", "http"])
@pytest.mark.parametrize("name", PAGES)
def test_page_is_complete_offline(site, server, offline, name, mode):
    page, report = open_page(offline, _url(site, server, mode, name))
    assert not page_failures(offline, report), f"{name} ({mode}): {page_failures(offline, report)}"
    if name.startswith("notebooks/"):
        assert report["images"] > 0, report
    if mode == "http":
        from axe_playwright_python.sync_playwright import Axe

        violations = Axe().run(page).response["violations"]
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} - {len(v['nodes'])} element(s), e.g. "
            f"{v['nodes'][0]['html'][:150]}"
            for v in violations
            if v["impact"] in ("serious", "critical") and not _allowed(v)
        ]
        assert not serious, f"{name}: axe-core: {serious}"


@pytest.mark.parametrize("mode", ["file", "http"])
def test_search_finds_pages(site, server, offline, mode):
    page = offline.new_page()
    page.goto(_url(site, server, mode, "search.html") + "?q=bottleneck")
    hits = page.locator("#search-results ul.search li")
    hits.first.wait_for(timeout=15000)
    assert hits.count() >= 2
    assert not offline.outside and not offline.problems, offline.outside + offline.problems


def test_download_link_serves_the_stored_notebook(site, server, offline):
    stored = (notebook_dir() / f"{NOTEBOOKS[0]}.ipynb").read_bytes()
    page = offline.new_page()
    page.goto(server + f"notebooks/{NOTEBOOKS[0]}.html")
    with page.expect_download() as download:
        page.locator("a.aecourse-download").click()
    assert Path(download.value.path()).read_bytes() == stored
    href = page.locator("a.aecourse-download").get_attribute("href")
    assert (site / "notebooks" / href).read_bytes() == stored  # the same file from disk


@pytest.mark.parametrize("mode", ["file", "http"])
def test_deck_opens_from_its_notebook_page(site, server, offline, mode):
    page = offline.new_page()
    page.goto(_url(site, server, mode, f"notebooks/{NOTEBOOKS[0]}.html"))
    page.locator("a.aecourse-deck").click()
    page.wait_for_selector(".reveal.ready", timeout=30000)
    assert page.url.split("#")[0].endswith(f"slides/{NOTEBOOKS[0]}.slides.html")
    assert page.evaluate("document.querySelectorAll('.reveal .slides section').length") > 3
    assert not offline.outside and not offline.problems, offline.outside + offline.problems


def _explorer_pages(site: Path) -> list[str]:
    return [p for p in PAGES if "aecourse-explorer" in (site / p).read_text(encoding="utf-8")]


def test_explorer_moves_with_its_sliders(site, offline):
    pages = _explorer_pages(site)
    if not pages:
        pytest.skip("no stored notebook has an explorer with its lattice yet (re-execute 04, 08)")
    for name in pages:
        page = offline.new_page()
        page.goto((site / name).as_uri())
        figure = page.locator("figure.aecourse-explorer.is-live").first
        figure.wait_for()
        sliders = figure.locator("input[type=range]")
        assert sliders.count() == 2
        sprite = figure.locator("img.aecourse-explorer-sprite")
        before = sprite.get_attribute("alt"), figure.get_attribute("data-tile-index")
        sliders.nth(0).fill("0")
        sliders.nth(1).fill("0")
        after = sprite.get_attribute("alt"), figure.get_attribute("data-tile-index")
        steps = int(figure.get_attribute("data-steps"))
        assert after != before and after[1] == str((steps - 1) * steps)  # bottom-left tile
        view = figure.locator(".aecourse-explorer-view").bounding_box()
        assert 100 < view["width"] < 400 and view["width"] == view["height"]
        assert not offline.outside and not offline.problems, offline.outside + offline.problems


# ---------------------------------------------------------------- the checks can fail


@pytest.fixture(scope="session")
def default_site(tmp_path_factory) -> Path:
    """One notebook's site with Sphinx's and myst-nb's defaults: MathJax and widgets from CDNs."""
    tmp = tmp_path_factory.mktemp("default-site")
    name = "01_intro.ipynb"
    index = build_site([name], out_dir=tmp / "site", build_dir=tmp / "build", with_decks=False,
                       defaults=True)  # fmt: skip
    return index.parent


def test_checks_catch_a_site_with_the_default_cdn_settings(default_site, offline):
    page, report = open_page(offline, (default_site / "notebooks/01_intro.html").as_uri())
    failures = page_failures(offline, report)
    assert any(f.startswith("outside request: https://") for f in failures), failures
    assert any(f.startswith("formula not typeset") for f in failures), failures
    assert any("stored widgets not drawn" in f for f in failures), failures


def test_checks_catch_a_missing_image_and_a_page_error(site, offline, tmp_path):
    broken = tmp_path / "site"
    shutil.copytree(site, broken, ignore=shutil.ignore_patterns("slides"))
    html = (broken / "notebooks" / f"{NOTEBOOKS[0]}.html").read_text(encoding="utf-8")
    image = next((broken / "_images").glob("*.png"))
    assert image.name in html or any(image.name in p.read_text() for p in broken.rglob("*.html"))
    page_html = next(
        p for p in (broken / "notebooks").glob("*.html") if image.name in p.read_text()
    )
    image.unlink()
    text = page_html.read_text(encoding="utf-8")
    page_html.write_text(text.replace("</body>", "<script>undefinedThing()</script></body>"))
    _, report = open_page(offline, page_html.as_uri())
    failures = page_failures(offline, report)
    assert any(f.startswith("image did not load") for f in failures), failures
    assert any("undefinedThing" in f for f in failures), failures
