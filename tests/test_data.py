import gzip
import shutil
import urllib.error
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


def test_verify_mnist_reports_missing_and_damaged_files(tmp_path):
    assert set(ae.verify_mnist(tmp_path).values()) == {"missing"}
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not mnist")
    status = ae.verify_mnist(tmp_path)
    assert status["t10k-labels-idx1-ubyte.gz"] == "bad checksum"
    assert status["train-images-idx3-ubyte.gz"] == "missing"


def test_verify_mnist_accepts_the_real_files(mnist_root):
    assert ae.verify_mnist(mnist_root) == {name: "ok" for name in ae.MNIST_FILES}


@pytest.fixture
def offline(monkeypatch):
    """Make every download attempt fail as it does without a network."""
    import torchvision.datasets.mnist as tv_mnist

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(tv_mnist, "download_and_extract_archive", refuse)


def _assert_helpful(message: str, root: Path):
    for name in ae.MNIST_FILES:
        assert name in message
    assert str((root / "MNIST" / "raw").resolve()) in message
    assert "python -m aecourse data" in message
    assert "AECOURSE_DATA" in message


def test_missing_data_and_no_download_gives_one_clear_error(tmp_path, offline):
    with pytest.raises(ae.MNISTNotFoundError) as err:
        ae.load_mnist(tmp_path)
    _assert_helpful(str(err.value), tmp_path)
    assert "download failed" in str(err.value) and "network is unreachable" in str(err.value)
    assert err.value.__cause__ is not None  # the original error stays attached for debugging


def test_missing_data_with_download_off_names_the_files(tmp_path):
    with pytest.raises(ae.MNISTNotFoundError) as err:
        ae.load_mnist(tmp_path, download=False)
    _assert_helpful(str(err.value), tmp_path)
    assert "download=False" in str(err.value)


def test_damaged_archive_is_reported_as_a_checksum_failure(tmp_path, offline, mnist_root):
    shutil.copytree(mnist_root / "MNIST" / "raw", tmp_path / "MNIST" / "raw", ignore=shutil.ignore_patterns("*ubyte"))
    with gzip.open(tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz", "wb") as f:
        f.write(b"corrupted")
    with pytest.raises(ae.MNISTNotFoundError, match="t10k-labels-idx1-ubyte.gz failed its MD5 check"):
        ae.load_mnist(tmp_path)


def test_load_mnist_returns_float_images_in_unit_range(mnist_root, capsys):
    train, test = ae.load_mnist(mnist_root)
    assert capsys.readouterr().out == ""  # no "Using downloaded and verified file" chatter
    assert (len(train), len(test)) == (60_000, 10_000)
    assert train.images.shape == (60_000, 1, 28, 28) and train.images.dtype == torch.float32
    assert 0.0 == train.images.min().item() and train.images.max().item() == 1.0
    assert test.labels.dtype == torch.int64 and set(test.labels.unique().tolist()) == set(range(10))
    assert train.flat().shape == (60_000, 784)


def test_environment_variable_selects_the_data_root(mnist_root, tmp_path, monkeypatch, offline):
    monkeypatch.setenv("AECOURSE_DATA", str(tmp_path))
    with pytest.raises(ae.MNISTNotFoundError, match=str(tmp_path)):
        ae.load_mnist()
    monkeypatch.setenv("AECOURSE_DATA", str(mnist_root))
    assert len(ae.load_mnist(subset=5)[0]) == 5


def test_subset_keeps_the_first_samples(mnist_root):
    full_train, full_test = ae.load_mnist(mnist_root)
    train, test = ae.load_mnist(mnist_root, subset=100)
    assert len(train) == len(test) == 100
    assert torch.equal(train.images, full_train.images[:100])
    assert torch.equal(test.labels, full_test.labels[:100])
    assert len(ae.load_mnist(mnist_root, subset=20_000)[1]) == 10_000
    for bad in (0, -3, 60_001):
        with pytest.raises(ValueError, match="subset"):
            ae.load_mnist(mnist_root, subset=bad)


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


@pytest.mark.parametrize("x, batch_size", [(torch.zeros(0, 3), 2), (torch.zeros(5), 2), ([1, 2, 3], 2), (torch.zeros(4, 2), 0)])
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
    assert torch.equal(first, ae.add_noise(images, 0.5, seed=5))  # seed=5 is a fresh generator seeded with 5
    second = ae.add_noise(images, 0.5, seed=None, generator=g)
    assert not torch.equal(first, second)                         # the stream went on
    g.manual_seed(5)
    ae.add_noise(images, 0.5, seed=None, generator=g)
    assert torch.equal(second, ae.add_noise(images, 0.5, seed=None, generator=g))
    with pytest.raises(ValueError, match="not both"):
        ae.add_noise(images, 0.5, seed=1, generator=g)


def test_add_noise_rejects_a_negative_factor(images):
    with pytest.raises(ValueError, match="noise factor"):
        ae.add_noise(images, -0.1)
