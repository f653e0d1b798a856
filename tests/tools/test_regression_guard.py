"""The notebook tests still fail on a real regression, though trained numbers get a tolerance.

Each case copies the package, breaks it in one place (as a careless change would), and runs nbval on
notebooks/01_intro.ipynb with the broken copy first on the path, so the notebook's kernel imports
it.
A result moved by training must fail a tolerance-tagged cell ("Numbers outside the cell's
tolerance");
a change to deterministic text must fail an exactly compared cell.

These runs re-execute a notebook four times (about two minutes), so they run only when
AECOURSE_REGRESSION_GUARD=1 is set; `.ci/run` sets it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aecourse.data import data_root

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "notebooks/01_intro.ipynb"

pytestmark = pytest.mark.skipif(
    os.environ.get("AECOURSE_REGRESSION_GUARD") != "1",
    reason="re-executes a notebook per case; set AECOURSE_REGRESSION_GUARD=1 (CI does)",
)

# (file in aecourse/, text to replace, replacement, what nbval must report)
TRAINED = "Numbers outside the cell's tolerance"
EXACT = "Cell outputs differ"
CASES = {
    "fit trains one epoch fewer": (
        "training.py",
        "for epoch in range(1, epochs + 1):",
        "for epoch in range(1, epochs):",
        TRAINED,
    ),
    "fit's default optimizer gets half the learning rate": (
        "training.py",
        "torch.optim.Adam(model.parameters(), lr=1e-3 if lr is None else lr)",
        "torch.optim.Adam(model.parameters(), lr=0.5 * (1e-3 if lr is None else lr))",
        TRAINED,
    ),
    "a printed error message changes": (
        "training.py",
        "and does not fit ",
        "and is incompatible with ",
        EXACT,
    ),
    "a model's printed settings change": (
        "models.py",
        '"hidden": hidden}',
        '"hidden": hidden, "activation": "relu"}',
        EXACT,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_broken_package_fails_the_notebook_tests(case, tmp_path):
    file, old, new, expected = CASES[case]
    shutil.copytree(
        ROOT / "aecourse", tmp_path / "aecourse", ignore=shutil.ignore_patterns("__pycache__")
    )
    source = tmp_path / "aecourse" / file
    text = source.read_text()
    assert text.count(old) == 1, (
        f"the mutation's target {old!r} is no longer in aecourse/{file}: update CASES"
    )
    source.write_text(text.replace(old, new))
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        # the copy is outside the repository: point it at the repository's data, and keep its files
        # apart
        "AECOURSE_DATA": str(data_root()),
        "AECOURSE_CHECKPOINTS": str(tmp_path / "checkpoints"),
    }
    env.pop("AECOURSE_REGRESSION_GUARD")
    # nbval starts the kernel in the notebook's folder; import from there, as the kernel does (from
    # the
    # repository root, `python -c` would find the unbroken package in the current directory first)
    imported = subprocess.run(
        [sys.executable, "-c", "import aecourse; print(aecourse.__file__)"],
        cwd=ROOT / "notebooks",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert imported.startswith(str(tmp_path)), (
        f"the broken copy is not the one imported: {imported}"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", NOTEBOOK, "-p", "no:cacheprovider", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 1, (
        f"nbval passed with the package broken ({case}):\n{report[-3000:]}"
    )
    # for a trained result: the tolerance comparison caught it, not only an assert or a crash
    assert expected in report, f"nbval failed, but not with {expected!r}:\n{report[-3000:]}"
    # what failed, for the log (pytest -rP shows it)
    print(
        f"{case}:", *(line for line in report.splitlines() if line.startswith("FAILED")), sep="\n  "
    )
