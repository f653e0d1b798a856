"""The committed notebooks are stored executed, so that nbval has outputs to compare against."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aecourse.tools.execute import course_notebooks

NOTEBOOKS = course_notebooks()


def _code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def test_the_course_numbers_its_notebooks_without_gaps():
    prefixes = [p.name[:3] for p in NOTEBOOKS]
    assert len(prefixes) >= 6, prefixes
    assert prefixes == [f"{i:02d}_" for i in range(1, len(prefixes) + 1)], prefixes


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_executed_top_to_bottom(path: Path):
    # nbval compares outputs with the stored ones: a notebook committed without outputs would pass
    # it without comparing anything. Execution counts 1, 2, 3, ... mean one fresh top-to-bottom run.
    cells = _code_cells(path)
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name} is not stored as one fresh top-to-bottom run (execution counts {counts}); "
        f"run `python -m aecourse execute {path.name}`."
    )
    assert sum(bool(c["outputs"]) for c in cells) >= len(cells) // 2, (
        f"{path.name} has too few stored outputs."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_stored_errors_and_slide_metadata(path: Path):
    cells = json.loads(path.read_text())["cells"]
    errors = [
        o
        for c in cells
        if c["cell_type"] == "code"
        for o in c["outputs"]
        if o["output_type"] == "error"
    ]
    assert not errors, (
        f"{path.name} stores an error: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    )
    missing = [
        i for i, c in enumerate(cells) if "slide_type" not in c["metadata"].get("slideshow", {})
    ]
    assert not missing, f"{path.name}: cells {missing} have no slideshow.slide_type."


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_placeholders_and_ends_with_references(path: Path):
    """Unfinished prose (TODO, PROSE_) never ships; every notebook cites its sources."""
    cells = json.loads(path.read_text())["cells"]
    text = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    unfinished = [i for i, t in enumerate(text) if re.search(r"\bTODO\b|\bPROSE_|\bFIXME\b", t)]
    assert not unfinished, f"{path.name}: markdown cells {unfinished} are placeholders."
    assert any(t.lstrip().startswith("## References") for t in text[-3:]), (
        f"{path.name} does not end with a References cell."
    )
