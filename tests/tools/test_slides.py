"""Slide decks (`python -m aecourse slides`): built with local assets, then opened from disk in
headless Chromium (pytest-playwright, fixtures in tests/conftest.py) with every request that would
leave the machine aborted. Checks per deck: reveal.js initialised, its slide count matches the
notebook's slide metadata, MathJax rendered the formulas, no request left for the network, every
slide fits the 700 px tall and 960 px wide screen, and the first slide is not blank. A small fixture
notebook with known slides runs beside the course's; meta-tests show that the checks can fail.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from aecourse.tools import notebook_dir
from aecourse.tools.slides import build_decks

COURSE = sorted(notebook_dir().glob("[0-9][0-9]_*.ipynb"))
FIXTURE = "fixture_deck"
DECKS = [p.stem for p in COURSE] + [FIXTURE]

LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
REVEAL_HEIGHT, REVEAL_WIDTH = 700, 960  # nbconvert's reveal template, scaled to the window
# Decks whose outputs were wider than a slide when the width check came (a printed table or figure
# that scrolls sideways): reported by the test, not failed, until their owners narrow them.
KNOWN_WIDE = {"02_linear_vs_pca", "03_deep_mlp", "06_denoising", "08_vae"}


# ---------------------------------------------------------------- the notebooks' slide metadata


def _slide_type(cell) -> str:
    return cell.metadata.get("slideshow", {}).get("slide_type", "-")


def _tags(cell) -> set[str]:
    return set(cell.metadata.get("tags", []))


def _shown(nb) -> list:
    return [c for c in nb.cells if "remove-cell" not in _tags(c)]


def expected_slide_count(nb) -> int:
    """Slides reveal.js counts: the first visible cell opens one, then every `slide` and `subslide`
    (nbconvert nests subslides as vertical slides inside the horizontal ones; reveal counts each).
    """
    types = [_slide_type(c) for c in _shown(nb)]
    first = next(i for i, t in enumerate(types) if t not in ("skip", "notes"))
    return 1 + sum(t in ("slide", "subslide") for t in types[first + 1 :])


def expected_code_inputs(nb) -> int:
    """Code cells whose source the deck shows: not skipped, not tagged remove-input."""
    return sum(
        c.cell_type == "code" and _slide_type(c) != "skip" and "remove-input" not in _tags(c)
        for c in _shown(nb)
    )


def expected_notes(nb) -> int:
    return sum(_slide_type(c) == "notes" for c in _shown(nb))


def display_formulas(nb) -> int:
    """$$...$$ formulas in the markdown the deck shows."""
    return sum(
        len(re.findall(r"\$\$.+?\$\$", c.source, flags=re.S))
        for c in _shown(nb)
        if c.cell_type == "markdown" and _slide_type(c) != "skip"
    )


def has_math(nb) -> bool:
    return any(
        re.search(r"\$[^$\s][^$]*\$", c.source)
        for c in _shown(nb)
        if c.cell_type == "markdown" and _slide_type(c) != "skip"
    )


# ---------------------------------------------------------------- a fixture notebook with known
# slides


def make_fixture(path: Path) -> None:
    """Executed notebook: title, notes, formulas (1 display + 2 inline), a fragment, a figure,
    skipped cells, plumbing with hidden input and a stored tqdm widget; 5 slides."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    def cell(c, slide_type, *tags):
        c.metadata["slideshow"] = {"slide_type": slide_type}
        if tags:
            c.metadata["tags"] = list(tags)
        return c

    cells = [
        cell(new_markdown_cell("# Fixture deck\nA small notebook with known slides."), "slide"),
        cell(new_markdown_cell("Speaker note: welcome everyone."), "notes"),
        cell(
            new_code_cell("import matplotlib.pyplot as plt\nfrom tqdm.auto import tqdm"),
            "-",
            "remove-input",
        ),
        cell(
            new_markdown_cell(
                "## The loss\n$$\\mathcal{L}(\\theta) = \\frac{1}{N}\\sum_{i=1}^N "
                "\\lVert x_i - g(f(x_i)) \\rVert^2$$\nwith the code $z = f(x)$ of size $k$."
            ),
            "slide",
        ),
        cell(new_markdown_cell("- revealed later"), "fragment"),
        cell(
            new_code_cell(
                "fig, ax = plt.subplots(figsize=(6, 3))\nax.plot([0, 1, 2], [2, 0, 1])\n"
                "ax.set(title='a line', xlabel='x', ylabel='y')\nplt.show()"
            ),
            "subslide",
        ),
        cell(new_markdown_cell("Not in the deck."), "skip"),
        cell(new_code_cell("print('not in the deck either')"), "skip"),
        cell(new_markdown_cell("## Training"), "slide"),
        cell(
            new_code_cell("for _ in tqdm(range(3), desc='epochs'):\n    pass"), "-", "remove-input"
        ),
        cell(new_markdown_cell("## The end"), "subslide"),
    ]
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
            }
        },
    )
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def decks(tmp_path_factory) -> dict[str, tuple[Path, nbformat.NotebookNode]]:
    """All decks, built once into one folder (shared assets), keyed by notebook stem."""
    tmp = tmp_path_factory.mktemp("decks")
    fixture = tmp / f"{FIXTURE}.ipynb"
    make_fixture(fixture)
    sources = [*COURSE, fixture]
    paths = build_decks(sources, out_dir=tmp / "slides")
    assert [p.name for p in paths] == [f"{s.stem}.slides.html" for s in sources]
    return {s.stem: (p, nbformat.read(s, as_version=4)) for s, p in zip(sources, paths)}


def test_fixture_metadata_counts():
    """The counting rules on a hand-made list of cells (what the browser test compares against)."""
    from nbformat.v4 import new_markdown_cell, new_notebook

    def md(slide_type, tags=()):
        c = new_markdown_cell("x")
        c.metadata["slideshow"] = {"slide_type": slide_type}
        c.metadata["tags"] = list(tags)
        return c

    nb = new_notebook(
        cells=[
            md("notes"),
            md("-"),
            md("fragment"),
            md("subslide"),
            md("skip"),
            md("slide"),
            md("slide", ["remove-cell"]),
            md("-"),
            md("subslide"),
        ]
    )
    assert expected_slide_count(nb) == 4
    assert expected_notes(nb) == 1


# ---------------------------------------------------------------- static checks (no browser needed)


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source") and a.get("src"):
            self.refs.append(a["src"])
        if tag == "link" and a.get("href"):
            self.refs.append(a["href"])


def deck_references(deck: Path) -> tuple[list[str], list[str], list[str]]:
    """(all, remote, missing) files the deck loads: scripts, styles, images, require.js modules."""
    html = deck.read_text(encoding="utf-8")
    parser = _Refs()
    parser.feed(html)
    refs = parser.refs + re.findall(r'"([^"\s]+/(?:dist/reveal|plugin/notes/notes)\.js)"', html)
    refs += re.findall(r"widgetRendererSrc = '([^']+)'", html)
    refs += re.findall(r"import \w+ from '([^']+)'", html)  # ES modules (nbconvert's mermaid)
    refs = [r for r in refs if not r.startswith("data:")]
    remote = [r for r in refs if re.match(r"^([a-z]+:)?//", r, flags=re.I)]
    missing = [r for r in refs if r not in remote and not (deck.parent / r.split("?")[0]).is_file()]
    return refs, remote, missing


@pytest.mark.parametrize("name", DECKS)
def test_deck_loads_only_files_beside_it(decks, name):
    deck, _ = decks[name]
    refs, remote, missing = deck_references(deck)
    assert not remote, f"{deck.name} loads from the network: {remote}"
    assert not missing, f"{deck.name} references files that are not beside it: {missing}"
    assert sum(r.endswith(("/dist/reveal.js", "/plugin/notes/notes.js")) for r in refs) == 2, refs
    assert any("MathJax.js" in r for r in refs), refs


def test_assets_are_beside_the_decks_not_in_git(decks):
    assets = next(iter(decks.values()))[0].parent / "assets"
    for lib in ("reveal.js", "mathjax", "requirejs", "jquery", "html-manager"):
        assert (assets / lib).is_dir(), lib
    root = notebook_dir().parent
    if (root / ".git").exists() and shutil.which("git"):
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", "slides/assets/reveal.js/dist/reveal.js"], cwd=root
        )
        assert ignored.returncode == 0, "slides/ must be ignored by git"


# ---------------------------------------------------------------- Chromium (pytest-playwright)

# Wait until reveal.js is ready, MathJax has typeset everything queued, and stored widgets are
# drawn.
STATE_JS = """(() => {
  const mj = window.MathJax;
  if (mj && mj.isReady && !window.__aecourseMathJax) {
    window.__aecourseMathJax = 'queued';
    mj.Hub.Queue(() => { window.__aecourseMathJax = 'done'; });
  }
  const views = document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]').length;
  return {reveal: !!document.querySelector('.reveal.ready'),
          mathjax: window.__aecourseMathJax || (mj ? 'loading' : 'absent'),
          widgets: views === 0 || document.querySelectorAll('.jupyter-widgets').length > 0};
})()"""

INFO_JS = """((revealId) => {
  const Reveal = require(revealId);
  // not reveal's aria-status copy
  const math = [...document.querySelectorAll('.slides .MathJax_CHTML')];
  return {
    api_ready: Reveal.isReady(), total: Reveal.getTotalSlides(),
    reveal_class: document.querySelector('.reveal').className,
    math_scripts: document.querySelectorAll('.slides script[type^="math/tex"]').length,
    math_rendered: math.length,
    math_errors: document.querySelectorAll('.mjx-merror, .MathJax_Error').length
                 + (document.body.textContent.includes('Math Processing Error') ? 1 : 0),
    raw_dollars: [...document.querySelectorAll('.slides .jp-RenderedMarkdown')]
                 .filter(e => e.textContent.includes('$$')).length,
    code_inputs: document.querySelectorAll('.slides .jp-CodeCell .jp-InputArea').length,
    notes: document.querySelectorAll('.slides aside.notes').length,
    theme_font: document.fonts.check('1em "Source Sans Pro"'),
    widget_views: document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]').length,
    widgets_drawn: document.querySelectorAll('.jupyter-widgets').length,
    too_tall: Reveal.getSlides().map((s, i) => {  // measured with the slide (and its stack) shown
      const shown = [s, s.parentElement].map(e => [e, e.style.display]);
      shown.forEach(([e]) => { e.style.display = 'block'; });
      const height = s.scrollHeight;
      shown.forEach(([e, display]) => { e.style.display = display; });
      return [i + 1, height];
    }).filter(([n, height]) => height > Reveal.getConfig().height)
      .map(([n, height]) => `${n} (${height} px)`),
    code_scrolls: Reveal.getSlides().map((s, i) => {
      const shown = [s, s.parentElement].map(e => [e, e.style.display]);
      shown.forEach(([e]) => { e.style.display = 'block'; });
      const count = [...s.querySelectorAll('.jp-InputArea-editor')]
        .filter(e => e.scrollWidth > e.clientWidth + 8).length;
      shown.forEach(([e, display]) => { e.style.display = display; });
      return [i + 1, count];
    }).filter(([n, count]) => count > 0).map(([n]) => n),
    too_wide: Reveal.getSlides().map((s, i) => {  // content reaching past the slide's right edge
      const shown = [s, s.parentElement].map(e => [e, e.style.display]);
      shown.forEach(([e]) => { e.style.display = 'block'; });
      const box = s.getBoundingClientRect(), scale = box.width / s.offsetWidth || 1;
      const clipped = e => {  // inside a box that scrolls or clips: that box is what shows
        for (let a = e.parentElement; a && a !== s; a = a.parentElement)
          if (getComputedStyle(a).overflowX !== 'visible') return true;
        return false;
      };
      const rights = [...s.querySelectorAll('*')].filter(e => !clipped(e))
        .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0)
        .map(r => (r.right - box.left) / scale);
      // and boxes that scroll sideways: what is past their right edge is hidden from the audience.
      // Not yet code inputs: lines of 80-100 characters scroll in most decks today (reported by
      // code_scrolls, not asserted, until the decks' code font or the notebooks' lines change).
      const hidden = [...s.querySelectorAll('*')].filter(e => e.clientWidth > 0
        && !e.closest('.jp-InputArea-editor')
        && getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 8)
        .map(e => (e.getBoundingClientRect().left - box.left) / scale + e.scrollWidth);
      shown.forEach(([e, display]) => { e.style.display = display; });
      return [i + 1, Math.round(Math.max(0, ...rights, ...hidden))];
    }).filter(([n, width]) => width > 1.02 * Reveal.getConfig().width)  // margins of a few px
      .map(([n, width]) => `${n} (${width} px)`),
  };
})"""

# Go to the first slide with a formula; the template re-renders its math on arrival
# (MathJax.Hub.Rerender),
# so measure the current slide's formulas once MathJax's queue has run.
GOTO_MATH_JS = """((revealId) => {
  const Reveal = require(revealId);
  const first = document.querySelector('.slides .MathJax_CHTML');
  const idx = Reveal.getIndices(first.closest('section'));
  Reveal.slide(idx.h, idx.v);
  return new Promise(done => setTimeout(() => MathJax.Hub.Queue(() => {
    const boxes = [...Reveal.getCurrentSlide().querySelectorAll('.MathJax_CHTML')]
      .map(e => e.getBoundingClientRect());
    done({h: idx.h, v: idx.v, count: boxes.length,
          width: Math.max(0, ...boxes.map(b => b.width)),
          height: Math.max(0, ...boxes.map(b => b.height))});
  }), 1000));
})"""


def open_deck(offline, deck: Path, *, wait: float = 30) -> dict:
    """Open a deck from disk with the network off (conftest's Offline) and report what happened."""
    html = deck.read_text(encoding="utf-8")
    reveal_id = re.search(r'"([^"]*/dist/reveal\.js)"', html)
    page = offline.new_page()
    page.goto(deck.resolve().as_uri(), wait_until="load")
    state = {"reveal": False, "mathjax": "page not ready", "widgets": False}
    for _ in range(int(wait / 0.2)):
        try:
            state = page.evaluate(STATE_JS)
        except Exception:  # the page was between documents
            pass
        if state["reveal"] and state["mathjax"] == "done" and state["widgets"]:
            break
        page.wait_for_timeout(200)
    report: dict = {"state": state, "page": page}
    if state["reveal"] and reveal_id:
        rid = json.dumps(reveal_id.group(1))
        report.update(page.evaluate(f"{INFO_JS}({rid})"))
        page.evaluate(
            f"require({rid}).slide(0, 0); "
            "document.fonts.ready.then(() => new Promise(done => setTimeout(done, 800)))"
        )
        report["first_slide_png"] = page.screenshot()
        if report["math_rendered"]:
            report["math_slide"] = page.evaluate(f"{GOTO_MATH_JS}({rid})")
    else:
        report["first_slide_png"] = page.screenshot()
    report["outside"] = list(offline.outside)
    report["problems"] = list(offline.problems)
    return report


def content_pixels(png: bytes) -> tuple[float, float]:
    """(grey-level standard deviation, share of pixels far from the background) of the slide area,
    leaving out reveal's own controls, slide number and progress bar at the edges."""
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(png)).convert("L")
    w, h = image.size
    area = image.crop((0, 10, w - 170, h - 10))
    hist = area.histogram()
    background = max(range(256), key=hist.__getitem__)
    far = sum(n for level, n in enumerate(hist) if abs(level - background) > 64)
    return ImageStat.Stat(area).stddev[0], far / (area.width * area.height)


@pytest.mark.parametrize("name", DECKS)
def test_deck_in_offline_browser(decks, name, offline, tmp_path):
    deck, nb = decks[name]
    r = open_deck(offline, deck)
    (tmp_path / "first_slide.png").write_bytes(r["first_slide_png"])
    where = f"{deck.name} (screenshot: {tmp_path / 'first_slide.png'})"

    # nothing went to the network, and nothing failed: every request was to a local file
    assert not r["outside"], f"{where} requested from the network: {r['outside']}"
    assert not r["problems"], f"{where}: errors and failed requests: {r['problems']}"

    # reveal.js initialised and counts the slides the metadata asks for
    assert r["state"]["reveal"], f"{where}: reveal.js did not initialise"
    assert r["api_ready"] and "ready" in r["reveal_class"].split()
    assert r["total"] == expected_slide_count(nb), f"{where}: reveal counts {r['total']} slides"
    assert r["code_inputs"] == expected_code_inputs(nb), (
        f"{where}: code inputs shown (remove-input hides plumbing)"
    )
    assert r["notes"] == expected_notes(nb), f"{where}: speaker notes"
    assert r["theme_font"], f"{where}: the theme's font (local copy) did not load"
    assert r["state"]["widgets"] and (r["widget_views"] == 0 or r["widgets_drawn"] > 0)

    # MathJax typeset every formula, and it shows on its slide
    assert r["state"]["mathjax"] == "done", f"{where}: MathJax: {r['state']['mathjax']}"
    assert r["math_errors"] == 0 and r["raw_dollars"] == 0, f"{where}: math left unrendered"
    assert r["math_rendered"] == r["math_scripts"], (
        f"{where}: {r['math_scripts']} formulas, {r['math_rendered']} drawn"
    )
    assert r["math_rendered"] >= display_formulas(nb)
    if has_math(nb):
        assert r["math_rendered"] > 0
        shown = r["math_slide"]
        assert shown["count"] > 0 and shown["width"] > 5 and shown["height"] > 5, (
            f"{where}: formula not drawn {shown}"
        )
    if name == FIXTURE:
        assert (r["total"], r["math_rendered"], r["code_inputs"], r["notes"]) == (5, 3, 1, 1)
        assert r["widgets_drawn"] > 0

    # every slide fits the screen: a taller one scrolls (reveal_scroll), but the audience misses
    # its bottom; a wider one is cut off at the right
    assert not r["too_tall"], (
        f"{deck.name}: slides taller than the screen ({r['total']} slides, height "
        f"{REVEAL_HEIGHT} px): {', '.join(r['too_tall'])}; split them (a subslide "
        f"or fragment), or hide plumbing code with the remove-input tag"
    )
    if name in KNOWN_WIDE:  # measured on 5 December 2026; to be fixed by the notebooks' owners
        print(f"{deck.name}: slides wider than the screen (known): {r['too_wide']}")
        r["too_wide"] = []
    assert not r["too_wide"], (
        f"{deck.name}: slides wider than the screen (width {REVEAL_WIDTH} px): "
        f"{', '.join(r['too_wide'])}; shorten the lines or make the figure narrower"
    )

    if r["code_scrolls"]:  # known, not yet a failure (see INFO_JS)
        print(f"{deck.name}: code lines scroll sideways on slides {r['code_scrolls']}")

    # the first slide is not blank
    stddev, ink = content_pixels(r["first_slide_png"])
    assert stddev > 5 and ink > 0.002, f"{where} looks blank (stddev {stddev:.1f}, ink {ink:.4f})"


def test_offline_check_catches_a_cdn_deck(decks, offline, tmp_path):
    """The browser check can fail: nbconvert's default deck (CDN assets) is caught offline."""
    from nbconvert import SlidesExporter

    _, nb = decks[FIXTURE]
    body, _ = SlidesExporter().from_notebook_node(nb)
    deck = tmp_path / "cdn.slides.html"
    deck.write_text(body, encoding="utf-8")
    assert deck_references(deck)[1], "the static check missed the CDN links"
    r = open_deck(offline, deck, wait=4)
    assert any(u.startswith("https://") for u in r["outside"])
    assert not r["state"]["reveal"]
    assert r["state"]["mathjax"] == "absent"


def _one_slide_deck(decks, tmp_path, name: str, source: str, output: str) -> Path:
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    title = new_markdown_cell("# A short slide")
    title.metadata["slideshow"] = {"slide_type": "slide"}
    cell = new_code_cell(
        source, execution_count=1, outputs=[new_output("stream", name="stdout", text=output)]
    )
    cell.metadata["slideshow"] = {"slide_type": "slide"}
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(new_notebook(cells=[title, cell]), path)
    (deck,) = build_decks([path], out_dir=decks[FIXTURE][0].parent)  # beside the others: assets
    return deck


def test_overflow_check_catches_a_tall_slide(decks, offline, tmp_path):
    """The height check can fail: a slide with a 60-line printed output is reported as too tall."""
    lines = "".join(f"{i}\n" for i in range(60))
    deck = _one_slide_deck(decks, tmp_path, "tall", "print(*range(60), sep='\\n')", lines)
    r = open_deck(offline, deck)
    assert r["state"]["reveal"] and r["total"] == 2
    assert [entry.split()[0] for entry in r["too_tall"]] == ["2"], r["too_tall"]
    assert not r["too_wide"], r["too_wide"]


def test_overflow_check_catches_a_wide_slide(decks, offline, tmp_path):
    """The width check can fail: a box 1400 px wide is reported as too wide."""
    deck = _one_slide_deck(decks, tmp_path, "wide", "print('wide')", "wide\n")
    nb = nbformat.read(tmp_path / "wide.ipynb", as_version=4)  # a 1400 px wide box in the text
    nb.cells[1] = nbformat.v4.new_markdown_cell('<div style="width: 1400px">wide</div>')
    nb.cells[1].metadata["slideshow"] = {"slide_type": "slide"}
    nbformat.write(nb, tmp_path / "wide.ipynb")
    (deck,) = build_decks([tmp_path / "wide.ipynb"], out_dir=deck.parent)
    r = open_deck(offline, deck)
    assert r["state"]["reveal"] and r["total"] == 2
    assert [entry.split()[0] for entry in r["too_wide"]] == ["2"], r["too_wide"]
    assert not r["too_tall"], r["too_tall"]


def test_speaker_view_shows_the_notes(decks, offline):
    """Pressing S opens reveal's speaker view (from disk, offline) with the slide's notes."""
    deck, _ = decks[FIXTURE]
    page = offline.new_page()
    page.goto(deck.resolve().as_uri())
    page.wait_for_selector(".reveal.ready", timeout=30000)
    with page.expect_popup(timeout=30000) as popup:
        page.keyboard.press("s")
    view = popup.value
    view.wait_for_function(
        "(document.querySelector('.speaker-controls-notes') || {}).textContent"
        "?.includes('welcome everyone')",
        timeout=30000,
    )
    assert "Speaker View" in view.title()
    assert not offline.outside, offline.outside
