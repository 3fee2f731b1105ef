"""sk_consae.metrics against dense Jacobians, analytic fields and scorers."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sk_consae import ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae._maths.jacobian import dense_curl
from sk_consae.datasets import salt_and_pepper, spiral_sink_field
from sk_consae.metrics import (
    curl,
    energy_ranking,
    grid_curl,
    jacobian_symmetricity,
    symmetricity,
    weight_symmetricity,
)

from ._helpers import (
    ACTIVATION_NAMES,
    TYINGS,
    autograd_jacobians,
    field_shapes,
    random_field,
    random_points,
)


@pytest.fixture(scope="module")
def fitted(digits):
    return UntiedAutoEncoder(n_components=24, max_epochs=5, random_state=0).fit(digits)


@given(
    shape=field_shapes, tying=st.sampled_from(TYINGS), activation=st.sampled_from(ACTIVATION_NAMES)
)
def test_closed_form_symmetricity_and_curl_match_autograd(shape, tying, activation):
    seed, D, H, n = shape
    field = random_field(seed, D, H, activation, tying)
    X = random_points(seed, n, D)
    J = autograd_jacobians(field, X)
    sym = field.symmetricity_rows(X)
    torch.testing.assert_close(
        sym, torch.as_tensor(symmetricity(J.numpy())).reshape(n), rtol=0, atol=1e-8
    )
    assert ((sym >= 0) & (sym <= 1)).all()
    expected_curl = dense_curl(J) if D > 1 else torch.zeros(n, dtype=torch.float64)
    torch.testing.assert_close(field.curl_rows(X), expected_curl, rtol=1e-8, atol=1e-8)
    if tying != "untied":
        assert (sym == 1).all()


def test_symmetricity_of_matrices():
    rng = np.random.RandomState(0)
    A = rng.randn(10, 5, 5)
    values = symmetricity(A)
    assert values.shape == (10,) and ((0 <= values) & (values <= 1)).all()
    np.testing.assert_allclose(symmetricity(A + A.transpose(0, 2, 1)), 1.0)
    np.testing.assert_allclose(symmetricity(A - A.transpose(0, 2, 1)), 0.0, atol=1e-8)
    assert isinstance(symmetricity(A[0]), float)
    with pytest.raises(ValueError, match=r"shape \(3, 4\)"):
        symmetricity(np.ones((3, 4)))


def test_analytic_spiral_sink_has_curl_minus_two_by_finite_differences():
    X = np.random.RandomState(0).uniform(-3, 3, size=(200, 2))
    np.testing.assert_allclose(curl(spiral_sink_field, X), -2.0, rtol=0, atol=1e-7)


def test_callable_curl_in_3d_is_the_curl_vector_norm():
    omega = np.array([0.3, -1.0, 2.0])  # v = omega x x has curl 2 omega
    X = np.random.RandomState(1).randn(30, 3)
    np.testing.assert_allclose(
        curl(lambda Z: np.cross(omega, Z), X), 2 * np.linalg.norm(omega), atol=1e-7
    )


def test_grid_curl_is_minus_two_on_a_100_by_100_grid_including_edges():
    axis = np.linspace(-1, 1, 100)
    gx, gy = np.meshgrid(axis, axis)
    V = spiral_sink_field(np.c_[gx.ravel(), gy.ravel()]).reshape(100, 100, 2)
    result = grid_curl(V, spacing=axis[1] - axis[0])
    assert result.shape == (100, 100)
    np.testing.assert_allclose(result, -2.0, rtol=0, atol=1e-10)


def test_grid_curl_axis_order_and_3d():
    # V = (0, x^2): curl = 2x, varying along columns only.
    x, y = np.linspace(0, 1, 11), np.linspace(0, 2, 21)
    gx, gy = np.meshgrid(x, y)
    V = np.stack([np.zeros_like(gx), gx**2], axis=-1)
    np.testing.assert_allclose(grid_curl(V, spacing=(0.1, 0.1)), 2 * gx, atol=1e-10)
    z = np.linspace(-1, 1, 7)
    gx, gy, gz = np.meshgrid(z, z, z, indexing="xy")
    gx, gy, gz = (a.transpose(2, 0, 1) for a in (gx, gy, gz))  # to (z, y, x) axes
    V = np.stack([-gy, gx, np.zeros_like(gx)], axis=-1)  # rotation about z: curl (0, 0, 2)
    np.testing.assert_allclose(
        grid_curl(V, spacing=z[1] - z[0]), np.broadcast_to([0, 0, 2.0], V.shape), atol=1e-10
    )
    with pytest.raises(ValueError, match="expected"):
        grid_curl(np.ones((5, 5, 3)))


@pytest.mark.parametrize("tying", TYINGS)
def test_estimator_curl_matches_finite_differences_in_2d(tying):
    X = np.random.RandomState(0).randn(200, 2) * 0.4
    ae = UntiedAutoEncoder(
        n_components=20, weight_tying=tying, activation="tanh", max_epochs=5, random_state=0
    ).fit(X)
    closed = curl(ae, X[:20])
    numeric = curl(ae.vector_field, X[:20])
    np.testing.assert_allclose(closed, numeric, atol=1e-6)
    if tying != "untied":
        assert (closed == 0).all()


def test_jacobian_and_weight_symmetricity_on_estimators(fitted, digits):
    dense = symmetricity(fitted.jacobian(digits[:50])).mean()
    assert jacobian_symmetricity(fitted, digits[:50]) == pytest.approx(dense, abs=1e-10)
    W, R = fitted.encoder_weights_.astype(float), fitted.decoder_weights_.astype(float)
    assert weight_symmetricity(fitted) == pytest.approx(symmetricity(R @ W.T), abs=1e-10)
    tied = UntiedAutoEncoder(
        n_components=8, weight_tying="scaled", max_epochs=2, random_state=0
    ).fit(digits)
    assert jacobian_symmetricity(tied, digits) == 1.0
    assert weight_symmetricity(tied) == pytest.approx(1.0, abs=1e-12)
    big_curl = curl(fitted, digits[:10])
    dense_curl_values = np.linalg.norm(
        fitted.jacobian(digits[:10]) - fitted.jacobian(digits[:10]).transpose(0, 2, 1), axis=(1, 2)
    ) / np.sqrt(2)
    np.testing.assert_allclose(big_curl, dense_curl_values, rtol=1e-6)


def test_metrics_work_as_grid_search_scorers(digits):
    pipe = make_pipeline(
        MinMaxScaler(), UntiedAutoEncoder(n_components=8, max_epochs=2, random_state=0)
    )
    search = GridSearchCV(
        pipe,
        {"untiedautoencoder__weight_tying": ["untied", "scaled"]},
        scoring={"jac": jacobian_symmetricity, "weights": weight_symmetricity, "mse": None},
        refit="jac",
        cv=2,
    ).fit(digits)
    scores = search.cv_results_["mean_test_jac"]
    assert scores[1] == 1.0 and 0 < scores[0] < 1
    assert search.best_params_["untiedautoencoder__weight_tying"] == "scaled"
    assert np.all(search.cv_results_["mean_test_weights"] <= 1.0)


def test_metrics_reject_foreign_estimators(digits):
    from sklearn.decomposition import PCA

    with pytest.raises(TypeError, match="PCA"):
        jacobian_symmetricity(PCA().fit(digits), digits)
    with pytest.raises(TypeError, match="callable"):
        curl(42, digits)


def test_callable_returning_the_wrong_shape_is_named():
    with pytest.raises(
        ValueError, match=r"field returned shape \(5,\) for (X|points) of shape \(5, 2\)"
    ):
        curl(lambda X: X[:, 0], np.ones((5, 2)))


@pytest.mark.parametrize("cls", [UntiedAutoEncoder, ContractiveAutoEncoder])
def test_tied_sigmoid_energy_ranks_clean_digits_above_corrupted_ones(cls, digits):
    ae = cls(n_components=64, weight_tying="tied", max_epochs=30, random_state=0).fit(digits)
    corrupted = salt_and_pepper(digits, 0.2, random_state=0)
    assert energy_ranking(ae, digits, corrupted) > 0.95


def test_energy_ranking_needs_paired_rows(fitted, digits):
    with pytest.raises(ValueError, match="row by row"):
        energy_ranking(fitted, digits[:10], digits[:11])


@pytest.mark.parametrize("tying", ["untied", "tied"])
def test_qcsbm_asymmetry_matches_dense_jacobians(tying, digits):
    from sk_consae.metrics import jacobian_asymmetry

    X = digits[:40, :12]
    model = UntiedAutoEncoder(9, weight_tying=tying, max_epochs=3, random_state=0).fit(X)
    J = model.jacobian(X)  # exact, (n, D, D)
    antisymmetric = ((J - np.swapaxes(J, 1, 2)) ** 2).sum((1, 2))
    frobenius = (J**2).sum((1, 2))
    expected_asym = np.mean(antisymmetric / 2)
    expected_nasym = np.mean(antisymmetric / (4 * frobenius))
    assert jacobian_asymmetry(model, X) == pytest.approx(expected_asym, rel=1e-6, abs=1e-10)
    got = jacobian_asymmetry(model, X, normalize=True)
    assert got == pytest.approx(expected_nasym, rel=1e-6, abs=1e-10)
    if tying == "tied":
        assert got == 0.0
    else:
        # NAsym = 1 - sym^2 per sample, so its mean is below 1 - mean(sym)^2.
        from sk_consae.metrics import jacobian_symmetricity

        assert got <= 1 - jacobian_symmetricity(model, X) ** 2 + 1e-12
