"""Self-checks for the exercises at the end of each notebook (notebooks/01_intro.ipynb)."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["check"]


def check(name: str, answer: Any, expected: Any, *, rtol: float = 0.05, atol: float = 0.0, hint: str = "") -> None:
    """Compare a student's answer with the expected value and print the verdict (notebooks/01_intro.ipynb).

    An exercise is one cell: `answer = None  # your answer`, then this check. `answer=None` (the
    placeholder) prints a reminder instead of failing, so an untouched notebook still runs top to
    bottom. A wrong answer raises AssertionError with `hint`. Returns None, so the cell shows the
    verdict only.
    """
    if answer is None or answer is Ellipsis:
        print(f"{name}: not answered yet, replace None with your answer and run this cell again.")
        return
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        right = math.isclose(float(answer), float(expected), rel_tol=rtol, abs_tol=atol)
    else:
        right = answer == expected
    if not right:
        raise AssertionError(f"{name}: {answer!r} is not right yet. {hint}".strip())
    print(f"{name}: correct.")
