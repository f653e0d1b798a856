"""Execute the course's notebooks in place, each in a fresh kernel (`python -m aecourse execute`)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["NOTEBOOK_DIR", "course_notebooks", "execute_notebook"]

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"


def course_notebooks(names: Sequence[str | os.PathLike] = ()) -> list[Path]:
    """The notebooks named (paths, or names inside notebooks/), else all of notebooks/ in course order."""
    if not names:
        found = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
        if not found:
            raise FileNotFoundError(f"no course notebooks (NN_name.ipynb) in {NOTEBOOK_DIR}.")
        return found
    paths = []
    for name in names:
        path = Path(name)
        if not path.exists() and (NOTEBOOK_DIR / path).exists():
            path = NOTEBOOK_DIR / path
        if not path.is_file() or path.suffix != ".ipynb":
            raise FileNotFoundError(f"{name} is not a notebook (.ipynb) here or in {NOTEBOOK_DIR}.")
        paths.append(path)
    return paths


def execute_notebook(path: str | os.PathLike, *, timeout: int = 900, kernel_name: str = "python3") -> float:
    """Run a notebook top to bottom in a fresh kernel and store its outputs in place; returns the seconds taken."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)   # timestamps of an older run would outlive it (record_timing=False)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(nb, path)
    return seconds
