"""Scoring and evaluating anomaly detectors: ROC curves, AUC, thresholds (notebook 09).

A detector gives every image a score, higher meaning "more unusual" (a reconstruction error, a
distance). These helpers compare the scores of normal and anomalous images; they do not care
where the scores come from.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import torch
from torch import Tensor

from .plots import _axes

__all__ = [
    "auc",
    "nearest_distance",
    "plot_roc",
    "plot_score_histograms",
    "rates_at",
    "roc_curve",
    "split_scores",
    "threshold_at_fpr",
]


def _scores(name: str, scores: Tensor) -> Tensor:
    """The scores as a flat float64 tensor; refuses empty or non-finite ones."""
    s = torch.as_tensor(scores).detach().flatten().double().cpu()
    if s.numel() == 0:
        raise ValueError(
            f"{name} is empty: a detector needs scores of both normal and anomalous images."
        )
    if not torch.isfinite(s).all():
        bad = int((~torch.isfinite(s)).sum())
        raise ValueError(
            f"{name} holds {bad} NaN or infinite score(s); every score must be a finite number."
        )
    return s


def split_scores(scores: Tensor, is_anomalous: Tensor) -> tuple[Tensor, Tensor]:
    """Scores with labels (True = anomalous) -> (normal scores, anomalous scores) (notebook 09)."""
    s, y = torch.as_tensor(scores).flatten(), torch.as_tensor(is_anomalous).flatten()
    if s.shape != y.shape:
        raise ValueError(
            f"got {s.numel()} scores but {y.numel()} labels; they must match one to one."
        )
    y = y.bool()
    if y.all() or not y.any():
        raise ValueError(
            "the labels hold one class only; "
            "a detector is judged on normal and anomalous images both."
        )
    return s[~y], s[y]


def _share_above(scores: Tensor, thresholds: Tensor) -> Tensor:
    """The share of `scores` strictly above each threshold (binary search in the sorted scores)."""
    below = torch.searchsorted(scores.sort().values, thresholds, right=True)
    return (scores.numel() - below).double() / scores.numel()


def roc_curve(scores_normal: Tensor, scores_anomalous: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(FPRs, TPRs, thresholds) of "score > threshold" at every threshold (notebook 09).

    The curve starts at (0, 0) (threshold +inf) and ends at (1, 1); tied scores make one step.
    """
    normal, anomalous = (
        _scores("scores_normal", scores_normal),
        _scores("scores_anomalous", scores_anomalous),
    )
    thresholds = torch.cat(
        [
            torch.tensor([float("inf")], dtype=torch.float64),
            torch.cat([normal, anomalous]).unique().flip(0),
        ]
    )  # descending
    fpr, tpr = _share_above(normal, thresholds), _share_above(anomalous, thresholds)
    # "score > t" at the smallest score flags everything but the smallest: end at "flag all"
    fpr, tpr = (
        torch.cat([fpr, torch.ones(1, dtype=fpr.dtype)]),
        torch.cat([tpr, torch.ones(1, dtype=tpr.dtype)]),
    )
    thresholds = torch.cat([thresholds, torch.tensor([-float("inf")], dtype=torch.float64)])
    return fpr, tpr, thresholds


def auc(scores_normal: Tensor, scores_anomalous: Tensor) -> float:
    """Area under the ROC curve: P(anomalous outscores normal), ties half (notebook 09).

    1 is a perfect detector, 0.5 a coin. Computed from ranks (Mann-Whitney U), O(n log n).
    """
    normal, anomalous = (
        _scores("scores_normal", scores_normal),
        _scores("scores_anomalous", scores_anomalous),
    )
    both = torch.cat([normal, anomalous])
    values, inverse, counts = both.unique(return_inverse=True, return_counts=True)
    counts = counts.double()
    first = torch.cumsum(counts, 0) - counts  # 0-based rank of the first of each tie group
    mid_rank = (first + (counts - 1) / 2.0 + 1)[inverse]  # 1-based average rank of every score
    u = mid_rank[normal.numel() :].sum() - anomalous.numel() * (anomalous.numel() + 1) / 2
    return (u / (normal.numel() * anomalous.numel())).item()


def threshold_at_fpr(normal_val_scores: Tensor, fpr: float) -> float:
    """The smallest threshold that flags at most `fpr` of the normal scores (notebook 09).

    Choose it on normal validation images, never on the test set.
    """
    if not 0 <= fpr < 1:
        raise ValueError(f"fpr is a share of the normal images in [0, 1), got {fpr}.")
    s = _scores("normal_val_scores", normal_val_scores).sort(descending=True).values
    k = int(fpr * s.numel())  # at most k normal scores may lie above the threshold
    return s[k].item()


def rates_at(
    threshold: float, scores_normal: Tensor, scores_anomalous: Tensor
) -> tuple[float, float]:
    """(false-positive rate, true-positive rate) of flagging "score > threshold" (notebook 09)."""
    normal, anomalous = (
        _scores("scores_normal", scores_normal),
        _scores("scores_anomalous", scores_anomalous),
    )
    return (normal > threshold).double().mean().item(), (
        anomalous > threshold
    ).double().mean().item()


def nearest_distance(x: Tensor, reference: Tensor, *, batch: int = 1000) -> Tensor:
    """Euclidean distance from each image in x to its nearest one in reference, (N,) (notebook 09).

    Works through x in chunks of `batch` rows so that the distance matrix stays small.
    """
    if reference.shape[0] == 0:
        raise ValueError("reference is empty: there is no nearest image.")
    a, b = x.reshape(x.shape[0], -1).float(), reference.reshape(reference.shape[0], -1).float()
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"x has {a.shape[1]} pixels per image, reference {b.shape[1]}; they must match."
        )
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}.")
    return torch.cat(
        [torch.cdist(a[i : i + batch], b).min(dim=1).values for i in range(0, a.shape[0], batch)]
    )


def plot_roc(
    detectors: Mapping[str, tuple[Tensor, Tensor]],
    *,
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Axes:
    """ROC curves, name -> (normal, anomalous scores), AUC in the legend (notebook 09)."""
    ax = _axes(ax, (5, 5))
    for name, (normal, anomalous) in detectors.items():
        fpr, tpr, _ = roc_curve(normal, anomalous)
        ax.plot(fpr.numpy(), tpr.numpy(), label=f"{name} (AUC {auc(normal, anomalous):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance (AUC 0.5)")
    ax.set_xlabel("false-positive rate (normal images flagged)")
    ax.set_ylabel("true-positive rate (anomalies caught)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def plot_score_histograms(
    scores_normal: Tensor,
    scores_anomalous: Tensor,
    *,
    threshold: float | None = None,
    labels: tuple[str, str] = ("normal", "anomalous"),
    bins: int = 60,
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Axes:
    """Both groups' score histograms on one axis, optional threshold line (notebook 09)."""
    normal, anomalous = (
        _scores("scores_normal", scores_normal),
        _scores("scores_anomalous", scores_anomalous),
    )
    ax = _axes(ax, (6, 3.5))
    edges = torch.linspace(
        min(normal.min(), anomalous.min()).item(),
        max(normal.max(), anomalous.max()).item(),
        bins + 1,
    ).numpy()
    ax.hist(normal.numpy(), bins=edges, density=True, alpha=0.6, label=labels[0])
    ax.hist(anomalous.numpy(), bins=edges, density=True, alpha=0.6, label=labels[1])
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.3g}")
    ax.set_xlabel("score (higher = more unusual)")
    ax.set_ylabel("density")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax
