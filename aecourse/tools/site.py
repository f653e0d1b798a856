"""The course's website (`python -m aecourse site`): the stored notebooks as static pages, offline.

Sphinx with myst-nb and sphinx-book-theme turns the sources in docs/ and the executed notebooks
into site/. Nothing is executed: the pages show the outputs that nbval checks. The notebooks are
staged (copied and prepared for the web) in build/site/, outside notebooks/ and tests/, so nbval
never collects a copy. MathJax 3, require.js and the widget renderer come from the same pinned npm
packages as the slides (assets.json, one fetch for both) and are copied into the site, so the pages
load nothing from the network. The decks are built into site/slides/; each notebook's page links
to its deck and to the notebook file.
"""

from __future__ import annotations

import ast
import html
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from . import repository
from .execute import course_notebooks
from .slides import build_decks, copy_assets

__all__ = ["build_site", "figure_alt", "stage", "stage_notebook"]

SPRITE_KEY = "aecourse/explorer"  # explore.SPRITE_KEY (not imported: that would import torch)
# The README's notebook table, which the landing page shows too (docs/index.md includes it).
TABLE_START, TABLE_END = "<!-- notebook-table -->", "<!-- /notebook-table -->"
# Set for a build with Sphinx's and myst-nb's default (CDN) settings: the browser tests' meta-test.
DEFAULTS_ENV = "AECOURSE_SITE_DEFAULTS"

# What the course's plotting helpers draw, for figures whose code names no title.
_DRAWS = {
    "plot_images": "a grid of images",
    "plot_image_rows": "rows of images, one row per label",
    "plot_reconstructions": "test images above their reconstructions",
    "plot_history": "the loss per epoch",
    "plot_loss_parts": "the parts of the loss per epoch",
    "plot_latent": "a scatter plot of 2-D codes coloured by digit",
    "plot_manifold": "the images decoded from a lattice of 2-D codes",
    "plot_lattice": "the images decoded from a lattice of 2-D codes",
    "plot_samples": "images decoded from random codes",
    "plot_decoded": "the images decoded from chosen codes",
    "plot_roc": "ROC curves",
    "plot_score_histograms": "histograms of anomaly scores",
}
_TITLE = re.compile(
    r"""(?:\btitle|suptitle|set_title|ylabel|xlabel)\s*[=(]\s*(f?)(["'])((?:\\.|(?!\2).)*)\2"""
)


def _settings(nb) -> dict[str, str]:
    """The notebook's top-level constants (NAME = literal), to fill in f-string titles."""
    found: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                try:
                    value = ast.literal_eval(node.value)
                except (ValueError, SyntaxError):
                    continue
                found.setdefault(node.targets[0].id, value)
    return found


def _fill(text: str, settings: dict) -> str:
    """An f-string's text with the notebook's constants put in; other fields become an ellipsis."""

    def field(match: re.Match) -> str:
        expr, _, spec = match.group(1).partition(":")
        name, _, index = expr.partition("[")
        value = settings.get(name.strip())
        try:
            if value is not None and index:
                value = value[int(index.rstrip("]"))]
            return format(value, spec) if value is not None else "…"
        except (ValueError, TypeError, IndexError, KeyError):
            return "…"

    return re.sub(r"\{([^{}]*)\}", field, text)


def _plain(text: str) -> str:
    text = text.replace("\\n", " ").replace("\\\\", "\\")  # the source's escapes: \n, \\
    text = re.sub(r"\$([^$]*)\$", lambda m: m.group(1).replace("\\", ""), text)  # $\sigma$ -> sigma
    return " ".join(text.split())


def figure_alt(nb, cell) -> str:
    """Alt text for a code cell's figures: its titles and axis labels, or what its helper draws."""
    settings = _settings(nb)
    parts = []
    for is_f, _, text in _TITLE.findall(cell.source):
        text = _plain(_fill(text, settings) if is_f else text)
        if text and text not in parts:
            parts.append(text)
    helpers = [name for name in _DRAWS if re.search(rf"\b{name}\(", cell.source)]
    what = "; ".join(_DRAWS[name] for name in helpers[:2])
    if parts:
        return "Figure: " + "; ".join(parts) + (f" ({what})" if what else "") + "."
    if what:
        return f"Figure: {what}."
    previous = _previous_text(nb, cell)
    return f"Figure for: {previous}" if previous else "Figure drawn by the code cell above."


def _previous_text(nb, cell) -> str:
    index = nb.cells.index(cell)
    for earlier in reversed(nb.cells[:index]):
        if earlier.cell_type == "markdown":
            text = re.sub(r"[#*`$\\]", "", earlier.source).strip()
            return " ".join(text.split())[:200]
    return ""


def explorer_html(png: str, geometry: dict) -> str:
    """The static explorer: the stored lattice picture; docs/_static/aecourse.js adds sliders."""
    (lo1, hi1), (lo2, hi2) = geometry["z1"], geometry["z2"]
    steps = int(geometry["steps"])
    attrs = {
        "data-z1": f"{lo1:.6g} {hi1:.6g}",
        "data-z2": f"{lo2:.6g} {hi2:.6g}",
        "data-steps": steps,
        "data-tile": int(geometry["tile"]),
        "data-scale": int(geometry.get("scale", 6)),
    }
    data = " ".join(f'{key}="{value}"' for key, value in attrs.items())
    lattice = (
        f"the digits the decoder draws from a lattice of {steps} x {steps} codes, z1 from "
        f"{lo1:.2f} to {hi1:.2f} left to right, z2 from {hi2:.2f} down to {lo2:.2f}"
    )
    return (
        f'<figure class="aecourse-explorer" {data}>\n'
        '<div class="aecourse-explorer-view"><img class="aecourse-explorer-sprite" '
        f'src="data:image/png;base64,{png}" alt="{html.escape(lattice.capitalize())}"></div>\n'
        f"<figcaption>The latent explorer without a kernel: {html.escape(lattice)}, decoded when "
        "the notebook ran. With JavaScript, the sliders show the digit of one lattice point; in "
        "the notebook they decode any code live.</figcaption>\n</figure>"
    )


def _notes_admonition(source: str) -> str:
    return f"`````{{admonition}} Speaker note\n:class: dropdown note\n\n{source}\n`````"


def stage_notebook(nb, name: str, *, deck: str | None = None) -> None:
    """Prepare a notebook's copy for the website, in place (the stored notebook is not touched).

    Plumbing code (tagged remove-input) is folded away but can be opened; speaker notes become
    folded "Speaker note" boxes; figures get alt text; the latent explorer's stored lattice becomes
    the static explorer; a line under the title links the notebook file and its slide deck.
    """
    from nbformat.v4 import new_markdown_cell

    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "remove-input" in tags:
            cell.metadata["tags"] = [t for t in tags if t != "remove-input"] + ["hide-input"]
        slide_type = cell.metadata.get("slideshow", {}).get("slide_type")
        if cell.cell_type == "markdown" and slide_type == "notes":
            cell.source = _notes_admonition(cell.source)
        if cell.cell_type != "code":
            continue
        if any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
            cell.metadata.setdefault("mystnb", {})["image"] = {"alt": figure_alt(nb, cell)}
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            geometry = out.get("metadata", {}).get(SPRITE_KEY)
            if geometry and "image/png" in data:
                out["data"] = {"text/html": explorer_html(data["image/png"], geometry)}
                out["metadata"] = {}
            elif str(data.get("text/plain", "")).startswith("LatentExplorer:"):
                # stored before the explorer kept its lattice: its text, not dead sliders
                out["data"] = {"text/plain": data["text/plain"]}
    links = [
        f'<a class="aecourse-download" href="{name}.ipynb" download="{name}.ipynb">'
        f"Download the notebook ({name}.ipynb)</a>"
    ]
    if deck:
        links.append(f'<a class="aecourse-deck" href="{deck}">Open its slide deck</a>')
    line = new_markdown_cell('<p class="aecourse-links">' + " · ".join(links) + "</p>")
    nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, line)


def _readme_table(readme: Path) -> str:
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        raise RuntimeError(f"{readme} has no notebook table between {TABLE_START} and {TABLE_END}.")
    return text[start + len(TABLE_START) : end].strip() + "\n"


def stage(
    build_dir: str | os.PathLike,
    notebooks: Sequence[str | os.PathLike] = (),
    *,
    with_decks: bool = True,
) -> Path:
    """Copy docs/ and the prepared notebooks (default: all) into build_dir/src; return it."""
    import nbformat

    root = repository()
    src = Path(build_dir) / "src"
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(root / "docs", src)
    paths = course_notebooks(notebooks)
    table = _readme_table(root / "README.md")
    staged = {f"notebooks/{p.name}" for p in paths}
    table = "\n".join(  # a partial build (tests) lists only the notebooks it has
        row
        for row in table.splitlines()
        if not re.search(r"\]\((notebooks/[^)]+)\)", row)
        or re.search(r"\]\((notebooks/[^)]+)\)", row).group(1) in staged
    )
    (src / "_notebook_table.md").write_text(table, encoding="utf-8")
    (src / "notebooks").mkdir()
    downloads = src / "_extra" / "notebooks"
    downloads.mkdir(parents=True)
    for path in paths:
        shutil.copy2(path, downloads / path.name)  # the download: the notebook as it is stored
        nb = nbformat.read(path, as_version=4)
        deck = f"../slides/{path.stem}.slides.html" if with_decks else None
        stage_notebook(nb, path.stem, deck=deck)
        nbformat.write(nb, src / "notebooks" / path.name)
    copy_assets(src / "_static", target="site")
    return src


def build_site(
    notebooks: Sequence[str | os.PathLike] = (),
    *,
    out_dir: str | os.PathLike | None = None,
    build_dir: str | os.PathLike | None = None,
    with_decks: bool = True,
    defaults: bool = False,
    quiet: bool = True,
) -> Path:
    """Build the website (all notebooks, or some) into out_dir (site/); return its index.html.

    Sphinx's warnings are errors. The staged sources, Sphinx's doctrees and myst-nb's files stay in
    build_dir (build/site/). `defaults` builds with Sphinx's and myst-nb's default settings for
    MathJax and the widgets (from CDNs): only the browser tests' meta-test wants that.
    """
    root = repository()
    out = Path(out_dir) if out_dir is not None else root / "site"
    build = Path(build_dir) if build_dir is not None else root / "build" / "site"
    src = stage(build, notebooks, with_decks=with_decks)
    html_dir = build / "html"  # myst-nb writes files beside Sphinx's output folder: keep it here
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n"]
    cmd += ["-q"] if quiet else []
    cmd += ["-d", str(build / "doctrees"), str(src), str(html_dir)]
    env = {**os.environ, DEFAULTS_ENV: "1" if defaults else "0"}
    proc = subprocess.run(cmd, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"sphinx-build failed (exit {proc.returncode}); its messages are above.")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(html_dir, out)
    if with_decks:
        build_decks(notebooks, out_dir=out / "slides")
    return out / "index.html"
