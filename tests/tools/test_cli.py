import json
import shutil
import sys

import nbformat
import pytest
import torch

from aecourse.data import Batches, load_mnist
from aecourse.tools import notebook_dir
from aecourse.tools.bench import _ClassicImages, run_bench
from aecourse.tools.cli import main
from aecourse.tools.execute import course_notebooks, execute_notebook


def test_data_command_reports_both_verified_data_sets(mnist_root, fashion_mnist_root, capsys):
    assert mnist_root == fashion_mnist_root
    assert main(["data", "--root", str(mnist_root)]) == 0
    out = capsys.readouterr().out
    assert str(mnist_root.resolve()) in out
    assert out.count(" ok ") == 8
    for folder in ("MNIST", "FashionMNIST"):
        assert out.count(str(mnist_root.resolve() / folder / "raw") + "/") == 4
    assert "\nMNIST: train: 60000 images, test: 10000 images; all four MD5 checksums match." in out
    assert (
        "\nFashion-MNIST: train: 60000 images, test: 10000 images; all four MD5 checksums match."
        in out
    )


def test_data_command_explains_missing_files(tmp_path, capsys):
    assert main(["data", "--root", str(tmp_path), "--no-download"]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("train-images-idx3-ubyte.gz") >= 2
    for folder in ("MNIST", "FashionMNIST"):
        assert str((tmp_path / folder / "raw").resolve()) in captured.err
    assert "MNIST: NOT AVAILABLE" in captured.out and "Fashion-MNIST: NOT AVAILABLE" in captured.out


def test_data_command_fails_when_only_fashion_mnist_is_missing(mnist_root, tmp_path, capsys):
    shutil.copytree(
        mnist_root / "MNIST" / "raw",
        tmp_path / "MNIST" / "raw",
        ignore=shutil.ignore_patterns("*ubyte"),
    )
    assert main(["data", "--root", str(tmp_path), "--no-download"]) == 1
    captured = capsys.readouterr()
    assert (
        "\nMNIST: train: 60000 images, test: 10000 images; all four MD5 checksums match."
        in captured.out
    )
    assert "Fashion-MNIST: NOT AVAILABLE" in captured.out
    assert "Fashion-MNIST could not be loaded" in captured.err
    assert str((tmp_path / "FashionMNIST" / "raw").resolve()) in captured.err


def _tiny_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 6 * 7"),
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell("print(x)"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


def test_execute_runs_a_notebook_in_place_with_counts_from_one(tmp_path, capsys):
    path = tmp_path / "tiny.ipynb"
    _tiny_notebook(path)
    assert main(["execute", str(path)]) == 0
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in cells] == [1, 2]
    assert "".join(cells[1]["outputs"][0]["text"]) == "42\n"
    assert "tiny.ipynb" in capsys.readouterr().out


def test_execute_drops_timestamps_of_an_earlier_run(tmp_path):
    path = tmp_path / "tiny.ipynb"
    _tiny_notebook(path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].metadata["execution"] = {"iopub.execute_input": "2020-01-01T00:00:00.000000Z"}
    nb.cells[0].metadata["slideshow"] = {"slide_type": "slide"}
    nbformat.write(nb, path)
    execute_notebook(path)
    cells = json.loads(path.read_text())["cells"]
    assert all("execution" not in c["metadata"] for c in cells)
    assert cells[0]["metadata"]["slideshow"] == {"slide_type": "slide"}  # other metadata stays


def test_execute_reports_a_failing_cell(tmp_path):
    path = tmp_path / "broken.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    nbformat.write(nb, path)
    from nbclient.exceptions import CellExecutionError

    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        execute_notebook(path)


def test_course_notebooks_resolves_names_and_rejects_others(tmp_path, monkeypatch):
    import aecourse.tools.execute

    monkeypatch.setattr(aecourse.tools.execute, "notebook_dir", lambda: tmp_path)
    with pytest.raises(FileNotFoundError, match="no course notebooks"):
        course_notebooks()
    for name in ("02_b.ipynb", "01_a.ipynb", "scratch.ipynb"):
        _tiny_notebook(tmp_path / name)
    assert course_notebooks() == [
        tmp_path / "01_a.ipynb",
        tmp_path / "02_b.ipynb",
    ]  # course order, scratch left out
    assert course_notebooks(["02_b.ipynb"]) == [tmp_path / "02_b.ipynb"]
    with pytest.raises(FileNotFoundError, match="not a notebook"):
        course_notebooks([str(tmp_path / "nothing.ipynb")])


def test_the_course_notebooks_are_all_found():
    found = course_notebooks()
    prefixes = [p.name[:3] for p in found]
    assert len(prefixes) >= 6 and prefixes == [f"{i:02d}_" for i in range(1, len(prefixes) + 1)], (
        prefixes
    )
    assert all(p.parent == notebook_dir() for p in found)


def _sorted_rows(x):
    return x[torch.argsort(x @ torch.linspace(1, 2, x.shape[1]))]  # the order of the shuffle aside


def test_bench_feeds_both_data_paths_the_same_images(mnist_root):
    """The timing is fair: the classic DataLoader and Batches give the same images, same batches."""
    train, _ = load_mnist(mnist_root, subset=256)
    classic = _ClassicImages(mnist_root, batch_size=64, subset=256)
    ours = Batches(train.images, 64, shuffle=True, seed=0)
    assert len(classic) == len(ours) == 4
    theirs, mine = torch.cat(list(classic)).flatten(1), torch.cat(list(ours)).flatten(1)
    assert theirs.shape == mine.shape == (256, 784)
    assert torch.allclose(_sorted_rows(theirs), _sorted_rows(mine), atol=1e-6)


def test_bench_runs_on_a_subset(mnist_root):
    """A smoke run (the timings themselves are what `python -m aecourse bench` reports)."""
    assert set(run_bench(mnist_root, subset=256)) == {"aecourse_s", "classic_s", "speedup"}


def test_cli_requires_a_command(capsys):
    with pytest.raises(SystemExit):
        main([])
    assert "data" in capsys.readouterr().err


def test_simulate_runs_a_command_with_the_machines_settings(capfd):
    """CI's AVX2 run and spread's variants share one definition (VARIANTS)."""
    show = "import os; e = os.environ; print(e['ATEN_CPU_CAPABILITY'], e['OMP_NUM_THREADS'])"
    assert main(["simulate", "avx2-one-thread", sys.executable, "-c", show]) == 0
    assert capfd.readouterr().out.splitlines()[-1] == "avx2 1"
    assert main(["simulate", "avx2", sys.executable, "-c", "raise SystemExit(3)"]) == 3
    assert main(["simulate", "avx2"]) == 2
    with pytest.raises(SystemExit):
        main(["simulate", "a-machine-we-do-not-have", "true"])
