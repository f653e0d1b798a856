"""The course's tooling, for maintainers and instructors; no notebook imports it.

`python -m aecourse` (cli) runs these: execute the notebooks, measure how far their numbers move
(spread), time the data path (bench), build the slide decks (slides) and, for pytest, compare
trained numbers within a tolerance (nbval_tolerance). They work on a checkout of the course.
"""

from __future__ import annotations

from pathlib import Path

from ..data import project_root

__all__ = ["notebook_dir", "repository"]


def repository() -> Path:
    """The course checkout the tools work on; a clear error outside one."""
    root = project_root()
    if root is None:
        raise RuntimeError(
            "the course's tools work on a checkout of the course: clone it and install it with "
            "`pip install -r requirements.txt` (an editable install), then run them from there."
        )
    return root


def notebook_dir() -> Path:
    """The course's notebooks/ folder."""
    return repository() / "notebooks"
