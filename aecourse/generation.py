"""Is a decoder a generator? Where random codes land, and what they decode to (notebooks 04 and 08).

A decoder generates well when codes drawn at random land where the training codes are, and when
what they decode to looks like the data: each digit about as often as in the data. The notebooks
measure both with the same three functions, so 08's VAE is compared with 04's plain autoencoder
on one scale.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .anomaly import nearest_distance

__all__ = ["far_share", "knn_labels", "label_shares", "total_variation"]


def far_share(
    codes: Tensor, train_codes: Tensor, test_codes: Tensor, *, quantile: float = 0.99
) -> float:
    """Share of `codes` farther from the training codes than most test codes (notebook 04).

    The yardstick: each test code's distance to its nearest training code, and the `quantile` of
    those distances (0.99: only 1% of real test codes are farther). A random code beyond it lies
    in a hole the data never visits. About 1 - quantile for codes spread like the test codes.
    """
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be between 0 and 1, got {quantile}.")
    if codes.ndim != 2 or codes.shape[1] != train_codes.shape[1]:
        raise ValueError(
            f"codes must be (N, {train_codes.shape[1]}) like the training codes, "
            f"got {tuple(codes.shape)}."
        )
    limit = torch.quantile(nearest_distance(test_codes, train_codes).double(), quantile)
    return (nearest_distance(codes, train_codes).double() > limit).double().mean().item()


def knn_labels(
    train_x: Tensor, train_labels: Tensor, x: Tensor, *, k: int = 5, batch: int = 500
) -> Tensor:
    """The majority label of each image's k nearest training images, (N,) (notebook 04).

    Pixels compared by Euclidean distance; ties go to the smaller label. The cost grows with
    len(x) * len(train_x): a few thousand training images classify digits well enough.
    """
    if not 1 <= k <= len(train_x):
        raise ValueError(f"k must be between 1 and {len(train_x)}, got {k}.")
    if len(train_labels) != len(train_x):
        raise ValueError(f"{len(train_x)} training images but {len(train_labels)} labels.")
    a = train_x.reshape(len(train_x), -1).float()
    b = x.reshape(len(x), -1).float()
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"x has {b.shape[1]} pixels per image, train_x {a.shape[1]}.")
    out = []
    for i in range(0, len(b), batch):
        nearest = torch.cdist(b[i : i + batch], a).topk(k, largest=False).indices
        out.append(train_labels[nearest].mode(dim=1).values)
    return torch.cat(out)


def label_shares(labels: Tensor, n_classes: int = 10) -> Tensor:
    """The share of each class among `labels`, (n_classes,) summing to 1 (notebook 04)."""
    if labels.numel() == 0:
        raise ValueError("labels is empty: there are no shares to count.")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1}.")
    return torch.bincount(labels.flatten(), minlength=n_classes).double() / labels.numel()


def total_variation(p: Tensor, q: Tensor) -> float:
    """Total variation distance 0.5 * sum|p - q| between two distributions (notebook 04).

    0 when the shares agree, 1 when they share nothing: the most any class's share can be off.
    """
    if p.shape != q.shape:
        raise ValueError(
            f"p and q must have the same shape, got {tuple(p.shape)} and {tuple(q.shape)}."
        )
    return 0.5 * (p.double() - q.double()).abs().sum().item()
