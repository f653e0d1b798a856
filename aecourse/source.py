"""Show the package's own code in a notebook, one whole function or class at a time."""

from __future__ import annotations

import inspect
import textwrap

__all__ = ["show_source"]


def show_source(obj: object) -> None:
    """Display the whole source of a function, class or method, highlighted (notebook 02).

    In Jupyter the block is Markdown (```python ... ```), with the plain source as the text
    fallback; outside IPython it is printed. Returns None, so a cell that ends with it shows
    the code once. Notebooks show whole objects, never slices of one: a slice taken by its text
    breaks when the package is reformatted, so a part worth showing gets a function of its own.
    """
    code = textwrap.dedent(inspect.getsource(obj))  # a method's source is indented
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        print(code, end="")
        return
    display({"text/markdown": f"```python\n{code}```", "text/plain": code}, raw=True)
