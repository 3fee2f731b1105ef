"""The paper's experiments as functions (sk_consae.paper.experiments) on real data."""

import numpy as np
import pytest

from sk_consae import ConservativeFieldExtractor, UntiedAutoEncoder
from sk_consae.paper.experiments import (
    PAPER_TABLE2,
    conservative_recovery,
    polynomial_gradient_projection,
)


@pytest.mark.slow
def test_algorithm_1_ranking_rises_with_beta_on_digits():
    result = conservative_recovery(
        n_field_samples=3000,
        autoencoder=UntiedAutoEncoder(64, max_epochs=30),
        extractor=ConservativeFieldExtractor(64, weight_tying="tied", max_epochs=30),
        random_state=0,
    )
    ranking = result.ranking
    assert result.betas.tolist() == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert ranking[-1] > 0.95
    assert np.all(np.diff(ranking) > -0.02) and ranking[-1] - ranking[0] > 0.2
    assert result.field_r2[-1] > 0.95  # a conservative field is recovered almost fully
    assert result.trained_ranking > 0.95
    assert result.paper == PAPER_TABLE2["tied"]


def test_polynomial_projection_keeps_polynomial_gradients_and_is_orthogonal():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (400, 2))
    x, y = X[:, 0], X[:, 1]
    gradient = np.c_[3 * x**2 * y - 2 * y**3, x**3 - 6 * x * y**2]  # of x^3 y - 2 x y^3
    np.testing.assert_allclose(polynomial_gradient_projection(X, gradient, 6), gradient, atol=1e-10)
    V = np.c_[np.sin(3 * y), np.cos(2 * x) * x]
    residual = V - polynomial_gradient_projection(X, V, 6)
    # Orthogonal to every basis gradient, e.g. grad(x y^2) = (y^2, 2 x y).
    assert abs(np.sum(residual * np.c_[y**2, 2 * x * y])) < 1e-8
    assert abs(np.sum(residual * np.c_[np.ones_like(x), np.zeros_like(x)])) < 1e-8
