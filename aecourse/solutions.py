"""Worked solutions of the notebooks' coding exercises, shown on request: ae.show_solution("01.4").

No notebook cell imports this module and the slides never show it. The checks
(aecourse.exercises.check_function) compare against references of their own, so these
solutions are checked like any student's (tests/test_exercises.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from .data import add_noise

__all__ = ["SOLUTIONS"]


def epoch_average(batch_losses: list[float], batch_sizes: list[int]) -> float:
    """Exercise 01.4: the mean loss per image over an epoch, from batch means and sizes."""
    total = sum(
        loss * n for loss, n in zip(batch_losses, batch_sizes)
    )  # each batch's mean times its images
    return total / sum(batch_sizes)  # a small last batch weighs less


def pca_reconstruct(x: Tensor, mean: Tensor, components: Tensor, k: int) -> Tensor:
    """Exercise 02.4: PCA's rank-k reconstruction mean + V_k V_k^T (x - mean) of the rows of x."""
    v = components[:k]  # (k, D): the top-k components, one per row
    z = (x - mean) @ v.T  # (N, k): coordinates of the centred rows
    return z @ v + mean  # (N, D): back to pixels, the mean added again


def mlp_parameters(latent_dim: int, hidden: Sequence[int]) -> int:
    """Exercise 03.4: weights and biases of MLPAutoencoder(latent_dim, hidden), from sizes."""
    widths = [784, *hidden, latent_dim]  # the encoder: 784 -> ... -> k
    encoder = sum(
        a * b + b for a, b in zip(widths, widths[1:])
    )  # Linear(a, b): a * b weights, b biases
    widths = widths[::-1]  # the decoder mirrors it: k -> ... -> 784
    decoder = sum(a * b + b for a, b in zip(widths, widths[1:]))
    return encoder + decoder


def nearest_centroid(train_codes: Tensor, train_labels: Tensor, queries: Tensor) -> Tensor:
    """Exercise 04.4: for each query, the label (0 ... 9) whose mean training code is nearest."""
    centroids = torch.stack(
        [train_codes[train_labels == c].mean(dim=0) for c in range(10)]
    )  # (10, d)
    return torch.cdist(queries, centroids).argmin(dim=1)  # (N,)


def conv_out_dilated(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """Exercise 05.5: output size of Conv2d(k, stride=s, padding=p, dilation=d) on one axis."""
    span = d * (k - 1) + 1  # k taps, d pixels apart, cover this many pixels
    return math.floor((n + 2 * p - span) / s) + 1


def denoising_loss(
    model: Callable[[Tensor], Tensor], x: Tensor, noise: float, generator: torch.Generator
) -> Tensor:
    """Exercise 06.5: one denoising step's loss on a batch of clean images x."""
    noisy = add_noise(x, noise, seed=None, generator=generator)  # corrupt the input ...
    return F.mse_loss(model(noisy), x)  # ... and compare with the CLEAN x


def relu_jacobian_norm(w: Tensor, b: Tensor, x: Tensor) -> Tensor:
    """Exercise 07.4: ||dh/dx||_F^2 of the encoder h(x) = relu(W x + b), for each row of x."""
    active = (x @ w.T + b > 0).to(w.dtype)  # (N, k): relu'(a_j) is 1 where a_j > 0, else 0
    return active @ (w**2).sum(dim=1)  # (N,): sum of ||W_j||^2 over the active units


def kl_diagonal(mu: Tensor, logvar: Tensor) -> Tensor:
    """Exercise 08.4: KL(N(mu, diag(exp(logvar))) || N(0, I)) of each row, (N,)."""
    per_coordinate = 0.5 * (
        mu**2 + logvar.exp() - 1 - logvar
    )  # (N, k): one term per code coordinate
    return per_coordinate.sum(dim=1)  # (N,): independent coordinates add up


def pair_auc(normal: Tensor, anomalous: Tensor) -> float:
    """Exercise 09.4: share of (normal, anomalous) pairs ranked right, ties counted half."""
    higher = (anomalous[:, None] > normal[None, :]).double()  # (A, N): this pair is ranked right
    tied = (anomalous[:, None] == normal[None, :]).double()  # (A, N): a tie counts half
    return (higher + tied / 2).mean().item()


SOLUTIONS: dict[str, Callable] = {
    "01.4": epoch_average,
    "02.4": pca_reconstruct,
    "03.4": mlp_parameters,
    "04.4": nearest_centroid,
    "05.5": conv_out_dilated,
    "06.5": denoising_loss,
    "07.4": relu_jacobian_norm,
    "08.4": kl_diagonal,
    "09.4": pair_auc,
}
