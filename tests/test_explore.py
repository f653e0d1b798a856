import base64
import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import aecourse as ae


def _model_2d():
    torch.manual_seed(0)
    return ae.MLPAutoencoder(2, hidden=[16]).eval()


def _shown(explorer, scale):
    """The digit the image widget shows, read back from its PNG: (1, 1, 28, 28) in [0, 1]."""
    rgba = plt.imread(io.BytesIO(explorer.image.value), format="png")  # gray_r: dark = 1
    assert rgba.shape[:2] == (28 * scale, 28 * scale)
    return torch.from_numpy(1.0 - rgba[::scale, ::scale, 0]).reshape(1, 1, 28, 28)


def test_moving_the_sliders_redraws_the_decoded_digit():
    model = _model_2d()
    explorer = ae.explore_latent(model, z1=(-2, 2), z2=(-1, 3), scale=4)
    assert (explorer.z1.min, explorer.z1.max, explorer.z1.value) == (-2, 2, 0)
    assert (explorer.z2.min, explorer.z2.max, explorer.z2.value) == (-1, 3, 1)
    with torch.no_grad():
        assert torch.equal(explorer.decoded, model.decode(torch.tensor([[0.0, 1.0]])))
    before = explorer.image.value

    explorer.z1.value, explorer.z2.value = 1.5, -0.5  # what dragging the sliders does
    with torch.no_grad():
        expected = model.decode(torch.tensor([[1.5, -0.5]]))
    assert torch.equal(explorer.code, torch.tensor([[1.5, -0.5]]))
    assert torch.equal(explorer.decoded, expected)
    assert explorer.image.value != before
    assert (
        _shown(explorer, 4) - expected
    ).abs().max() <= 2 / 255  # the picture is that digit (8-bit colour map)


def test_the_explorer_displays_as_its_widget_with_a_short_text():
    explorer = ae.explore_latent(_model_2d())
    bundle, _ = explorer._repr_mimebundle_()
    assert (
        bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
    )
    assert (
        bundle["text/plain"] == ae.explore.TEXT_WITHOUT_KERNEL
    )  # the same whatever the trained codes
    assert repr(explorer) == "LatentExplorer(z1=0.00, z2=0.00)"  # the values, for a live kernel
    assert explorer.image in explorer.widget.children


def test_the_sliders_can_span_the_codes():
    codes = torch.randn(1000, 2, generator=torch.Generator().manual_seed(0)) * torch.tensor(
        [5.0, 0.5]
    )
    explorer = ae.explore_latent(_model_2d(), codes)
    assert explorer.z1.min == pytest.approx(torch.quantile(codes[:, 0], 0.02).item())
    assert explorer.z2.max == pytest.approx(torch.quantile(codes[:, 1], 0.98).item())
    with pytest.raises(ValueError, match="not both"):
        ae.explore_latent(_model_2d(), codes, z1=(-1, 1))


def test_the_explorer_refuses_models_without_a_2d_code():
    with pytest.raises(ValueError, match="2-D code.*decodes codes of shape \\(B, 3\\)"):
        ae.explore_latent(ae.MLPAutoencoder(3, hidden=[8]))

    class NoDecoder(torch.nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="decode"):
        ae.explore_latent(NoDecoder())
    with pytest.raises(ValueError, match="low < high"):
        ae.explore_latent(_model_2d(), z1=(1, -1))
    with pytest.raises(ValueError, match="scale"):
        ae.explore_latent(_model_2d(), scale=0)


def _sprite_tiles(png: bytes, steps: int) -> torch.Tensor:
    """The stored lattice picture cut back into its tiles: (steps * steps, 1, 28, 28), dark = 1."""
    from PIL import Image

    grey = torch.from_numpy(np.array(Image.open(io.BytesIO(png)))).float() / 255
    assert grey.shape == (steps * 28, steps * 28)
    tiles = (1 - grey).reshape(steps, 28, steps, 28).permute(0, 2, 1, 3)
    return tiles.reshape(steps * steps, 1, 28, 28)


def test_the_explorer_stores_its_decoded_lattice_for_pages_without_a_kernel():
    model = _model_2d()
    explorer = ae.explore_latent(model, z1=(-2, 2), z2=(-1, 3), scale=4)
    data, metadata = explorer._repr_mimebundle_()
    geometry = metadata[ae.explore.SPRITE_KEY]
    steps = ae.explore.LATTICE_STEPS
    assert geometry == {"z1": [-2, 2], "z2": [-1, 3], "steps": steps, "tile": 28, "scale": 4}
    assert data["text/plain"] == ae.explore.TEXT_WITHOUT_KERNEL  # what nbval compares: unchanged
    tiles = _sprite_tiles(base64.b64decode(data["image/png"]), steps)
    codes = ae.lattice_codes(torch.linspace(-2, 2, steps), torch.linspace(-1, 3, steps))
    with torch.no_grad():
        expected = model.decode(codes).reshape(-1, 1, 28, 28)
    assert (tiles - expected).abs().max() <= 0.5 / 255 + 1e-6  # 8-bit grey
    # row 0 holds the highest z2 and column 0 the lowest z1: the last tile is (z1, z2) = (2, -1)
    assert torch.equal(codes[-1], torch.tensor([2.0, -1.0]))
    assert torch.equal(codes[0], torch.tensor([-2.0, 3.0]))


def test_the_lattice_picture_refuses_too_few_steps():
    with pytest.raises(ValueError, match="steps"):
        ae.explore.lattice_sprite(_model_2d(), (-1, 1), (-1, 1), steps=1)
