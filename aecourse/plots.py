"""Pictures for the course: image grids, reconstructions, loss curves, 2-D codes, manifolds.

Every helper draws into `ax` (or a new figure's axes), returns the axes, and never calls plt.show().
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import matplotlib.pyplot as plt
import torch
from matplotlib.colors import Normalize
from matplotlib.ticker import MaxNLocator
from torch import Tensor, nn

from .models import _check_latent_dim
from .training import History, _model_device, reconstruct

__all__ = [
    "lattice_codes",
    "manifold_values",
    "plot_decoded",
    "plot_history",
    "plot_image_rows",
    "plot_images",
    "plot_latent",
    "plot_lattice",
    "plot_loss_parts",
    "plot_manifold",
    "plot_reconstructions",
    "plot_samples",
    "tile_centres",
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
        raise ValueError(
            f"expected images (N, 1, H, W), (N, H, W) or (N, 784), got {tuple(x.shape)}."
        )
    return x


def _decode(model: nn.Module, codes: Tensor) -> Tensor:
    """model.decode(codes) in eval mode, no gradients, as images (N, 1, 28, 28) on the CPU."""
    model.eval()
    with torch.no_grad():
        return _as_images(model.decode(codes.to(_model_device(model))))


def _code_span(
    codes: Tensor, quantile: float, who: str
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The `quantile` to 1 - `quantile` range of each coordinate of 2-D codes, per axis."""
    codes = codes.detach().cpu().float()
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"{who} needs 2-D codes (N, 2), got {tuple(codes.shape)}.")
    lo = torch.quantile(codes, quantile, dim=0).tolist()
    hi = torch.quantile(codes, 1 - quantile, dim=0).tolist()
    return (lo[0], hi[0]), (lo[1], hi[1])


TILE, PAD = 28, 2  # a digit's side and the gap between tiles in plot_images, pixels


def tile_centres(indices: Sequence[int] | range) -> list[int]:
    """Where tiles number i sit on plot_images' axis, to label rows or columns (notebook 04)."""
    return [TILE // 2 + (TILE + PAD) * i for i in indices]


def _grid(images: Tensor, nrow: int, pad: int = PAD) -> Tensor:
    """Tile (N, 1, H, W) into one (rows*H, nrow*W) picture; NaN gaps show the background."""
    n, _, h, w = images.shape
    rows = -(-n // nrow)
    canvas = torch.full((rows * (h + pad) - pad, nrow * (w + pad) - pad), float("nan"))
    for i, img in enumerate(images):
        r, c = divmod(i, nrow)
        canvas[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = img[0]
    return canvas


def plot_images(
    images: Tensor,
    *,
    nrow: int = 10,
    ax: plt.Axes | None = None,
    title: str | None = None,
    vmin: float | None = 0.0,
    vmax: float | None = 1.0,
    cmap: str = "gray_r",
) -> plt.Axes:
    """A grid of images, `nrow` per row (notebook 01); vmin=vmax=None rescales per grid.

    The gaps between the images take the colour of a pixel value of 0, the background, in any colour
    map.
    """
    x = _as_images(images)
    n = x.shape[0]
    ax = _axes(ax, (min(nrow, n) * 0.9, -(-n // nrow) * 0.9))
    picture = _grid(x, min(nrow, n))
    drawn = picture[~picture.isnan()]
    lo = (
        vmin if vmin is not None else drawn.min().item()
    )  # the range imshow maps onto the colour map
    hi = vmax if vmax is not None else drawn.max().item()
    colours = plt.get_cmap(cmap)
    colours = colours.with_extremes(
        bad=colours(Normalize(lo, hi, clip=True)(0.0))
    )  # NaN gaps: the colour of 0, not white
    ax.imshow(picture.numpy(), cmap=colours, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def plot_image_rows(
    rows: Sequence[Tensor],
    labels: Sequence[str],
    *,
    n: int = 10,
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Axes:
    """Rows of images one above the other, each labelled on the left (notebook 06)."""
    if len(rows) != len(labels):
        raise ValueError(f"got {len(rows)} rows but {len(labels)} labels.")
    stacked = torch.cat([_as_images(r)[:n] for r in rows])
    ax = _axes(ax, (n * 0.9, len(rows) * 1.0 + 0.3))
    plot_images(stacked, nrow=n, ax=ax, title=title)
    ax.set_yticks(tile_centres(range(len(rows))), labels)
    ax.tick_params(axis="y", length=0)
    return ax


def plot_reconstructions(
    model: nn.Module,
    images: Tensor,
    *,
    n: int = 10,
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Axes:
    """Originals over the model's reconstructions, n columns (notebook 01)."""
    originals = _as_images(images[:n])
    return plot_image_rows(
        [originals, reconstruct(model, images[:n])],
        ["original", "reconstruction"],
        n=n,
        ax=ax,
        title=title,
    )


def plot_history(
    history: History,
    *,
    ax: plt.Axes | None = None,
    label: str = "",
    log: bool = True,
    ylabel: str = "loss",
) -> plt.Axes:
    """Training (and validation) loss per epoch from fit()'s History (notebook 01)."""
    ax = _axes(ax, (6, 4))
    epochs = range(1, history.epochs + 1)
    prefix = f"{label} " if label else ""
    (line,) = ax.plot(epochs, history.train_loss, marker="o", label=f"{prefix}train")
    if history.val_loss:
        ax.plot(
            epochs,
            history.val_loss,
            marker="s",
            linestyle="--",
            color=line.get_color(),
            label=f"{prefix}validation",
        )
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(ax.get_title() or "Loss per epoch")
    ax.legend()
    ax.grid(True, alpha=0.3)
    return ax


def plot_loss_parts(
    history: History,
    *,
    ax: plt.Axes | None = None,
    log: bool = True,
    title: str | None = None,
) -> plt.Axes:
    """Each named part of a regularised model's loss (History.parts) per epoch (notebook 07)."""
    if not history.parts:
        raise ValueError(
            "history has no loss parts: train a model whose training_loss names its parts in "
            'TrainingLoss(total, {"reconstruction": ..., ...}), or use plot_history.'
        )
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
    codes: Tensor,
    labels: Tensor,
    *,
    ax: plt.Axes | None = None,
    title: str | None = None,
    xlabel: str = "$z_1$",
    ylabel: str = "$z_2$",
    size: float = 4,
    alpha: float = 0.6,
) -> plt.Axes:
    """2-D codes as a scatter plot coloured by digit, with a legend (notebook 04)."""
    import seaborn as sns

    codes = codes.detach().cpu()
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"plot_latent draws 2-D codes (N, 2), got {tuple(codes.shape)}.")
    ax = _axes(ax, (6, 6))
    sns.scatterplot(
        x=codes[:, 0].numpy(),
        y=codes[:, 1].numpy(),
        hue=labels.cpu().numpy(),
        palette="tab10",
        s=size,
        alpha=alpha,
        linewidth=0,
        legend="full",
        ax=ax,
    )
    ax.legend(
        title="digit", markerscale=3, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def manifold_values(
    codes: Tensor,
    n: int = 15,
    *,
    quantile: float = 0.02,
    spacing: Literal["linear", "quantile"] = "linear",
) -> tuple[Tensor, Tensor]:
    """The n values of z1 and of z2 at which plot_manifold decodes the 2-D `codes` (notebook 04).

    "linear": evenly spaced from the `quantile` to the 1 - `quantile` quantile of each coordinate.
    "quantile": at the evenly spaced quantiles themselves, so every column (and every row) of the
    lattice holds the same share of the codes: crowded regions get more tiles, long arms fewer.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 2:
        raise ValueError(f"n must be an integer of at least 2 (tiles per side), got {n!r}.")
    if not 0 <= quantile < 0.5:
        raise ValueError(f"quantile must be in [0, 0.5), got {quantile!r}.")
    (lo1, hi1), (lo2, hi2) = _code_span(codes, quantile, "plot_manifold")
    if spacing == "linear":
        return torch.linspace(lo1, hi1, n), torch.linspace(lo2, hi2, n)
    if spacing == "quantile":
        q = torch.linspace(quantile, 1 - quantile, n)
        values = torch.quantile(codes.detach().cpu().float(), q, dim=0)  # (n, 2)
        return values[:, 0].contiguous(), values[:, 1].contiguous()
    raise ValueError(f'spacing must be "linear" or "quantile", got {spacing!r}.')


def plot_manifold(
    model: nn.Module,
    codes: Tensor,
    *,
    n: int = 15,
    quantile: float = 0.02,
    spacing: Literal["linear", "quantile"] = "linear",
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Axes:
    """Decode an n x n lattice over the region the 2-D `codes` occupy, as one image (notebook 04).

    The lattice spans the `quantile` to 1 - `quantile` range of each coordinate, so outliers do
    not stretch it, at the values manifold_values gives for `spacing`; rows go from high z_2 (top)
    to low z_2 (bottom), like the scatter plot.
    """
    z1, z2 = manifold_values(codes, n, quantile=quantile, spacing=spacing)
    return plot_lattice(
        model, z1, z2, ax=ax if ax is not None else _axes(None, (7, 7)), title=title
    )


def plot_decoded(
    model: nn.Module,
    codes: Tensor,
    *,
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Axes:
    """The digits the decoder draws from codes (N, k), each under its code (notebook 04)."""
    if not isinstance(codes, Tensor) or codes.ndim != 2:
        raise ValueError(
            f"plot_decoded needs codes of shape (N, k), got {getattr(codes, 'shape', type(codes))}."
        )
    images = _decode(model, codes)
    n = images.shape[0]
    ax = _axes(ax, (n * 1.2, 1.6))
    plot_images(images, nrow=n, ax=ax, title=title)
    if codes.shape[1] <= 3:  # longer codes do not fit under a digit
        ax.set_xticks(
            tile_centres(range(n)),
            ["(" + ", ".join(f"{v:.1f}" for v in z) + ")" for z in codes.detach().tolist()],
        )
        ax.tick_params(axis="x", length=0)
    return ax


def _values(values: Sequence[float] | Tensor, name: str) -> Tensor:
    """A non-empty 1-D sequence of finite numbers as a float tensor, else an error naming it."""
    try:
        v = torch.as_tensor(values, dtype=torch.float32).detach().cpu()
    except (TypeError, ValueError, RuntimeError) as err:
        raise ValueError(f"{name} must be a 1-D sequence of numbers, got {values!r}.") from err
    if v.ndim != 1 or len(v) == 0 or not torch.isfinite(v).all():
        raise ValueError(
            f"{name} must be a non-empty 1-D sequence of finite numbers, got shape "
            f"{tuple(v.shape)}."
        )
    return v


def lattice_codes(
    z1_values: Sequence[float] | Tensor, z2_values: Sequence[float] | Tensor
) -> Tensor:
    """The 2-D codes of the lattice z1 x z2 in plot_lattice's order (notebook 08).

    Row by row from the last z2 value (top) to the first (bottom); within a row, z1 in the given
    order.
    """
    z1, z2 = _values(z1_values, "z1_values"), _values(z2_values, "z2_values")
    rows = z2.flip(0)  # increasing z2 points up, as in a scatter plot
    return torch.stack([z1.repeat(len(rows)), rows.repeat_interleave(len(z1))], dim=1)


def plot_lattice(
    model: nn.Module,
    z1_values: Sequence[float] | Tensor,
    z2_values: Sequence[float] | Tensor,
    *,
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Axes:
    """Decode the lattice of 2-D codes z1 x z2 and draw it as one picture (notebook 08).

    Rows go from the last z2 value (top) to the first (bottom), so increasing values point up like a
    scatter plot's axis; lattice_codes gives the codes in the order drawn.
    """
    codes = lattice_codes(z1_values, z2_values)
    z1, z2 = _values(z1_values, "z1_values"), _values(z2_values, "z2_values").flip(0)
    try:
        images = _decode(model, codes)
    except (ValueError, RuntimeError) as err:
        raise ValueError(
            f"plot_lattice needs a model that decodes 2-D codes; {type(model).__name__} cannot: "
            f"{err}"
        ) from err
    ax = _axes(ax, (0.5 * len(z1) + 1, 0.5 * len(z2) + 1))
    plot_images(images, nrow=len(z1), ax=ax, title=title)
    step1, step2 = max(1, len(z1) // 6), max(1, len(z2) // 6)
    ax.set_xticks(
        tile_centres(range(0, len(z1), step1)),
        [f"{z1[i].item():.2g}" for i in range(0, len(z1), step1)],
    )
    ax.set_yticks(
        tile_centres(range(0, len(z2), step2)),
        [f"{z2[i].item():.2g}" for i in range(0, len(z2), step2)],
    )
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    return ax


def plot_samples(
    model: nn.Module,
    n: int,
    *,
    latent_dim: int | None = None,
    seed: int = 0,
    nrow: int = 10,
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Axes:
    """Decode n codes drawn from the prior N(0, I) with a seeded generator, as a grid (notebook 08).

    latent_dim defaults to model.config["latent_dim"]; the same seed draws the same codes.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive number of samples, got {n!r}.")
    if latent_dim is None:
        latent_dim = getattr(model, "config", {}).get("latent_dim")
        if latent_dim is None:
            raise ValueError(
                f"pass latent_dim=: {type(model).__name__} has no config['latent_dim']."
            )
    _check_latent_dim(latent_dim)
    codes = torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed))  # z ~ N(0, I)
    return plot_images(_decode(model, codes), nrow=min(nrow, n), ax=ax, title=title)
