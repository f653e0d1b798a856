"""The course's autoencoders: linear (PCA's twin), deep MLP and convolutional."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "Autoencoder",
    "ConvAutoencoder",
    "LinearAutoencoder",
    "MLPAutoencoder",
    "TrainingLoss",
    "conv_decoder",
    "conv_encoder",
    "mlp_decoder",
    "mlp_encoder",
    "nearest_upsampling",
    "transposed_upsampling",
]

IMAGE_SHAPE = (1, 28, 28)
PIXELS = 28 * 28

LossFn = Callable[[Tensor, Tensor], Tensor]  # loss_fn(x_hat, target) -> scalar, e.g. F.mse_loss


@dataclass
class TrainingLoss:
    """A model's training objective: the total fit() minimises and its named parts (notebook 07)."""

    total: Tensor  # scalar that fit() backpropagates
    parts: dict[str, Tensor] = field(
        default_factory=dict
    )  # named terms, e.g. {"reconstruction": ..., "kl": ...}


def _check_latent_dim(latent_dim: int) -> int:
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(
            f"latent_dim must be a positive integer (the code size), got {latent_dim!r}."
        )
    return latent_dim


class Autoencoder(nn.Module):
    """Shared interface: encoder, decoder, encode, decode, forward (notebook 01).

    Inputs are MNIST batches of shape (B, 1, 28, 28) or (B, 784); `forward` returns the
    input's shape, `encode` returns codes (B, latent_dim), `decode` returns images (B, 1, 28, 28).
    `training_loss` is the objective fit() trains with; a sparse, contractive or variational
    model overrides it to add its penalty and names the parts in TrainingLoss.parts.
    `config` holds the constructor's arguments, so a checkpoint can rebuild the model.
    """

    encoder: nn.Module
    decoder: nn.Module
    config: dict[str, Any]

    def _as_input(self, x: Tensor) -> Tensor:
        """Check the shape and bring x into the layout the encoder expects."""
        if not isinstance(x, Tensor):
            raise TypeError(
                f"{type(self).__name__} expects a torch.Tensor, got {type(x).__name__}."
            )
        if (
            x.ndim == 2
            and x.shape[1] == PIXELS
            or x.ndim == 4
            and tuple(x.shape[1:]) == IMAGE_SHAPE
        ):
            return x
        raise ValueError(
            f"{type(self).__name__} expects MNIST images of shape (B, 1, 28, 28) or (B, 784), "
            f"got {tuple(x.shape)}."
        )

    def encode(self, x: Tensor) -> Tensor:
        """Images -> codes z = h(x), shape (B, latent_dim)."""
        return self.encoder(self._as_input(x))

    def decode(self, z: Tensor) -> Tensor:
        """Codes -> images x_hat = g(z), shape (B, 1, 28, 28)."""
        k = self.config["latent_dim"]
        if z.ndim != 2 or z.shape[1] != k:
            raise ValueError(
                f"{type(self).__name__} decodes codes of shape (B, {k}), got {tuple(z.shape)}."
            )
        return self.decoder(z).reshape(-1, *IMAGE_SHAPE)

    def forward(self, x: Tensor) -> Tensor:
        """Reconstruct x: g(h(x)), in x's own shape."""
        return self.decode(self.encode(x)).reshape(x.shape)

    def training_loss(
        self, x: Tensor, target: Tensor, loss_fn: LossFn = F.mse_loss
    ) -> TrainingLoss:
        """What fit() minimises: loss_fn(self(x), target); override to add terms (notebook 07)."""
        return TrainingLoss(loss_fn(self(x), target))


class LinearAutoencoder(Autoencoder):
    """784 -> k -> 784 with no bias and no activation: it learns PCA's subspace (notebook 02)."""

    def __init__(self, latent_dim: int) -> None:
        super().__init__()
        self.config = {"latent_dim": _check_latent_dim(latent_dim)}
        self.encoder = nn.Sequential(
            nn.Flatten(),  # (B, 1, 28, 28) -> (B, 784)
            nn.Linear(PIXELS, latent_dim, bias=False),  # (B, 784) -> (B, k)
        )
        self.decoder = nn.Linear(latent_dim, PIXELS, bias=False)  # (B, k) -> (B, 784)


class MLPAutoencoder(Autoencoder):
    """784 -> hidden... -> k -> ...hidden -> 784, ReLU inside, sigmoid out (notebook 03).

    hidden=(512, 256) with latent_dim=2 is 784-512-256-2; hidden=(128, 64, 36, 18), latent_dim=9
    is 784-128-64-36-18-9. The decoder mirrors the encoder.
    """

    def __init__(self, latent_dim: int, hidden: Sequence[int] = (512, 256)) -> None:
        super().__init__()
        hidden = list(hidden)
        if not hidden or any(not isinstance(h, int) or h < 1 for h in hidden):
            raise ValueError(
                "hidden must be a non-empty list of positive layer sizes, e.g. [512, 256]; got "
                f"{hidden!r}."
            )
        self.config = {"latent_dim": _check_latent_dim(latent_dim), "hidden": hidden}
        self.encoder = mlp_encoder(latent_dim, hidden)
        self.decoder = mlp_decoder(latent_dim, hidden)


def mlp_encoder(latent_dim: int, hidden: Sequence[int]) -> nn.Sequential:
    """784 -> hidden[0] -> ... -> hidden[-1] -> k, ReLU after each hidden layer (notebook 03)."""
    sizes = [PIXELS, *hidden]
    layers: list[nn.Module] = [nn.Flatten()]  # (B, 1, 28, 28) -> (B, 784)
    for a, b in zip(sizes, sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]  # (B, a) -> (B, b)
    layers.append(nn.Linear(sizes[-1], latent_dim))  # (B, hidden[-1]) -> (B, k): a linear code
    return nn.Sequential(*layers)


def mlp_decoder(latent_dim: int, hidden: Sequence[int]) -> nn.Sequential:
    """The mirror image: k -> hidden[-1] -> ... -> hidden[0] -> 784, sigmoid out (notebook 03)."""
    sizes = [latent_dim, *reversed(hidden)]
    layers: list[nn.Module] = []
    for a, b in zip(sizes, sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]  # (B, a) -> (B, b), back up the ladder
    layers += [nn.Linear(sizes[-1], PIXELS), nn.Sigmoid()]  # (B, hidden[0]) -> (B, 784) in (0, 1)
    return nn.Sequential(*layers)


class ConvAutoencoder(Autoencoder):
    """Strided convolutions down to a linear code and back up (notebook 05).

    upsampling="transpose": ConvTranspose2d layers, the recipe most tutorials use; "nearest":
    nearest-neighbour upsampling followed by a Conv2d, which avoids checkerboard artifacts
    (Odena, Dumoulin & Olah, 2016, "Deconvolution and checkerboard artifacts", Distill).
    """

    def __init__(
        self,
        latent_dim: int,
        channels: Sequence[int] = (8, 16, 32),
        fc: int = 128,
        upsampling: Literal["transpose", "nearest"] = "transpose",
    ) -> None:
        super().__init__()
        channels = list(channels)
        if len(channels) != 3 or any(not isinstance(c, int) or c < 1 for c in channels):
            raise ValueError(
                "channels must be three positive channel counts, e.g. [8, 16, 32]; got "
                f"{channels!r}."
            )
        if not isinstance(fc, int) or fc < 1:
            raise ValueError(f"fc must be a positive layer size, got {fc!r}.")
        if upsampling not in ("transpose", "nearest"):
            raise ValueError(f"upsampling must be 'transpose' or 'nearest', got {upsampling!r}.")
        self.config = {
            "latent_dim": _check_latent_dim(latent_dim),
            "channels": channels,
            "fc": fc,
            "upsampling": upsampling,
        }
        self.encoder = conv_encoder(latent_dim, channels, fc)
        self.decoder = conv_decoder(latent_dim, channels, fc, upsampling)

    def _as_input(self, x: Tensor) -> Tensor:
        return (
            super()._as_input(x).reshape(-1, *IMAGE_SHAPE)
        )  # the convolutions need (B, 1, 28, 28)


def conv_encoder(latent_dim: int, channels: Sequence[int], fc: int) -> nn.Sequential:
    """Strided convolutions 28 -> 14 -> 7 -> 3, then linear layers to the code (notebook 05)."""
    c1, c2, c3 = channels
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, stride=2, padding=1),
        nn.ReLU(),  # (B, 1, 28, 28) -> (B, c1, 14, 14)
        nn.Conv2d(c1, c2, 3, stride=2, padding=1),
        nn.BatchNorm2d(c2),
        nn.ReLU(),  # -> (B, c2, 7, 7)
        nn.Conv2d(c2, c3, 3, stride=2, padding=0),
        nn.ReLU(),  # -> (B, c3, 3, 3)
        nn.Flatten(),  # -> (B, c3 * 9)
        nn.Linear(c3 * 9, fc),
        nn.ReLU(),  # -> (B, fc)
        nn.Linear(fc, latent_dim),  # -> (B, k): a linear code
    )


def conv_decoder(
    latent_dim: int, channels: Sequence[int], fc: int, upsampling: Literal["transpose", "nearest"]
) -> nn.Sequential:
    """Linear layers back to 3 x 3 maps, then three steps up to 28 x 28 (notebook 05)."""
    c3 = channels[-1]
    head = [
        nn.Linear(latent_dim, fc),
        nn.ReLU(),  # (B, k) -> (B, fc)
        nn.Linear(fc, c3 * 9),
        nn.ReLU(),  # -> (B, c3 * 9)
        nn.Unflatten(1, (c3, 3, 3)),  # -> (B, c3, 3, 3)
    ]
    up = (
        transposed_upsampling(channels)
        if upsampling == "transpose"
        else nearest_upsampling(channels)
    )
    return nn.Sequential(*head, *up, nn.Sigmoid())  # -> (B, 1, 28, 28) in (0, 1)


def transposed_upsampling(channels: Sequence[int]) -> list[nn.Module]:
    """3 x 3 -> 28 x 28 with transposed convolutions, the common recipe (notebook 05)."""
    c1, c2, c3 = channels
    # output size of ConvTranspose2d: (in - 1) * stride - 2 * padding + kernel + output_padding
    return [
        nn.ConvTranspose2d(c3, c2, 3, stride=2),
        nn.BatchNorm2d(c2),
        nn.ReLU(),  # 3 -> 7
        nn.ConvTranspose2d(c2, c1, 3, stride=2, padding=1, output_padding=1),  # 7 -> 14
        nn.BatchNorm2d(c1),
        nn.ReLU(),
        nn.ConvTranspose2d(c1, 1, 3, stride=2, padding=1, output_padding=1),  # 14 -> 28
    ]


def nearest_upsampling(channels: Sequence[int]) -> list[nn.Module]:
    """3 x 3 -> 28 x 28 by nearest-neighbour upsampling, each followed by a Conv2d (notebook 05)."""
    c1, c2, c3 = channels
    return [
        nn.Upsample(size=(7, 7), mode="nearest"),  # (B, c3, 3, 3) -> (B, c3, 7, 7)
        nn.Conv2d(c3, c2, 3, padding=1),
        nn.BatchNorm2d(c2),
        nn.ReLU(),  # -> (B, c2, 7, 7)
        nn.Upsample(scale_factor=2, mode="nearest"),  # -> (B, c2, 14, 14)
        nn.Conv2d(c2, c1, 3, padding=1),
        nn.BatchNorm2d(c1),
        nn.ReLU(),  # -> (B, c1, 14, 14)
        nn.Upsample(scale_factor=2, mode="nearest"),  # -> (B, c1, 28, 28)
        nn.Conv2d(c1, 1, 3, padding=1),  # -> (B, 1, 28, 28)
    ]
