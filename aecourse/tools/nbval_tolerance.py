"""nbval with a tolerance for trained numbers: a pytest plugin, set per cell by a tag.

nbval compares a cell's fresh output with the stored one character by character. Numbers that come
out of training differ in the 2nd-3rd digit from machine to machine (CPU kernels, thread count,
library versions), so a cell tagged

    nbval-rtol=0.05          (optionally also nbval-atol=1e-4)

is compared in two steps instead: with every number masked, its text must be identical (labels,
layout, how many numbers); then each number must agree with the stored one within the relative
tolerance (`math.isclose(fresh, stored, rel_tol=rtol, abs_tol=atol)`). Untagged cells are compared
exactly, as nbval always does. The plugin is switched on in pyproject.toml (`-p
aecourse.tools.nbval_tolerance`).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = ["NUMBER", "Tolerance", "compare_numbers", "numbers", "skeleton", "tolerance_of"]

# A number as printed by Python: 12, -3.5, .5, 1e-05, 2.36E+3. Not digits inside a word ("conv2d",
# "x_1").
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
TAG = re.compile(r"^nbval-(rtol|atol)=(.*)$")


@dataclass(frozen=True)
class Tolerance:
    """How far a fresh number may be from the stored one: math.isclose(rel_tol, abs_tol)."""

    rtol: float
    atol: float = 0.0

    def __str__(self) -> str:
        return f"rtol={self.rtol:g}" + (f", atol={self.atol:g}" if self.atol else "")


def tolerance_of(tags: Iterable[str]) -> Tolerance | None:
    """The tolerance a cell's tags ask for (`nbval-rtol=0.05`, `nbval-atol=1e-4`), else None."""
    found: dict[str, float] = {}
    for tag in tags:
        m = TAG.match(tag)
        if not m:
            continue
        name, value = m.groups()
        try:
            found[name] = float(value)
        except ValueError:
            raise ValueError(
                f"cell tag {tag!r}: {value!r} is not a number (write e.g. nbval-{name}=0.05)."
            ) from None
        if not (math.isfinite(found[name]) and 0 <= found[name]):
            raise ValueError(f"cell tag {tag!r}: the tolerance must be a finite number >= 0.")
    if not found:
        return None
    if "rtol" not in found:
        raise ValueError(
            "a cell with nbval-atol needs an nbval-rtol tag too (use nbval-rtol=0 for an absolute "
            "tolerance only)."
        )
    return Tolerance(found["rtol"], found.get("atol", 0.0))


def numbers(text: str) -> list[float]:
    """The numbers in a text, in order."""
    return [float(m) for m in NUMBER.findall(text)]


_PADDED = re.compile(rf"([ \t]*)(?:{NUMBER.pattern})([ \t]*)")


def skeleton(text: str) -> str:
    """The text with every number replaced by `<n>`: what must match exactly.

    The padding around a number shrinks to one space, because an aligned column ("{x:>9.3g}") pads
    0.0073 with one space more than 0.00731.
    """
    return _PADDED.sub(lambda m: (" " if m[1] else "") + "<n>" + (" " if m[2] else ""), text)


def compare_numbers(stored: str, fresh: str, tol: Tolerance) -> list[str]:
    """What is wrong with `fresh` against `stored` under `tol` (an empty list if they agree)."""
    if skeleton(stored) != skeleton(fresh):
        return [
            "the text around the numbers differs:\n  stored: "
            + _short(stored)
            + "\n  fresh:  "
            + _short(fresh)
        ]
    problems = []
    for i, (m_old, m_new) in enumerate(zip(NUMBER.finditer(stored), NUMBER.finditer(fresh)), 1):
        old, new = float(m_old.group()), float(m_new.group())
        if not math.isclose(new, old, rel_tol=tol.rtol, abs_tol=tol.atol):
            apart = abs(new - old) / abs(old) if old else math.inf
            where = _short(stored[max(0, m_old.start() - 40) : m_old.end() + 10])
            problems.append(
                f"number {i} ({where!r}): stored {m_old.group()}, fresh {m_new.group()}: "
                f"{apart:.1%} apart, this cell allows {tol}"
            )
    return problems


def _short(text: str, limit: int = 300) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "..."


def grouped_texts(
    outputs: list, skip: Iterable[str], sanitize: Callable[[str], str]
) -> dict[str, list]:
    """A cell's outputs as nbval groups them: field or MIME type -> sanitized values, in order."""
    from nbval.plugin import transform_streams_for_comparison

    groups: dict[str, list] = defaultdict(list)
    for out in transform_streams_for_comparison(outputs):
        for key, value in out.items():
            if key in skip:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in skip:
                        groups[mime].append(sanitize(data))
            else:
                groups[key].append(sanitize(value))
    return groups


# ---------------------------------------------------------------- the pytest plugin


def _compare_with_tolerance(self, test: list, ref: list, skip_compare=None) -> bool:
    """compare_outputs for a tagged cell: masked text exactly, then numbers within the tolerance."""
    from nbval.plugin import IPyNbCell

    # 1. nbval's own comparison, with every number masked: same fields, same words, same layout
    plain_sanitize = self.sanitize
    self.sanitize = lambda s: skeleton(plain_sanitize(s)) if isinstance(s, str) else s
    try:
        if not IPyNbCell.compare_outputs(self, test, ref, skip_compare):
            self.comparison_traceback.insert(
                0, f"(numbers masked as <n>; this cell compares them within {self.nbval_tolerance})"
            )
            return False
    finally:
        self.sanitize = plain_sanitize
    # 2. the numbers, pairwise in order
    skip = skip_compare or self.parent.skip_compare
    stored, fresh = (
        grouped_texts(ref, skip, self.sanitize),
        grouped_texts(test, skip, self.sanitize),
    )
    problems = []
    for key, values in stored.items():
        for old, new in zip(values, fresh[key]):
            if isinstance(old, str) and isinstance(new, str):
                problems += [f"{key}: {p}" for p in compare_numbers(old, new, self.nbval_tolerance)]
    if problems:
        self.comparison_traceback = ["Numbers outside the cell's tolerance:"] + problems
        return False
    return True


def pytest_collection_modifyitems(session, config, items) -> None:
    """Give every notebook cell tagged nbval-rtol=... the tolerant comparison."""
    import types

    import pytest
    from nbval.plugin import IPyNbCell

    for item in items:
        if not isinstance(item, IPyNbCell):
            continue
        try:
            tol = tolerance_of(item.cell.metadata.get("tags", []))
        except ValueError as err:
            raise pytest.UsageError(f"{item.nodeid}: {err}") from None
        if tol is not None:
            item.nbval_tolerance = tol
            item.compare_outputs = types.MethodType(_compare_with_tolerance, item)
