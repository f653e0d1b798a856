"""`python -m aecourse spread`: how far the notebooks' numbers move across machines and seeds.

Runs copies of the notebooks under simulated machines (AVX2 kernels, one thread) and other seeds,
then
compares every code cell's output with the stored one the way nbval and
aecourse.tools.nbval_tolerance do:
for each cell it reports whether the output differed, by how much its numbers spread (stored output
and all runs together), and whether the cell's nbval-rtol tag covers that spread with a margin.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .machines import VARIANTS
from .nbval_tolerance import Tolerance, numbers, skeleton, tolerance_of

__all__ = ["CellSpread", "measure", "nice_tolerance", "run_variants"]

# The tolerance suggested for a spread s is MARGIN * s rounded up to a whole percent (to 0.1% below
# 1%).
MARGIN = 1.5
SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")  # the file pytest gives nbval
SKIP = (
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
)  # what nbval skips too


def run_variants(
    notebooks: Sequence[Path],
    runs_dir: Path,
    variants: Sequence[str],
    seeds: Sequence[int],
    *,
    jobs: int = 1,
) -> list[Path]:
    """Execute copies per (variant, seed) into runs_dir/VARIANT-sSEED/; returns the folders."""
    unknown = set(variants) - VARIANTS.keys()
    if unknown:
        raise ValueError(f"unknown variants {sorted(unknown)}; choose from {sorted(VARIANTS)}.")

    def one(variant: str, seed: int) -> Path:
        folder = runs_dir / f"{variant}-s{seed}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        copies = [shutil.copy(nb, folder / Path(nb).name) for nb in notebooks]
        env = {
            **os.environ,
            **VARIANTS[variant],
            "AECOURSE_CHECKPOINTS": str(folder / "checkpoints"),
        }  # own checkpoints
        with open(folder / "log.txt", "w") as log:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "aecourse",
                    "execute",
                    "--seed",
                    str(seed),
                    "--out",
                    str(folder),
                    *map(str, copies),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
            )
        return folder

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda vs: one(*vs), [(v, s) for v in variants for s in seeds]))


@dataclass
class CellSpread:
    """One code cell: its tag, how its output varied over the runs, the tolerance that calls for."""

    notebook: str
    cell: int  # index among all cells, as JupyterLab counts them from 0
    tolerance: Tolerance | None  # what the cell's tag allows (None: compared exactly)
    spread: float = 0.0  # largest relative difference of any number between any two outputs
    worst: str = ""  # the stored text around that number
    text_differs: bool = False  # something other than numbers differed
    errors: list[str] = field(default_factory=list)  # runs in which the cell raised
    runs: int = 0  # runs that executed this very cell (same id and source)
    ranges: list[tuple[float, float]] = field(
        default_factory=list
    )  # per number: (max - min, max |value|)

    @property
    def differs(self) -> bool:
        return self.spread > 0 or self.text_differs or bool(self.errors)

    @property
    def suggested(self) -> float:
        return nice_tolerance(self.spread)

    @property
    def ok(self) -> bool:
        """Would nbval pass for every pair (stored on one run, tested on another), with margin?"""
        if self.errors or self.text_differs:
            return False
        if self.spread == 0:
            return True
        if self.tolerance is None:
            return False
        # each number's range, with the margin, within what math.isclose(rel_tol=rtol, abs_tol=atol)
        # allows
        rtol, atol = self.tolerance.rtol, self.tolerance.atol
        return all(MARGIN * width <= max(rtol * scale, atol) for width, scale in self.ranges)


def nice_tolerance(spread: float) -> float:
    """MARGIN x spread, rounded up to a whole percent (to a tenth of a percent below 1%)."""
    need = MARGIN * spread
    step = 0.01 if need > 0.01 else 0.001
    return round(math.ceil(need / step - 1e-9) * step, 6)


def _sanitizer():
    import re

    from nbval.plugin import get_sanitize_patterns

    patterns = get_sanitize_patterns(SANITIZE.read_text())

    def sanitize(s):
        if not isinstance(s, str):
            return s
        for regex, replace in patterns:
            s = re.sub(regex, replace, s)
        return s

    return sanitize


def _texts(cell, sanitize) -> str:
    from nbval.plugin import coalesce_streams

    from .nbval_tolerance import grouped_texts

    groups = grouped_texts(coalesce_streams(cell.outputs), SKIP, sanitize)
    return "\n".join(f"[{key}]\n" + "\n".join(map(str, groups[key])) for key in sorted(groups))


def measure(stored: Path, runs: Sequence[Path]) -> list[CellSpread]:
    """Compare each code cell of the stored notebook with the same cell in every run of it."""
    import nbformat

    sanitize = _sanitizer()
    nb = nbformat.read(stored, as_version=4)
    others = [nbformat.read(run / stored.name, as_version=4) for run in runs]
    result = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        if (
            "nbval-ignore-output" in tags
        ):  # nbval does not compare this cell's output: nothing to cover
            continue
        row = CellSpread(stored.name, i, tolerance_of(tags))
        base = _texts(cell, sanitize)
        texts = [base]
        for run, other in zip(runs, others):
            twin = _twin(cell, other)
            if (
                twin is None
            ):  # the run was made from another version of this cell: nothing to compare
                continue
            row.runs += 1
            errs = [o for o in twin.outputs if o.output_type == "error"]
            if errs:
                row.errors.append(f"{run.name}: {errs[0].ename}: {errs[0].evalue}"[:300])
                continue
            texts.append(_texts(twin, sanitize))
        if any(skeleton(t) != skeleton(base) for t in texts):
            row.text_differs = True
        else:
            columns = list(zip(*(numbers(t) for t in texts)))
            for j, values in enumerate(columns):
                lo, hi = min(values), max(values)
                scale = max(abs(lo), abs(hi))
                s = (hi - lo) / scale if scale else 0.0
                row.ranges.append((hi - lo, scale))
                if s > row.spread:
                    row.spread = s
                    row.worst = _around(base, j)
        result.append(row)
    return result


def _twin(cell, nb):
    """The cell of `nb` with the same id and source as `cell`, or None."""
    return next(
        (c for c in nb.cells if c.get("id") == cell.get("id") and c.source == cell.source), None
    )


def _around(text: str, j: int) -> str:
    from .nbval_tolerance import NUMBER

    m = list(NUMBER.finditer(text))[j]
    return text[max(0, m.start() - 50) : m.end()].replace("\n", " ").split("]", 1)[-1].strip()


def format_report(rows: Sequence[CellSpread], runs: Sequence[Path]) -> str:
    """The cells whose output moved, one line each: the tolerance they have and need."""
    lines = [
        f"{len(runs)} runs: " + ", ".join(r.name for r in runs),
        f"{'notebook':<24} {'cell':>4}  {'runs':>4}  {'spread':>7}  {'tag':>14}  {'needs':>6}  "
        "verdict / where",
    ]
    for r in rows:
        if not r.differs and r.tolerance is None:
            continue
        tag = str(r.tolerance) if r.tolerance else "exact"
        if r.errors:
            verdict = "RAISED in " + "; ".join(r.errors)
        elif r.text_differs:
            verdict = "TEXT DIFFERS (not only numbers)"
        else:
            verdict = ("ok" if r.ok else "NOT COVERED") + f"  {r.worst!r}"
        lines.append(
            f"{r.notebook:<24} {r.cell:>4}  {r.runs:>4}  {r.spread:>7.2%}  {tag:>14}  "
            f"{r.suggested:>6g}  {verdict}"
        )
    bad = [r for r in rows if not r.ok]
    lines.append(
        f"{len(bad)} cell(s) not covered"
        if bad
        else f"every cell covered: each number's tolerance is at least {MARGIN}x its spread"
    )
    return "\n".join(lines)
