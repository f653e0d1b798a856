"""Pictures for the course: image grids, reconstructions, loss curves, 2-D codes, manifolds.

Every helper draws into `ax` (or a new figure's axes), returns the axes, and never calls plt.show().
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.colors import Normalize
from matplotlib.ticker import MaxNLocator
from torch import Tensor, nn

from .training import History, _model_device, reconstruct

__all__ = [
    "plot_decoded",
    "plot_history",
    "plot_image_rows",
    "plot_images",
    "plot_latent",
    "plot_loss_parts",
    "plot_manifold",
    "plot_reconstructions",
]


def _axes(ax: plt.Axes | None, figsize: tuple[float, float]) -> plt.Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _as_images(x: Tensor) -> Tensor:
    x = x.detach().cpu().float()
    if x.ndim == 2 and x.shape[1] == 784:
        return x.reshape(-1, 1, 28, 28)
    if x.ndim == 3:
        x = x.unsqueeze(1)
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(f"expected images (N, 1, H, W), (N, H, W) or (N, 784), got {tuple(x.shape)}.")
    return x


def _decode(model: nn.Module, codes: Tensor) -> Tensor:
    """model.decode(codes) in evaluation mode without gradients, as images (N, 1, 28, 28) on the CPU."""
    model.eval()
    with torch.no_grad():
        return _as_images(model.decode(codes.to(_model_device(model))))


def _code_span(codes: Tensor, quantile: float, who: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """The `quantile` to 1 - `quantile` range of each coordinate of 2-D codes: ((z1 low, high), (z2 low, high))."""
    codes = codes.detach().cpu().float()
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"{who} needs 2-D codes (N, 2), got {tuple(codes.shape)}.")
    lo = torch.quantile(codes, quantile, dim=0).tolist()
    hi = torch.quantile(codes, 1 - quantile, dim=0).tolist()
    return (lo[0], hi[0]), (lo[1], hi[1])


def _grid(images: Tensor, nrow: int, pad: int = 2) -> Tensor:
    """Tile (N, 1, H, W) into one (rows*H, nrow*W) picture; the gaps are NaN, drawn in the background colour."""
    n, _, h, w = images.shape
    rows = -(-n // nrow)
    canvas = torch.full((rows * (h + pad) - pad, nrow * (w + pad) - pad), float("nan"))
    for i, img in enumerate(images):
        r, c = divmod(i, nrow)
        canvas[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = img[0]
    return canvas


def plot_images(
    images: Tensor, *, nrow: int = 10, ax: plt.Axes | None = None, title: str | None = None,
    vmin: float | None = 0.0, vmax: float | None = 1.0, cmap: str = "gray_r",
) -> plt.Axes:
    """A grid of images, `nrow` per row (notebooks/01_intro.ipynb); vmin=vmax=None rescales per grid.

    The gaps between the images take the colour of a pixel value of 0, the background, in any colour map.
    """
    x = _as_images(images)
    n = x.shape[0]
    ax = _axes(ax, (min(nrow, n) * 0.9, -(-n // nrow) * 0.9))
    picture = _grid(x, min(nrow, n))
    drawn = picture[~picture.isnan()]
    lo = vmin if vmin is not None else drawn.min().item()   # the range imshow maps onto the colour map
    hi = vmax if vmax is not None else drawn.max().item()
    colours = plt.get_cmap(cmap)
    colours = colours.with_extremes(bad=colours(Normalize(lo, hi, clip=True)(0.0)))   # NaN gaps: the colour of 0, not white
    ax.imshow(picture.numpy(), cmap=colours, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def plot_image_rows(
    rows: Sequence[Tensor], labels: Sequence[str], *, n: int = 10, ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Axes:
    """Rows of images one above the other, each labelled on the left, e.g. original / noisy / denoised (notebooks/06_denoising.ipynb)."""
    if len(rows) != len(labels):
        raise ValueError(f"got {len(rows)} rows but {len(labels)} labels.")
    stacked = torch.cat([_as_images(r)[:n] for r in rows])
    ax = _axes(ax, (n * 0.9, len(rows) * 1.0 + 0.3))
    plot_images(stacked, nrow=n, ax=ax, title=title)
    ax.set_yticks([14 + 30 * i for i in range(len(rows))], labels)
    ax.tick_params(axis="y", length=0)
    return ax


def plot_reconstructions(
    model: nn.Module, images: Tensor, *, n: int = 10, ax: plt.Axes | None = None, title: str | None = None,
) -> plt.Axes:
    """Originals over the model's reconstructions, n columns (notebooks/01_intro.ipynb)."""
    originals = _as_images(images[:n])
    return plot_image_rows([originals, reconstruct(model, images[:n])], ["original", "reconstruction"],
                           n=n, ax=ax, title=title)


def plot_history(
    history: History, *, ax: plt.Axes | None = None, label: str = "", log: bool = True,
    ylabel: str = "loss",
) -> plt.Axes:
    """Training (and validation) loss per epoch from fit()'s History (notebooks/01_intro.ipynb)."""
    ax = _axes(ax, (6, 4))
    epochs = range(1, history.epochs + 1)
    prefix = f"{label} " if label else ""
    (line,) = ax.plot(epochs, history.train_loss, marker="o", label=f"{prefix}train")
    if history.val_loss:
        ax.plot(epochs, history.val_loss, marker="s", linestyle="--", color=line.get_color(), label=f"{prefix}validation")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(ax.get_title() or "Loss per epoch")
    ax.legend()
    ax.grid(True, alpha=0.3)
    return ax


def plot_loss_parts(
    history: History, *, ax: plt.Axes | None = None, log: bool = True, title: str | None = None,
) -> plt.Axes:
    """Each named part of a regularised model's loss (History.parts) per epoch, one curve each (notebooks/07_regularized.ipynb)."""
    if not history.parts:
        raise ValueError("history has no loss parts: train a model whose training_loss names its parts in "
                         "TrainingLoss(total, {\"reconstruction\": ..., ...}), or use plot_history.")
    ax = _axes(ax, (6, 4))
    for name, values in history.parts.items():
        ax.plot(range(1, len(values) + 1), values, marker="o", label=name)
    if log:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean per sample")
    ax.set_title(title or "Parts of the training loss per epoch")
    ax.legend()
    ax.grid(True, alpha=0.3)
    return ax


def plot_latent(
    codes: Tensor, labels: Tensor, *, ax: plt.Axes | None = None, title: str | None = None,
    xlabel: str = "$z_1$", ylabel: str = "$z_2$", size: float = 4, alpha: float = 0.6,
) -> plt.Axes:
    """2-D codes as a scatter plot coloured by digit, with a legend (notebooks/04_bottleneck_2d.ipynb)."""
    import seaborn as sns

    codes = codes.detach().cpu()
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"plot_latent draws 2-D codes (N, 2), got {tuple(codes.shape)}.")
    ax = _axes(ax, (6, 6))
    sns.scatterplot(x=codes[:, 0].numpy(), y=codes[:, 1].numpy(), hue=labels.cpu().numpy(), palette="tab10",
                    s=size, alpha=alpha, linewidth=0, legend="full", ax=ax)
    ax.legend(title="digit", markerscale=3, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def plot_manifold(
    model: nn.Module, codes: Tensor, *, n: int = 15, quantile: float = 0.02, ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Axes:
    """Decode an n x n lattice spanning the region the 2-D `codes` occupy, as one image (notebooks/04_bottleneck_2d.ipynb).

    The lattice spans the `quantile` to 1 - `quantile` range of each coordinate, so outliers do
    not stretch it; rows go from high z_2 (top) to low z_2 (bottom), like the scatter plot.
    """
    (lo1, hi1), (lo2, hi2) = _code_span(codes, quantile, "plot_manifold")
    z1 = torch.linspace(lo1, hi1, n)
    z2 = torch.linspace(hi2, lo2, n)
    lattice = torch.stack(torch.meshgrid(z2, z1, indexing="ij")[::-1], dim=-1).reshape(-1, 2)  # row-major, (n*n, 2)
    ax = _axes(ax, (7, 7))
    plot_images(_decode(model, lattice), nrow=n, ax=ax, title=title)
    ticks = [14 + 30 * i for i in range(0, n, max(1, n // 5))]
    ax.set_xticks(ticks, [f"{z1[i // 30].item():.1f}" for i in ticks])
    ax.set_yticks(ticks, [f"{z2[i // 30].item():.1f}" for i in ticks])
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    return ax


def plot_decoded(
    model: nn.Module, codes: Tensor, *, ax: plt.Axes | None = None, title: str | None = None,
) -> plt.Axes:
    """The digits the decoder draws from the given codes (N, k), in a row, each under its code (notebooks/04_bottleneck_2d.ipynb)."""
    if not isinstance(codes, Tensor) or codes.ndim != 2:
        raise ValueError(f"plot_decoded needs codes of shape (N, k), got {getattr(codes, 'shape', type(codes))}.")
    images = _decode(model, codes)
    n = images.shape[0]
    ax = _axes(ax, (n * 1.2, 1.6))
    plot_images(images, nrow=n, ax=ax, title=title)
    if codes.shape[1] <= 3:  # longer codes do not fit under a digit
        ax.set_xticks([14 + 30 * i for i in range(n)], ["(" + ", ".join(f"{v:.1f}" for v in z) + ")" for z in codes.detach().tolist()])
        ax.tick_params(axis="x", length=0)
    return ax
