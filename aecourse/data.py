"""MNIST and Fashion-MNIST as in-memory tensors, seeded batches and input noise."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

__all__ = [
    "FASHION_MNIST_FILES",
    "MNIST_FILES",
    "Batches",
    "DatasetNotFoundError",
    "DataCheck",
    "LabelledImages",
    "MNISTNotFoundError",
    "add_noise",
    "check_data",
    "data_root",
    "load_fashion_mnist",
    "load_mnist",
    "project_root",
    "verify_fashion_mnist",
    "verify_mnist",
]

# The four official archives of each data set (the same names in both) and their MD5 sums, as
# torchvision
# checks them (torchvision.datasets.MNIST.resources and FashionMNIST.resources; tests/test_data.py
# compares).
_ARCHIVES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
MNIST_FILES: dict[str, str] = dict(
    zip(
        _ARCHIVES,
        (
            "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "d53e105ee54ea40749a09fcbcd1e9432",
            "9fb629c4189551a2d022fa330f9573f3",
            "ec29112dd5afa0611ce80d1b7f02629c",
        ),
    )
)
FASHION_MNIST_FILES: dict[str, str] = dict(
    zip(
        _ARCHIVES,
        (
            "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "25c81989df183df01b3e8a0aad5dffbe",
            "bef4ecab320f06d8554ea6380940ec79",
            "bb300cfdad3c16e7a12a480ee83cd310",
        ),
    )
)
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

_DIGIT_CLASSES = tuple(str(d) for d in range(10))
_FASHION_CLASSES = (
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
)


class DatasetNotFoundError(FileNotFoundError):
    """A data set is neither on disk nor downloadable (explained in notebooks/01_intro.ipynb)."""


class MNISTNotFoundError(DatasetNotFoundError):
    """MNIST is neither on disk nor downloadable (explained in notebooks/01_intro.ipynb)."""


@dataclass(frozen=True)
class LabelledImages:
    """One split of MNIST or Fashion-MNIST held in memory (used from notebook 01 on)."""

    images: Tensor  # (N, 1, 28, 28) float32 in [0, 1]
    labels: Tensor  # (N,) int64 classes 0..9
    classes: tuple[str, ...] = _DIGIT_CLASSES  # name of each label: classes[labels[i]]

    def __len__(self) -> int:
        return self.images.shape[0]

    def flat(self) -> Tensor:
        """The images as rows of 784 pixels, (N, 784) (notebook 02)."""
        return self.images.reshape(len(self), -1)

    def first_of_each_class(self) -> Tensor:
        """Index of the first image of each class, in label order, (len(classes),) (notebook 01).

        test.images[test.first_of_each_class()] shows one example of every digit, the same ones on
        every machine. Raises ValueError if a class has no image in this split.
        """
        found = [torch.nonzero(self.labels == c).flatten() for c in range(len(self.classes))]
        missing = [self.classes[c] for c, indices in enumerate(found) if len(indices) == 0]
        if missing:
            raise ValueError(
                f"no image of class {', '.join(map(repr, missing))} among these {len(self)} images."
            )
        return torch.stack([indices[0] for indices in found])


@dataclass(frozen=True)
class _Source:
    """What the loader needs to know about one data set."""

    title: str  # in messages: "MNIST", "Fashion-MNIST"
    folder: str  # torchvision's class name, which is also its folder: root/<folder>/raw
    files: dict[str, str]  # archive -> MD5
    url: str  # where torchvision downloads from (its first mirror)
    classes: tuple[str, ...]  # class names by label
    loader: str  # the public function, named in the error message
    error: type[DatasetNotFoundError]

    def raw(self, root: Path) -> Path:
        return root / self.folder / "raw"


_MNIST = _Source(
    "MNIST", "MNIST", MNIST_FILES, MNIST_URL, _DIGIT_CLASSES, "load_mnist", MNISTNotFoundError
)
_FASHION_MNIST = _Source(
    "Fashion-MNIST",
    "FashionMNIST",
    FASHION_MNIST_FILES,
    FASHION_MNIST_URL,
    _FASHION_CLASSES,
    "load_fashion_mnist",
    DatasetNotFoundError,
)


def project_root() -> Path | None:
    """The course checkout this package runs from (an editable install), else None (notebook 01)."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() else None


def data_root(root: str | os.PathLike | None = None) -> Path:
    """Where the data lives: `root`, else $AECOURSE_DATA, else the project's data/ (notebook 01)."""
    if root is not None:
        return Path(root).expanduser()
    if os.environ.get("AECOURSE_DATA"):
        return Path(os.environ["AECOURSE_DATA"]).expanduser()
    project = project_root()
    return (project if project is not None else Path.cwd()) / "data"


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(source: _Source, root: Path) -> dict[str, str]:
    raw = source.raw(root)
    status = {}
    for name, md5 in source.files.items():
        path = raw / name
        if not path.is_file():
            status[name] = "missing"
        else:
            status[name] = "ok" if _md5(path) == md5 else "bad checksum"
    return status


def verify_mnist(root: str | os.PathLike | None = None) -> dict[str, str]:
    """Each archive under root/MNIST/raw: "ok", "missing" or "bad checksum" (notebook 01)."""
    return _verify(_MNIST, data_root(root))


def verify_fashion_mnist(root: str | os.PathLike | None = None) -> dict[str, str]:
    """Each archive under root/FashionMNIST/raw, as verify_mnist (notebook 01)."""
    return _verify(_FASHION_MNIST, data_root(root))


def _not_found_message(source: _Source, root: Path, reason: str) -> str:
    raw = source.raw(root).resolve()
    files = "\n".join(f"    {name}" for name in source.files)
    return (
        f"{source.title} could not be loaded: {reason}\n"
        f"The course needs these four files in {raw}/ :\n{files}\n"
        f"Get them in one of these ways:\n"
        f"  - with internet access, run `python -m aecourse data` (downloads from {source.url});\n"
        f"  - offline, copy the four .gz archives from a machine that has them into that folder\n"
        f"    (e.g. `mkdir -p {raw} && cp /path/to/{source.folder}/raw/*.gz {raw}/`);\n"
        f"  - or point the course at another data root: {source.loader}(root=...) or the\n"
        f"    environment variable AECOURSE_DATA.\n"
        f"Then check them with `python -m aecourse data`."
    )


def _ensure(source: _Source, root: Path, download: bool) -> dict[str, str]:
    """Verify the archives once; download them if they are not all there and `download`."""
    from torchvision import datasets  # imported here: torchvision is slow to import

    status = _verify(source, root)
    if all(s == "ok" for s in status.values()):
        return status
    if not download:
        missing = ", ".join(n for n, s in status.items() if s != "ok")
        reason = f"{missing}: not found or damaged, and download=False."
        raise source.error(_not_found_message(source, root, reason))
    try:
        for train in (True, False):
            getattr(datasets, source.folder)(str(root), train=train, download=True)
    except Exception as err:  # URLError, RuntimeError("Error downloading ..."), OSError, ...
        bad = [n for n, s in status.items() if s == "bad checksum"]
        why = f"{', '.join(bad)} failed its MD5 check and " if bad else "the files are missing and "
        why += f"the download failed ({type(err).__name__}: {err})."
        raise source.error(_not_found_message(source, root, why)) from err
    return _verify(source, root)


def _read(source: _Source, root: Path) -> tuple[LabelledImages, LabelledImages]:
    """Both splits from verified archives, as float images in [0, 1]."""
    from torchvision import datasets

    # download=True only unpacks the verified .gz archives (no network); torchvision then prints
    # "Using downloaded and verified file: <path>": keep that out of notebooks
    with contextlib.redirect_stdout(io.StringIO()):
        splits = [
            getattr(datasets, source.folder)(str(root), train=t, download=True)
            for t in (True, False)
        ]
    # (N, 28, 28) uint8 -> (N, 1, 28, 28) float in [0, 1]
    return tuple(  # type: ignore[return-value]
        LabelledImages(ds.data.unsqueeze(1).float().div_(255.0), ds.targets.long(), source.classes)
        for ds in splits
    )


def _load(
    source: _Source, root: Path, download: bool, subset: int | None
) -> tuple[LabelledImages, LabelledImages]:
    if subset is not None and not 1 <= subset <= 60_000:  # checked before 60,000 images load
        raise ValueError(f"subset must be between 1 and 60000, got {subset}.")
    _ensure(source, root, download)
    train, test = _read(source, root)
    if subset is not None:
        train = dataclasses.replace(
            train, images=train.images[:subset], labels=train.labels[:subset]
        )
        test = dataclasses.replace(test, images=test.images[:subset], labels=test.labels[:subset])
    return train, test


@dataclass(frozen=True)
class DataCheck:
    """What `python -m aecourse data` found for one data set (README, Setup)."""

    title: str  # "MNIST", "Fashion-MNIST"
    folder: Path  # where its four archives are
    status: dict[str, str]  # archive -> "ok", "missing" or "bad checksum"
    sizes: tuple[int, int] | None  # train and test images, None if it could not be loaded
    error: str | None  # why it could not be loaded (the message says what to do)

    @property
    def ok(self) -> bool:
        return self.error is None and all(s == "ok" for s in self.status.values())


def check_data(root: str | os.PathLike | None = None, *, download: bool = True) -> list[DataCheck]:
    """Put MNIST and Fashion-MNIST under the data root and verify them (notebook 01)."""
    root = data_root(root)
    checks = []
    for source in (_MNIST, _FASHION_MNIST):
        try:
            status = _ensure(source, root, download)
            train, test = _read(source, root)
            checks.append(
                DataCheck(source.title, source.raw(root), status, (len(train), len(test)), None)
            )
        except DatasetNotFoundError as err:
            checks.append(
                DataCheck(source.title, source.raw(root), _verify(source, root), None, str(err))
            )
    return checks


def load_mnist(
    root: str | os.PathLike | None = None,
    *,
    download: bool = True,
    subset: int | None = None,
) -> tuple[LabelledImages, LabelledImages]:
    """Load MNIST (train 60,000, test 10,000) as float tensors in [0, 1] (notebook 01).

    `subset=n` keeps the first n samples of each split (the test split has at most 10,000).
    Raises MNISTNotFoundError, naming the files and where they go, if they are missing and cannot be
    downloaded.
    """
    return _load(_MNIST, data_root(root), download, subset)


def load_fashion_mnist(
    root: str | os.PathLike | None = None,
    *,
    download: bool = True,
    subset: int | None = None,
) -> tuple[LabelledImages, LabelledImages]:
    """Load Fashion-MNIST (Zalando's clothing, 60,000 + 10,000) exactly as load_mnist (notebook 01).

    The files live in root/FashionMNIST/raw; `.classes` names the ten labels ("T-shirt/top" ...
    "Ankle boot").
    Raises DatasetNotFoundError, naming the files and where they go, if they are missing and cannot
    be downloaded.
    """
    return _load(_FASHION_MNIST, data_root(root), download, subset)


class Batches:
    """Seeded mini-batches sliced from an in-memory tensor, reshuffled each epoch (notebook 01).

    No per-sample Python work: one `randperm` per epoch, then one indexing per batch.
    Iterating yields tensors of shape (batch_size, *x.shape[1:]); the last batch may be smaller.
    """

    def __init__(
        self, x: Tensor, batch_size: int = 128, *, shuffle: bool = True, seed: int = 0
    ) -> None:
        if not isinstance(x, Tensor) or x.ndim < 2 or x.shape[0] == 0:
            raise ValueError(
                "Batches needs a non-empty tensor of shape (N, ...), "
                f"got {getattr(x, 'shape', type(x))}."
            )
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
        self.x, self.batch_size, self.shuffle, self.seed = x, int(batch_size), shuffle, seed
        self.epoch = 0  # how many times the batches were iterated; seeds the next shuffle

    def __len__(self) -> int:
        return -(-self.x.shape[0] // self.batch_size)  # ceil(N / batch_size)

    def __iter__(self) -> Iterator[Tensor]:
        n = self.x.shape[0]
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
            order = torch.randperm(n, generator=g).to(self.x.device)
        self.epoch += 1
        for start in range(0, n, self.batch_size):
            if self.shuffle:
                yield self.x[order[start : start + self.batch_size]]
            else:
                yield self.x[start : start + self.batch_size]


def add_noise(
    x: Tensor, factor: float, seed: int | None = 0, *, generator: torch.Generator | None = None
) -> Tensor:
    """x + factor * N(0, 1), clamped to [0, 1] (notebook 06); seed=None draws fresh noise.

    generator= draws the noise from that generator instead, continuing its stream (fit() keeps one
    for
    a whole run); pass it with seed=None.
    """
    if factor < 0:
        raise ValueError(f"noise factor must be >= 0, got {factor}.")
    if generator is not None and seed is not None:
        raise ValueError(
            "add_noise draws from generator= or from a new generator seeded with seed=, not both; "
            "pass seed=None with generator=."
        )
    g = generator
    if seed is not None:
        g = torch.Generator(device=x.device).manual_seed(seed)
    noise = torch.randn(x.shape, generator=g, device=x.device, dtype=x.dtype)
    return (x + factor * noise).clamp_(0.0, 1.0)
