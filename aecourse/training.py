"""Training and evaluation: seeding, device choice, fit(), evaluate(), checkpoints."""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import models
from .data import Batches, add_noise, project_root
from .models import LossFn, TrainingLoss

__all__ = [
    "History",
    "batch_objective",
    "checkpoint_dir",
    "checkpoint_path",
    "choose_device",
    "evaluate",
    "fit",
    "load_checkpoint",
    "load_weights",
    "reconstruct",
    "save_checkpoint",
    "seed_everything",
]

LOSSES: dict[str, LossFn] = {"mse": F.mse_loss, "bce": F.binary_cross_entropy}


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (CPU and GPU) for a repeatable run (notebook 01)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device


def choose_device(prefer: str | None = None) -> torch.device:
    """CUDA if present, else Apple's MPS, else the CPU; `prefer` forces one (notebook 01)."""
    if prefer is not None:
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@dataclass
class History:
    """What fit() measured, one entry per epoch (notebook 01)."""

    # mean loss over the epoch's samples
    train_loss: list[float] = field(default_factory=list)
    # mean loss on `val` after the epoch (if given)
    val_loss: list[float] = field(default_factory=list)
    # wall-clock seconds per epoch
    seconds: list[float] = field(default_factory=list)
    # each named part of the loss (regularised models, notebook 07), like train_loss
    parts: dict[str, list[float]] = field(default_factory=dict)
    # each named part on `val`, like val_loss
    val_parts: dict[str, list[float]] = field(default_factory=dict)

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


def _loss_fn(loss: str | LossFn) -> LossFn:
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(
            f"loss must be one of {sorted(LOSSES)} or a callable(x_hat, x), got {loss!r}."
        )
    return LOSSES[loss]


def _model_device(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def _objective(model: nn.Module, inputs: Tensor, target: Tensor, loss_fn: LossFn) -> TrainingLoss:
    """model.training_loss(inputs, target, loss_fn), else loss_fn(model(inputs), target)."""
    own = getattr(model, "training_loss", None)
    if own is None:
        return TrainingLoss(loss_fn(model(inputs), target))
    out = own(inputs, target, loss_fn)
    if isinstance(out, Tensor):
        return TrainingLoss(out)
    if not isinstance(out, TrainingLoss):
        raise TypeError(
            f"{type(model).__name__}.training_loss must return a TrainingLoss or a scalar tensor, "
            f"got {type(out).__name__}."
        )
    return out


def batch_objective(
    model: nn.Module,
    x: Tensor,
    loss_fn: LossFn,
    *,
    noise: float = 0.0,
    generator: torch.Generator | None = None,
) -> TrainingLoss:
    """What fit() minimises on one batch of clean images x (notebook 06).

    noise > 0 trains a denoiser: the model sees x with Gaussian noise drawn from `generator`
    (fit() seeds one with noise_seed) and is scored against the clean x.
    """
    inputs = add_noise(x, noise, seed=None, generator=generator) if noise > 0 else x  # noisy in ...
    return _objective(model, inputs, x, loss_fn)  # ... scored against the clean x


@dataclass
class _Sums:
    """Per-sample sums of the loss and its named parts over one pass through the batches."""

    total: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)
    count: int = 0

    def add(self, loss: float, parts: dict[str, float], n: int) -> None:
        """Add one batch of n samples whose mean loss (and parts) were measured."""
        if self.count:
            _same_parts(self.parts, parts)
        self.total += loss * n
        for name, value in parts.items():
            self.parts[name] = self.parts.get(name, 0.0) + value * n
        self.count += n

    def record(self, losses: list[float], parts: dict[str, list[float]]) -> None:
        """Append the pass's means to a History's loss list and part lists."""
        if losses:
            _same_parts(parts, self.parts)
        losses.append(self.total / self.count)
        for name, value in self.parts.items():
            parts.setdefault(name, []).append(value / self.count)


def _same_parts(before: dict, now: dict) -> None:
    if before.keys() != now.keys():
        raise ValueError(
            f"training_loss returned the parts {sorted(now)} after {sorted(before)}; "
            f"it must name the same parts for every batch."
        )


def _values(objective: TrainingLoss) -> tuple[float, dict[str, float]]:
    return objective.total.item(), {
        name: torch.as_tensor(part).item() for name, part in objective.parts.items()
    }


def _mean_loss(
    model: nn.Module, batches: Iterable[Tensor], loss_fn: LossFn, device: torch.device
) -> _Sums:
    sums = _Sums()
    with torch.no_grad():
        for x in batches:
            x = x.to(device)
            sums.add(*_values(_objective(model, x, x, loss_fn)), x.shape[0])
    return sums


def _check_finite(
    loss: float, parts: dict[str, float], epoch: int, step: int, optimizer: torch.optim.Optimizer
) -> None:
    """Stop with a clear error when the loss or one of its named parts is NaN or infinite."""
    named = {"loss": loss, **{f"loss part {name!r}": v for name, v in parts.items()}}
    for what, value in named.items():
        if not math.isfinite(value):
            lr_now = optimizer.param_groups[0]["lr"]
            raise FloatingPointError(
                f"The {what} became {value} at epoch {epoch}, batch {step}: training diverged. "
                f"Try a lower learning rate (it was {lr_now:g}), e.g. {lr_now / 10:g}."
            )


def _check_settings(
    epochs: int,
    lr: float | None,
    optimizer: torch.optim.Optimizer | None,
    schedule: str,
    warmup: float | None,
    noise: float,
) -> None:
    """fit()'s argument checks, all before any training, each message says what to do."""
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}.")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}.")
    if schedule not in ("constant", "one-cycle"):
        raise ValueError(f'schedule must be "constant" or "one-cycle", got {schedule!r}.')
    if lr is not None and optimizer is not None:
        raise ValueError(
            "lr sets the learning rate of fit's own Adam; your optimizer= has its own, "
            "so pass lr= or optimizer=, not both."
        )
    if warmup is not None and schedule != "one-cycle":
        raise ValueError(
            'warmup belongs to schedule="one-cycle"; '
            "with a constant learning rate it would be ignored."
        )
    if warmup is not None and not 0 < warmup < 1:
        raise ValueError(
            f"warmup is the share of the steps spent warming up, in (0, 1); got {warmup}."
        )


def _one_cycle(
    optimizer: torch.optim.Optimizer, steps: int, warmup: float | None
) -> torch.optim.lr_scheduler.LRScheduler:
    """torch's OneCycleLR, peaking at the optimizer's learning rate after `warmup` of the steps."""
    peak = [group["lr"] for group in optimizer.param_groups]
    return torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=peak, total_steps=steps, pct_start=0.3 if warmup is None else warmup
    )


def _postfix(history: History) -> dict[str, str]:
    """The latest epoch's numbers, for the progress bar."""
    shown = {"loss": f"{history.train_loss[-1]:.4f}"}
    shown.update({name: f"{values[-1]:.4f}" for name, values in history.parts.items()})
    if history.val_loss:
        shown["val"] = f"{history.val_loss[-1]:.4f}"
    return shown


def fit(
    model: nn.Module,
    train: Batches | Iterable[Tensor],
    *,
    epochs: int,
    lr: float | None = None,
    loss: str | LossFn = "mse",
    val: Batches | Iterable[Tensor] | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    schedule: Literal["constant", "one-cycle"] = "constant",
    warmup: float | None = None,
    noise: float = 0.0,
    noise_seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> History:
    """Train `model` to reconstruct its input; returns the per-epoch History (notebook 01).

    - model: an aecourse Autoencoder (its training_loss is the objective; notebook 07 adds
      named parts to it) or any module mapping a batch to its reconstruction.
    - train: the batches of clean images, e.g. ae.Batches(x, 128); val: more, scored after
      each epoch without training (History.val_loss).
    - epochs: passes over `train`. lr: the learning rate of fit's own Adam (default 1e-3).
    - loss: the reconstruction loss, "mse", "bce" or a callable(x_hat, target).
    - optimizer: your own optimizer instead of fit's Adam (it brings its own lr).
    - schedule: "constant", or "one-cycle": OneCycleLR, peaking at the learning rate after the
      first `warmup` share of the steps (default 0.3), then annealing to almost 0 (notebook 03).
    - noise: > 0 trains a denoiser: inputs get add_noise(x, noise) from one generator seeded
      with noise_seed, targets stay clean (notebook 06).
    - device: where to train (default: where the model is). progress: show a progress bar.
    A NaN or infinite loss, or loss part, stops training with an error. (Denormal floats are
    flushed to zero from `import aecourse` on: see the package's docstring.)
    """
    from tqdm.auto import tqdm

    _check_settings(epochs, lr, optimizer, schedule, warmup, noise)
    loss_fn = _loss_fn(loss)
    device = torch.device(device) if device is not None else _model_device(model)
    model.to(device)
    if optimizer is None:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3 if lr is None else lr)
    scheduler = None
    if schedule == "one-cycle":
        scheduler = _one_cycle(optimizer, epochs * len(train), warmup)
    g = torch.Generator(device=device).manual_seed(noise_seed) if noise > 0 else None
    history = History()
    bar = tqdm(total=epochs * len(train), disable=not progress, desc="training", unit="batch")
    try:
        for epoch in range(1, epochs + 1):
            start, sums = time.perf_counter(), _Sums()
            model.train()
            for step, x in enumerate(train, 1):
                x = x.to(device, non_blocking=True)
                objective = batch_objective(model, x, loss_fn, noise=noise, generator=g)
                value, parts = _values(objective)
                _check_finite(value, parts, epoch, step, optimizer)
                optimizer.zero_grad(set_to_none=True)
                objective.total.backward()
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                sums.add(value, parts, x.shape[0])
                bar.update()
            model.eval()
            sums.record(history.train_loss, history.parts)
            if val is not None:
                _mean_loss(model, val, loss_fn, device).record(history.val_loss, history.val_parts)
            history.seconds.append(time.perf_counter() - start)
            bar.set_postfix(_postfix(history))
    finally:
        bar.close()
        model.eval()
    return history


def reconstruct(
    model: nn.Module, x: Tensor, *, batch_size: int = 1000, device: torch.device | str | None = None
) -> Tensor:
    """The model's reconstructions of x, in x's shape, on the CPU (notebook 01)."""
    device = torch.device(device) if device is not None else _model_device(model)
    model.eval()
    with torch.no_grad():
        out = [
            model(x[i : i + batch_size].to(device)).cpu() for i in range(0, x.shape[0], batch_size)
        ]
    return torch.cat(out)


def evaluate(
    model: nn.Module,
    x: Tensor,
    *,
    target: Tensor | None = None,
    batch_size: int = 1000,
    device: torch.device | str | None = None,
) -> float:
    """Mean per-pixel squared error of model(x) against target (default x) (notebook 01).

    Multiply by 784 for the squared error per image. For a denoiser pass the noisy images as x
    and the clean ones as target.
    """
    target = x if target is None else target
    if target.shape != x.shape:
        raise ValueError(
            f"target must have the input's shape {tuple(x.shape)}, got {tuple(target.shape)}."
        )
    device = torch.device(device) if device is not None else _model_device(model)
    model.eval()
    total = 0.0
    with torch.no_grad():
        for i in range(0, x.shape[0], batch_size):
            x_hat = model(x[i : i + batch_size].to(device))
            total += F.mse_loss(
                x_hat, target[i : i + batch_size].to(device), reduction="sum"
            ).item()
    return total / target.numel()


def checkpoint_dir() -> Path:
    """Where notebooks write files: $AECOURSE_CHECKPOINTS, else checkpoints/ (notebook 01).

    git ignores checkpoints/. Outside a checkout of the course (a plain install) it is checkpoints/
    in the current folder.
    """
    if os.environ.get("AECOURSE_CHECKPOINTS"):
        return Path(os.environ["AECOURSE_CHECKPOINTS"]).expanduser()
    project = project_root()
    return (project if project is not None else Path.cwd()) / "checkpoints"


def checkpoint_path(name: str) -> Path:
    """checkpoint_dir() / name, the folder created if needed (notebook 01)."""
    folder = checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def save_checkpoint(model: models.Autoencoder, path: str | os.PathLike) -> Path:
    """Save the weights with the architecture's name and settings (notebook 01)."""
    if not isinstance(model, models.Autoencoder):
        raise TypeError(f"save_checkpoint saves aecourse autoencoders, got {type(model).__name__}.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save(
        {"architecture": type(model).__name__, "config": model.config, "state_dict": state}, path
    )
    return path


def _read_checkpoint(path: str | os.PathLike) -> dict:
    ckpt = torch.load(Path(path), map_location="cpu", weights_only=True)
    if not isinstance(ckpt, dict) or not {"architecture", "config", "state_dict"} <= ckpt.keys():
        raise ValueError(
            f"{path} is not an aecourse checkpoint (expected architecture, config and state_dict)."
        )
    return ckpt


def load_checkpoint(
    path: str | os.PathLike, device: torch.device | str | None = None
) -> models.Autoencoder:
    """Rebuild the saved model from its settings and load its weights (notebook 01)."""
    ckpt = _read_checkpoint(path)
    cls = getattr(models, ckpt["architecture"], None)
    if not (isinstance(cls, type) and issubclass(cls, models.Autoencoder)):
        raise ValueError(f"{path} holds an unknown architecture {ckpt['architecture']!r}.")
    model = cls(**ckpt["config"])
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device or "cpu").eval()


def load_weights(model: models.Autoencoder, path: str | os.PathLike) -> models.Autoencoder:
    """Load a checkpoint into a model, refusing another architecture's (notebook 01)."""
    ckpt = _read_checkpoint(path)
    mine = (type(model).__name__, model.config)
    theirs = (ckpt["architecture"], ckpt["config"])
    if mine != theirs:
        raise ValueError(
            f"{Path(path).name} was saved from {theirs[0]}({_kwargs(theirs[1])}) and does not fit "
            f"{mine[0]}({_kwargs(mine[1])}). Build the model with the checkpoint's settings, "
            f"or use aecourse.load_checkpoint(path), which does that for you."
        )
    model.load_state_dict(ckpt["state_dict"])
    return model.eval()


def _kwargs(config: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in config.items())
