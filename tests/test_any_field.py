"""The paper's measurements for a user's own torch field: symmetricity, asymmetry,
norms and curl by autograd (exact or Hutchinson), the energy as a line integral with
its path dependence, and the conservative part fitted from the field itself; checked
against analytic fields, the package's own estimators and NumPy finite differences."""

import numpy as np
import pytest
import sklearn
import torch
from numpy.testing import assert_allclose

from sk_consae import ConservativeFieldExtractor, ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae.metrics import (
    curl,
    field_energy,
    jacobian_asymmetry,
    jacobian_norms,
    jacobian_symmetricity,
)

RNG = np.random.default_rng(0)
X2 = RNG.normal(size=(60, 2))
X5 = RNG.normal(size=(40, 5))
ANTISYMMETRIC5 = torch.from_numpy(np.triu(RNG.normal(size=(5, 5)), 1))
ANTISYMMETRIC5 = ANTISYMMETRIC5 - ANTISYMMETRIC5.T


def gradient_of_potential(x):
    """The gradient of phi(x) = -|x|^2 / 2 + sum(sin(x)): conservative, non-linear."""
    return -x + torch.cos(x)


def potential(x):
    return -0.5 * (x * x).sum(1) + np.sin(x).sum(1)


def rotation(x):
    """x A for an antisymmetric A: its Jacobian A^T is antisymmetric, symmetricity 0."""
    return x @ ANTISYMMETRIC5


def mixture(a):
    """-x + a x A: J = -I + a A^T, sym(J) = |I| / sqrt(|I|^2 + a^2 |A|^2) exactly."""
    return lambda x: -x + a * (x @ ANTISYMMETRIC5)


class MLP(torch.nn.Module):
    def __init__(self, n_features=5, width=16):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(n_features, width), torch.nn.Tanh(), torch.nn.Linear(width, n_features)
        )

    def forward(self, x):
        return self.layers(x)


def _mlp(seed=0, n_features=5):
    torch.manual_seed(seed)
    return MLP(n_features).double()


# --- analytic fields ----------------------------------------------------------------------


def test_a_gradient_field_is_symmetric_curl_free_and_integrates_to_its_potential():
    assert jacobian_symmetricity(gradient_of_potential, X5) == pytest.approx(1.0, abs=1e-12)
    assert jacobian_asymmetry(gradient_of_potential, X5) == pytest.approx(0.0, abs=1e-12)
    assert_allclose(curl(gradient_of_potential, X5), 0.0, atol=1e-7)
    origin = np.full(5, 0.3)
    result = field_energy(gradient_of_potential, X5, origin=origin)
    expected = potential(X5) - potential(origin[None])
    assert_allclose(result.energy, expected, rtol=1e-10, atol=1e-10)
    assert_allclose(result.path_dependence, 0.0, atol=1e-10)


def test_a_rotation_has_symmetricity_zero_and_its_circulation_as_path_dependence():
    assert jacobian_symmetricity(rotation, X5) == pytest.approx(0.0, abs=1e-12)
    A = ANTISYMMETRIC5.numpy()
    assert_allclose(jacobian_asymmetry(rotation, X5), 0.5 * np.sum((2 * A) ** 2), rtol=1e-12)
    # In 2-D, f(x) = (x2, -x1) has curl -2 and circulation -2 x area around the triangle
    # x0 -> m -> x, area |d|^2 / 4: the two-segment energy minus the straight one.
    turn = torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=torch.float64)
    assert_allclose(curl(lambda x: x @ turn, X2), -2.0, atol=1e-12)
    result = field_energy(lambda x: x @ turn, X2, origin=np.zeros(2))
    assert_allclose(result.energy, 0.0, atol=1e-12)  # the field is orthogonal to the path
    assert_allclose(np.abs(result.path_dependence), 0.5 * (X2**2).sum(1), rtol=1e-10)


@pytest.mark.parametrize("a", [0.1, 0.5, 2.0])
def test_mixtures_have_their_closed_form_symmetricity(a):
    identity, antisymmetric = 5.0, float((ANTISYMMETRIC5**2).sum())
    expected = np.sqrt(identity / (identity + a * a * antisymmetric))
    assert jacobian_symmetricity(mixture(a), X5) == pytest.approx(expected, rel=1e-12)
    norms = jacobian_norms(mixture(a), X5)
    assert_allclose(norms.frobenius_sq, identity + a * a * antisymmetric, rtol=1e-12)
    assert_allclose(norms.trace_sq, identity - a * a * antisymmetric, rtol=1e-12)


def test_torch_and_numpy_versions_of_one_field_agree():
    def numpy_field(x):
        return -x + np.cos(x) + 0.3 * np.roll(x, 1, axis=1)

    def torch_field(x):
        return -x + torch.cos(x) + 0.3 * torch.roll(x, 1, dims=1)

    # A callable that only works on arrays goes through finite differences.
    def array_only(x):
        return numpy_field(np.asarray(x).copy())

    for measure in (jacobian_symmetricity, jacobian_asymmetry):
        assert measure(array_only, X5) == pytest.approx(measure(torch_field, X5), rel=1e-6)
    assert_allclose(curl(array_only, X5), curl(torch_field, X5), rtol=1e-6)
    assert_allclose(
        field_energy(array_only, X5).energy, field_energy(torch_field, X5).energy, rtol=1e-12
    )


# --- a package estimator's own module -----------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        UntiedAutoEncoder(6, max_epochs=3, random_state=0),
        UntiedAutoEncoder(
            6, hidden_layer_sizes=(7,), activation="tanh", max_epochs=3, random_state=0
        ),
        ContractiveAutoEncoder(6, contraction=0.1, max_epochs=3, random_state=0),
    ],
    ids=["untied", "deep", "contractive"],
)
def test_an_estimators_own_module_gives_the_estimators_numbers(model):
    model.fit(X5)
    module = model.net_.module_.double()  # its forward returns (r(x), extras): r is read
    assert jacobian_symmetricity(module, X5) == pytest.approx(
        jacobian_symmetricity(model, X5), abs=1e-8
    )
    assert jacobian_asymmetry(module, X5) == pytest.approx(jacobian_asymmetry(model, X5), abs=1e-8)
    assert_allclose(curl(module, X5), curl(model, X5), atol=1e-8)
    ours, theirs = jacobian_norms(module, X5), jacobian_norms(model, X5)
    assert_allclose(ours.frobenius_sq, theirs.frobenius_sq, atol=1e-8)
    assert_allclose(ours.trace_sq, theirs.trace_sq, atol=1e-8)
    # The energy of r - x from the model's origin is the model's, up to quadrature
    # (ReLU kinks: 256 nodes).
    origin = model.energy_origin_
    energy = field_energy(lambda x: module(x)[0] - x, X5, origin=origin, n_nodes=256).energy
    assert_allclose(energy, model.score_samples(X5) * model.temperature_, atol=1e-4)
    assert_allclose(field_energy(model, X5).energy, energy, atol=1e-4)


# --- Hutchinson ---------------------------------------------------------------------------


def test_hutchinson_is_unbiased_and_its_standard_error_covers_the_exact_norms():
    module = _mlp()
    exact = jacobian_norms(module, X5)
    estimate = jacobian_norms(module, X5, n_probes=64, random_state=0)
    for name in ("frobenius_sq", "trace_sq"):
        z = (getattr(estimate, name) - getattr(exact, name)) / getattr(estimate, name + "_se")
        assert np.mean(np.abs(z) < 3) > 0.95, name  # about 99.7% for a normal mean
        assert abs(np.mean(z)) < 3 / np.sqrt(len(z)) * 1.5, name  # no bias across rows
    symmetric = jacobian_symmetricity(module, X5)
    estimated = jacobian_symmetricity(module, X5, n_probes=64, random_state=0)
    assert estimated == pytest.approx(symmetric, abs=0.05)


@pytest.mark.parametrize("n_probes", [None, 8])
def test_results_do_not_depend_on_the_batch_size(n_probes):
    module, X = _mlp(), RNG.normal(size=(700, 5))
    reference = jacobian_norms(module, X, n_probes=n_probes, random_state=1)
    for memory in (0.01, 0.1):
        with sklearn.config_context(working_memory=memory):
            chunked = jacobian_norms(module, X, n_probes=n_probes, random_state=1)
        assert_allclose(chunked.frobenius_sq, reference.frobenius_sq, rtol=1e-12)
        assert_allclose(chunked.trace_sq, reference.trace_sq, rtol=1e-12)
    with sklearn.config_context(working_memory=0.01):
        energy = field_energy(module, X).energy
    assert_allclose(energy, field_energy(module, X).energy, rtol=1e-12)


def test_a_float32_module_computes_in_float32_close_to_float64():
    module = _mlp()
    assert jacobian_symmetricity(module.float(), X5) == pytest.approx(
        jacobian_symmetricity(module.double(), X5), abs=1e-5
    )


# --- the conservative part of a user's field ----------------------------------------------


def test_the_extractor_fits_the_conservative_part_of_a_module():
    X = np.random.default_rng(1).normal(size=(400, 2))
    turn = torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=torch.float64)

    def field(x):  # a gradient field plus a rotation
        return -x + 0.5 * x @ turn

    values = field(torch.from_numpy(X)).numpy()
    params = {"n_components": 4, "max_epochs": 100, "random_state": 0}
    from_field = ConservativeFieldExtractor(**params).fit(X, field)
    from_values = ConservativeFieldExtractor(**params).fit(X, values)
    assert_allclose(from_field.predict(X), from_values.predict(X), atol=1e-12)
    for got, expected in zip(from_field.decompose(X, field), from_values.decompose(X, values)):
        assert_allclose(got, expected, atol=1e-12)
    assert from_field.score(X, field) == pytest.approx(from_values.score(X, values), abs=1e-12)
    # What it answers: the energy is -|x|^2 / 2 up to a constant (rank correlation
    # near 1), and about 4/5 of the field's variance is a gradient's (|x|^2 of 5|x|^2/4).
    potential_rank = np.argsort(np.argsort(from_field.score_samples(X)))
    truth_rank = np.argsort(np.argsort(-(X**2).sum(1)))
    assert np.corrcoef(potential_rank, truth_rank)[0, 1] > 0.97
    assert from_field.score(X, field) == pytest.approx(0.8, abs=0.1)


# --- bad fields ---------------------------------------------------------------------------


def test_bad_fields_are_named():
    with pytest.raises(ValueError, match=r"returned shape \(8,\) for points of shape \(8, 5\)"):
        jacobian_symmetricity(lambda x: x.sum(1), X5)
    with pytest.raises(ValueError, match="NaN or infinite"):
        jacobian_symmetricity(lambda x: x / 0.0, X5)
    nan_late = RNG.normal(size=(40, 5))
    nan_late[30] = 1e308
    with pytest.raises(ValueError, match="NaN or infinite"):
        field_energy(lambda x: x * x, nan_late, origin=np.zeros(5))

    class ReturnsArrays(torch.nn.Module):
        def forward(self, x):
            return x.detach().numpy()

    with pytest.raises(TypeError, match="returned ndarray, not a tensor"):
        curl(ReturnsArrays(), X5)
    with pytest.raises(ValueError, match="on meta"):
        jacobian_symmetricity(MLP().to("meta"), X5)
    with pytest.raises(ValueError, match="device='cuda' was asked"):
        jacobian_symmetricity(_mlp(), X5, device="cuda")
    with pytest.raises(TypeError, match="torch.nn.Module or a callable"):
        jacobian_symmetricity("not a field", X5)
    with pytest.raises(ValueError, match="n_nodes"):
        field_energy(rotation, X5, n_nodes=0)
    with pytest.raises(ValueError, match="origin has 3 values"):
        field_energy(rotation, X5, origin=np.zeros(3))


def test_the_monitor_watches_any_skorch_net_whose_module_is_a_field():
    from skorch import NeuralNetRegressor

    from sk_consae.callbacks import ConservativenessMonitor

    X = RNG.normal(size=(200, 5)).astype(np.float32)
    monitor = ConservativenessMonitor(X[:50], metrics=("jacobian_symmetricity", "curl"))
    net = NeuralNetRegressor(
        MLP, max_epochs=3, lr=0.01, train_split=None, callbacks=[monitor], verbose=0
    )
    net.fit(X, -X)  # a denoiser's target field
    recorded = net.history[:, "jacobian_symmetricity"]
    assert len(recorded) == 3 and all(0 < value <= 1 for value in recorded)
    assert recorded[-1] == pytest.approx(
        jacobian_symmetricity(net.module_, X[:50].astype(np.float64)), abs=1e-5
    )
    with pytest.raises(ValueError, match="weight_symmetricity needs a sk_consae auto-encoder"):
        NeuralNetRegressor(
            MLP, max_epochs=1, train_split=None, callbacks=[ConservativenessMonitor(X[:5])]
        ).fit(X, -X)
