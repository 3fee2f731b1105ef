r"""The auto-encoder as a :class:`torch.nn.Module`.

.. math:: r(x) = R\,h(W^\top x + b) + c

with three ways to tie the decoder to the encoder:

``"untied"``
    :math:`R` is a free parameter. The field is conservative only where
    :math:`R\,\mathrm{diag}(h'(u))\,W^\top` happens to be symmetric.
``"tied"``
    :math:`R = W` (one parameter). Always conservative.
``"scaled"``
    :math:`R = W\,\mathrm{diag}(s)` with a free :math:`s \in \mathbb{R}^H`
    (:math:`s_k < 0` allowed). Always conservative, strictly richer than tying:
    the paper's suggested "parameterisation that guarantees conservativeness but is
    less restrictive than tying".

Initialisation: :math:`W` (and :math:`R` when untied, drawn independently) are
Glorot-uniform, :math:`U(-a, a)` with :math:`a = \sqrt{6 / (D + H)}`; the biases
are zero and :math:`s = 1`, so a scaled model starts tied. Draws come from a private
generator seeded by ``seed``, never from torch's global one.
"""

import math

import torch
from torch import nn

from .._maths.activations import get_activation
from .._maths.field import OneLayerField, decode, preactivation
from .._maths.penalties import (
    encoder_contraction,
    jacobian_asymmetry,
    reconstruction_contraction,
)

__all__ = ["AutoEncoderModule", "WEIGHT_TYING"]

WEIGHT_TYING = ("untied", "tied", "scaled")


class AutoEncoderModule(nn.Module):
    """One-hidden-layer auto-encoder :math:`r(x) = R\\,h(W^\\top x + b) + c`.

    Parameters
    ----------
    n_features : int
        D, the input dimension.
    n_components : int
        H, the number of hidden units.
    activation : {"sigmoid", "relu", "tanh", "softplus", "linear"}
    weight_tying : {"untied", "tied", "scaled"}
    seed : int
        Seeds the initial weights.

    Notes
    -----
    ``forward`` returns the reconstruction and the pre-activation :math:`u`, so the
    contractive penalty reuses :math:`u` instead of recomputing it.
    """

    def __init__(
        self, n_features, n_components, activation="sigmoid", weight_tying="untied", seed=0
    ):
        super().__init__()
        if weight_tying not in WEIGHT_TYING:
            raise ValueError(f"weight_tying={weight_tying!r}; expected one of {WEIGHT_TYING}.")
        get_activation(activation)  # fail early on an unknown name
        self.activation_name = activation  # a name, not functions: picklable
        self.weight_tying = weight_tying
        generator = torch.Generator().manual_seed(int(seed))
        bound = math.sqrt(6.0 / (n_features + n_components))

        # float32 always: training data are float32, whatever torch's default dtype is.
        single = {"dtype": torch.float32}

        def glorot(*shape):
            return torch.empty(shape, **single).uniform_(-bound, bound, generator=generator)

        self.encoder_weight = nn.Parameter(glorot(n_features, n_components))
        self.encoder_bias = nn.Parameter(torch.zeros(n_components, **single))
        self.decoder_bias = nn.Parameter(torch.zeros(n_features, **single))
        if weight_tying == "untied":
            self.decoder_weight = nn.Parameter(glorot(n_features, n_components))
        elif weight_tying == "scaled":
            self.decoder_scale = nn.Parameter(torch.ones(n_components, **single))

    @property
    def activation(self):
        """The :class:`~sk_consae._maths.activations.Activation` of the hidden units."""
        return get_activation(self.activation_name)

    def field(self) -> OneLayerField:
        """The current parameters as a :class:`OneLayerField` (sharing storage)."""
        W = self.encoder_weight
        if self.weight_tying == "untied":
            R, scale = self.decoder_weight, None
        elif self.weight_tying == "tied":
            R, scale = W, torch.ones_like(self.encoder_bias)
        else:
            R, scale = W * self.decoder_scale, self.decoder_scale
        tied = self.weight_tying == "tied"
        return OneLayerField(
            W, self.encoder_bias, R, self.decoder_bias, self.activation, scale, tied
        )

    def multiply_adds_per_row(self):
        """Multiply-adds of the largest product per input row, :math:`D H`: what
        :func:`~sk_consae._nn.threads.torch_threads` sizes the thread count by."""
        return self.encoder_weight.numel()

    def forward(self, X):
        """Return ``(r(X), U)`` with ``U = X W + b`` the pre-activations."""
        field = self.field()
        U = preactivation(field, X)
        return decode(field, self.activation.function(U)), U

    def contraction(self, U, target="reconstruction"):
        """Batch mean of the contractive penalty at pre-activations ``U``.

        ``target="reconstruction"`` gives :math:`\\lVert \\partial r/\\partial x
        \\rVert_F^2`, ``"encoder"`` gives :math:`\\lVert \\partial h/\\partial x
        \\rVert_F^2`; both in closed form (see :mod:`sk_consae._maths.penalties`).
        """
        slopes = self.activation.derivative(U)
        W = self.encoder_weight
        if target == "encoder":
            return encoder_contraction(W, slopes)
        if self.weight_tying == "untied":
            return reconstruction_contraction(W, self.decoder_weight, slopes)
        if self.weight_tying == "scaled":
            # R diag(d) W^T = W diag(s d) W^T: one Gram matrix instead of two.
            slopes = slopes * self.decoder_scale
        return reconstruction_contraction(W, None, slopes)

    def asymmetry(self, U):
        r"""Batch mean of :math:`\tfrac12 \lVert J - J^\top\rVert_F^2` at pre-activations
        ``U``: 0 for tied and scaled weights, whose Jacobian is symmetric."""
        if self.weight_tying != "untied":
            return U.new_zeros(())
        slopes = self.activation.derivative(U)
        return jacobian_asymmetry(self.encoder_weight, self.decoder_weight, slopes)

    @torch.no_grad()
    def init_ridges_(self, X, slope=3.0, amplitude=0.1, generator=None):
        r"""Place every hidden unit's ridge through a random row of X.

        :math:`w_k \sim N(0, \mathrm{slope}^2 / D)`, :math:`b_k = -w_k^\top x_{i_k}`
        for a random sample :math:`x_{i_k}`, and (scaled tying)
        :math:`s_k \sim N(0, \mathrm{amplitude}^2)`. Units then vary across the data
        instead of being nearly linear on it, which is what fitting a given field
        needs; Glorot weights from a low-dimensional input are too small for that.
        """
        n_features, n_components = self.encoder_weight.shape
        cpu = {"generator": generator, "dtype": self.encoder_weight.dtype}
        W = torch.randn(n_features, n_components, **cpu) * (slope / n_features**0.5)
        anchors = X[torch.randint(X.shape[0], (n_components,), generator=generator).to(X.device)]
        self.encoder_weight.copy_(W)
        self.encoder_bias.copy_(-(anchors * W.T.to(X.device)).sum(1))
        if self.weight_tying == "untied":
            self.decoder_weight.copy_(torch.randn(n_features, n_components, **cpu) * amplitude)
        elif self.weight_tying == "scaled":
            self.decoder_scale.copy_(torch.randn(n_components, **cpu) * amplitude)

    @torch.no_grad()
    def project_weight_length_(self, length):
        """Rescale every hidden unit's weight vectors to Euclidean norm ``length``.

        Untied: the encoder column :math:`w_k` and the decoder column :math:`r_k`.
        Tied and scaled: :math:`w_k` (a scaled model's decoder column is
        :math:`s_k w_k`, of norm :math:`|s_k|\\,\\alpha`).
        """
        weights = [self.encoder_weight]
        if self.weight_tying == "untied":
            weights.append(self.decoder_weight)
        for weight in weights:
            norms = weight.norm(dim=0).clamp_min(torch.finfo(weight.dtype).tiny)
            weight.mul_(length / norms)
