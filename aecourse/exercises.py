"""Self-checks for the exercises at the end of each notebook (notebook 01).

Two forms, each one cell. A question: `answer = None  # your answer`, then check(). A coding
exercise: a function whose body is `return None  # your code`, then check_function("NN.M", f),
which calls it on a few inputs drawn from fixed seeds and compares with a reference of its own;
show_solution("NN.M") shows a worked solution (aecourse/solutions.py) when asked.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["check", "check_function", "show_solution"]


def check(
    name: str, answer: Any, expected: Any, *, rtol: float = 0.05, atol: float = 0.0, hint: str = ""
) -> None:
    """Compare a student's answer with the expected value and print the verdict (notebook 01).

    An exercise is one cell: `answer = None  # your answer`, then this check. `answer=None` (the
    placeholder) prints a reminder instead of failing, so an untouched notebook still runs top to
    bottom. A wrong answer raises AssertionError with `hint`. Returns None, so the cell shows the
    verdict only.
    """
    if answer is None or answer is Ellipsis:
        print(f"{name}: not answered yet, replace None with your answer and run this cell again.")
        return
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        right = math.isclose(float(answer), float(expected), rel_tol=rtol, abs_tol=atol)
    else:
        right = answer == expected
    if not right:
        raise AssertionError(f"{name}: {answer!r} is not right yet. {hint}".strip())
    print(f"{name}: correct.")


# ---------------------------------------------------------------- coding exercises

Case = tuple[tuple, Any]  # (the arguments, the expected result)


@dataclass(frozen=True)
class CodingExercise:
    """A function the student writes, the inputs it is tried on and what each must give."""

    function: str  # the name the notebook asks for
    cases: Callable[[], list[Case]]  # fresh inputs and expected results, from fixed seeds
    hint: str  # shown with a wrong result
    rtol: float = 1e-5  # tolerance for float results (integers and labels: exact)
    atol: float = 1e-7


def _epoch_average_cases() -> list[Case]:
    g = torch.Generator().manual_seed(0)
    cases = []
    for sizes in (
        [4, 4, 2],
        [128, 128, 128, 16],
        [256] * 234 + [96],
        [5],
    ):  # [256] * 234 + [96]: 01's epoch
        per_image = torch.rand(sum(sizes), generator=g, dtype=torch.float64)  # each image's loss
        batch_losses = [chunk.mean().item() for chunk in per_image.split(sizes)]
        cases.append(
            ((batch_losses, list(sizes)), per_image.mean().item())
        )  # the mean over all images
    return cases


def _pca_reconstruct_cases() -> list[Case]:
    from .pca import PCA

    g = torch.Generator().manual_seed(0)
    data = torch.rand(200, 5, generator=g) @ torch.rand(5, 30, generator=g) + 0.1 * torch.rand(
        200, 30, generator=g
    )
    pca = PCA.fit(data[:150])
    x = data[150:]
    return [((x, pca.mean, pca.components, k), pca.reconstruct(x, k)) for k in (1, 3, 30)]


def _mlp_parameters_cases() -> list[Case]:
    from .models import MLPAutoencoder

    configs = [(30, [512, 256]), (9, [128, 64, 36, 18]), (2, [512, 256]), (4, [7])]
    return [
        ((k, hidden), sum(p.numel() for p in MLPAutoencoder(k, hidden=hidden).parameters()))
        for k, hidden in configs
    ]


def _nearest_centroid_cases() -> list[Case]:
    g = torch.Generator().manual_seed(0)
    cases = []
    for dim in (2, 5):
        labels = torch.arange(10).repeat(30)  # 30 codes of each label
        codes = (5 * torch.randn(10, dim, generator=g, dtype=torch.float64))[labels]
        codes += torch.randn(len(labels), dim, generator=g, dtype=torch.float64)
        queries = 6 * torch.randn(100, dim, generator=g, dtype=torch.float64)
        centroids = torch.stack([codes[labels == c].mean(dim=0) for c in range(10)])
        squared = ((queries[:, None, :] - centroids[None, :, :]) ** 2).sum(
            dim=-1
        )  # (100, 10), written out
        cases.append(((codes, labels, queries), squared.argmin(dim=1)))
    return cases


def _conv_out_dilated_cases() -> list[Case]:
    cases = []
    for n in (7, 14, 28):
        for k in (3, 5):
            for s in (1, 2, 3):
                for p in (0, 1, 2):
                    for d in (1, 2, 3):
                        if n + 2 * p >= d * (k - 1) + 1:  # the window fits at least once
                            size = F.conv1d(
                                torch.zeros(1, 1, n),
                                torch.zeros(1, 1, k),
                                stride=s,
                                padding=p,
                                dilation=d,
                            )
                            cases.append(
                                ((n, k, s, p, d), size.shape[-1])
                            )  # what PyTorch makes of it
    return cases


def _denoising_loss_cases() -> list[Case]:
    from .data import add_noise

    x = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0))  # clean images
    cases = []
    for model, noise, seed in [
        (torch.nn.Identity(), 0.3, 1),
        (lambda t: t.clamp(0.2, 0.8), 0.5, 2),
    ]:
        noisy = add_noise(x, noise, seed=None, generator=torch.Generator().manual_seed(seed))
        expected = F.mse_loss(model(noisy), x).item()
        cases.append(
            ((model, x, noise, torch.Generator().manual_seed(seed)), expected)
        )  # the same draw again
    return cases


def _relu_layer(w: Tensor, b: Tensor, v: Tensor) -> Tensor:
    return torch.relu(w @ v + b)


def _relu_jacobian_norm_cases() -> list[Case]:
    g = torch.Generator().manual_seed(0)
    cases = []
    for k, d in [(6, 4), (32, 20)]:
        w = torch.randn(k, d, generator=g, dtype=torch.float64)
        b = torch.randn(k, generator=g, dtype=torch.float64)
        x = torch.randn(5, d, generator=g, dtype=torch.float64)
        layer = functools.partial(_relu_layer, w, b)
        jacobians = torch.func.vmap(torch.func.jacrev(layer))(x)  # (5, k, d), by autograd
        cases.append(((w, b, x), (jacobians**2).sum(dim=(1, 2))))
    return cases


def _kl_diagonal_cases() -> list[Case]:
    from torch.distributions import Normal, kl_divergence

    g = torch.Generator().manual_seed(0)
    cases = []
    for n, k in ((1, 1), (4, 2), (16, 32)):
        mu = 2 * torch.randn(n, k, generator=g, dtype=torch.float64)
        logvar = torch.randn(n, k, generator=g, dtype=torch.float64)
        expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(
            dim=1
        )  # torch's own formula
        cases.append(((mu, logvar), expected))
    return cases


def _pair_auc_cases() -> list[Case]:
    from .anomaly import auc

    cases = []
    for seed, (n, m, values) in enumerate([(5, 4, 3), (40, 25, 6), (200, 150, 1000)]):
        g = torch.Generator().manual_seed(seed)
        normal = torch.randint(0, values, (n,), generator=g).float()  # few values: ties happen
        anomalous = torch.randint(1, values + 1, (m,), generator=g).float()
        cases.append(
            ((normal, anomalous), auc(normal, anomalous))
        )  # the rank formula (Mann-Whitney)
    return cases


CODING: dict[str, CodingExercise] = {
    "01.4": CodingExercise(
        "epoch_average",
        _epoch_average_cases,
        "Weight each batch's mean loss by its number of images: the last batch can be smaller.",
    ),
    "02.4": CodingExercise(
        "pca_reconstruct",
        _pca_reconstruct_cases,
        "Subtract the mean, project onto components[:k] (its rows), "
        "map back and add the mean again.",
        rtol=1e-4,
        atol=1e-5,
    ),
    "03.4": CodingExercise(
        "mlp_parameters",
        _mlp_parameters_cases,
        "Each nn.Linear(a, b) has a * b weights and b biases; the decoder mirrors the encoder.",
    ),
    "04.4": CodingExercise(
        "nearest_centroid",
        _nearest_centroid_cases,
        "The centroid of label c is the mean of train_codes[train_labels == c]; "
        "torch.cdist, then argmin.",
    ),
    "05.5": CodingExercise(
        "conv_out_dilated",
        _conv_out_dilated_cases,
        "Replace the kernel size k in conv_out's formula by the span d * (k - 1) + 1.",
    ),
    "06.5": CodingExercise(
        "denoising_loss",
        _denoising_loss_cases,
        "Corrupt x with ae.add_noise(x, noise, seed=None, generator=generator) "
        "(the check repeats that draw), reconstruct, and compare with the clean x.",
    ),
    "07.4": CodingExercise(
        "relu_jacobian_norm",
        _relu_jacobian_norm_cases,
        "Row j of the Jacobian is relu'(a_j) W_j with a = x @ W.T + b: W_j where a_j > 0, zero "
        "elsewhere. Sum ||W_j||^2 over the active units of each row of x.",
        rtol=1e-6,
        atol=1e-9,
    ),
    "08.4": CodingExercise(
        "kl_diagonal",
        _kl_diagonal_cases,
        "Per coordinate 0.5 * (mu**2 + exp(logvar) - 1 - logvar); "
        "sum (not average) over the code's coordinates, dim=1: one value per image.",
    ),
    "09.4": CodingExercise(
        "pair_auc",
        _pair_auc_cases,
        "Compare every anomalous score with every normal one "
        "(broadcast a[:, None] against n[None, :]): "
        "a pair ranked right counts 1, a tie 1/2; divide by the number of pairs.",
        rtol=1e-9,
    ),
}


def _short(value: Any) -> str:
    """A value as a message shows it: small things in full, tensors and long lists by their size."""
    if isinstance(value, Tensor):
        return (
            repr(value.tolist()) if value.numel() <= 6 else f"tensor of shape {tuple(value.shape)}"
        )
    if isinstance(value, torch.Generator):
        return "generator"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return (
            f"[{len(value)} values]"
            if len(value) > 6
            else "[" + ", ".join(map(_short, value)) + "]"
        )
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    return repr(value)


def _difference(result: Any, expected: Any) -> str:
    """How two tensors of the same shape differ, for the message (empty if that does not apply)."""
    if not (
        isinstance(result, Tensor)
        and isinstance(expected, Tensor)
        and result.shape == expected.shape
    ):
        return ""
    if not expected.is_floating_point():
        wrong = int((result.long() != expected.long()).sum())
        return f" ({wrong} of {expected.numel()} values differ)"
    gap = (result.double() - expected.double()).abs().max().item()
    return f" (they differ by up to {gap:.3g})"


def _matches(result: Any, expected: Any, rtol: float, atol: float) -> bool:
    try:
        if isinstance(expected, Tensor):
            result = torch.as_tensor(result)
            if result.shape != expected.shape:
                return False
            if not expected.is_floating_point():
                return torch.equal(result.long(), expected.long())
            return torch.allclose(result.to(expected.dtype), expected, rtol=rtol, atol=atol)
        if isinstance(expected, int):
            return float(result) == expected
        return math.isclose(float(result), expected, rel_tol=rtol, abs_tol=atol)
    except (TypeError, ValueError, RuntimeError):  # a result of the wrong kind is a wrong result
        return False


def check_function(exercise: str, fn: Callable | None) -> None:
    """Try a student's function for coding exercise "03.4" and print the verdict (notebook 01).

    A function that returns None (the placeholder body) or raises NotImplementedError prints a
    reminder instead of failing. A wrong result raises AssertionError naming the inputs, the result
    and what was expected. The notebook's random state is left as it was.
    """
    if exercise not in CODING:
        raise ValueError(f"no coding exercise {exercise!r}; there are {', '.join(sorted(CODING))}.")
    spec = CODING[exercise]
    name = f"exercise {exercise}, {spec.function}"
    with torch.random.fork_rng(
        devices=[]
    ):  # neither the cases nor the student's code move the notebook's RNG
        cases = spec.cases()
        for i, (args, expected) in enumerate(cases):
            try:
                result = None if fn is None else fn(*args)
            except NotImplementedError:
                result = None
            if result is None and i == 0:
                print(
                    f"{name}: not answered yet, write the body of {spec.function} "
                    "(in place of `return None`) "
                    f"and run this cell again."
                )
                return
            if not _matches(result, expected, spec.rtol, spec.atol):
                shown = ", ".join(_short(a) for a in args)
                raise AssertionError(
                    f"{name}: {spec.function}({shown}) returned {_short(result)}, "
                    f"expected {_short(expected)}{_difference(result, expected)}. {spec.hint}"
                )
    print(f"{name}: correct on all {len(cases)} inputs.")


def show_solution(exercise: str) -> None:
    """Show the worked solution of a coding exercise, e.g. show_solution("03.4") (notebook 01)."""
    from .solutions import SOLUTIONS
    from .source import show_source

    if exercise not in SOLUTIONS:
        raise ValueError(
            f"no worked solution for {exercise!r}; there are {', '.join(sorted(SOLUTIONS))}."
        )
    show_source(SOLUTIONS[exercise])
