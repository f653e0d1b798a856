"""`python -m aecourse bench`: aecourse's in-memory batches against the classic DataLoader."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from torch import Tensor

from ..data import Batches, data_root, load_mnist
from ..models import MLPAutoencoder
from ..training import fit, seed_everything

__all__ = ["run_bench"]


class _ClassicImages:
    """The classic recipe: datasets.MNIST(transform=ToTensor()) and a shuffling DataLoader."""

    def __init__(self, root: str | os.PathLike, batch_size: int, subset: int | None) -> None:
        from torch.utils.data import DataLoader, Subset
        from torchvision import datasets, transforms

        dataset = datasets.MNIST(
            str(root), train=True, download=False, transform=transforms.ToTensor()
        )
        if subset is not None:
            dataset = Subset(dataset, range(subset))
        self.loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[Tensor]:
        for x, _ in self.loader:  # labels are not needed to train an autoencoder
            yield x


def _one_epoch(make_batches, seed: int) -> float:
    """Seconds for building the data path and one epoch of 784-512-256-2 (Adam 1e-3, MSE)."""
    seed_everything(seed)
    model = MLPAutoencoder(latent_dim=2, hidden=[512, 256])
    start = time.perf_counter()
    fit(model, make_batches(), epochs=1, lr=1e-3, loss="mse", progress=False)
    return time.perf_counter() - start


def run_bench(
    root: str | os.PathLike | None = None,
    *,
    batch_size: int = 128,
    seed: int = 0,
    subset: int | None = None,
) -> dict[str, float]:
    """Time one training epoch through each data path: both times (s) and their ratio.

    `subset` trains on the first n training images only (a smoke test; the benchmark uses all
    60,000).
    """
    root = data_root(root)
    load_mnist(root)  # verifies/extracts the files once, outside the timings
    start = time.perf_counter()
    train, _ = load_mnist(root, subset=subset)  # loading is part of aecourse's data path: time it
    load_seconds = time.perf_counter() - start
    ours = load_seconds + _one_epoch(
        lambda: Batches(train.images, batch_size, shuffle=True, seed=seed), seed
    )
    classic = _one_epoch(lambda: _ClassicImages(root, batch_size, subset), seed)
    return {"aecourse_s": ours, "classic_s": classic, "speedup": classic / ours}
