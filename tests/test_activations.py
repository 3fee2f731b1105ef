import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import spence

from sk_consae._maths.activations import get_activation, softplus_antiderivative

from ._helpers import ACTIVATION_NAMES

finite_u = st.floats(-50, 50, allow_nan=False)


def _gauss_legendre_mean(fn, u0, u1, pieces=64, nodes=20):
    """Reference segment mean: composite Gauss-Legendre on [0, 1]."""
    t, w = np.polynomial.legendre.leggauss(nodes)
    edges = np.linspace(0.0, 1.0, pieces + 1)
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        ts = a + (b - a) * (t + 1) / 2
        total += (b - a) / 2 * sum(wi * fn(u0 + ti * (u1 - u0)) for ti, wi in zip(ts, w))
    return total


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_antiderivative_differentiates_to_the_activation(name):
    act = get_activation(name)
    u = torch.linspace(-20, 20, 4001, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(act.antiderivative(u).sum(), u)
    torch.testing.assert_close(grad, act.function(u.detach()), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_derivative_matches_autograd(name):
    act = get_activation(name)
    u = torch.linspace(-20, 20, 4000, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(act.function(u).sum(), u)
    torch.testing.assert_close(act.derivative(u.detach()), grad, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_functions_are_finite_at_large_arguments(name):
    act = get_activation(name)
    u = torch.tensor([-1e4, -1e3, 0.0, 1e3, 1e4], dtype=torch.float64)
    for fn in (act.function, act.derivative, act.antiderivative):
        assert torch.isfinite(fn(u)).all()
    assert torch.isfinite(act.segment_mean(u, u.flip(0))).all()


def test_softplus_antiderivative_is_minus_dilogarithm():
    u = np.linspace(-20, 20, 801)
    expected = -spence(1.0 + np.exp(u))  # scipy: spence(z) = Li2(1 - z)
    got = softplus_antiderivative(torch.as_tensor(u)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    assert softplus_antiderivative(torch.zeros(1, dtype=torch.float64)).item() == (
        pytest.approx(math.pi**2 / 12, abs=1e-15)
    )
    big = softplus_antiderivative(torch.tensor([1e4], dtype=torch.float64)).item()
    assert big == pytest.approx(math.pi**2 / 6 + 0.5e8, rel=1e-15)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
@given(u0=finite_u, u1=finite_u)
def test_segment_mean_is_the_integral_of_h(name, u0, u1):
    act = get_activation(name)
    a, b = (torch.tensor([v], dtype=torch.float64) for v in (u0, u1))
    if name == "relu" and u0 * u1 < 0:
        # Integrate each side of the kink separately for a reference.
        kink = -u0 / (u1 - u0)
        left = kink * _gauss_legendre_mean(act.function, a, torch.zeros_like(a))
        right = (1 - kink) * _gauss_legendre_mean(act.function, torch.zeros_like(b), b)
        expected = left + right
    else:
        expected = _gauss_legendre_mean(act.function, a, b)
    got = act.segment_mean(a, b)
    torch.testing.assert_close(got, expected, rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(act.segment_mean(b, a), got, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_segment_mean_of_a_point_is_h(name):
    act = get_activation(name)
    u = torch.linspace(-30, 30, 601, dtype=torch.float64)
    torch.testing.assert_close(act.segment_mean(u, u), act.function(u))
    torch.testing.assert_close(
        act.segment_mean(u, u + 1e-9), act.function(u + 5e-10), rtol=1e-9, atol=1e-12
    )


def test_unknown_activation_is_named():
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        get_activation("swish")
