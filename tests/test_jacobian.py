import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from sk_consae._maths.jacobian import (
    antisymmetric_norm_from_norms,
    dense_symmetricity,
    symmetricity_from_norms,
)

from ._helpers import (
    ACTIVATION_NAMES,
    TYINGS,
    autograd_jacobians,
    field_shapes,
    random_field,
    random_points,
)


@given(
    shape=field_shapes, tying=st.sampled_from(TYINGS), activation=st.sampled_from(ACTIVATION_NAMES)
)
def test_jacobian_matches_autograd(shape, tying, activation):
    seed, D, H, n = shape
    field = random_field(seed, D, H, activation, tying)
    X = random_points(seed, n, D)
    torch.testing.assert_close(field.jacobian(X), autograd_jacobians(field, X))


@given(
    shape=field_shapes, tying=st.sampled_from(TYINGS), activation=st.sampled_from(ACTIVATION_NAMES)
)
def test_closed_form_norms_match_dense_jacobian(shape, tying, activation):
    seed, D, H, n = shape
    field = random_field(seed, D, H, activation, tying)
    X = random_points(seed, n, D)
    J = autograd_jacobians(field, X)
    frobenius_sq, trace_sq = field.jacobian_norms(X)[:2]
    torch.testing.assert_close(frobenius_sq, (J * J).sum((1, 2)), rtol=1e-10, atol=1e-8)
    torch.testing.assert_close(trace_sq, (J * J.transpose(1, 2)).sum((1, 2)), rtol=1e-10, atol=1e-8)
    torch.testing.assert_close(
        symmetricity_from_norms(frobenius_sq, trace_sq),
        dense_symmetricity(J),
        rtol=0,
        atol=1e-8,
    )
    antisymmetric = torch.linalg.matrix_norm(J - J.transpose(1, 2)) / 2**0.5
    # A difference of sums: absolute error about sqrt(eps * sum_kl |d_k d_l M_kl|).
    slopes = field.activation.derivative(X @ field.encoder_weight + field.encoder_bias).abs()
    term_size = ((slopes @ field.forms.frobenius.abs()) * slopes).sum(1)
    error = (antisymmetric_norm_from_norms(frobenius_sq, trace_sq) - antisymmetric).abs()
    assert (error <= 1e-7 * term_size.sqrt() + 1e-12).all()


@given(
    shape=field_shapes,
    tying=st.sampled_from(["tied", "scaled"]),
    activation=st.sampled_from(ACTIVATION_NAMES),
)
def test_tied_and_scaled_jacobians_are_symmetric(shape, tying, activation):
    seed, D, H, n = shape
    J = random_field(seed, D, H, activation, tying).jacobian(random_points(seed, n, D))
    torch.testing.assert_close(J, J.transpose(1, 2), rtol=0, atol=1e-12)


@given(seed=st.integers(0, 2**31 - 1), D=st.integers(1, 7))
def test_dense_symmetricity_range_and_extremes(seed, D):
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(5, D, D, generator=g, dtype=torch.float64)
    values = dense_symmetricity(A)
    assert ((values >= 0) & (values <= 1)).all()
    torch.testing.assert_close(
        dense_symmetricity(A + A.transpose(1, 2)), torch.ones(5, dtype=torch.float64)
    )
    if D > 1:
        torch.testing.assert_close(
            dense_symmetricity(A - A.transpose(1, 2)),
            torch.zeros(5, dtype=torch.float64),
            rtol=0,
            atol=1e-7,
        )


def test_zero_matrix_counts_as_symmetric():
    assert dense_symmetricity(torch.zeros(3, 3)).item() == pytest.approx(1.0)


def test_dense_symmetricity_does_not_overflow():
    A = torch.tensor([[1.5e154, 0.0], [0.0, 0.0]], dtype=torch.float64)
    assert dense_symmetricity(A).item() == 1.0
    B = torch.tensor([[0.0, 1e300], [-1e300, 0.0]], dtype=torch.float64)
    assert dense_symmetricity(B).item() == 0.0
