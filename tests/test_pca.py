import pytest
import torch

import aecourse as ae


@pytest.fixture
def data():
    """300 samples in 20 dimensions with clearly separated variances."""
    g = torch.Generator().manual_seed(0)
    scales = torch.linspace(3.0, 0.1, 20)
    rotation, _ = torch.linalg.qr(torch.randn(20, 20, generator=g))
    return (torch.randn(300, 20, generator=g) * scales) @ rotation.T + 5.0


def test_pca_matches_an_eigendecomposition_of_the_covariance(data):
    pca = ae.PCA.fit(data)
    x = data.double()
    cov = torch.cov(x.T)  # independent reference: eigh of the sample covariance
    eigvals, eigvecs = torch.linalg.eigh(cov)
    eigvals, eigvecs = eigvals.flip(0), eigvecs.flip(1)  # largest first
    assert torch.allclose(pca.explained_variance.double(), eigvals, rtol=1e-4)
    assert torch.allclose(pca.explained_variance_ratio.double(), eigvals / eigvals.sum(), rtol=1e-4)
    # each component equals the eigenvector up to sign
    cosines = (pca.components.double() * eigvecs.T).sum(dim=1).abs()
    assert torch.allclose(cosines, torch.ones(20, dtype=torch.float64), atol=1e-4)
    assert torch.allclose(pca.mean.double(), x.mean(0), atol=1e-5)


def test_components_are_orthonormal(data):
    c = ae.PCA.fit(data).components
    assert torch.allclose(c @ c.T, torch.eye(c.shape[0]), atol=1e-5)


def test_pca_works_with_more_features_than_samples():
    x = torch.randn(10, 50, generator=torch.Generator().manual_seed(1))
    pca = ae.PCA.fit(x)
    assert pca.components.shape == (10, 50)
    assert torch.allclose(
        pca.reconstruct(x, 9), x, atol=1e-4
    )  # 10 centred samples span 9 dimensions


def test_reconstruction_error_falls_with_k_and_vanishes_at_full_rank(data):
    pca = ae.PCA.fit(data)
    errors = [pca.mse(data, k) for k in range(1, 21)]
    assert all(a > b for a, b in zip(errors, errors[1:]))
    assert errors[-1] < 1e-9
    # the error of the rank-k reconstruction is the variance left in the other components
    k = 5
    left = pca.explained_variance[k:].sum().item() * (300 - 1) / 300 / 20
    assert pca.mse(data, k) == pytest.approx(left, rel=1e-3)


def test_encode_decode_shapes_and_image_input():
    images = torch.rand(40, 1, 28, 28, generator=torch.Generator().manual_seed(2))
    pca = ae.PCA.fit(images)
    z = pca.encode(images, 3)
    assert z.shape == (40, 3)
    assert pca.decode(z).shape == (40, 784)
    assert pca.reconstruct(images, 3).shape == images.shape


def test_pca_input_errors(data):
    pca = ae.PCA.fit(data)
    with pytest.raises(ValueError, match="k must be between 1 and 20"):
        pca.encode(data, 0)
    with pytest.raises(ValueError, match="k must be between 1 and 20"):
        pca.reconstruct(data, 21)
    with pytest.raises(ValueError, match="fitted on 20"):
        pca.encode(torch.randn(4, 19), 2)
    with pytest.raises(ValueError, match="at least 2 samples"):
        ae.PCA.fit(torch.randn(1, 5))
    with pytest.raises(ValueError, match="batch of samples"):
        ae.PCA.fit(torch.randn(5))


def test_principal_angles_of_equal_rotated_and_orthogonal_subspaces():
    g = torch.Generator().manual_seed(3)
    a = torch.randn(30, 4, generator=g)
    mix = torch.randn(4, 4, generator=g)  # any invertible mix spans the same subspace
    assert torch.allclose(ae.principal_angles(a, a @ mix), torch.ones(4), atol=1e-5)
    q, _ = torch.linalg.qr(torch.randn(30, 6, generator=g))
    assert torch.allclose(ae.principal_angles(q[:, :3], q[:, 3:]), torch.zeros(3), atol=1e-6)
    # one shared direction, one orthogonal: cosines 1 and 0, largest first
    assert torch.allclose(
        ae.principal_angles(q[:, [0, 1]], q[:, [0, 2]]), torch.tensor([1.0, 0.0]), atol=1e-6
    )


def test_principal_angles_input_errors():
    with pytest.raises(ValueError, match="same D"):
        ae.principal_angles(torch.randn(5, 2), torch.randn(6, 2))
