"""Principal component analysis by SVD, its reconstructions, and angles between subspaces."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["PCA", "principal_angles"]


def _as_rows(x: Tensor) -> Tensor:
    if x.ndim < 2:
        raise ValueError(f"PCA works on a batch of samples (N, ...), got shape {tuple(x.shape)}.")
    return x.reshape(x.shape[0], -1)


@dataclass(frozen=True)
class PCA:
    """Principal components of a data set, strongest first (notebook 02).

    Built with `PCA.fit(x)`. `components[i]` is the i-th unit-length direction (the
    "eigen-digits"); `explained_variance_ratio[i]` the share of the variance it carries.
    """

    mean: Tensor  # (D,) the data's mean, subtracted before projecting
    components: Tensor  # (r, D) orthonormal rows, r = min(N, D)
    explained_variance: Tensor  # (r,) variance along each component
    explained_variance_ratio: Tensor  # (r,) the same as a share of the total variance

    @classmethod
    def fit(cls, x: Tensor) -> PCA:
        """PCA of x (N samples, flattened to D features) from the SVD of the centred data."""
        rows = _as_rows(x).double()  # float64: the small singular values matter for the error curve
        if rows.shape[0] < 2:
            raise ValueError(f"PCA needs at least 2 samples, got {rows.shape[0]}.")
        mean = rows.mean(dim=0)
        # X - mean = Q R (QR, keeping only the small R), then R = U S V^T, so X - mean = (QU) S V^T:
        # the same singular values and right singular vectors as a direct SVD, about 3x faster.
        r = (
            torch.linalg.qr(rows - mean, mode="r")[1]
            if rows.shape[0] > rows.shape[1]
            else rows - mean
        )
        _, s, vh = torch.linalg.svd(r, full_matrices=False)
        variance = s**2 / (rows.shape[0] - 1)
        return cls(
            mean=mean.float(),
            components=vh.float(),
            explained_variance=variance.float(),
            explained_variance_ratio=(variance / variance.sum()).float(),
        )

    def _check_k(self, k: int) -> int:
        if not 1 <= k <= self.components.shape[0]:
            raise ValueError(f"k must be between 1 and {self.components.shape[0]}, got {k}.")
        return k

    def encode(self, x: Tensor, k: int) -> Tensor:
        """Coordinates of x along the top-k components, (N, k)."""
        rows = _as_rows(x)
        if rows.shape[1] != self.mean.shape[0]:
            raise ValueError(
                f"x has {rows.shape[1]} features per sample, this PCA was fitted on "
                f"{self.mean.shape[0]}."
            )
        return (rows - self.mean) @ self.components[: self._check_k(k)].T

    def decode(self, z: Tensor) -> Tensor:
        """Back from k coordinates to flattened samples, (N, D)."""
        return z @ self.components[: self._check_k(z.shape[1])] + self.mean

    def reconstruct(self, x: Tensor, k: int) -> Tensor:
        """Project x onto the top-k subspace and back, in x's shape."""
        return self.decode(self.encode(x, k)).reshape(x.shape)

    def mse(self, x: Tensor, k: int) -> float:
        """Mean per-pixel squared error of the rank-k reconstruction of x."""
        return torch.mean((self.reconstruct(x, k) - x) ** 2).item()


def principal_angles(a: Tensor, b: Tensor) -> Tensor:
    """Cosines of the principal angles between the column spaces of a and b (notebook 02).

    a: (D, k), b: (D, m). All cosines near 1 means the two subspaces coincide.
    """
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
        raise ValueError(
            "principal_angles needs two matrices (D, k) and (D, m) with the same D, got "
            f"{tuple(a.shape)} and {tuple(b.shape)}."
        )
    qa, _ = torch.linalg.qr(a.double())  # orthonormal bases of the two column spaces
    qb, _ = torch.linalg.qr(b.double())
    cosines = torch.linalg.svdvals(qa.T @ qb)
    return cosines.clamp(max=1.0).float()
