import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import aecourse as ae


def _small_model():
    return ae.MLPAutoencoder(4, hidden=[32])


def test_seed_everything_makes_runs_repeatable(images):
    ae.seed_everything(7)
    a = _small_model().encoder[1].weight.clone(), torch.rand(3)
    ae.seed_everything(7)
    b = _small_model().encoder[1].weight.clone(), torch.rand(3)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_choose_device_falls_back_to_cpu_and_honours_a_preference(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert ae.choose_device() == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert ae.choose_device() == torch.device("cuda")
    assert ae.choose_device("cpu") == torch.device("cpu")


def test_fit_lowers_the_loss_and_returns_its_history(images):
    ae.seed_everything(0)
    model = _small_model()
    before = ae.evaluate(model, images)
    history = ae.fit(
        model,
        ae.Batches(images, 16),
        epochs=5,
        lr=3e-3,
        val=ae.Batches(images, 16, shuffle=False),
        progress=False,
    )
    assert history.epochs == 5 and len(history.val_loss) == 5 and len(history.seconds) == 5
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert ae.evaluate(model, images) < 0.5 * before
    assert history.val_loss[-1] == pytest.approx(ae.evaluate(model, images), rel=1e-5)
    assert all(s > 0 for s in history.seconds)
    assert not model.training  # left in evaluation mode


def test_fit_is_repeatable_with_the_same_seed(images):
    losses = []
    for _ in range(2):
        ae.seed_everything(3)
        losses.append(
            ae.fit(
                _small_model(), ae.Batches(images, 16, seed=3), epochs=2, progress=False
            ).train_loss
        )
    assert losses[0] == losses[1]


@pytest.mark.parametrize("loss", ["mse", "bce", lambda x_hat, x: (x_hat - x).abs().mean()])
def test_fit_accepts_named_and_callable_losses(images, loss):
    ae.seed_everything(0)
    history = ae.fit(_small_model(), ae.Batches(images, 16), epochs=2, loss=loss, progress=False)
    assert all(math.isfinite(v) for v in history.train_loss)


def test_fit_rejects_unknown_losses_and_bad_settings(images):
    with pytest.raises(ValueError, match="loss must be one of"):
        ae.fit(_small_model(), ae.Batches(images, 16), epochs=1, loss="l1", progress=False)
    with pytest.raises(ValueError, match="epochs"):
        ae.fit(_small_model(), ae.Batches(images, 16), epochs=0, progress=False)
    with pytest.raises(ValueError, match="noise"):
        ae.fit(_small_model(), ae.Batches(images, 16), epochs=1, noise=-1.0, progress=False)


def test_fit_with_noise_feeds_noisy_inputs_and_clean_targets(images):
    seen = {}
    model = _small_model()
    model.register_forward_pre_hook(lambda module, args: seen.setdefault("input", args[0].clone()))

    def spy_loss(x_hat, target):
        seen.setdefault("target", target.clone())
        return torch.nn.functional.mse_loss(x_hat, target)

    ae.fit(
        model,
        ae.Batches(images, 64, shuffle=False),
        epochs=1,
        loss=spy_loss,
        noise=0.3,
        progress=False,
    )
    assert torch.equal(seen["target"], images)
    noise = seen["input"] - images
    assert 0.1 < noise.std().item() < 0.3  # Gaussian noise of std 0.3, reduced somewhat by clamping
    assert seen["input"].min().item() >= 0.0 and seen["input"].max().item() <= 1.0


def test_fit_draws_its_noise_from_add_noise_with_one_generator(images, monkeypatch):
    import aecourse.training

    calls, inputs = [], []

    def spy(x, factor, seed=0, *, generator=None):
        calls.append((factor, seed, generator))
        return ae.add_noise(x, factor, seed, generator=generator)

    monkeypatch.setattr(aecourse.training, "add_noise", spy)
    model = _small_model()
    model.register_forward_pre_hook(lambda module, args: inputs.append(args[0].clone()))
    ae.fit(
        model,
        ae.Batches(images, 32, shuffle=False),
        epochs=2,
        noise=0.3,
        noise_seed=5,
        progress=False,
    )
    assert len(calls) == 4 and all(f == 0.3 and s is None for f, s, _ in calls)
    assert len({id(g) for _, _, g in calls}) == 1  # one generator for the whole run
    g = torch.Generator().manual_seed(5)
    expected = [
        ae.add_noise(images[i : i + 32], 0.3, seed=None, generator=g) for i in (0, 32, 0, 32)
    ]
    assert all(torch.equal(a, b) for a, b in zip(inputs, expected))


def test_a_nan_loss_stops_training_and_suggests_a_lower_learning_rate(images):
    def nan_loss(x_hat, x):
        return (x_hat - x).pow(2).mean() * float("nan")

    with pytest.raises(FloatingPointError, match="lower learning rate"):
        ae.fit(
            _small_model(), ae.Batches(images, 16), epochs=1, lr=0.5, loss=nan_loss, progress=False
        )


def test_a_diverging_run_is_caught(images):
    model = ae.LinearAutoencoder(4)
    with pytest.raises(FloatingPointError, match="epoch 1, batch"):
        ae.fit(
            model,
            ae.Batches(images * 1e3, 16),
            epochs=3,
            optimizer=torch.optim.SGD(model.parameters(), lr=1e3),
            progress=False,
        )


def _by_hand(images, epochs, lr, warmup=None):
    """fit's recipe as a plain PyTorch loop: Adam (+ OneCycleLR), mean MSE per image per epoch."""
    ae.seed_everything(0)
    model = _small_model()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    batches = ae.Batches(images, 16)
    sched = None
    if warmup is not None:
        steps = epochs * len(batches)
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=lr, total_steps=steps, pct_start=warmup
        )
    losses = []
    for _ in range(epochs):
        total = 0.0
        for x in batches:
            loss = torch.nn.functional.mse_loss(model(x), x)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            total += loss.item() * len(x)
        losses.append(total / len(images))
    return losses


_DENORMALS_LEFT = """
import sys, torch
if sys.argv[1] == "compute-first":
    torch.ones(512, 512) @ torch.ones(512, 512)  # starts PyTorch's worker threads first
import aecourse
torch.set_num_threads(2)
x = torch.full((512, 512), 3e-21)  # x @ x: 4.6e-39 everywhere, a denormal float32
print(torch.set_flush_denormal(True), int(torch.count_nonzero(x @ x)))
"""


def _denormals_left(order: str) -> tuple[bool, int]:
    run = subprocess.run(
        [sys.executable, "-c", _DENORMALS_LEFT, order], capture_output=True, text=True, check=True
    )
    can, left = run.stdout.split()
    return can == "True", int(left)


def test_import_flushes_denormals_in_every_thread_pytorch_starts_later():
    can, left = _denormals_left("import-first")
    if not can:
        pytest.skip("this CPU cannot flush denormal floats")
    assert left == 0
    if torch.get_num_threads() > 1:  # the flag is per thread: earlier threads keep denormals
        assert _denormals_left("compute-first")[1] > 0


def test_fit_trains_exactly_like_a_plain_pytorch_loop(images):
    for schedule, warmup in (("constant", None), ("one-cycle", 0.2)):
        ae.seed_everything(0)
        history = ae.fit(
            _small_model(),
            ae.Batches(images, 16),
            epochs=3,
            lr=1e-2,
            schedule=schedule,
            warmup=warmup,
            progress=False,
        )
        assert history.train_loss == _by_hand(images, 3, 1e-2, warmup)
    assert _by_hand(images, 3, 1e-2) != _by_hand(images, 3, 1e-2, 0.2)


def test_fit_rejects_bad_schedules(images):
    model = _small_model()
    batches = ae.Batches(images, 16)
    with pytest.raises(ValueError, match="schedule must be"):
        ae.fit(model, batches, epochs=1, schedule="cosine", progress=False)
    with pytest.raises(ValueError, match="warmup"):
        ae.fit(model, batches, epochs=1, schedule="one-cycle", warmup=1.5, progress=False)
    with pytest.raises(ValueError, match="would be ignored"):
        ae.fit(
            model, batches, epochs=1, warmup=0.2, progress=False
        )  # no one-cycle schedule to warm up


class _SparseAutoencoder(ae.MLPAutoencoder):
    """An L1 penalty on the code: a regularised model's own training_loss with named parts."""

    def training_loss(self, x, target, loss_fn=torch.nn.functional.mse_loss):
        z = self.encode(x)
        reconstruction = loss_fn(self.decode(z).reshape(target.shape), target)
        l1 = z.abs().mean()
        return ae.TrainingLoss(
            reconstruction + 0.1 * l1, {"reconstruction": reconstruction, "l1": l1}
        )


def test_fit_trains_the_models_own_objective_and_records_its_parts(images):
    ae.seed_everything(0)
    model = _SparseAutoencoder(4, hidden=[32])
    val = ae.Batches(images, 24, shuffle=False)  # 24 + 24 + 16: a mean of batch means would be off
    history = ae.fit(model, ae.Batches(images, 24), epochs=3, lr=3e-3, val=val, progress=False)
    assert set(history.parts) == set(history.val_parts) == {"reconstruction", "l1"}
    assert all(len(v) == 3 for v in [*history.parts.values(), *history.val_parts.values()])
    for e in range(3):  # the parts are averaged per sample exactly like the total
        assert history.train_loss[e] == pytest.approx(
            history.parts["reconstruction"][e] + 0.1 * history.parts["l1"][e]
        )
        assert history.val_loss[e] == pytest.approx(
            history.val_parts["reconstruction"][e] + 0.1 * history.val_parts["l1"][e]
        )
    with torch.no_grad():
        whole = model.training_loss(images, images)
    assert history.val_parts["l1"][-1] == pytest.approx(whole.parts["l1"].item(), rel=1e-5)
    assert history.val_parts["reconstruction"][-1] == pytest.approx(
        whole.parts["reconstruction"].item(), rel=1e-5
    )
    assert history.val_loss[-1] == pytest.approx(whole.total.item(), rel=1e-5)


def test_a_plain_model_without_parts_records_none(images):
    history = ae.fit(
        _small_model(), ae.Batches(images, 16), epochs=1, val=ae.Batches(images, 16), progress=False
    )
    assert history.parts == {} and history.val_parts == {}


def test_fit_hands_its_loss_to_the_models_training_loss(images):
    seen = []

    class Spy(ae.MLPAutoencoder):
        def training_loss(self, x, target, loss_fn):
            seen.append(loss_fn)
            return super().training_loss(x, target, loss_fn)

    def l1(x_hat, x):
        return (x_hat - x).abs().mean()

    for loss, expected in [
        ("mse", torch.nn.functional.mse_loss),
        ("bce", torch.nn.functional.binary_cross_entropy),
        (l1, l1),
    ]:
        ae.fit(Spy(4, hidden=[8]), ae.Batches(images, 32), epochs=1, loss=loss, progress=False)
        assert seen[-1] is expected


def test_any_module_with_a_training_loss_is_trained_with_it(images):
    class Shrink(
        torch.nn.Module
    ):  # not an aecourse model: its objective pulls the weight towards zero
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1))

        def forward(self, x):
            return x * self.w

        def training_loss(self, x, target, loss_fn):
            return self.w.pow(2).sum()  # a bare scalar tensor is accepted too

    model = Shrink()
    history = ae.fit(model, ae.Batches(images, 16), epochs=2, lr=0.1, progress=False)
    assert (
        model.w.item() < 0.5
        and history.train_loss[-1] < history.train_loss[0]
        and history.parts == {}
    )

    class Wrong(Shrink):
        def training_loss(self, x, target, loss_fn):
            return {"total": self.w.sum()}

    with pytest.raises(TypeError, match="must return a TrainingLoss"):
        ae.fit(Wrong(), ae.Batches(images, 16), epochs=1, progress=False)


def test_a_nan_in_a_named_part_stops_training(images):
    class NanPart(ae.MLPAutoencoder):
        def training_loss(self, x, target, loss_fn=torch.nn.functional.mse_loss):
            out = super().training_loss(x, target, loss_fn)
            return ae.TrainingLoss(
                out.total, {"reconstruction": out.total, "kl": out.total * float("inf")}
            )

    with pytest.raises(
        FloatingPointError,
        match="loss part 'kl' became inf at epoch 1, batch 1.*lower learning rate",
    ):
        ae.fit(NanPart(4, hidden=[8]), ae.Batches(images, 16), epochs=1, progress=False)


def test_the_parts_must_keep_their_names(images):
    calls = []

    class Fickle(ae.MLPAutoencoder):
        def training_loss(self, x, target, loss_fn=torch.nn.functional.mse_loss):
            calls.append(1)
            total = super().training_loss(x, target, loss_fn).total
            return ae.TrainingLoss(total, {"a" if len(calls) == 1 else "b": total})

    with pytest.raises(ValueError, match="same parts for every batch"):
        ae.fit(Fickle(4, hidden=[8]), ae.Batches(images, 16), epochs=1, progress=False)


def test_lr_and_an_optimizer_of_ones_own_exclude_each_other(images):
    model = _small_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="lr= or optimizer=, not both"):
        ae.fit(model, ae.Batches(images, 16), epochs=1, lr=1e-2, optimizer=opt, progress=False)
    ae.fit(model, ae.Batches(images, 16), epochs=1, optimizer=opt, progress=False)
    assert opt.param_groups[0]["lr"] == 0.1  # its own lr, untouched


def test_one_cycle_with_ones_own_optimizer_peaks_at_its_lr(images):
    ae.seed_everything(0)
    model = _small_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    rates = []
    model.register_forward_pre_hook(lambda module, args: rates.append(opt.param_groups[0]["lr"]))
    batches = ae.Batches(images, 16)
    ae.fit(model, batches, epochs=2, optimizer=opt, schedule="one-cycle", progress=False)
    assert len(rates) == 2 * len(batches)
    assert max(rates) == pytest.approx(1e-2, rel=0.05)
    assert rates[0] < 1e-3 and rates[-1] < 1e-4  # warms up, then anneals almost to 0


def test_noise_seed_seeds_the_noise_and_seed_is_gone(images):
    def run(noise_seed):
        ae.seed_everything(0)
        return ae.fit(
            _small_model(),
            ae.Batches(images, 16),
            epochs=1,
            noise=0.3,
            noise_seed=noise_seed,
            progress=False,
        ).train_loss

    assert run(1) == run(1) and run(1) != run(2)


def test_evaluate_is_a_true_average_over_samples():
    model = ae.LinearAutoencoder(2)
    x = torch.rand(10, 784)
    expected = ((ae.reconstruct(model, x) - x) ** 2).mean().item()
    # 10 samples in batches of 3 (3+3+3+1): averaging batch means would weigh the last sample 3x
    assert ae.evaluate(model, x, batch_size=3) == pytest.approx(expected, rel=1e-6)


def test_evaluate_against_a_separate_target_and_shape_check(images):
    model = ae.MLPAutoencoder(2, hidden=[16])
    noisy = ae.add_noise(images, 0.3)
    expected = ((ae.reconstruct(model, noisy) - images) ** 2).mean().item()
    assert ae.evaluate(model, noisy, target=images) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="target must have the input's shape"):
        ae.evaluate(model, images, target=images[:3])


def test_reconstruct_keeps_shape_and_batches(images):
    model = ae.ConvAutoencoder(3).eval()
    out = ae.reconstruct(model, images, batch_size=7)
    assert out.shape == images.shape
    assert torch.allclose(out, model(images), atol=1e-6)


def test_checkpoint_round_trip_restores_architecture_and_weights(images, tmp_path):
    ae.seed_everything(0)
    model = ae.ConvAutoencoder(5, channels=[4, 8, 8], fc=32, upsampling="nearest")
    ae.fit(model, ae.Batches(images, 32), epochs=1, progress=False)
    path = ae.save_checkpoint(model, tmp_path / "sub" / "conv.pt")
    restored = ae.load_checkpoint(path)
    assert isinstance(restored, ae.ConvAutoencoder) and restored.config == model.config
    assert torch.equal(restored(images), model(images))
    fresh = ae.ConvAutoencoder(5, channels=[4, 8, 8], fc=32, upsampling="nearest")
    assert torch.equal(ae.load_weights(fresh, path)(images), model(images))


def test_a_checkpoint_for_another_architecture_is_refused_clearly(tmp_path):
    path = ae.save_checkpoint(ae.MLPAutoencoder(2), tmp_path / "mlp.pt")
    with pytest.raises(
        ValueError, match=r"saved from MLPAutoencoder\(latent_dim=2, hidden=\[512, 256\]\)"
    ):
        ae.load_weights(ae.MLPAutoencoder(30), path)
    with pytest.raises(ValueError, match="does not fit ConvAutoencoder"):
        ae.load_weights(ae.ConvAutoencoder(2), path)


def test_foreign_files_are_not_taken_for_checkpoints(tmp_path):
    torch.save(ae.MLPAutoencoder(2).state_dict(), tmp_path / "raw.pt")
    with pytest.raises(ValueError, match="not an aecourse checkpoint"):
        ae.load_checkpoint(tmp_path / "raw.pt")
    torch.save({"architecture": "os.system", "config": {}, "state_dict": {}}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="unknown architecture"):
        ae.load_checkpoint(tmp_path / "evil.pt")
    with pytest.raises(TypeError, match="saves aecourse autoencoders, got Linear"):
        ae.save_checkpoint(torch.nn.Linear(2, 2), tmp_path / "x.pt")


def test_batch_objective_scores_noisy_inputs_against_the_clean_batch(images):
    from aecourse.training import batch_objective

    model = _small_model().eval()
    mse = torch.nn.functional.mse_loss
    assert torch.equal(batch_objective(model, images, mse).total, mse(model(images), images))
    noisy = ae.add_noise(images, 0.3, seed=None, generator=torch.Generator().manual_seed(1))
    objective = batch_objective(
        model, images, mse, noise=0.3, generator=torch.Generator().manual_seed(1)
    )
    assert torch.equal(objective.total, mse(model(noisy), images))


def test_checkpoints_go_to_one_folder_created_on_demand(tmp_path, monkeypatch):
    monkeypatch.delenv("AECOURSE_CHECKPOINTS", raising=False)
    assert (
        ae.checkpoint_dir() == Path(ae.__file__).resolve().parents[1] / "checkpoints"
    )  # the checkout's folder
    monkeypatch.setenv("AECOURSE_CHECKPOINTS", str(tmp_path / "ckpt"))
    path = ae.checkpoint_path("01_intro_tiny.pt")
    assert path == tmp_path / "ckpt" / "01_intro_tiny.pt" and path.parent.is_dir()


def test_a_refused_checkpoint_is_named_by_its_file_name(tmp_path):
    # the notebooks print this message: it must not depend on the folder the checkpoints are in
    path = ae.save_checkpoint(ae.MLPAutoencoder(2), tmp_path / "mlp.pt")
    with pytest.raises(ValueError, match=r"^mlp\.pt was saved from MLPAutoencoder\(latent_dim=2"):
        ae.load_weights(ae.MLPAutoencoder(30), path)
