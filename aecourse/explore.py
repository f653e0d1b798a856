"""A live look inside a 2-D code: two sliders and the digit the decoder draws from them.

The sliders need a running kernel. So that a page without one (the course's website) still shows
the digit under the sliders, the explorer's output also holds a picture: the decoder's images of a
lattice of codes over the sliders' ranges, one tile per lattice point, with the lattice's geometry
in the output's metadata (nbval compares neither). The website's script shows the tile of the
lattice point its own sliders are on.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import torch
from torch import Tensor, nn

from .plots import _code_span, _decode, lattice_codes

if TYPE_CHECKING:
    import ipywidgets

__all__ = ["LatentExplorer", "explore_latent", "lattice_sprite"]

Span = tuple[float, float]
# What a stored notebook shows without a kernel (and what nbval compares): the same on every
# machine, while the sliders' starting values depend on the trained codes.
TEXT_WITHOUT_KERNEL = (
    "LatentExplorer: two sliders, z1 and z2, and the digit the decoder draws from them; "
    "run this cell in a live kernel to use it."
)
SPRITE_KEY = "aecourse/explorer"  # the output metadata's key for the stored lattice's geometry
LATTICE_STEPS = 21  # lattice points per slider in the stored picture: the ranges in steps of 5%


def _png(image: Tensor, scale: int) -> bytes:
    """One image (1, 28, 28) as PNG bytes, pixels as scale x scale blocks, like plot_images."""
    pixels = (
        image[0].numpy().repeat(scale, axis=0).repeat(scale, axis=1)
    )  # (28 * scale, 28 * scale)
    buffer = io.BytesIO()
    plt.imsave(buffer, pixels, cmap="gray_r", vmin=0.0, vmax=1.0, format="png")
    return buffer.getvalue()


def lattice_sprite(
    model: nn.Module, z1: Span, z2: Span, steps: int = LATTICE_STEPS
) -> tuple[bytes, dict]:
    """The decoded steps x steps lattice over z1 x z2: one grey PNG and its geometry (notebook 04).

    Tiles of 28 x 28 pixels without gaps, in lattice_codes' order: row 0 holds the highest z2,
    column 0 the lowest z1. Drawn like plot_images (gray_r: 0 is white, 1 black).
    """
    from PIL import Image

    if not isinstance(steps, int) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2 (lattice points per axis), got {steps!r}.")
    values = [torch.linspace(lo, hi, steps) for lo, hi in (z1, z2)]
    images = _decode(model, lattice_codes(*values))[:, 0]  # (steps * steps, 28, 28)
    tile = images.shape[-1]
    rows = images.reshape(steps, steps, tile, tile).permute(0, 2, 1, 3)
    grey = ((1.0 - rows.reshape(steps * tile, steps * tile).clamp(0, 1)) * 255).round()
    buffer = io.BytesIO()
    Image.fromarray(grey.to(torch.uint8).numpy(), mode="L").save(buffer, "png", optimize=True)
    geometry = {"z1": [float(v) for v in z1], "z2": [float(v) for v in z2], "steps": steps}
    return buffer.getvalue(), {**geometry, "tile": tile}


def _slider(name: str, span: Span) -> ipywidgets.FloatSlider:
    import ipywidgets as widgets  # imported here: only the explorer needs it

    lo, hi = span
    return widgets.FloatSlider(
        value=(lo + hi) / 2,
        min=lo,
        max=hi,
        step=(hi - lo) / 100,
        description=name,
        readout_format=".2f",
        continuous_update=True,
    )


class LatentExplorer:
    """Sliders for z1 and z2 beside the digit model.decode([[z1, z2]]), redrawn live (notebook 04).

    Displaying it (the last line of a cell) shows `widget`.
    """

    decoded: Tensor  # the digit on show, (1, 1, 28, 28)

    def __init__(self, model: nn.Module, z1: Span, z2: Span, scale: int) -> None:
        import ipywidgets as widgets

        self.model, self.scale = model, scale
        self.z1, self.z2 = _slider("z₁", z1), _slider("z₂", z2)
        self.image: ipywidgets.Image = widgets.Image(format="png")
        self.widget: ipywidgets.HBox = widgets.HBox(
            [widgets.VBox([self.z1, self.z2]), self.image],
            layout=widgets.Layout(align_items="center"),
        )
        self._redraw()
        for slider in (self.z1, self.z2):
            slider.observe(self._redraw, names="value")

    @property
    def code(self) -> Tensor:
        """The code on show, shape (1, 2)."""
        return torch.tensor([[self.z1.value, self.z2.value]])

    def _redraw(self, change: dict | None = None) -> None:
        self.decoded = _decode(self.model, self.code)
        self.image.value = _png(self.decoded[0], self.scale)

    def sprite(self, steps: int = LATTICE_STEPS) -> tuple[bytes, dict]:
        """The stored picture: lattice_sprite over the sliders' ranges; geometry with the scale."""
        spans = (self.z1.min, self.z1.max), (self.z2.min, self.z2.max)
        png, geometry = lattice_sprite(self.model, *spans, steps)
        return png, {**geometry, "scale": self.scale}

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        png, geometry = self.sprite()
        data = {
            **bundle,
            "text/plain": TEXT_WITHOUT_KERNEL,  # stable, unlike the widget's repr and the values
            "image/png": base64.b64encode(png).decode("ascii"),  # for pages without a kernel
        }
        return data, {SPRITE_KEY: geometry}  # nbval compares neither PNGs nor metadata

    def __repr__(self) -> str:
        return f"LatentExplorer(z1={self.z1.value:.2f}, z2={self.z2.value:.2f})"


def _check_range(span: Span, name: str) -> Span:
    lo, hi = (float(v) for v in span)
    if not lo < hi:
        raise ValueError(f"{name} must be a range (low, high) with low < high, got {span!r}.")
    return lo, hi


def explore_latent(
    model: nn.Module,
    codes: Tensor | None = None,
    *,
    z1: Span | None = None,
    z2: Span | None = None,
    quantile: float = 0.02,
    scale: int = 6,
) -> LatentExplorer:
    """Two sliders, z1 and z2, and the digit model.decode([[z1, z2]]) drawn live (notebook 04).

    The sliders span the `quantile` to 1 - `quantile` range of `codes` (N, 2) like plot_manifold,
    or the ranges z1 and z2 (default (-3, 3) each, a VAE's prior), and start in the middle. The
    digit is shown `scale` screen pixels per pixel. The model needs decode(z) for codes (B, 2).
    """
    if codes is not None and (z1 is not None or z2 is not None):
        raise ValueError("pass codes= (the sliders span them) or the ranges z1=/z2=, not both.")
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(
            f"scale must be a positive integer (screen pixels per pixel), got {scale!r}."
        )
    if not callable(getattr(model, "decode", None)):
        raise TypeError(f"explore_latent needs a model with decode(z), got {type(model).__name__}.")
    try:
        _decode(model, torch.zeros(1, 2))
    except (ValueError, RuntimeError) as err:
        raise ValueError(
            f"explore_latent needs a model with a 2-D code; {type(model).__name__} cannot decode "
            f"one: {err}"
        ) from err
    if codes is not None:
        z1, z2 = _code_span(codes, quantile, "explore_latent")
    return LatentExplorer(
        model, _check_range(z1 or (-3.0, 3.0), "z1"), _check_range(z2 or (-3.0, 3.0), "z2"), scale
    )
