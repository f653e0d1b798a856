"""`python -m aecourse execute`: run the notebooks in place, each in a fresh kernel."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from pathlib import Path

from . import notebook_dir

__all__ = ["course_notebooks", "execute_notebook"]


def course_notebooks(names: Sequence[str | os.PathLike] = ()) -> list[Path]:
    """The notebooks named (paths, or names in notebooks/), else all of them in course order."""
    folder = notebook_dir()
    if not names:
        found = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
        if not found:
            raise FileNotFoundError(f"no course notebooks (NN_name.ipynb) in {folder}.")
        return found
    paths = []
    for name in names:
        path = Path(name)
        if not path.exists() and (folder / path).exists():
            path = folder / path
        if not path.is_file() or path.suffix != ".ipynb":
            raise FileNotFoundError(f"{name} is not a notebook (.ipynb) here or in {folder}.")
        paths.append(path)
    return paths


SEED_LINE = re.compile(r"^SEED = \d+", re.MULTILINE)


def set_seed(nb, seed: int) -> None:
    """Set the notebook's `SEED = ...` line (every course notebook has one) to `seed`."""
    cells = [c for c in nb.cells if c.cell_type == "code" and SEED_LINE.search(c.source)]
    if len(cells) != 1:
        raise ValueError(
            f"expected exactly one code cell with a line `SEED = <int>`, found {len(cells)}."
        )
    cells[0].source = SEED_LINE.sub(f"SEED = {int(seed)}", cells[0].source, count=1)


def execute_notebook(
    path: str | os.PathLike,
    *,
    out: str | os.PathLike | None = None,
    seed: int | None = None,
    allow_errors: bool = False,
    timeout: int = 900,
    kernel_name: str = "python3",
) -> float:
    """Run a notebook top to bottom in a fresh kernel, store its outputs; returns the seconds.

    Outputs go back into `path`, or into the notebook file `out` (the kernel still runs in the
    notebook's folder). `seed` replaces the notebook's `SEED = ...` setting, for measuring how much
    a result moves from seed to seed; `allow_errors` keeps going after a failing cell.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop(
            "execution", None
        )  # timestamps of an older run would outlive it (record_timing=False)
    if seed is not None:
        set_seed(nb, seed)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        record_timing=False,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    out = path if out is None else Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return seconds
