"""Label-free model selection: the denoising ``score``, the Hyvärinen score, the fitted
temperature and energies in log-density units, checked against independent
computations."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import GridSearchCV

from sk_consae import ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae._maths.score_matching import (
    denoised_fraction,
    fitted_temperature,
    hyvarinen_scores,
    hyvarinen_terms,
    row_noise,
)
from sk_consae._outliers import reference_noise
from sk_consae.metrics import hyvarinen_score, reconstruction_score

RNG = np.random.default_rng(0)
GAUSSIAN = RNG.normal(size=(1500, 2))


def linear_tied_model(X, precision_scale):
    """A tied linear auto-encoder, set by hand, whose field is ``-precision_scale * x``
    (a scalar or one value per feature): r(x) = W W^T x with W W^T = I -
    diag(precision_scale). Its log-density at temperature 1 is
    ``-sum(precision_scale * x**2) / 2``."""
    model = UntiedAutoEncoder(
        2, activation="linear", weight_tying="tied", max_epochs=1, random_state=0
    ).fit(X)
    module = model.net_.module_
    weight = np.diag(np.sqrt(1 - np.broadcast_to(precision_scale, 2)))
    with torch.no_grad():
        module.encoder_weight.copy_(torch.as_tensor(weight))
        module.encoder_bias.zero_()
        module.decoder_bias.zero_()
    model.temperature_ = 1.0
    return model


def test_the_true_parameters_score_above_perturbed_ones():
    # N(0, I) has the score -x: the model with field -x is the true one.
    held_out = RNG.normal(size=(4000, 2))
    scores = {c: hyvarinen_score(linear_tied_model(GAUSSIAN, c), held_out) for c in (0.5, 0.8, 1.0)}
    assert scores[1.0] > scores[0.8] > scores[0.5]
    # Closed form at temperature 1: -E[c^2 |x|^2 / 2 - 2 c] = 2c - c^2 (D = 2).
    for c, value in scores.items():
        assert value == pytest.approx(2 * c - c**2, abs=0.08)


def test_fitted_temperature_recovers_a_gaussian_log_density():
    # Field -c x: a = c^2 m / 2 with m = mean |x|^2, b = -c D, so T* = c m / D, which
    # is c for N(0, I) data (m -> D), and F / T* is then log N(0, I) up to a constant.
    second_moment = np.mean((GAUSSIAN**2).sum(1))
    for c in (0.1, 0.5):
        field = linear_tied_model(GAUSSIAN, c)._field(torch.float64)
        terms = hyvarinen_terms(field, torch.as_tensor(GAUSSIAN)).numpy()
        temperature = fitted_temperature(*terms.mean(0))
        assert temperature == pytest.approx(c * second_moment / 2, rel=1e-5)  # float32 W
        assert temperature == pytest.approx(c, rel=0.05)


def test_fitted_temperature_of_a_field_that_does_not_contract_is_one():
    assert fitted_temperature(1.0, 0.5) == 1.0
    assert fitted_temperature(0.0, -1.0) == 1.0
    assert fitted_temperature(2.0, -1.0) == 4.0


@settings(max_examples=20, deadline=None)
@given(T=st.floats(0.01, 100.0))
def test_hyvarinen_scores_are_the_objective_at_that_temperature(T):
    terms = np.abs(RNG.normal(size=(50, 2))) * [1, -1]
    assert np.allclose(hyvarinen_scores(terms, T), -(terms[:, 0] / T**2 + terms[:, 1] / T))


def test_denoising_score_ranks_the_smoothed_density_above_perturbed_ones():
    # N(0, diag(1, 0.09)) smoothed by the reference noise sigma is N(0, diag(1, 0.09)
    # + sigma^2 I): score ranks the field of that density (any scale) above fields
    # with other precision ratios.
    scales = np.array([1.0, 0.3])
    held_out = RNG.normal(size=(4000, 2)) * scales
    sigma = reference_noise(held_out)
    true_precision = 1 / (scales**2 + sigma**2)
    ratio = true_precision[1] / true_precision[0]
    scores = {
        factor: linear_tied_model(held_out, 0.08 * np.array([1.0, ratio * factor])).score(held_out)
        for factor in (0.5, 0.8, 1.0, 1.25, 2.0)
    }
    assert max(scores, key=scores.get) == 1.0, scores
    assert scores[0.8] > scores[0.5] and scores[1.25] > scores[2.0]
    # Free of the field's scale: the same precision ratio at another scale.
    rescaled = linear_tied_model(held_out, 0.03 * np.array([1.0, ratio]))
    assert rescaled.score(held_out) == pytest.approx(scores[1.0], rel=1e-3)


def test_denoising_score_agrees_with_a_least_squares_fit_of_the_noise():
    # Independent of the closed form B^2 / (AC): regress the noise on the field at the
    # noisy rows (one scale, no intercept) and take 1 - residual / total.
    X = RNG.normal(size=(300, 3))
    model = UntiedAutoEncoder(8, max_epochs=5, random_state=0).fit(X)
    sigma = reference_noise(X)
    offsets = list(sigma * row_noise(0, X.shape[0], X.shape[1], 4).numpy())
    v = np.concatenate([model.reconstruct(X + o) - (X + o) for o in offsets])
    noise = np.concatenate(offsets)
    scale = -np.sum(v * noise) / np.sum(v * v)
    expected = 1 - np.sum((noise + scale * v) ** 2) / np.sum(noise**2)
    assert model.score(X) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="at least 2 samples"):
        model.score(X[:1])


@settings(max_examples=30, deadline=None)
@given(
    A=st.floats(1e-3, 1e3),
    cosine=st.floats(-1.0, 1.0),
    C=st.floats(1e-3, 1e3),
    scale=st.floats(1e-3, 1e3),
)
def test_denoised_fraction_is_a_scale_free_fraction(A, cosine, C, scale):
    B = cosine * np.sqrt(A * C)  # Cauchy-Schwarz bounds |B| by sqrt(AC)
    fraction = denoised_fraction(A, B, C)
    assert 0.0 <= fraction <= 1.0
    assert fraction == (pytest.approx(cosine**2) if cosine < 0 else 0.0)
    assert denoised_fraction(scale**2 * A, scale * B, C) == pytest.approx(fraction)
    assert denoised_fraction(0.0, 0.0, C) == 0.0


def test_score_is_invariant_to_a_constant_added_to_the_energy():
    # The score reads the field and its divergence, never F: moving the origin of an
    # untied model's line integral moves every energy, not the score.
    model = UntiedAutoEncoder(8, max_epochs=3, random_state=0).fit(GAUSSIAN)
    before, energies = model.score(GAUSSIAN[:100]), model.score_samples(GAUSSIAN[:100])
    model.energy_origin_ = model.energy_origin_ + 0.5
    assert not np.allclose(model.score_samples(GAUSSIAN[:100]), energies)
    assert model.score(GAUSSIAN[:100]) == before


@pytest.mark.parametrize("hidden_layer_sizes", [(), (6,), (5, 4)])
@pytest.mark.parametrize("weight_tying", ["untied", "scaled"])
def test_trace_and_score_agree_with_autograd(hidden_layer_sizes, weight_tying):
    X = RNG.normal(size=(300, 3))
    model = UntiedAutoEncoder(
        7,
        hidden_layer_sizes=hidden_layer_sizes,
        weight_tying=weight_tying,
        activation="softplus",
        max_epochs=3,
        random_state=0,
    ).fit(X)
    field = model._field(torch.float64)
    rows = torch.as_tensor(X[:20])
    jacobians = torch.func.vmap(torch.func.jacrev(lambda x: field.reconstruct(x[None])[0]))(rows)
    trace = torch.diagonal(jacobians, dim1=1, dim2=2).sum(1)
    assert torch.allclose(field.jacobian_trace(rows), trace, atol=1e-10)
    v = field.vector_field(rows)
    T = model.temperature_
    expected = -(0.5 * (v * v).sum(1) / T**2 + (trace - 3) / T).mean()
    assert hyvarinen_score(model, X[:20]) == pytest.approx(float(expected), rel=1e-6)
    assert 0.0 <= model.score(X) <= 1.0


def test_hutchinson_trace_is_unbiased_for_deep_fields():
    X = RNG.normal(size=(200, 5))
    model = UntiedAutoEncoder(8, hidden_layer_sizes=(6,), max_epochs=2, random_state=0).fit(X)
    field = model._field(torch.float64)
    rows = torch.as_tensor(X[:10])
    exact = field.jacobian_trace(rows)
    estimate = field.jacobian_trace(rows, 4000, torch.Generator().manual_seed(0))
    assert torch.allclose(estimate, exact, atol=0.1)


def test_score_works_on_the_contractive_model_and_in_grid_search():
    X = RNG.normal(size=(400, 4))
    cae = ContractiveAutoEncoder(8, max_epochs=3, random_state=0).fit(X)
    assert np.isfinite(cae.score(X)) and cae.temperature_ > 0
    assert np.isfinite(hyvarinen_score(cae, X))
    search = GridSearchCV(
        UntiedAutoEncoder(max_epochs=5, random_state=0), {"noise": [0.0, 0.5]}, cv=2
    ).fit(X)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_score_prefers_a_denoising_model_to_the_identity_map():
    # The reconstruction error picks the model closest to the identity (the old
    # score's failure); both score-matching criteria pick the model whose energy has
    # shape.
    X = RNG.normal(size=(1500, 2)) * [1.0, 0.3]
    held_out = RNG.normal(size=(1500, 2)) * [1.0, 0.3]
    params = dict(n_components=32, max_epochs=40, random_state=0)
    identity_like = UntiedAutoEncoder(noise=0.0, **params).fit(X)
    denoising = UntiedAutoEncoder(noise="auto", **params).fit(X)
    assert reconstruction_score(identity_like, held_out) > reconstruction_score(denoising, held_out)
    assert denoising.score(held_out) > identity_like.score(held_out)
    assert hyvarinen_score(denoising, held_out) > hyvarinen_score(identity_like, held_out)


def test_energies_of_different_noise_levels_share_one_scale():
    # Isotropic Gaussian data: a denoising field at noise sigma is
    # -sigma^2 / (1 + sigma^2) x, so F grows with sigma while F / temperature_ is
    # log N(0, I) for every sigma. Stated tolerance: the slope of score_samples
    # against the true log-density is within 15% of 1 for noise 0.3 to 1.0, while the
    # raw energies' slopes differ by a factor above 4.
    X = RNG.normal(size=(4000, 2))
    grid = RNG.normal(size=(500, 2))
    true = -0.5 * (grid**2).sum(1)
    slopes, raw = [], []
    for noise in (0.3, 0.6, 1.0):
        model = UntiedAutoEncoder(noise=noise, max_epochs=60, random_state=0).fit(X)
        scores = model.score_samples(grid)
        slopes.append(np.polyfit(true, scores, 1)[0])
        raw.append(slopes[-1] * model.temperature_)
    assert np.allclose(slopes, 1.0, atol=0.15), slopes
    assert max(raw) / min(raw) > 4, raw


def test_score_samples_is_the_energy_divided_by_the_temperature():
    X = RNG.normal(size=(300, 3))
    model = UntiedAutoEncoder(8, weight_tying="tied", max_epochs=3, random_state=0).fit(X)
    field = model._field(torch.float64)
    origin = torch.as_tensor(model.energy_origin_)
    energies = field.energy(torch.as_tensor(X), origin).numpy()
    assert np.allclose(model.score_samples(X), energies / model.temperature_)
    contributions = model.energy_contributions(X[:5])
    drop = model.score_samples(X[:5]) - model.score_samples(model.energy_origin_[None])
    assert np.allclose(contributions.sum(1), drop, atol=1e-8)


def test_reconstruction_score_is_the_negative_mean_squared_error():
    X = RNG.normal(size=(200, 3))
    model = UntiedAutoEncoder(8, max_epochs=3, random_state=0).fit(X)
    expected = -np.mean(((model.reconstruct(X) - X) ** 2).sum(1))
    assert reconstruction_score(model, X) == pytest.approx(expected)
    with pytest.raises(ValueError, match="needs X"):
        reconstruction_score(model, None)
    with pytest.raises(TypeError, match="sk_consae estimator"):
        reconstruction_score(object(), X)


def test_hyvarinen_score_needs_an_auto_encoder():
    from sk_consae import ConservativeFieldExtractor

    X = RNG.normal(size=(100, 2))
    extractor = ConservativeFieldExtractor(max_epochs=2, random_state=0).fit(X, -X)
    with pytest.raises(TypeError, match="needs an auto-encoder"):
        hyvarinen_score(extractor, X)
