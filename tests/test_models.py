import pytest
import torch

import aecourse as ae
from aecourse import models

MODELS = {
    "linear": lambda: ae.LinearAutoencoder(32),
    "mlp-000": lambda: ae.MLPAutoencoder(2, hidden=[512, 256]),
    "mlp-001": lambda: ae.MLPAutoencoder(9, hidden=[128, 64, 36, 18]),
    "conv-transpose": lambda: ae.ConvAutoencoder(4),
    "conv-nearest": lambda: ae.ConvAutoencoder(4, upsampling="nearest"),
}


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("shape", [(5, 1, 28, 28), (5, 784)])
def test_every_model_returns_the_input_shape(name, shape):
    model = MODELS[name]().eval()
    x = torch.rand(shape)
    k = model.config["latent_dim"]
    assert model(x).shape == shape
    assert model.encode(x).shape == (5, k)
    assert model.decode(torch.zeros(5, k)).shape == (5, 1, 28, 28)
    assert isinstance(model.encoder, torch.nn.Module) and isinstance(model.decoder, torch.nn.Module)


@pytest.mark.parametrize("name", [n for n in MODELS if n != "linear"])
def test_outputs_are_probabilities(name):
    out = MODELS[name]().eval()(torch.rand(3, 784) * 10)
    assert out.min().item() >= 0.0 and out.max().item() <= 1.0


def test_the_linear_autoencoder_is_a_pure_linear_map():
    model = ae.LinearAutoencoder(8)
    assert all("bias" not in name for name, _ in model.named_parameters())
    x, y = torch.randn(4, 784), torch.randn(4, 784)
    assert torch.allclose(model(2 * x - y), 2 * model(x) - model(y), atol=1e-5)
    assert sum(p.numel() for p in model.parameters()) == 2 * 784 * 8


def test_mlp_layer_sizes_follow_the_hidden_list():
    model = ae.MLPAutoencoder(9, hidden=[128, 64, 36, 18])
    enc = [m.out_features for m in model.encoder if isinstance(m, torch.nn.Linear)]
    dec = [m.out_features for m in model.decoder if isinstance(m, torch.nn.Linear)]
    assert enc == [128, 64, 36, 18, 9]
    assert dec == [18, 36, 64, 128, 784]


def test_conv_encoder_goes_28_14_7_3():
    model = ae.ConvAutoencoder(16)
    x = torch.rand(2, 1, 28, 28)
    sizes = []
    for layer in model.encoder:
        x = layer(x)
        if isinstance(layer, torch.nn.Conv2d):
            sizes.append(tuple(x.shape[1:]))
    assert sizes == [(8, 14, 14), (16, 7, 7), (32, 3, 3)]
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in model.encoder)


def test_conv_decoders_differ_only_in_upsampling():
    transpose = ae.ConvAutoencoder(4, upsampling="transpose")
    nearest = ae.ConvAutoencoder(4, upsampling="nearest")
    assert any(isinstance(m, torch.nn.ConvTranspose2d) for m in transpose.decoder)
    assert not any(isinstance(m, torch.nn.ConvTranspose2d) for m in nearest.decoder)
    assert any(isinstance(m, torch.nn.Upsample) for m in nearest.decoder)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ae.LinearAutoencoder(0),
        lambda: ae.MLPAutoencoder(0),
        lambda: ae.MLPAutoencoder(2, hidden=[]),
        lambda: ae.MLPAutoencoder(2, hidden=[64, 0]),
        lambda: ae.ConvAutoencoder(-1),
        lambda: ae.ConvAutoencoder(4, channels=[8, 16]),
        lambda: ae.ConvAutoencoder(4, fc=0),
        lambda: ae.ConvAutoencoder(4, upsampling="bilinear"),
    ],
)
def test_invalid_sizes_raise_value_error(make):
    with pytest.raises(ValueError, match="must be"):
        make()


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("shape", [(5, 28, 28), (5, 3, 28, 28), (5, 783), (784,)])
def test_wrong_input_shapes_say_what_was_expected(name, shape):
    with pytest.raises(ValueError, match=r"\(B, 1, 28, 28\) or \(B, 784\)"):
        MODELS[name]()(torch.rand(shape))


def test_decode_checks_the_code_size():
    with pytest.raises(ValueError, match=r"\(B, 2\)"):
        ae.MLPAutoencoder(2).decode(torch.zeros(3, 5))


def test_config_rebuilds_the_same_architecture():
    for make in MODELS.values():
        model = make()
        twin = type(model)(**model.config)
        assert [p.shape for p in model.parameters()] == [p.shape for p in twin.parameters()]


@pytest.mark.parametrize("name", MODELS)
def test_the_default_training_loss_is_the_reconstruction_loss(name):
    model = MODELS[name]().eval()
    x, target = torch.rand(3, 1, 28, 28), torch.rand(3, 1, 28, 28)
    out = model.training_loss(x, target)
    assert isinstance(out, ae.TrainingLoss) and out.parts == {}
    assert torch.equal(out.total, torch.nn.functional.mse_loss(model(x), target))
    l1 = model.training_loss(x, target, lambda x_hat, t: (x_hat - t).abs().mean())
    assert torch.equal(l1.total, (model(x) - target).abs().mean())


def test_the_layer_builders_are_the_models_layers():
    # the notebooks show these functions as the models' layers: they must be what the models use
    torch.manual_seed(0)
    mlp = ae.MLPAutoencoder(9, hidden=[128, 64, 36, 18])
    torch.manual_seed(0)
    encoder, decoder = (
        models.mlp_encoder(9, [128, 64, 36, 18]),
        models.mlp_decoder(9, [128, 64, 36, 18]),
    )
    assert repr(mlp.encoder) == repr(encoder) and repr(mlp.decoder) == repr(decoder)
    assert all(
        torch.equal(a, b)
        for a, b in zip(
            mlp.state_dict().values(),
            [*encoder.state_dict().values(), *decoder.state_dict().values()],
        )
    )
    for upsampling in ("transpose", "nearest"):
        conv = ae.ConvAutoencoder(4, upsampling=upsampling)
        assert repr(conv.encoder) == repr(models.conv_encoder(4, [8, 16, 32], 128))
        assert repr(conv.decoder) == repr(models.conv_decoder(4, [8, 16, 32], 128, upsampling))
