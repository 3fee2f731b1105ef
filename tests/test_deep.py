"""Deep auto-encoders (hidden_layer_sizes): the maths against autograd, the estimators'
contract, and the metrics without D x D Jacobians."""

import pickle

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from sk_consae import ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae._maths import autodiff
from sk_consae._maths.activations import get_activation
from sk_consae._maths.deep import DeepField
from sk_consae._maths.jacobian import (
    antisymmetric_norm_from_norms,
    dense_curl,
    dense_symmetricity,
    symmetricity_from_norms,
)
from sk_consae._nn.module import AutoEncoderModule, DeepAutoEncoderModule
from sk_consae.callbacks import ConservativenessMonitor
from sk_consae.metrics import (
    curl,
    jacobian_asymmetry,
    jacobian_norms,
    jacobian_symmetricity,
    symmetricity,
    weight_symmetricity,
)

ACTIVATIONS = ["sigmoid", "tanh", "softplus", "relu", "linear"]
SMOOTH = ["sigmoid", "tanh", "softplus", "linear"]

architectures = st.tuples(
    st.integers(1, 5),  # D
    st.lists(st.integers(1, 6), min_size=1, max_size=3),  # hidden layers
    st.integers(1, 5),  # code
    st.integers(0, 2**31 - 1),  # seed
)


def random_field(architecture, activation, family):
    """A float64 DeepField with random weights and biases of unit scale."""
    D, hidden, code, seed = architecture
    generator = torch.Generator().manual_seed(seed)

    def layers(sizes):
        weights = tuple(
            torch.randn(a, b, generator=generator, dtype=torch.float64) / a**0.5
            for a, b in zip(sizes[:-1], sizes[1:])
        )
        biases = tuple(torch.randn(b, generator=generator, dtype=torch.float64) for b in sizes[1:])
        return weights, biases

    sizes = [D, *hidden, code]
    encoder = layers(sizes)
    if family == "untied":
        return DeepField(*encoder, *layers(sizes[::-1]), get_activation(activation), None)
    c = torch.randn(D, generator=generator, dtype=torch.float64)
    s = torch.randn(code, generator=generator, dtype=torch.float64)
    return DeepField(*encoder, (), (c,), get_activation(activation), s)


def points(architecture, n=7):
    generator = torch.Generator().manual_seed(architecture[3] + 1)
    return torch.randn(n, architecture[0], generator=generator, dtype=torch.float64)


# --- the maths ----------------------------------------------------------------------------


@given(architecture=architectures, activation=st.sampled_from(ACTIVATIONS))
def test_the_gradient_family_has_a_symmetric_jacobian_and_its_energy_is_exact(
    architecture, activation
):
    field = random_field(architecture, activation, "gradient")
    X = points(architecture)
    J = field.jacobian(X)
    assert torch.allclose(J, J.transpose(1, 2), atol=1e-6)
    X_grad = X.clone().requires_grad_()
    (gradient,) = torch.autograd.grad(field.energy(X_grad, None).sum(), X_grad)
    assert torch.allclose(gradient, field.reconstruct(X) - X, atol=1e-6)


@given(architecture=architectures, activation=st.sampled_from(SMOOTH))
def test_the_line_integral_of_a_gradient_model_is_its_exact_energy(architecture, activation):
    field = random_field(architecture, activation, "gradient")
    X, origin = points(architecture), points(architecture, 1)[0]
    line = field.segment_energy(X, origin, n_nodes=64)
    exact = field.energy(X, None) - field.energy(origin[None], None)
    assert torch.allclose(line, exact, atol=1e-6, rtol=0)


@given(
    architecture=architectures,
    activation=st.sampled_from(["relu", "linear"]),
    scale=st.sampled_from([1.0, 10.0]),
)
def test_piecewise_linear_line_integrals_are_exact_between_kinks(architecture, activation, scale):
    # No quadrature error across ReLU kinks: piece by piece, the exact energy difference.
    field = random_field(architecture, activation, "gradient")
    X, origin = scale * points(architecture), points(architecture, 1)[0]
    line = field.segment_energy(X, origin, n_nodes=None)
    exact = field.energy(X, None) - field.energy(origin[None], None)
    assert torch.allclose(line, exact, atol=1e-9 * scale**2, rtol=1e-10)
    contributions = field.energy_contributions(X, origin, n_nodes=None)
    assert torch.allclose(contributions.sum(1), line, atol=1e-12 * scale**2, rtol=1e-12)


def test_exact_line_integrals_need_piecewise_linear_units():
    field = random_field((2, [3], 2, 0), "tanh", "gradient")
    with pytest.raises(ValueError, match="piecewise-linear units; 'tanh' is smooth"):
        field.segment_energy(points((2, [3], 2, 0)), torch.zeros(2), n_nodes=None)


def test_one_layer_gradient_family_is_the_scaled_model():
    from sk_consae._maths.one_layer import OneLayerField

    deep = random_field((4, [3], 5, 0), "sigmoid", "gradient")
    # Strip the hidden layer: one encoder layer of 4 x 5 units.
    W = torch.randn(4, 5, dtype=torch.float64)
    b, c, s = torch.randn(5, dtype=torch.float64), deep.decoder_biases[0], deep.potential_scale
    one = DeepField((W,), (b,), (), (c,), deep.activation, s)
    scaled = OneLayerField(W, b, W * s, c, deep.activation, s)
    X = points((4, [], 5, 3))
    assert torch.allclose(one.reconstruct(X), scaled.reconstruct(X))
    assert torch.allclose(one.energy(X, None), scaled.closed_form_energy(X))


@given(
    architecture=architectures,
    activation=st.sampled_from(ACTIVATIONS),
    family=st.sampled_from(["untied", "gradient"]),
)
def test_exact_norms_from_jvp_and_vjp_equal_dense_autograd_jacobians(
    architecture, activation, family
):
    field = random_field(architecture, activation, family)
    X = points(architecture)
    J = field.jacobian(X)
    frobenius_sq, trace_sq, _, _ = autodiff.jacobian_norms(field.reconstruct, X, chunk=2)
    assert torch.allclose(frobenius_sq, (J * J).sum((1, 2)), atol=1e-8, rtol=0)
    assert torch.allclose(trace_sq, (J * J.transpose(1, 2)).sum((1, 2)), atol=1e-8, rtol=0)


@given(architecture=architectures, activation=st.sampled_from(SMOOTH))
def test_symmetricity_and_curl_from_products_equal_dense_jacobians(architecture, activation):
    field = random_field(architecture, activation, "untied")
    X = points(architecture)
    J = field.jacobian(X)
    norms = field.jacobian_norms(X)[:2]
    assert torch.allclose(symmetricity_from_norms(*norms), dense_symmetricity(J), atol=1e-8)
    if X.shape[1] > 2:  # beyond 2-D the curl is ||J - J^T||_F / sqrt 2
        assert torch.allclose(antisymmetric_norm_from_norms(*norms), dense_curl(J), atol=1e-8)


@pytest.mark.parametrize("seed", range(5))
def test_hutchinson_estimates_are_within_three_standard_errors(seed):
    field = random_field((6, [5, 4], 3, seed), "tanh", "untied")
    X = points((6, [], 3, seed), n=20)
    exact_frobenius, exact_trace, _, _ = field.jacobian_norms(X)
    generator = torch.Generator().manual_seed(seed)
    frobenius, trace, frobenius_se, trace_se = field.jacobian_norms(X, 64, generator)
    # The mean over rows, with the standard error of that mean.
    for estimate, error, exact in (
        (frobenius, frobenius_se, exact_frobenius),
        (trace, trace_se, exact_trace),
    ):
        standard_error = float(torch.sqrt((error**2).sum()) / len(X))
        assert abs(float(estimate.mean() - exact.mean())) < 3 * standard_error
    # Rademacher probes recover the squared norm of a diagonal J exactly: a sanity
    # check that errors are not inflated to hide a bias.
    assert (frobenius_se > 0).all()


# --- the estimators ----------------------------------------------------------------------


@pytest.mark.parametrize("cls", [UntiedAutoEncoder, ContractiveAutoEncoder])
def test_no_hidden_layers_is_bit_identical_to_the_one_layer_model(cls, few_digits):
    one = cls(8, max_epochs=3, random_state=0).fit(few_digits)
    empty = cls(8, hidden_layer_sizes=(), max_epochs=3, random_state=0).fit(few_digits)
    assert type(empty.net_.module_) is AutoEncoderModule
    for name in ("encoder_weights_", "decoder_weights_", "encoder_bias_", "decoder_bias_"):
        np.testing.assert_array_equal(getattr(one, name), getattr(empty, name))
    np.testing.assert_array_equal(one.score_samples(few_digits), empty.score_samples(few_digits))


@pytest.mark.parametrize("tying", ["untied", "tied", "scaled"])
@pytest.mark.parametrize("cls", [UntiedAutoEncoder, ContractiveAutoEncoder])
def test_deep_models_answer_every_method(cls, tying, few_digits):
    X = few_digits.astype(np.float64)
    ae = cls(6, hidden_layer_sizes=(10, 8), weight_tying=tying, max_epochs=2, random_state=0)
    ae.fit(X)
    assert isinstance(ae.net_.module_, DeepAutoEncoderModule)
    assert ae.transform(X[:5]).shape == (5, 6)
    assert ae.reconstruct(X[:5]).shape == X[:5].shape
    np.testing.assert_allclose(ae.vector_field(X[:5]), ae.reconstruct(X[:5]) - X[:5])
    parameters = ae.field_parameters_
    assert parameters.hidden_layer_sizes == (10, 8)
    assert [w.shape for w in parameters.encoder_weight] == [(64, 10), (10, 8), (8, 6)]
    contributions = ae.energy_contributions(X[:5])
    drop = ae.score_samples(X[:5]) - ae.score_samples(ae.energy_origin_[None])
    if tying == "untied":  # the energy is the quadrature: the split is exact
        np.testing.assert_allclose(contributions.sum(1), drop, atol=1e-8)
    else:  # exact energy; ReLU kinks limit the quadrature of the split
        np.testing.assert_allclose(contributions.sum(1), drop, rtol=0.02, atol=1e-3)
    assert np.isin(ae.predict(X[:5]), [-1, 1]).all()


def test_deep_gradient_energy_is_the_potential_and_rises_towards_the_data(few_digits):
    X = few_digits.astype(np.float64)
    ae = UntiedAutoEncoder(
        16,
        hidden_layer_sizes=(32,),
        weight_tying="scaled",
        activation="softplus",
        max_epochs=30,
        random_state=0,
    ).fit(X)
    # grad F = r(x) - x, by central differences on the fitted model (score_samples is
    # F / temperature_).
    x, step = X[:1], 1e-5
    for j in (0, 20, 40):
        e = np.zeros_like(x)
        e[0, j] = step
        slope = (ae.score_samples(x + e) - ae.score_samples(x - e)) / (2 * step)
        slope *= ae.temperature_
        np.testing.assert_allclose(slope, ae.vector_field(x)[:, j], atol=1e-6)
    noise = np.random.default_rng(0).uniform(0, 1, X.shape)
    assert (ae.score_samples(X) > ae.score_samples(noise)).mean() > 0.95


def test_weight_length_holds_every_unit_of_every_layer(few_digits):
    ae = UntiedAutoEncoder(4, hidden_layer_sizes=(6, 5), weight_length=1.5, max_epochs=2)
    parameters = ae.fit(few_digits).field_parameters_
    for weight in [*parameters.encoder_weight, *parameters.decoder_weight]:
        np.testing.assert_allclose(np.linalg.norm(weight, axis=0), 1.5, rtol=1e-5)


def test_a_deep_tied_model_cannot_decode_codes_alone(few_digits):
    ae = UntiedAutoEncoder(6, hidden_layer_sizes=(8,), weight_tying="tied", max_epochs=1).fit(
        few_digits
    )
    with pytest.raises(ValueError, match="cannot be decoded"):
        ae.inverse_transform(ae.transform(few_digits[:2]))


def test_a_deep_untied_model_decodes_its_codes(few_digits):
    ae = UntiedAutoEncoder(6, hidden_layer_sizes=(8,), max_epochs=1, random_state=0)
    ae.fit(few_digits)
    decoded = ae.inverse_transform(ae.transform(few_digits[:4]))
    np.testing.assert_allclose(decoded, ae.reconstruct(few_digits[:4]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bad", [(0,), (3, -1), ("a",), (2.5,), 3, (True,)])
def test_bad_hidden_layer_sizes_are_named(bad, few_digits):
    ae = UntiedAutoEncoder(4, hidden_layer_sizes=bad, max_epochs=1)
    with pytest.raises((ValueError, TypeError), match="hidden_layer_sizes"):
        ae.fit(few_digits)
    assert not hasattr(ae, "net_")


def test_continuing_training_needs_the_same_layers(few_digits):
    ae = UntiedAutoEncoder(4, hidden_layer_sizes=(6,), max_epochs=1, warm_start=True).fit(
        few_digits
    )
    before = ae.field_parameters_
    ae.set_params(hidden_layer_sizes=(7,))
    with pytest.raises(ValueError, match="hidden_layer_sizes changed from"):
        ae.fit(few_digits)
    for old, new in zip(before.encoder_weight, ae.field_parameters_.encoder_weight):
        np.testing.assert_array_equal(old, new)
    ae.set_params(hidden_layer_sizes=(6,)).partial_fit(few_digits)  # same layers: continues


@pytest.mark.parametrize("tying", ["untied", "scaled"])
def test_deep_models_survive_pickling_and_skops(tying, few_digits, tmp_path):
    sio = pytest.importorskip("skops.io")
    ae = ContractiveAutoEncoder(
        4, hidden_layer_sizes=(6, 5), weight_tying=tying, max_epochs=2, random_state=0
    ).fit(few_digits)
    expected = ae.score_samples(few_digits)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(ae)).score_samples(few_digits), expected
    )
    path = tmp_path / "model.skops"
    sio.dump(ae, path)
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    np.testing.assert_array_equal(loaded.score_samples(few_digits), expected)


# --- penalties -------------------------------------------------------------------------------


def test_hutchinson_penalties_are_unbiased():
    torch.manual_seed(0)
    module = DeepAutoEncoderModule(5, 3, (4,), activation="tanh", weight_tying="untied", seed=0)
    X = torch.randn(30, 5)
    field = module.field().to(dtype=torch.float64)
    J = field.jacobian(X.double())
    frobenius = (J * J).sum((1, 2)).mean()
    asymmetry = 0.5 * ((J - J.transpose(1, 2)) ** 2).sum((1, 2)).mean()
    with torch.no_grad():
        contraction = torch.stack([module.contraction(X).detach() for _ in range(400)])
        asymmetric = torch.stack([module.asymmetry(X).detach() for _ in range(400)])
    for draws, exact in ((contraction, frobenius), (asymmetric, asymmetry)):
        error = draws.std() / len(draws) ** 0.5
        assert abs(float(draws.mean()) - float(exact)) < 4 * float(error)


def test_the_asymmetry_penalty_makes_a_deep_model_more_symmetric(few_digits):
    def fitted(penalty):
        return UntiedAutoEncoder(
            12,
            hidden_layer_sizes=(16,),
            activation="sigmoid",
            asymmetry_penalty=penalty,
            max_epochs=40,
            random_state=0,
        ).fit(few_digits)

    assert jacobian_symmetricity(fitted(1.0), few_digits) > jacobian_symmetricity(
        fitted(0.0), few_digits
    )


# --- metrics ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deep_untied(few_digits):
    return UntiedAutoEncoder(
        6, hidden_layer_sizes=(8,), activation="tanh", max_epochs=3, random_state=0
    ).fit(few_digits)


def test_metrics_of_a_deep_model_equal_dense_jacobians(deep_untied, few_digits):
    X = few_digits[:25].astype(np.float64)
    J = deep_untied.jacobian(X)
    assert jacobian_symmetricity(deep_untied, X) == pytest.approx(symmetricity(J).mean(), abs=1e-8)
    asym = 0.5 * ((J - J.transpose(0, 2, 1)) ** 2).sum((1, 2))
    assert jacobian_asymmetry(deep_untied, X) == pytest.approx(asym.mean(), abs=1e-8)
    np.testing.assert_allclose(curl(deep_untied, X), np.sqrt(asym), atol=1e-6)
    norms = jacobian_norms(deep_untied, X)
    np.testing.assert_allclose(norms.frobenius_sq, (J * J).sum((1, 2)), atol=1e-8)
    assert norms.frobenius_sq_se is None


def test_hutchinson_metrics_return_standard_errors(deep_untied, few_digits):
    X = few_digits[:25].astype(np.float64)
    exact = jacobian_norms(deep_untied, X)
    estimate = jacobian_norms(deep_untied, X, n_probes=32, random_state=0)
    z = (estimate.frobenius_sq - exact.frobenius_sq) / estimate.frobenius_sq_se
    assert np.mean(np.abs(z) < 3) > 0.9
    again = jacobian_norms(deep_untied, X, n_probes=32, random_state=0)
    np.testing.assert_array_equal(again.frobenius_sq, estimate.frobenius_sq)
    with pytest.raises(ValueError, match="n_probes"):
        jacobian_norms(deep_untied, X, n_probes=1)


def test_weight_symmetricity_of_a_deep_model_is_that_of_its_linear_network(few_digits):
    ae = UntiedAutoEncoder(4, hidden_layer_sizes=(5,), activation="linear", max_epochs=2)
    ae.fit(few_digits)
    # A linear network's Jacobian is its weight product, the same at every x.
    J = ae.jacobian(few_digits[:1].astype(np.float64))[0]
    assert weight_symmetricity(ae) == pytest.approx(float(symmetricity(J)), abs=1e-6)
    scaled = ae.set_params(weight_tying="scaled").fit(few_digits)
    assert weight_symmetricity(scaled) == pytest.approx(1.0)


def test_the_monitor_records_deep_models(few_digits):
    monitor = ConservativenessMonitor(few_digits[:40])
    ae = UntiedAutoEncoder(  # the last row describes the fitted, averaged weights
        4,
        hidden_layer_sizes=(6,),
        max_epochs=2,
        ema_momentum=0.6,
        random_state=0,
        callbacks=[monitor],
    ).fit(few_digits)
    recorded = ae.history_[-1]
    assert recorded["jacobian_symmetricity"] == pytest.approx(
        jacobian_symmetricity(ae, few_digits[:40]), abs=1e-6
    )
    assert recorded["weight_symmetricity"] == pytest.approx(weight_symmetricity(ae), abs=1e-6)
    assert recorded["curl"] == pytest.approx(curl(ae, few_digits[:40]).mean(), abs=1e-6)


def test_two_dimensional_deep_curl_is_signed_and_matches_the_jacobian():
    X = np.random.default_rng(0).normal(size=(200, 2))
    ae = UntiedAutoEncoder(5, hidden_layer_sizes=(7,), max_epochs=2, random_state=0).fit(X)
    J = ae.jacobian(X[:10])
    np.testing.assert_allclose(curl(ae, X[:10]), J[:, 1, 0] - J[:, 0, 1], atol=1e-10)
