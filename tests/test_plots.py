import matplotlib.pyplot as plt
import pytest
import torch

import aecourse as ae


@pytest.fixture(autouse=True)
def _forbid_show(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("plot helpers must not call plt.show()")

    monkeypatch.setattr(plt, "show", refuse)
    yield
    plt.close("all")


def test_plot_images_draws_a_grid_into_the_given_axes(images):
    fig, ax = plt.subplots()
    assert ae.plot_images(images[:20], nrow=10, ax=ax, title="digits") is ax
    assert ax.get_title() == "digits"
    picture = ax.images[0].get_array()
    assert picture.shape == (2 * 28 + 2, 10 * 28 + 9 * 2)
    assert (
        picture.mask[28:30].all() and not picture.mask[:28, :28].any()
    )  # gaps are blank, tiles are drawn


def test_tile_centres_point_at_the_middle_of_each_tile(images):
    """A label placed with tile_centres sits over its own tile, not over a gap or a neighbour."""
    fig, ax = plt.subplots()
    ae.plot_images(images[:12], nrow=12, ax=ax)
    mask = ax.images[0].get_array().mask[0]  # True in the gaps between tiles, along a row
    tiles = [i for i in range(len(mask)) if not mask[i]]
    starts = [i for i in tiles if i == 0 or mask[i - 1]]  # the first column of each tile
    assert len(starts) == 12
    assert ae.tile_centres(range(12)) == [s + 28 // 2 for s in starts]


@pytest.mark.parametrize(
    "cmap, vmin, vmax",
    [("gray_r", 0.0, 1.0), ("magma", 0.0, 0.05), ("RdBu_r", -1.0, 1.0), ("viridis", None, None)],
)
def test_plot_images_draws_the_gaps_in_the_colour_of_zero(images, cmap, vmin, vmax):
    fig, ax = plt.subplots()
    ae.plot_images(images[:4], ax=ax, cmap=cmap, vmin=vmin, vmax=vmax)
    drawn = ax.images[0]
    assert drawn.get_array().mask.any()  # there are gaps ...
    assert tuple(drawn.cmap.get_bad()) == tuple(
        drawn.to_rgba(0.0)
    )  # ... drawn like a background pixel (0)


def test_plot_images_accepts_flat_input_and_creates_a_figure(images):
    ax = ae.plot_images(images.reshape(64, 784)[:5])
    assert isinstance(ax, plt.Axes) and ax.images[0].get_array().shape == (28, 5 * 28 + 4 * 2)
    with pytest.raises(ValueError, match="expected images"):
        ae.plot_images(torch.rand(4, 3, 28, 28))


def test_plot_image_rows_labels_each_row(images):
    ax = ae.plot_image_rows([images, images, images], ["original", "noisy", "denoised"], n=8)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["original", "noisy", "denoised"]
    with pytest.raises(ValueError, match="labels"):
        ae.plot_image_rows([images], ["a", "b"])


def test_plot_reconstructions_shows_originals_over_outputs(images):
    fig, ax = plt.subplots()
    model = ae.MLPAutoencoder(2, hidden=[16])
    assert ae.plot_reconstructions(model, images, n=10, ax=ax) is ax
    assert ax.images[0].get_array().shape == (2 * 28 + 2, 10 * 28 + 18)


def test_plot_history_draws_train_and_validation_curves():
    history = ae.History(
        train_loss=[0.3, 0.2, 0.1], val_loss=[0.35, 0.25, 0.15], seconds=[1.0, 1.0, 1.0]
    )
    fig, ax = plt.subplots()
    assert ae.plot_history(history, ax=ax, label="MSE") is ax
    assert [line.get_label() for line in ax.lines] == ["MSE train", "MSE validation"]
    assert list(ax.lines[0].get_ydata()) == [0.3, 0.2, 0.1]
    assert ax.get_xlabel() == "epoch" and ax.get_yscale() == "log"


def test_plot_loss_parts_draws_one_curve_per_part():
    history = ae.History(
        train_loss=[0.5, 0.3], parts={"reconstruction": [0.04, 0.03], "sparsity": [30.0, 20.0]}
    )
    fig, ax = plt.subplots()
    assert ae.plot_loss_parts(history, ax=ax) is ax
    assert [line.get_label() for line in ax.lines] == ["reconstruction", "sparsity"]
    assert list(ax.lines[1].get_xdata()) == [1, 2] and list(ax.lines[1].get_ydata()) == [30.0, 20.0]
    assert ax.get_xlabel() == "epoch" and ax.get_yscale() == "log"
    assert ae.plot_loss_parts(history, log=False).get_yscale() == "linear"


def test_plot_loss_parts_refuses_a_history_without_parts():
    with pytest.raises(ValueError, match="no loss parts"):
        ae.plot_loss_parts(ae.History(train_loss=[0.1, 0.05]))


def test_plot_latent_colours_codes_by_digit():
    codes = torch.randn(200, 2, generator=torch.Generator().manual_seed(0))
    labels = torch.arange(200) % 10
    fig, ax = plt.subplots()
    assert ae.plot_latent(codes, labels, ax=ax, title="codes") is ax
    assert len(ax.get_legend().get_texts()) == 10
    assert ax.get_title() == "codes"
    with pytest.raises(ValueError, match="2-D codes"):
        ae.plot_latent(torch.randn(5, 3), labels[:5])


def test_plot_manifold_decodes_an_n_by_n_lattice():
    model = ae.MLPAutoencoder(2, hidden=[16])
    calls = []
    model.decoder.register_forward_hook(lambda m, args, out: calls.append(args[0].clone()))
    codes = torch.randn(500, 2, generator=torch.Generator().manual_seed(0))
    fig, ax = plt.subplots()
    assert ae.plot_manifold(model, codes, n=5, ax=ax) is ax
    lattice = calls[0]
    assert lattice.shape == (25, 2)
    # first row: z1 increasing left to right at the highest z2; lattice inside the codes' range
    assert lattice[0, 0] < lattice[4, 0] and lattice[0, 1] == lattice[4, 1] > lattice[20, 1]
    assert (
        codes.min(0).values.le(lattice.min(0).values).all()
        and codes.max(0).values.ge(lattice.max(0).values).all()
    )
    assert ax.images[0].get_array().shape == (5 * 28 + 8, 5 * 28 + 8)
    with pytest.raises(ValueError, match="2-D codes"):
        ae.plot_manifold(model, torch.randn(5, 3))


def test_manifold_values_space_the_lattice_linearly_or_by_quantiles():
    codes = (
        torch.randn(4000, 2, generator=torch.Generator().manual_seed(0)) ** 3
    )  # crowded centre, long arms
    z1, z2 = ae.manifold_values(codes, 9, quantile=0.02)
    assert torch.allclose(z1.diff(), z1.diff()[0].expand(8)) and torch.allclose(
        z2.diff(), z2.diff()[0].expand(8)
    )
    q1, q2 = ae.manifold_values(codes, 9, quantile=0.02, spacing="quantile")
    # the same end points, but every gap between neighbouring values holds the same share of the
    # codes
    assert torch.allclose(q1[[0, -1]], z1[[0, -1]]) and torch.allclose(q2[[0, -1]], z2[[0, -1]])
    shares = torch.stack(
        [((codes[:, 0] > a) & (codes[:, 0] <= b)).float().mean() for a, b in zip(q1, q1[1:])]
    )
    assert torch.allclose(shares, torch.full((8,), 0.96 / 8), atol=2e-3)
    assert (q1.diff()[4] < z1.diff()[4]) and (
        q1.diff()[0] > z1.diff()[0]
    )  # dense in the centre, sparse outside
    with pytest.raises(ValueError, match="spacing"):
        ae.manifold_values(codes, 9, spacing="log")
    with pytest.raises(ValueError, match="at least 2"):
        ae.manifold_values(codes, 1)
    with pytest.raises(ValueError, match="quantile"):
        ae.manifold_values(codes, 9, quantile=0.5)


def test_plot_manifold_decodes_the_quantile_lattice():
    model = ae.MLPAutoencoder(2, hidden=[16])
    calls = []
    model.decoder.register_forward_hook(lambda m, args, out: calls.append(args[0].clone()))
    codes = torch.randn(500, 2, generator=torch.Generator().manual_seed(0))
    ae.plot_manifold(model, codes, n=4, spacing="quantile")
    assert torch.equal(
        calls[0], ae.lattice_codes(*ae.manifold_values(codes, 4, spacing="quantile"))
    )


def test_plot_decoded_draws_the_digits_of_given_codes():
    torch.manual_seed(0)
    model = ae.MLPAutoencoder(2, hidden=[16]).eval()
    codes = torch.tensor([[-1.0, 0.0], [0.0, 0.0], [2.0, 0.5]])
    fig, ax = plt.subplots()
    assert ae.plot_decoded(model, codes, ax=ax) is ax
    drawn = torch.from_numpy(ax.images[0].get_array().filled(float("nan")))
    with torch.no_grad():
        decoded = model.decode(codes)
    for i in range(3):
        assert torch.equal(drawn[:, 30 * i : 30 * i + 28], decoded[i, 0])
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "(-1.0, 0.0)",
        "(0.0, 0.0)",
        "(2.0, 0.5)",
    ]
    with pytest.raises(ValueError, match="codes of shape"):
        ae.plot_decoded(model, torch.zeros(2))
    plt.close(fig)


def test_lattice_codes_go_row_by_row_from_the_highest_z2():
    codes = ae.lattice_codes([-1.0, 0.0, 1.0], torch.tensor([-2.0, 2.0]))
    assert codes.tolist() == [
        [-1.0, 2.0],
        [0.0, 2.0],
        [1.0, 2.0],
        [-1.0, -2.0],
        [0.0, -2.0],
        [1.0, -2.0],
    ]
    with pytest.raises(ValueError, match="z1_values must be a non-empty 1-D"):
        ae.lattice_codes([], [0.0])
    with pytest.raises(ValueError, match="z2_values must be a non-empty 1-D"):
        ae.lattice_codes([0.0], [[0.0, 1.0]])
    with pytest.raises(ValueError, match="z1_values must be"):
        ae.lattice_codes(["a"], [0.0])


def test_plot_lattice_decodes_the_grid_z1_by_z2():
    torch.manual_seed(0)
    model = ae.MLPAutoencoder(2, hidden=[16]).eval()
    z1, z2 = torch.linspace(-2, 2, 4), torch.tensor([-1.0, 0.0, 1.0])
    fig, ax = plt.subplots()
    assert ae.plot_lattice(model, z1, z2, ax=ax, title="lattice") is ax
    drawn = torch.from_numpy(ax.images[0].get_array().filled(float("nan")))
    assert drawn.shape == (3 * 28 + 4, 4 * 28 + 6) and ax.get_title() == "lattice"
    with torch.no_grad():
        top_right = model.decode(torch.tensor([[2.0, 1.0]]))[0, 0]  # last z1, last z2: top right
        bottom_left = model.decode(torch.tensor([[-2.0, -1.0]]))[0, 0]
    assert torch.allclose(drawn[:28, -28:], top_right) and torch.allclose(
        drawn[-28:, :28], bottom_left
    )
    assert ax.get_yticklabels()[0].get_text() == "1"  # the top row is the largest z2
    with pytest.raises(ValueError, match="decodes 2-D codes"):
        ae.plot_lattice(ae.MLPAutoencoder(3, hidden=[8]), z1, z2)
    with pytest.raises(ValueError, match="z2_values"):
        ae.plot_lattice(model, z1, [float("nan")])


def test_plot_samples_decodes_seeded_draws_from_the_prior():
    torch.manual_seed(0)
    model = ae.MLPAutoencoder(3, hidden=[16]).eval()
    fig, (a, b) = plt.subplots(1, 2)
    assert ae.plot_samples(model, 6, seed=1, nrow=3, ax=a, title="prior") is a
    ae.plot_samples(model, 6, seed=1, nrow=3, ax=b)
    drawn = a.images[0].get_array().filled(float("nan"))
    assert drawn.shape == (2 * 28 + 2, 3 * 28 + 4) and a.get_title() == "prior"
    assert (drawn == b.images[0].get_array().filled(float("nan")))[
        ~torch.from_numpy(drawn).isnan().numpy()
    ].all()
    with torch.no_grad():
        first = model.decode(torch.randn(6, 3, generator=torch.Generator().manual_seed(1)))[0, 0]
    assert torch.allclose(torch.from_numpy(drawn[:28, :28]), first)
    with pytest.raises(ValueError, match="n must be a positive"):
        ae.plot_samples(model, 0)
    with pytest.raises(ValueError, match="latent_dim must be a positive"):
        ae.plot_samples(model, 4, latent_dim=0)
    with pytest.raises(ValueError, match="pass latent_dim="):
        ae.plot_samples(torch.nn.Linear(2, 784), 4)
