"""Shared fixtures for the unit tests (nbval tests the notebooks, see pyproject.toml)."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # no windows from the unit tests

import pytest
import torch

from aecourse.data import data_root, verify_fashion_mnist, verify_mnist

# The unit tests use tiny tensors: one thread is faster than two fighting over the cores
# (notebooks run in their own kernels and are not affected).
torch.set_num_threads(1)


def _real_data(verify, folder: str):
    root = data_root()
    if not all(s == "ok" for s in verify(root).values()):
        pytest.skip(
            f"{folder} is not in {root}/{folder}/raw (run `python -m aecourse data` or copy the "
            "archives there)"
        )
    return root


@pytest.fixture(scope="session")
def mnist_root():
    """The real MNIST files (copied into data/ by .ci/run); tests needing them skip without."""
    return _real_data(verify_mnist, "MNIST")


@pytest.fixture(scope="session")
def fashion_mnist_root():
    """The real Fashion-MNIST files (as mnist_root); the tests that need them skip without them."""
    return _real_data(verify_fashion_mnist, "FashionMNIST")


@pytest.fixture
def images():
    """64 small synthetic 'images' in [0, 1], shape (64, 1, 28, 28), with low-rank structure."""
    g = torch.Generator().manual_seed(0)
    basis = torch.rand(4, 784, generator=g)
    weights = torch.rand(64, 4, generator=g)
    return (weights @ basis / 4).clamp(0, 1).reshape(64, 1, 28, 28)


@pytest.fixture(autouse=True)
def _no_data_env(monkeypatch):
    """Tests see the default data root unless they set AECOURSE_DATA themselves."""
    if "AECOURSE_DATA" in os.environ and os.environ.get("AECOURSE_TEST_KEEP_DATA_ENV") != "1":
        monkeypatch.delenv("AECOURSE_DATA")
