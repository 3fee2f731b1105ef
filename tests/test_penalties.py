import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from sk_consae._maths.penalties import (
    encoder_contraction,
    jacobian_asymmetry,
    reconstruction_contraction,
)
from sk_consae._nn.module import AutoEncoderModule

from ._helpers import ACTIVATION_NAMES, TYINGS, field_shapes, random_field, random_points


def mean_squared_jacobian_norm(fn, X):
    jacobians = [torch.autograd.functional.jacobian(lambda x: fn(x[None])[0], x) for x in X]
    return torch.stack([(J * J).sum() for J in jacobians]).mean()


@given(
    shape=field_shapes, tying=st.sampled_from(TYINGS), activation=st.sampled_from(ACTIVATION_NAMES)
)
def test_reconstruction_contraction_is_mean_squared_jacobian_norm(shape, tying, activation):
    seed, D, H, n = shape
    field = random_field(seed, D, H, activation, tying)
    X = random_points(seed, n, D)
    slopes = field.activation.derivative(field.preactivation(X))
    got = reconstruction_contraction(field.encoder_weight, field.decoder_weight, slopes)
    expected = mean_squared_jacobian_norm(lambda x: field.reconstruct(x), X)
    torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-6)


@given(shape=field_shapes, activation=st.sampled_from(ACTIVATION_NAMES))
def test_jacobian_asymmetry_is_half_the_squared_antisymmetric_norm(shape, activation):
    seed, D, H, n = shape
    field = random_field(seed, D, H, activation, "untied")
    X = random_points(seed, n, D)
    slopes = field.activation.derivative(field.preactivation(X))
    jacobians = [
        torch.autograd.functional.jacobian(lambda x: field.reconstruct(x[None])[0], x) for x in X
    ]
    expected = torch.stack([0.5 * ((J - J.T) ** 2).sum() for J in jacobians]).mean()
    got = jacobian_asymmetry(field.encoder_weight, field.decoder_weight, slopes)
    torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-6)


@given(shape=field_shapes, activation=st.sampled_from(ACTIVATION_NAMES))
def test_encoder_contraction_is_mean_squared_encoder_jacobian_norm(shape, activation):
    seed, D, H, n = shape
    field = random_field(seed, D, H, activation, "untied")
    X = random_points(seed, n, D)
    slopes = field.activation.derivative(field.preactivation(X))
    expected = mean_squared_jacobian_norm(
        lambda x: field.activation.function(field.preactivation(x)), X
    )
    torch.testing.assert_close(
        encoder_contraction(field.encoder_weight, slopes), expected, rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize("tying", TYINGS)
@pytest.mark.parametrize("target", ["reconstruction", "encoder"])
def test_module_penalty_matches_autograd_for_each_tying(tying, target):
    module = AutoEncoderModule(5, 7, "tanh", tying, seed=3).double()
    if tying == "scaled":
        with torch.no_grad():
            module.decoder_scale.uniform_(-2, 2)
    X = random_points(0, 4, 5)
    _, U = module(X)
    if target == "reconstruction":
        expected = mean_squared_jacobian_norm(lambda x: module(x)[0], X)
    else:
        field = module.field()
        expected = mean_squared_jacobian_norm(
            lambda x: field.activation.function(field.preactivation(x)), X
        )
    torch.testing.assert_close(module.contraction(U, target), expected, rtol=1e-6, atol=1e-6)


def test_gram_gradient_matches_autograd():
    from sk_consae._maths.penalties import gram

    A = torch.randn(7, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(gram, (A,))
    weights = torch.randn(4, 4, dtype=torch.float64)
    (fast,) = torch.autograd.grad((gram(A) * weights).sum(), A)
    (plain,) = torch.autograd.grad(((A.T @ A) * weights).sum(), A)
    torch.testing.assert_close(fast, plain)
