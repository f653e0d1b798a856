"""Offline reveal.js decks from the course notebooks (`python -m aecourse slides`).

Each notebook becomes `slides/NN_name.slides.html` through nbconvert's slides exporter; its
`slideshow.slide_type` metadata cuts the slides, and code cells tagged `remove-input` show their
outputs only. nbconvert's decks load reveal.js, require.js, jQuery, MathJax and the widget renderer
from CDNs; here every one of them comes from the npm registry at build time (pinned in
assets.json), is cached outside the repository and copied to `slides/assets/`, so a deck
opened from disk in a lecture hall with no network shows styled slides with rendered formulas.
The website (tools/site.py) takes its MathJax 3, require.js and widget renderer from the same
spec and the same fetch: copy_assets(..., target="site").
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

from . import repository
from .execute import course_notebooks

__all__ = ["ASSETS_SPEC", "assets_cache_dir", "build_decks", "copy_assets", "fetch_assets"]

ASSETS_SPEC = Path(__file__).with_name("assets.json")

# Where each library lands under <out_dir>/assets/ (the package name's last part), as the decks
# reference it.
_URLS = {
    "reveal_url_prefix": "assets/reveal.js",
    "require_js_url": "assets/requirejs/require.js",
    "jquery_url": "assets/jquery/dist/jquery.min.js",
    "mathjax_url": "assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    "widget_renderer_url": "assets/html-manager/dist/embed-amd.js",
}

# nbconvert's reveal template with three changes: no mermaid module (always imported from a CDN, its
# URL is
# not configurable in nbconvert 7.17; a diagram stays readable as its source text); progress bars of
# stored widgets (tqdm) made visible again: reveal.css hides everything matching `.reveal .progress`
# (on screen and when printed); and text outputs (printed tables, torchsummary) with slightly
# tighter
# lines (1.15 instead of 1.2, same font size), so a 26-line table fits on one 700 px slide.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">
html .reveal .jupyter-widgets.widget-hprogress .progress {
  display: flex !important; position: relative; flex-grow: 1; align-self: stretch;
  width: auto; height: auto; bottom: auto; left: auto; z-index: auto;
}
html .reveal .jp-RenderedText pre { line-height: 1.15; }
</style>
{%- endblock html_head_css -%}
"""

_STAMP = ".aecourse-assets"


def _spec() -> tuple[dict, str]:
    raw = ASSETS_SPEC.read_bytes()
    return json.loads(raw), hashlib.sha256(raw).hexdigest()[:12]


def assets_cache_dir() -> Path:
    """Where the pinned npm packages are unpacked: $AECOURSE_CACHE, else ~/.cache/aecourse."""
    base = os.environ.get("AECOURSE_CACHE")
    if base:
        root = Path(base)
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aecourse"
    return root / f"slides-npm-{_spec()[1]}"


def _safe_name(package: str) -> str:
    return package.split("/")[-1]


def _npm_spec(name: str, version: str) -> str:
    """What `npm pack` fetches: name@version, or for an alias ("npm:mathjax@3.2.2") its target."""
    return version.removeprefix("npm:") if version.startswith("npm:") else f"{name}@{version}"


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch_assets(cache_dir: str | os.PathLike | None = None) -> Path:
    """Unpack the packages pinned in assets.json into the cache (`npm pack`, once); return it."""
    cache = Path(cache_dir) if cache_dir is not None else assets_cache_dir()
    if (cache / _STAMP).is_file():
        return cache
    spec, _ = _spec()
    packages: dict[str, str] = spec["dependencies"]
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "building the slides or the website needs npm (Node.js) once, to fetch "
            + ", ".join(_npm_spec(name, version) for name, version in packages.items())
            + f" from the npm registry into {cache}; install Node.js (e.g. `apt-get install "
            + "nodejs npm`) and retry."
        )
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=cache.name + ".tmp-", dir=cache.parent))
    try:
        cmd = [
            npm,
            "pack",
            "--json",
            "--prefer-offline",
            "--pack-destination",
            str(tmp),
            *(_npm_spec(name, version) for name, version in packages.items()),
        ]
        proc = subprocess.run(
            cmd, cwd=tmp, capture_output=True, text=True, timeout=600, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(
                "`npm pack` could not fetch the slide assets from the npm registry (exit "
                f"{proc.returncode}); "
                f"the decks need them once, then {cache} is reused "
                f"offline.\n{proc.stderr.strip()[-2000:]}"
            )
        packed = {entry["id"]: tmp / entry["filename"] for entry in json.loads(proc.stdout)}
        for name, version in packages.items():  # an alias (mathjax3) unpacks under its own name
            tarball = packed.get(_npm_spec(name, version))
            if tarball is None or not tarball.is_file():
                raise RuntimeError(
                    f"`npm pack` did not deliver {name}; output:\n{proc.stdout[-2000:]}"
                )
            expected = spec["aecourse"]["integrity"][name]
            if _integrity(tarball) != expected:
                raise RuntimeError(
                    f"{tarball.name} does not match the integrity pinned in {ASSETS_SPEC.name}."
                )
            unpacked = tmp / "unpack" / _safe_name(name)
            with tarfile.open(tarball) as archive:  # checked against the pinned sha512 above
                archive.extractall(
                    unpacked, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {})
                )
            (top,) = unpacked.iterdir()  # npm tarballs hold one folder, usually package/
            top.rename(tmp / _safe_name(name))
            tarball.unlink()
        shutil.rmtree(tmp / "unpack")
        (tmp / _STAMP).write_text(json.dumps(packages, indent=2) + "\n")
        if cache.exists() and not (cache / _STAMP).is_file():
            shutil.rmtree(cache)  # left half-made by an interrupted build
        try:
            tmp.rename(cache)
        except OSError:  # another build finished first
            if not (cache / _STAMP).is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return cache


def copy_assets(
    out_dir: str | os.PathLike,
    cache_dir: str | os.PathLike | None = None,
    *,
    target: str = "slides",
) -> Path:
    """Copy what the decks (target "slides") or the website ("site") load to <out_dir>/assets.

    The files are listed in assets.json under `aecourse.copy.<target>`; returns <out_dir>/assets.
    """
    spec, digest = _spec()
    if target not in spec["aecourse"]["copy"]:
        raise ValueError(f"target must be one of {sorted(spec['aecourse']['copy'])}: {target!r}")
    digest = f"{digest} {target}"
    assets = Path(out_dir) / "assets"
    stamp = assets / _STAMP
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return assets
    cache = fetch_assets(cache_dir)
    if stamp.is_file():  # assets of an older spec: ours to replace
        shutil.rmtree(assets)
    for name, patterns in spec["aecourse"]["copy"][target].items():
        source, folder = cache / _safe_name(name), assets / _safe_name(name)
        for pattern in patterns:
            matches = sorted(source.glob(pattern))
            if not matches:
                raise RuntimeError(
                    f"{name}: nothing matches {pattern!r} in {source} ({ASSETS_SPEC.name} is out "
                    "of date)."
                )
            for path in matches:
                dest = folder / path.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                if path.is_dir():
                    shutil.copytree(path, dest, dirs_exist_ok=True)
                else:
                    shutil.copy2(path, dest)
    stamp.write_text(digest + "\n")
    return assets


def _uses_mermaid(nb) -> bool:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "```mermaid" in cell.source:
            return True
        if any("text/vnd.mermaid" in out.get("data", {}) for out in cell.get("outputs", [])):
            return True
    return False


def _exporter():
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = {
        "remove-input"
    }  # plumbing: output on the slide, code in the notebook
    c.TagRemovePreprocessor.remove_cell_tags = {"remove-cell"}
    c.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    for trait, url in _URLS.items():
        setattr(c.SlidesExporter, trait, url)
    c.SlidesExporter.reveal_theme = (
        "white"  # the themes that import Google fonts would reach for the network
    )
    c.SlidesExporter.reveal_number = (
        "c/t"  # slide numbers, so the audience can ask about "slide 12"
    )
    c.SlidesExporter.reveal_scroll = (
        True  # a slide taller than the screen scrolls instead of being cut off
    )
    c.SlidesExporter.exclude_input_prompt = (
        True  # no "In [3]:" beside the code: more room on the slide
    )
    c.SlidesExporter.exclude_output_prompt = True
    exporter = SlidesExporter(config=c)
    exporter.raw_template = _TEMPLATE
    return exporter


def build_decks(
    notebooks: Sequence[str | os.PathLike] = (), *, out_dir: str | os.PathLike | None = None
) -> list[Path]:
    """Build one offline reveal.js deck per notebook (default: all) into out_dir (slides/)."""
    import nbformat

    paths = course_notebooks(notebooks)
    out = Path(out_dir) if out_dir is not None else repository() / "slides"
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out)
    exporter = _exporter()
    decks = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if _uses_mermaid(nb):
            warnings.warn(
                f"{path.name}: mermaid diagrams are not rendered in the offline deck (shown as "
                "text).",
                stacklevel=2,
            )
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        deck = out / f"{path.stem}.slides.html"
        deck.write_text(body, encoding="utf-8")
        decks.append(deck.resolve())
    return decks
