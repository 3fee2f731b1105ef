import math

import pytest
import torch

from sk_consae._maths.one_layer import squared_error_gradients
from sk_consae._nn.module import AutoEncoderModule

from ._helpers import ACTIVATION_NAMES, TYINGS


def _random_module(activation, tying, seed):
    """A float64 module of 6 inputs and 9 units with standard-normal parameters."""
    module = AutoEncoderModule(6, 9, activation, tying, seed=seed).double()
    with torch.no_grad():
        for p in module.parameters():
            p.normal_()
    return module


@pytest.mark.parametrize("tying", TYINGS)
def test_initialisation_is_seeded_glorot_uniform(tying):
    a = AutoEncoderModule(30, 20, "sigmoid", tying, seed=5)
    b = AutoEncoderModule(30, 20, "sigmoid", tying, seed=5)
    c = AutoEncoderModule(30, 20, "sigmoid", tying, seed=6)
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        assert torch.equal(p, q), name
    assert not torch.equal(a.encoder_weight, c.encoder_weight)
    bound = math.sqrt(6 / 50)
    assert a.encoder_weight.abs().max() <= bound
    assert torch.count_nonzero(a.encoder_bias) == 0
    if tying == "untied":
        assert not torch.equal(a.decoder_weight, a.encoder_weight)
    if tying == "scaled":  # starts tied
        assert torch.equal(a.field().decoder_weight, a.encoder_weight)


@pytest.mark.parametrize("tying", ["tied", "scaled"])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_tied_and_scaled_modules_have_symmetric_jacobians(tying, activation):
    module = _random_module(activation, tying, seed=1)
    J = module.field().jacobian(torch.randn(10, 6, dtype=torch.float64))
    torch.testing.assert_close(J, J.transpose(1, 2), rtol=0, atol=1e-6)


def test_forward_returns_reconstruction_and_preactivation():
    module = AutoEncoderModule(4, 3, "tanh", "untied", seed=0)
    X = torch.randn(5, 4)
    r, U = module(X)
    torch.testing.assert_close(U, X @ module.encoder_weight + module.encoder_bias)
    expected = torch.tanh(U) @ module.decoder_weight.T + module.decoder_bias
    torch.testing.assert_close(r, expected)


@pytest.mark.parametrize("tying", TYINGS)
def test_weight_length_projection(tying):
    module = AutoEncoderModule(8, 5, "relu", tying, seed=0)
    module.project_weight_length_(0.7)
    norms = module.encoder_weight.norm(dim=0)
    torch.testing.assert_close(norms, torch.full_like(norms, 0.7))
    if tying == "untied":
        torch.testing.assert_close(module.decoder_weight.norm(dim=0), norms)


def test_unknown_tying_is_named():
    with pytest.raises(ValueError, match="weight_tying='loose'"):
        AutoEncoderModule(3, 2, weight_tying="loose")


def _autograd_step(module, X, target):
    """The squared error and its gradients by autograd on the module's forward."""
    module.zero_grad(set_to_none=True)
    reconstruction, _ = module(X)
    loss = ((reconstruction - target) ** 2).sum() / X.shape[0]
    loss.backward()
    return loss.detach(), {name: p.grad.clone() for name, p in module.named_parameters()}


@pytest.mark.parametrize("tying", TYINGS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_closed_form_squared_error_gradients_match_autograd(tying, activation):
    module = _random_module(activation, tying, seed=2)
    X, target = torch.randn(13, 6, dtype=torch.float64), torch.randn(13, 6, dtype=torch.float64)
    expected_loss, expected = _autograd_step(module, X, target)
    module.zero_grad(set_to_none=True)
    loss, (reconstruction, U) = module.squared_error_backward(X, target)
    torch.testing.assert_close(loss, expected_loss, rtol=1e-12, atol=0)
    torch.testing.assert_close(reconstruction, module(X)[0].detach())
    torch.testing.assert_close(U, module(X)[1].detach())
    for name, p in module.named_parameters():
        torch.testing.assert_close(p.grad, expected[name], rtol=1e-10, atol=1e-12, msg=name)
    # Gradients accumulate into existing ones, as backward() does.
    module.squared_error_backward(X, target)
    for name, p in module.named_parameters():
        torch.testing.assert_close(p.grad, 2 * expected[name], rtol=1e-10, atol=1e-12)


def test_closed_form_gradients_match_finite_differences():
    module = AutoEncoderModule(3, 4, "softplus", "scaled", seed=3).double()
    X, target = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)
    module.squared_error_backward(X, target)

    def loss():
        return float(squared_error_gradients(module.field(), X, target).loss)

    step = 1e-6
    for name, p in module.named_parameters():
        flat = p.detach().view(-1)
        for i in range(flat.numel()):
            flat[i] += step
            up = loss()
            flat[i] -= 2 * step
            down = loss()
            flat[i] += step
            assert abs((up - down) / (2 * step) - p.grad.view(-1)[i]) < 1e-6, (name, i)
