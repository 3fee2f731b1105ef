import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from sk_consae._maths.energy import (
    gauss_legendre,
    quadrature_energy,
)

from ._helpers import ACTIVATION_NAMES, field_shapes, random_field, random_points

conservative = st.sampled_from(["tied", "scaled"])
activations = st.sampled_from(ACTIVATION_NAMES)


@given(shape=field_shapes, tying=conservative, activation=activations)
def test_gradient_of_closed_form_energy_is_the_field(shape, tying, activation):
    seed, D, H, n = shape
    field = random_field(seed, D, H, activation, tying)
    X = random_points(seed, n, D).requires_grad_(True)
    (grad,) = torch.autograd.grad(field.closed_form_energy(X).sum(), X)
    expected = field.vector_field(X.detach())
    torch.testing.assert_close(grad, expected, rtol=0, atol=1e-8)


@given(shape=field_shapes, tying=conservative, activation=activations)
def test_segment_energy_is_closed_form_minus_origin(shape, tying, activation):
    seed, D, H, n = shape
    field = random_field(seed, D, H, activation, tying)
    X = random_points(seed, n, D, scale=2.0)
    origin = random_points(seed + 7, 1, D)[0]
    expected = field.closed_form_energy(X) - field.closed_form_energy(origin[None])
    torch.testing.assert_close(field.segment_energy(X, origin), expected, rtol=1e-10, atol=1e-8)


@given(shape=field_shapes, tying=conservative, activation=st.sampled_from(["sigmoid", "tanh"]))
def test_quadrature_energy_is_closed_form_minus_origin(shape, tying, activation):
    # NOTES section 2: 16 Gauss-Legendre nodes are exact to ~1e-12 for smooth units
    # at moderate scale.
    seed, D, H, n = shape
    field = random_field(seed, D, H, activation, tying, scale=0.5)
    X = random_points(seed, n, D)
    origin = torch.zeros(D, dtype=torch.float64)
    expected = field.closed_form_energy(X) - field.closed_form_energy(origin[None])
    got = quadrature_energy(lambda Z: field.vector_field(Z), X, origin, n_nodes=16)
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-8)


@given(shape=field_shapes, activation=activations)
def test_quadrature_converges_to_segment_energy_for_untied_models(shape, activation):
    seed, D, H, n = shape
    field = random_field(seed, D, H, activation, "untied", scale=0.5)
    X = random_points(seed, n, D)
    origin = random_points(seed + 3, 1, D)[0]
    exact = field.segment_energy(X, origin)
    quad = quadrature_energy(lambda Z: field.vector_field(Z), X, origin, n_nodes=400)
    # ReLU kinks make quadrature converge only algebraically.
    tol = 1e-4 if activation == "relu" else 1e-9
    torch.testing.assert_close(quad, exact, rtol=tol, atol=tol)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("tying", ["untied", "tied", "scaled"])
def test_energies_are_finite_at_huge_preactivations(activation, tying):
    field = random_field(0, 3, 4, activation, tying, scale=1.0)
    X = random_points(0, 6, 3, scale=3e3)  # |u| around 1e4
    origin = torch.zeros(3, dtype=torch.float64)
    assert torch.isfinite(field.segment_energy(X, origin)).all()
    if tying != "untied":
        assert torch.isfinite(field.closed_form_energy(X)).all()


def test_closed_form_energy_refuses_untied_models():
    field = random_field(0, 3, 4, "sigmoid", "untied")
    with pytest.raises(ValueError, match="tied or scaled"):
        field.closed_form_energy(random_points(0, 2, 3))


def test_gauss_legendre_integrates_polynomials_exactly():
    nodes, weights = gauss_legendre(5)
    assert weights.sum().item() == pytest.approx(1.0, abs=1e-15)
    assert (weights * nodes**9).sum().item() == pytest.approx(0.1, abs=1e-15)


@given(shape=field_shapes, activation=activations)
def test_segment_quadrature_matches_generic_quadrature(shape, activation):
    # The per-unit Gauss-Legendre rule is the generic rule applied to the same field.
    seed, D, H, n = shape
    field = random_field(seed, D, H, activation, "untied", scale=0.5)
    X = random_points(seed, n, D)
    origin = random_points(seed + 3, 1, D)[0]
    generic = quadrature_energy(lambda Z: field.vector_field(Z), X, origin, n_nodes=8)
    torch.testing.assert_close(
        field.segment_energy(X, origin, n_nodes=8), generic, rtol=1e-10, atol=1e-10
    )


@given(
    shape=field_shapes, tying=st.sampled_from(["untied", "tied", "scaled"]), activation=activations
)
def test_segment_contributions_sum_to_the_segment_energy(shape, tying, activation):
    seed, D, H, n = shape
    field = random_field(seed, D, H, activation, tying)
    X = random_points(seed, n, D, scale=2.0)
    origin = random_points(seed + 5, 1, D)[0]
    for n_nodes in (None, 8):
        parts = field.energy_contributions(X, origin, n_nodes)
        assert parts.shape == X.shape
        torch.testing.assert_close(
            parts.sum(1), field.segment_energy(X, origin, n_nodes), rtol=1e-10, atol=1e-8
        )


@given(
    shape=field_shapes, tying=st.sampled_from(["untied", "tied", "scaled"]), activation=activations
)
def test_segment_contributions_are_per_coordinate_line_integrals(shape, tying, activation):
    # Independent computation: integrate each coordinate of v along the segment with
    # the generic quadrature on a one-hot-masked field.
    seed, D, H, n = shape
    field = random_field(seed, D, H, activation, tying, scale=0.5)
    X = random_points(seed, n, D)
    origin = random_points(seed + 2, 1, D)[0]
    parts = field.energy_contributions(X, origin)
    # ReLU kinks make quadrature converge only algebraically.
    tol = 1e-4 if activation == "relu" else 1e-9
    for i in range(D):
        mask = torch.zeros(D, dtype=torch.float64)
        mask[i] = 1.0
        expected = quadrature_energy(
            lambda Z, mask=mask: field.vector_field(Z) * mask, X, origin, n_nodes=400
        )
        torch.testing.assert_close(parts[:, i], expected, rtol=tol, atol=tol)
