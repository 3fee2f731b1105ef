"""Far from the data the energy falls, as the denoising objective's limit does: a
ReLU auto-encoder's code units (one layer, or an untied deep model's code) saturate at
the largest activation they reached on the training rows, which bounds the
reconstruction (the limit reconstructs inside the data's hull) and changes nothing on
the training rows."""

import copy

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from sk_consae import ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae._maths.activations import saturating_relu
from sk_consae.metrics import field_energy

RNG = np.random.default_rng(0)
X = RNG.standard_t(3, size=(400, 3))


@pytest.fixture(scope="module")
def model():
    return UntiedAutoEncoder(16, max_epochs=20, random_state=0).fit(X)


def test_saturating_units_have_the_closed_forms_of_their_function():
    caps = torch.tensor([0.5, 2.0, 0.0], dtype=torch.float64)
    unit = saturating_relu(caps)
    u = torch.linspace(-3, 4, 141, dtype=torch.float64)[:, None].expand(141, 3)
    assert torch.equal(unit.function(u), torch.minimum(torch.relu(u), caps))
    step = 1e-6
    numeric = (unit.antiderivative(u + step) - unit.antiderivative(u - step)) / (2 * step)
    assert_allclose(numeric, unit.function(u), atol=1e-6)
    u0, u1 = u[:-1], 1.3 * u[1:] - 0.2
    nodes, weights = np.polynomial.legendre.leggauss(400)
    mean = sum(
        0.5 * w * unit.function(u0 + 0.5 * (t + 1) * (u1 - u0)) for t, w in zip(nodes, weights)
    )
    assert_allclose(unit.segment_mean(u0, u1), mean, atol=1e-5)


def test_nothing_changes_on_the_training_rows(model):
    unbounded = copy.deepcopy(model)
    unbounded._unit_caps = None
    assert_allclose(model.score_samples(X), unbounded.score_samples(X), rtol=1e-12)
    assert_array_equal(model.transform(X), unbounded.transform(X))
    caps = model.field_parameters_.unit_caps
    assert caps.dtype == np.float32 and np.all(model.transform(X).max(0) <= caps)


def assert_energy_falls_along(model, direction, bound, first, last):
    """Along the unit ``direction`` from the energy's origin, from ``first`` to ``last``
    times the larger of ``bound`` and the data's extent, the energy decreases."""
    direction = np.asarray(direction)
    if np.linalg.norm(direction) < 1e-3:
        return
    direction = direction / np.linalg.norm(direction)
    start = max(bound, np.abs(X - model.energy_origin_).max())
    distances = np.linspace(first * start, last * start, 50)
    ray = model.energy_origin_ + distances[:, None] * direction
    assert np.all(np.diff(model.score_samples(ray)) < 0)


@settings(max_examples=25, deadline=None)
@given(direction=st.lists(st.floats(-1, 1), min_size=3, max_size=3))
def test_the_energy_falls_along_every_ray_beyond_the_reconstructions_bound(model, direction):
    p = model.field_parameters_
    # |r(x)| <= |c| + sum_k c_k |R_k|: beyond that distance from the origin the field
    # points back along the ray, so F decreases.
    bound = np.linalg.norm(p.decoder_bias) + p.unit_caps @ np.linalg.norm(p.decoder_weight, axis=0)
    assert_energy_falls_along(model, direction, bound, 1, 20)


def test_metrics_and_the_estimator_use_the_same_saturated_field(model):
    far = X[:20] * 30
    assert_allclose(
        field_energy(model, far).energy, model.score_samples(far) * model.temperature_, rtol=1e-9
    )


def test_a_stream_keeps_the_largest_caps_so_far():
    stream = UntiedAutoEncoder(16, noise=0.3, random_state=0)
    stream.partial_fit(X[:200])
    first = stream._unit_caps.copy()
    stream.partial_fit(X[200:] * 0.1)  # a chunk of small rows
    assert np.all(stream._unit_caps >= first)  # never lowered by a later chunk
    assert np.all(stream._unit_caps >= stream.transform(X[200:] * 0.1).max(0))


@pytest.fixture(scope="module")
def deep():
    return UntiedAutoEncoder(6, hidden_layer_sizes=(16,), max_epochs=20, random_state=0).fit(X)


def interval_bound(p):
    """The largest |r(x)| over codes in [0, caps], layer by layer in NumPy: a decoder
    layer maps a box of inputs into a box of outputs (|V^T z| <= |V|^T |z|)."""
    bound = p.unit_caps.astype(np.float64)
    for V, e in zip(p.decoder_weight, p.decoder_bias):
        bound = np.abs(V).T @ bound + np.abs(e)
    return np.linalg.norm(bound)


def test_an_untied_deep_model_saturates_its_code_and_nothing_changes_on_the_data(deep):
    unbounded = copy.deepcopy(deep)
    unbounded._unit_caps = None
    assert_allclose(deep.score_samples(X), unbounded.score_samples(X), rtol=1e-6)
    caps = deep.field_parameters_.unit_caps
    assert caps.shape == (6,) and np.all(deep.transform(X).max(0) <= caps)
    far = X[:20] * 1e3
    assert np.all(deep.transform(far) <= caps)
    assert np.linalg.norm(deep.reconstruct(far), axis=1).max() <= interval_bound(
        deep.field_parameters_
    ) * (1 + 1e-5)


@settings(max_examples=15, deadline=None)
@given(direction=st.lists(st.floats(-1, 1), min_size=3, max_size=3))
def test_a_deep_energy_falls_along_every_ray_beyond_the_reconstructions_bound(deep, direction):
    # |r| <= bound, so on x = o + s d the field's component r.d - o.d - s along the ray
    # is below |o| - 2 bounds from s = 3 bounds on; the quadrature's error is far less.
    assert_energy_falls_along(deep, direction, interval_bound(deep.field_parameters_), 3, 30)


@pytest.mark.parametrize(
    "params",
    [
        {"activation": "sigmoid"},
        {"hidden_layer_sizes": (5,), "weight_tying": "scaled"},
        {"activation": "softplus"},
    ],
)
def test_only_relu_codes_of_one_layer_or_untied_models_saturate(params):
    assert UntiedAutoEncoder(4, max_epochs=1, random_state=0, **params).fit(X)._unit_caps is None
    model = ContractiveAutoEncoder(4, max_epochs=1, random_state=0).fit(X)
    assert model._unit_caps is not None
