import pytest
import torch

import aecourse as ae


def test_far_share_counts_codes_beyond_the_test_quantile():
    g = torch.Generator().manual_seed(0)
    train = torch.randn(2000, 2, generator=g)
    test = torch.randn(500, 2, generator=g)
    near = torch.randn(500, 2, generator=g)  # spread like the data
    far = torch.randn(500, 2, generator=g) + 20.0  # in a hole
    assert ae.far_share(far, train, test) == 1.0
    assert ae.far_share(near, train, test, quantile=0.9) < 0.2
    assert ae.far_share(near, train, test, quantile=0.5) > ae.far_share(near, train, test)


def test_far_share_refuses_bad_input():
    codes = torch.zeros(3, 2)
    with pytest.raises(ValueError, match="quantile"):
        ae.far_share(codes, codes, codes, quantile=1.0)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        ae.far_share(torch.zeros(3, 3), codes, codes)


def test_knn_labels_majority_and_ties():
    train = torch.tensor([[0.0], [0.1], [0.2], [10.0], [10.1]])
    labels = torch.tensor([3, 3, 1, 7, 7])
    assert ae.knn_labels(train, labels, torch.tensor([[0.05], [10.05]]), k=3).tolist() == [3, 7]
    # a tie between 1 and 3 goes to the smaller label
    assert ae.knn_labels(train[1:3], labels[1:3], torch.tensor([[0.15]]), k=2).tolist() == [1]
    with pytest.raises(ValueError, match="k must be"):
        ae.knn_labels(train, labels, train, k=6)


def test_label_shares_and_total_variation():
    p = ae.label_shares(torch.tensor([0, 0, 1, 2]), n_classes=4)
    assert p.tolist() == [0.5, 0.25, 0.25, 0.0]
    q = torch.full((4,), 0.25, dtype=torch.float64)
    assert ae.total_variation(p, q) == pytest.approx(0.25)
    assert ae.total_variation(p, p) == 0.0
    with pytest.raises(ValueError, match="0..3"):
        ae.label_shares(torch.tensor([4]), n_classes=4)
