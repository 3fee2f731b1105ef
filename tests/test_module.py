import math

import pytest
import torch

from sk_consae._maths.jacobian import jacobian
from sk_consae._nn.module import AutoEncoderModule

from ._helpers import ACTIVATION_NAMES, TYINGS


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
    module = AutoEncoderModule(6, 9, activation, tying, seed=1).double()
    with torch.no_grad():
        for p in module.parameters():
            p.normal_()
    J = jacobian(module.field(), torch.randn(10, 6, dtype=torch.float64))
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
