"""The tolerance plugin (aecourse/tools/nbval_tolerance.py): numbers within the tag's tolerance,
everything else exact."""

from __future__ import annotations

import nbformat
import pytest

from aecourse.tools.nbval_tolerance import (
    Tolerance,
    compare_numbers,
    numbers,
    skeleton,
    tolerance_of,
)

pytest_plugins = ["pytester"]


def test_numbers_and_skeleton_read_printed_python_numbers():
    text = "test MSE 0.0187 (20.1 dB), lr 1e-05, ratio -1.18; conv2d-3 has 25,120 params"
    assert numbers(text) == [0.0187, 20.1, 1e-05, -1.18, 3, 25, 120]
    assert (
        skeleton(text) == "test MSE <n> (<n> dB), lr <n>, ratio <n>; conv2d-<n> has <n>,<n> params"
    )
    # an aligned table pads shorter numbers with more spaces: the padding is not part of the layout
    assert skeleton("  conv    0.0073\n") == skeleton("  conv   0.00731\n") == "  conv <n>\n"
    assert skeleton("| 0.5 |") != skeleton("| 0.5 | 1 |")


def test_tolerance_of_reads_the_tags_and_rejects_bad_ones():
    assert tolerance_of(["remove-input"]) is None
    assert tolerance_of(["nbval-rtol=0.05"]) == Tolerance(0.05)
    assert tolerance_of(["nbval-rtol=0.1", "nbval-atol=1e-3"]) == Tolerance(0.1, 1e-3)
    with pytest.raises(ValueError, match="not a number"):
        tolerance_of(["nbval-rtol=5%"])
    with pytest.raises(ValueError, match=">= 0"):
        tolerance_of(["nbval-rtol=-0.1"])
    with pytest.raises(ValueError, match="needs an nbval-rtol"):
        tolerance_of(["nbval-atol=0.1"])


def test_compare_numbers_within_and_outside_the_tolerance():
    tol = Tolerance(0.05)
    assert compare_numbers("MSE 0.0187, ratio 1.18", "MSE 0.0178, ratio 1.13", tol) == []
    problems = compare_numbers("MSE 0.0187, ratio 1.18", "MSE 0.0178, ratio 1.05", tol)
    assert (
        len(problems) == 1
        and "stored 1.18, fresh 1.05" in problems[0]
        and "11.0% apart" in problems[0]
    )
    # the words, the layout and the count of numbers must not change
    assert "text around the numbers differs" in compare_numbers("MSE 0.0187", "MAE 0.0187", tol)[0]
    assert compare_numbers("shape (10, 784)", "shape (10, 784, 1)", tol)
    assert compare_numbers("0", "0.0001", Tolerance(0.5)) and not compare_numbers(
        "0", "0.0001", Tolerance(0, 1e-3)
    )


def _notebook(path, cells):
    """A stored notebook: (source, stored stdout, tags) per cell, with execution counts 1..n."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for count, (source, stdout, tags) in enumerate(cells, 1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count, metadata={"tags": tags})
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stdout)]
        nb.cells.append(cell)
    nbformat.write(nb, path)


def _run(pytester, cells, *options):
    _notebook(pytester.path / "nb.ipynb", cells)
    return pytester.runpytest_subprocess(
        "--nbval",
        "--nbval-current-env",
        "-p",
        "aecourse.tools.nbval_tolerance",
        "nb.ipynb",
        *options,
    )


# One notebook, one kernel: each cell's "fresh" run prints fixed numbers; its stored output is what
# another machine printed. nbval reports every cell, so one run checks each case.
CASES = [
    # 0: a tagged cell passes within its tolerance (4.8% and 4.2% apart, 6% allowed)
    ('print("test MSE 0.0178, ratio 1.13")', "test MSE 0.0187, ratio 1.18\n", ["nbval-rtol=0.06"]),
    # 1: a tagged cell fails outside its tolerance and says which number
    ('print("test MSE 0.0178, ratio 1.13")', "test MSE 0.0187, ratio 1.18\n", ["nbval-rtol=0.04"]),
    # 2: a tagged cell still fails when a word changes
    ('print("test MAE 0.0187")', "test MSE 0.0187\n", ["nbval-rtol=0.5"]),
    # 3 and 4: untagged cells are compared exactly
    ('print("test MSE 0.0187")', "test MSE 0.0187\n", []),
    ('print("test MSE 0.0188")', "test MSE 0.0187\n", []),
    # 5: deterministic text, exactly the same
    ('print("784 pixels")', "784 pixels\n", []),
]


def test_tagged_cells_are_compared_within_their_tolerance_and_untagged_ones_exactly(pytester):
    result = _run(pytester, CASES, "-v")
    outcome = {i: "PASSED" if i in (0, 3, 5) else "FAILED" for i in range(len(CASES))}
    result.stdout.fnmatch_lines_random([f"*::Cell {i} {o}*" for i, o in outcome.items()])
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*Numbers outside the cell's tolerance*",
            "*number 1 (*test MSE 0.0187*): stored 0.0187, fresh 0.0178: 4.8% apart, this cell "
            "allows rtol=0.04*",
        ]
    )
    result.stdout.fnmatch_lines(["*numbers masked as <n>*"])


def test_a_malformed_tag_is_a_usage_error(pytester):
    result = _run(pytester, [("print(1)", "1\n", ["nbval-rtol=five"])])
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*nbval-rtol=five*not a number*"])


def _stored(path, outputs_by_cell, tags_by_cell, source="print(...)"):
    nb = nbformat.v4.new_notebook()
    for count, (stdout, tags) in enumerate(zip(outputs_by_cell, tags_by_cell), 1):
        cell = nbformat.v4.new_code_cell(
            source, execution_count=count, metadata={"tags": tags}, id=f"cell-{count}"
        )
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stdout)]
        nb.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_nice_tolerance_rounds_the_margin_up():
    from aecourse.tools.spread import nice_tolerance

    assert (
        nice_tolerance(0.0437) == 0.07
        and nice_tolerance(0.0099) == 0.02
        and nice_tolerance(0.006) == 0.009
        and nice_tolerance(0.002) == 0.003
    )
    assert nice_tolerance(0) == 0


def test_spread_measures_each_cell_against_every_run(tmp_path):
    from aecourse.tools.spread import measure

    tags = [[], ["nbval-rtol=0.05"], ["nbval-rtol=0.01"], []]
    stored = _stored(
        tmp_path / "nb.ipynb",
        ["784 pixels\n", "MSE 0.0200\n", "MSE 0.0200\n", "shape (1, 784)\n"],
        tags,
    )
    runs = [tmp_path / "native-s1", tmp_path / "avx2-s0", tmp_path / "older"]
    _stored(
        runs[0] / "nb.ipynb",
        ["784 pixels\n", "MSE 0.0194\n", "MSE 0.0194\n", "shape (1, 784)\n"],
        tags,
    )
    _stored(
        runs[1] / "nb.ipynb",
        ["784 pixels\n", "MSE  0.021\n", "MSE  0.021\n", "shape (1, 28, 28)\n"],
        tags,
    )
    # a run made from other versions of the cells is not compared
    _stored(runs[2] / "nb.ipynb", ["1\n", "MSE 9\n", "MSE 9\n", "9\n"], tags, source="print(1)")
    rows = measure(stored, runs)
    assert [r.cell for r in rows] == [0, 1, 2, 3] and all(r.runs == 2 for r in rows)
    assert rows[0].ok and rows[0].spread == 0
    # spread = (max - min) / max over the stored output and both runs: (0.021 - 0.0194) / 0.021
    assert rows[1].spread == pytest.approx(0.0016 / 0.021) and not rows[1].ok  # 0.05 < 1.5 x 7.6%
    assert rows[1].suggested == 0.12  # 1.5 x 7.6%, rounded up to a whole percent
    assert rows[2].tolerance == Tolerance(0.01) and not rows[2].ok
    assert rows[3].text_differs and not rows[3].ok


def test_spread_counts_a_cells_atol_as_coverage(tmp_path):
    from aecourse.tools.spread import measure

    # a standard deviation of a few points moves far in relative terms; an absolute tolerance covers
    # it
    tags = [["nbval-rtol=0.1", "nbval-atol=6"], ["nbval-rtol=0.1", "nbval-atol=2"]]
    stored = _stored(tmp_path / "nb.ipynb", ["acc 72.1 +- 3.4\n", "acc 72.1 +- 3.4\n"], tags)
    run = tmp_path / "native-s1"
    _stored(run / "nb.ipynb", ["acc 73.8 +- 1.2\n", "acc 73.8 +- 1.2\n"], tags)
    rows = measure(stored, [run])
    assert rows[0].spread == pytest.approx(2.2 / 3.4)  # 65% of the larger std
    assert rows[0].ok  # 1.5 x 2.2 points <= atol 6
    assert not rows[1].ok  # 1.5 x 2.2 points > atol 2 and > 10% of 3.4


def test_spread_leaves_out_cells_nbval_does_not_compare(tmp_path):
    from aecourse.tools.spread import measure

    tags = [["nbval-ignore-output"], []]
    stored = _stored(tmp_path / "nb.ipynb", ["labels 3 5 8\n", "784 pixels\n"], tags)
    run = tmp_path / "native-s1"
    _stored(run / "nb.ipynb", ["labels 3 3 8\n", "784 pixels\n"], tags)
    rows = measure(stored, [run])
    assert [r.cell for r in rows] == [1] and rows[0].ok
