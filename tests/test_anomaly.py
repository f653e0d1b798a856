import itertools
import math

import matplotlib.pyplot as plt
import pytest
import torch

import aecourse as ae


def _pairs_auc(normal, anomalous):
    """The AUC by its definition: every (normal, anomalous) pair, ranked right = 1, tied = 1/2."""
    total = 0.0
    for n, a in itertools.product(normal.tolist(), anomalous.tolist()):
        total += 1.0 if a > n else 0.5 if a == n else 0.0
    return total / (len(normal) * len(anomalous))


def _trapezoid(fpr, tpr):
    return torch.trapezoid(tpr, fpr).item()


@pytest.mark.parametrize("seed", range(5))
def test_auc_matches_a_brute_force_pair_count_ties_included(seed):
    g = torch.Generator().manual_seed(seed)
    normal = torch.randint(0, 8, (37,), generator=g).float()  # few values: many ties
    anomalous = torch.randint(2, 10, (23,), generator=g).float()
    assert math.isclose(ae.auc(normal, anomalous), _pairs_auc(normal, anomalous), rel_tol=1e-12)
    fpr, tpr, _ = ae.roc_curve(normal, anomalous)
    assert math.isclose(_trapezoid(fpr, tpr), _pairs_auc(normal, anomalous), rel_tol=1e-12)


def test_auc_known_cases():
    assert ae.auc(torch.tensor([0.0, 1.0]), torch.tensor([2.0, 3.0])) == 1.0  # perfectly separated
    assert (
        ae.auc(torch.tensor([2.0, 3.0]), torch.tensor([0.0, 1.0])) == 0.0
    )  # perfectly wrong way round
    assert ae.auc(torch.ones(5), torch.ones(7)) == 0.5  # all tied: a coin
    assert ae.auc(torch.tensor([0.0, 2.0]), torch.tensor([1.0])) == 0.5
    g = torch.Generator().manual_seed(0)
    same = ae.auc(torch.randn(20000, generator=g), torch.randn(20000, generator=g))
    assert abs(same - 0.5) < 0.01  # same distribution: about 0.5


def test_roc_curve_runs_from_0_0_to_1_1_and_never_goes_down():
    fpr, tpr, thresholds = ae.roc_curve(
        torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0.9, 0.5, 0.35])
    )
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0, 0, 1, 1)
    assert (fpr.diff() >= 0).all() and (tpr.diff() >= 0).all() and (thresholds.diff() < 0).all()


def test_threshold_at_fpr_flags_at_most_that_share_of_the_validation_scores():
    scores = torch.arange(100.0)
    t = ae.threshold_at_fpr(scores, 0.05)
    assert t == 94.0 and (scores > t).double().mean().item() == 0.05
    assert ae.threshold_at_fpr(scores, 0.0) == 99.0  # flags nothing
    tied = torch.tensor([1.0] * 10 + [2.0] * 10)
    assert (tied > ae.threshold_at_fpr(tied, 0.3)).float().mean().item() <= 0.3


def test_rates_at_counts_scores_strictly_above():
    fpr, tpr = ae.rates_at(0.5, torch.tensor([0.1, 0.5, 0.7, 0.2]), torch.tensor([0.6, 0.4]))
    assert (fpr, tpr) == (0.25, 0.5)


def test_split_scores_and_bad_input_gives_clear_errors():
    normal, anomalous = ae.split_scores(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0, 1, 0]))
    assert normal.tolist() == [1.0, 3.0] and anomalous.tolist() == [2.0]
    with pytest.raises(ValueError, match="3 scores but 2 labels"):
        ae.split_scores(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="one class only"):
        ae.split_scores(torch.tensor([1.0, 2.0]), torch.tensor([1, 1]))
    with pytest.raises(ValueError, match="scores_anomalous is empty"):
        ae.auc(torch.tensor([1.0]), torch.tensor([]))
    with pytest.raises(ValueError, match="1 NaN or infinite"):
        ae.auc(torch.tensor([1.0, float("nan")]), torch.tensor([2.0]))
    with pytest.raises(ValueError, match="NaN or infinite"):
        ae.roc_curve(torch.tensor([1.0]), torch.tensor([float("inf")]))
    with pytest.raises(ValueError, match=r"in \[0, 1\)"):
        ae.threshold_at_fpr(torch.tensor([1.0, 2.0]), 1.5)


def test_nearest_distance_matches_the_full_distance_matrix_in_any_chunking():
    g = torch.Generator().manual_seed(0)
    x, reference = torch.rand(23, 1, 28, 28, generator=g), torch.rand(40, 784, generator=g)
    full = torch.cdist(x.reshape(23, -1), reference).min(dim=1).values
    for batch in (1, 7, 1000):
        assert torch.allclose(ae.nearest_distance(x, reference, batch=batch), full)
    # an image is its own nearest (float32 matrix products leave a few thousandths, against
    # distances of about 11)
    assert ae.nearest_distance(reference[:3], reference).abs().max() < 0.02
    with pytest.raises(ValueError, match="784 pixels per image, reference 10"):
        ae.nearest_distance(x, torch.rand(5, 10))
    with pytest.raises(ValueError, match="reference is empty"):
        ae.nearest_distance(x, torch.rand(0, 784))


def test_plots_draw_into_the_given_axes_and_return_them():
    normal, anomalous = torch.rand(50), torch.rand(30) + 0.5
    fig, (a, b) = plt.subplots(1, 2)
    assert ae.plot_roc({"detector": (normal, anomalous)}, ax=a) is a
    assert "AUC" in a.get_legend().get_texts()[0].get_text()
    assert ae.plot_score_histograms(normal, anomalous, threshold=0.9, ax=b) is b
    plt.close(fig)
    ax = ae.plot_roc({"x": (normal, anomalous)})  # without ax: a new figure
    assert isinstance(ax, plt.Axes)
    plt.close("all")
