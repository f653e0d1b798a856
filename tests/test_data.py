import gzip
import re
import shutil
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

import aecourse as ae
from aecourse import data


def test_data_root_prefers_argument_then_environment_then_project(tmp_path, monkeypatch):
    assert ae.data_root(tmp_path) == tmp_path
    monkeypatch.setenv("AECOURSE_DATA", str(tmp_path / "env"))
    assert ae.data_root() == tmp_path / "env"
    assert ae.data_root(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("AECOURSE_DATA")
    assert ae.data_root() == Path(data.__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class Case:
    """One data set as the tests see it: its loader, checker, files, folder and error."""

    load: Callable
    verify: Callable
    files: dict[str, str]
    folder: str
    title: str
    error: type
    root_fixture: str  # the conftest fixture that gives the real files or skips
    classes: tuple[str, ...]
    first_labels: list[int]  # train and test labels[:4] in the official files


MNIST = Case(
    ae.load_mnist,
    ae.verify_mnist,
    ae.MNIST_FILES,
    "MNIST",
    "MNIST",
    ae.MNISTNotFoundError,
    "mnist_root",
    tuple("0123456789"),
    [5, 0, 4, 1, 7, 2, 1, 0],
)
FASHION = Case(
    ae.load_fashion_mnist,
    ae.verify_fashion_mnist,
    ae.FASHION_MNIST_FILES,
    "FashionMNIST",
    "Fashion-MNIST",
    ae.DatasetNotFoundError,
    "fashion_mnist_root",
    (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    [9, 0, 0, 3, 9, 2, 1, 1],
)


@pytest.fixture(params=[MNIST, FASHION], ids=["mnist", "fashion"])
def case(request) -> Case:
    return request.param


@pytest.fixture
def real_root(case, request) -> Path:
    """The data root holding the case's real files (skips without them)."""
    return request.getfixturevalue(case.root_fixture)


def test_files_urls_and_classes_match_torchvision():
    from torchvision import datasets

    for case, tv in ((MNIST, datasets.MNIST), (FASHION, datasets.FashionMNIST)):
        assert case.files == dict(tv.resources)
        assert tv.__name__ == case.folder  # torchvision's folder is root/<class name>/raw
    assert data.MNIST_URL == datasets.MNIST.mirrors[0]
    assert data.FASHION_MNIST_URL == datasets.FashionMNIST.mirrors[0]
    assert tuple(datasets.FashionMNIST.classes) == FASHION.classes


def test_verify_reports_missing_and_damaged_files(tmp_path, case):
    assert set(case.verify(tmp_path).values()) == {"missing"}
    raw = tmp_path / case.folder / "raw"
    raw.mkdir(parents=True)
    (raw / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not the data")
    status = case.verify(tmp_path)
    assert status["t10k-labels-idx1-ubyte.gz"] == "bad checksum"
    assert status["train-images-idx3-ubyte.gz"] == "missing"


def test_verify_accepts_the_real_files(case, real_root):
    assert case.verify(real_root) == {name: "ok" for name in case.files}


def test_each_verify_checks_only_its_own_folder(mnist_root, fashion_mnist_root, tmp_path):
    shutil.copytree(
        mnist_root / "MNIST" / "raw",
        tmp_path / "MNIST" / "raw",
        ignore=shutil.ignore_patterns("*ubyte"),
    )
    assert set(ae.verify_mnist(tmp_path).values()) == {"ok"}
    assert set(ae.verify_fashion_mnist(tmp_path).values()) == {"missing"}
    (tmp_path / "FashionMNIST").symlink_to(
        tmp_path / "MNIST"
    )  # MNIST's archives under Fashion-MNIST's name
    assert set(ae.verify_fashion_mnist(tmp_path).values()) == {"bad checksum"}


@pytest.fixture
def offline(monkeypatch):
    """Make every download attempt fail as it does without a network."""
    import torchvision.datasets.mnist as tv_mnist

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(tv_mnist, "download_and_extract_archive", refuse)


def _assert_helpful(message: str, root: Path, case: Case):
    assert message.startswith(f"{case.title} could not be loaded")
    for name in case.files:
        assert name in message
    assert str((root / case.folder / "raw").resolve()) in message
    assert "python -m aecourse data" in message
    assert "AECOURSE_DATA" in message
    assert f"{case.load.__name__}(root=...)" in message


def test_missing_data_and_no_download_gives_one_clear_error(tmp_path, offline, case):
    with pytest.raises(case.error) as err:
        case.load(tmp_path)
    _assert_helpful(str(err.value), tmp_path, case)
    assert "download failed" in str(err.value) and "network is unreachable" in str(err.value)
    assert err.value.__cause__ is not None  # the original error stays attached for debugging


def test_missing_data_with_download_off_names_the_files(tmp_path, case):
    with pytest.raises(case.error) as err:
        case.load(tmp_path, download=False)
    _assert_helpful(str(err.value), tmp_path, case)
    assert "download=False" in str(err.value)


def test_not_found_errors_share_one_base_class(tmp_path):
    assert issubclass(ae.MNISTNotFoundError, ae.DatasetNotFoundError)
    assert issubclass(ae.DatasetNotFoundError, FileNotFoundError)
    with pytest.raises(ae.DatasetNotFoundError) as err:
        ae.load_fashion_mnist(tmp_path, download=False)
    assert not isinstance(
        err.value, ae.MNISTNotFoundError
    )  # Fashion-MNIST's error does not claim to be MNIST's


def test_damaged_archive_is_reported_as_a_checksum_failure(tmp_path, offline, case, real_root):
    raw = tmp_path / case.folder / "raw"
    shutil.copytree(real_root / case.folder / "raw", raw, ignore=shutil.ignore_patterns("*ubyte"))
    with gzip.open(raw / "t10k-labels-idx1-ubyte.gz", "wb") as f:
        f.write(b"corrupted")
    with pytest.raises(case.error, match="t10k-labels-idx1-ubyte.gz failed its MD5 check"):
        case.load(tmp_path)


def test_load_returns_float_images_in_unit_range(case, real_root, capsys, loaded):
    train, test = loaded(case.load, real_root)  # the first load of the run: this test comes first
    assert capsys.readouterr().out == ""  # no "Using downloaded and verified file" chatter
    assert isinstance(train, ae.LabelledImages) and isinstance(test, ae.LabelledImages)
    assert (len(train), len(test)) == (60_000, 10_000)
    assert train.images.shape == (60_000, 1, 28, 28) and train.images.dtype == torch.float32
    assert test.images.shape == (10_000, 1, 28, 28) and test.images.dtype == torch.float32
    assert 0.0 == train.images.min().item() and train.images.max().item() == 1.0
    assert test.labels.dtype == torch.int64 and set(test.labels.unique().tolist()) == set(range(10))
    assert (
        train.labels[:4].tolist() + test.labels[:4].tolist() == case.first_labels
    )  # this data set, not the other
    assert train.classes == test.classes == case.classes
    assert train.flat().shape == (60_000, 784)


def test_digits_made_by_hand_are_named_0_to_9():
    assert (
        ae.LabelledImages(torch.zeros(2, 1, 28, 28), torch.zeros(2, dtype=torch.long)).classes
        == MNIST.classes
    )


def test_first_of_each_class_indexes_the_first_image_of_every_label():
    labels = torch.tensor([3, 1, 0, 1, 2, 9, 4, 5, 6, 3, 7, 8, 0])
    digits = ae.LabelledImages(torch.zeros(len(labels), 1, 28, 28), labels)
    first = digits.first_of_each_class()
    assert first.tolist() == [2, 1, 4, 0, 6, 7, 8, 10, 11, 5]
    assert labels[first].tolist() == list(range(10))
    with pytest.raises(ValueError, match="'9'"):
        ae.LabelledImages(torch.zeros(9, 1, 28, 28), torch.arange(9)).first_of_each_class()


def test_first_of_each_class_on_the_mnist_test_set(mnist_root, loaded):
    # the images the notebooks show as "one of each digit"
    _, test = loaded(ae.load_mnist, mnist_root)
    assert test.first_of_each_class().tolist() == [3, 2, 1, 18, 4, 8, 11, 0, 61, 7]


def test_environment_variable_selects_the_data_root(
    case, real_root, tmp_path, monkeypatch, offline
):
    monkeypatch.setenv("AECOURSE_DATA", str(tmp_path))
    with pytest.raises(case.error, match=re.escape(str(tmp_path / case.folder))):
        case.load()
    monkeypatch.setenv("AECOURSE_DATA", str(real_root))
    train, _ = case.load(subset=5)
    assert train.labels.tolist()[:4] == case.first_labels[:4]


def test_subset_keeps_the_first_samples(case, real_root, loaded):
    full_train, full_test = loaded(case.load, real_root)
    train, test = case.load(real_root, subset=100)
    assert len(train) == len(test) == 100
    assert torch.equal(train.images, full_train.images[:100])
    assert torch.equal(test.labels, full_test.labels[:100])
    assert train.classes == test.classes == case.classes
    assert len(case.load(real_root, subset=20_000)[1]) == 10_000
    for bad in (0, -3, 60_001):
        with pytest.raises(ValueError, match="subset"):
            case.load(real_root, subset=bad)


def test_batches_cover_every_sample_once_per_epoch():
    x = torch.arange(10).float().reshape(10, 1)
    batches = ae.Batches(x, batch_size=4, seed=1)
    assert len(batches) == 3
    epoch1 = list(batches)
    assert [b.shape[0] for b in epoch1] == [4, 4, 2]
    assert sorted(torch.cat(epoch1).flatten().tolist()) == list(range(10))
    epoch2 = torch.cat(list(batches)).flatten().tolist()
    assert epoch2 != torch.cat(epoch1).flatten().tolist()  # reshuffled
    again = ae.Batches(x, batch_size=4, seed=1)
    assert torch.equal(torch.cat(list(again)), torch.cat(epoch1))  # same seed, same order
    other = ae.Batches(x, batch_size=4, seed=2)
    assert not torch.equal(torch.cat(list(other)), torch.cat(epoch1))


def test_batches_without_shuffle_keep_the_order():
    x = torch.arange(7).float().reshape(7, 1)
    assert torch.equal(torch.cat(list(ae.Batches(x, batch_size=3, shuffle=False))), x)


@pytest.mark.parametrize(
    "x, batch_size",
    [(torch.zeros(0, 3), 2), (torch.zeros(5), 2), ([1, 2, 3], 2), (torch.zeros(4, 2), 0)],
)
def test_batches_reject_bad_input(x, batch_size):
    with pytest.raises(ValueError):
        ae.Batches(x, batch_size=batch_size)


def test_add_noise_is_seeded_clamped_and_keeps_the_input(images):
    before = images.clone()
    noisy = ae.add_noise(images, 0.5, seed=3)
    assert torch.equal(images, before)  # the input is not modified
    assert noisy.shape == images.shape
    assert noisy.min().item() >= 0.0 and noisy.max().item() <= 1.0
    assert torch.equal(noisy, ae.add_noise(images, 0.5, seed=3))
    assert not torch.equal(noisy, ae.add_noise(images, 0.5, seed=4))
    assert torch.equal(ae.add_noise(images, 0.0), images)
    # before clamping the noise has the requested standard deviation
    mid = torch.full((200_000,), 0.5)
    assert abs((ae.add_noise(mid, 0.1, seed=0) - mid).std().item() - 0.1) < 0.002


def test_add_noise_continues_a_given_generator(images):
    g = torch.Generator().manual_seed(5)
    first = ae.add_noise(images, 0.5, seed=None, generator=g)
    assert torch.equal(
        first, ae.add_noise(images, 0.5, seed=5)
    )  # seed=5 is a fresh generator seeded with 5
    second = ae.add_noise(images, 0.5, seed=None, generator=g)
    assert not torch.equal(first, second)  # the stream went on
    g.manual_seed(5)
    ae.add_noise(images, 0.5, seed=None, generator=g)
    assert torch.equal(second, ae.add_noise(images, 0.5, seed=None, generator=g))
    with pytest.raises(ValueError, match="not both"):
        ae.add_noise(images, 0.5, seed=1, generator=g)


def test_add_noise_rejects_a_negative_factor(images):
    with pytest.raises(ValueError, match="noise factor"):
        ae.add_noise(images, -0.1)
