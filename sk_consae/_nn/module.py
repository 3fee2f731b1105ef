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
from torch.func import jvp, vjp

from .._maths.activations import get_activation
from .._maths.autodiff import rademacher
from .._maths.deep import DeepField
from .._maths.one_layer import OneLayerField, squared_error_gradients
from .._maths.penalties import (
    encoder_contraction,
    jacobian_asymmetry,
    reconstruction_contraction,
)

__all__ = [
    "AutoEncoderModule",
    "DeepAutoEncoderModule",
    "WEIGHT_TYING",
    "CONTRACTION_TARGETS",
    "module_arguments",
]

WEIGHT_TYING = ("untied", "tied", "scaled")
# What the contractive penalty differentiates: r(x), or the code h(x).
CONTRACTION_TARGETS = ("reconstruction", "encoder")


class _FieldModule(nn.Module):
    """What both auto-encoder modules share: the activation by name (picklable) and
    the tying, checked when built."""

    def __init__(self, activation, weight_tying):
        super().__init__()
        if weight_tying not in WEIGHT_TYING:
            raise ValueError(f"weight_tying={weight_tying!r}; expected one of {WEIGHT_TYING}.")
        get_activation(activation)  # fail early on an unknown name
        self.activation_name = activation
        self.weight_tying = weight_tying

    @property
    def activation(self):
        """The :class:`~sk_consae._maths.activations.Activation` of the hidden units."""
        return get_activation(self.activation_name)


class AutoEncoderModule(_FieldModule):
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
        super().__init__(activation, weight_tying)
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
        U = field.preactivation(X)
        return field.decode(self.activation.function(U)), U

    @torch.no_grad()
    def squared_error_backward(self, X, target):
        """The batch's squared reconstruction error; its gradients are added to the
        parameters' ``grad`` in closed form (:func:`squared_error_gradients`), with
        the chain rule through a tied or scaled decoder.

        Returns
        -------
        loss : Tensor of shape ()
        output : tuple
            What :meth:`forward` returns for X.
        """
        step = squared_error_gradients(self.field(), X, target)
        decoder = step.decoder_weight
        if self.weight_tying == "untied":
            _add_grad(self.decoder_weight, decoder)
            encoder = step.encoder_weight
        elif self.weight_tying == "tied":
            encoder = step.encoder_weight + decoder
        else:  # R = W diag(s)
            _add_grad(self.decoder_scale, (decoder * self.encoder_weight).sum(0))
            encoder = step.encoder_weight + decoder * self.decoder_scale
        _add_grad(self.encoder_weight, encoder)
        _add_grad(self.encoder_bias, step.encoder_bias)
        _add_grad(self.decoder_bias, step.decoder_bias)
        return step.loss, (step.reconstruction, step.preactivation)

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


class DeepAutoEncoderModule(_FieldModule):
    r"""Auto-encoder with hidden layers before the code (the paper's Prop. 1).

    Encoder layers of sizes ``hidden_layer_sizes`` then ``n_components`` (the code);
    the decoder depends on ``weight_tying`` (see :mod:`sk_consae._maths.deep`):

    ``"untied"``
        Free decoder layers mirroring the encoder, the last one linear.
    ``"tied"`` / ``"scaled"``
        :math:`r(x) = \nabla \Psi(x)`, :math:`\Psi(x) = \sum_k s_k A(u_{m,k}) +
        c^\top x`, with :math:`s = 1` (tied) or free (scaled): conservative by
        construction, and the one-layer tied / scaled model when there are no hidden
        layers.

    Glorot-uniform weights per layer, zero biases, :math:`s = 1`, drawn from a private
    generator seeded by ``seed``. The contractive and asymmetry penalties are
    Hutchinson estimates with one Rademacher probe per sample and step (unbiased),
    drawn from a second private generator.

    Parameters
    ----------
    n_features, n_components : int
    hidden_layer_sizes : tuple of int
        At least one size.
    activation : str
    weight_tying : {"untied", "tied", "scaled"}
    seed : int
    """

    def __init__(
        self,
        n_features,
        n_components,
        hidden_layer_sizes,
        activation="sigmoid",
        weight_tying="untied",
        seed=0,
    ):
        super().__init__(activation, weight_tying)
        generator = torch.Generator().manual_seed(int(seed))
        self._probe_generator = torch.Generator().manual_seed(int(seed) + 1)

        def layers(sizes):
            weights, biases = nn.ParameterList(), nn.ParameterList()
            for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
                bound = math.sqrt(6.0 / (fan_in + fan_out))
                weight = torch.empty(fan_in, fan_out, dtype=torch.float32)
                weights.append(nn.Parameter(weight.uniform_(-bound, bound, generator=generator)))
                biases.append(nn.Parameter(torch.zeros(fan_out, dtype=torch.float32)))
            return weights, biases

        sizes = [n_features, *hidden_layer_sizes, n_components]
        self.encoder_weights, self.encoder_biases = layers(sizes)
        if weight_tying == "untied":
            self.decoder_weights, self.decoder_biases = layers(sizes[::-1])
        else:
            self.decoder_weights = nn.ParameterList()
            self.decoder_biases = nn.ParameterList(
                [nn.Parameter(torch.zeros(n_features, dtype=torch.float32))]
            )
        if weight_tying == "scaled":
            self.decoder_scale = nn.Parameter(torch.ones(n_components, dtype=torch.float32))

    def __getstate__(self):
        state = super().__getstate__()
        state["_probe_generator"] = self._probe_generator.get_state()
        return state

    def __setstate__(self, state):
        probe_state = state.pop("_probe_generator")
        super().__setstate__(state)
        self._probe_generator = torch.Generator()
        self._probe_generator.set_state(probe_state)

    @property
    def encoder_bias(self):
        """The code layer's bias: its length is ``n_components``."""
        return self.encoder_biases[-1]

    @property
    def encoder_weight(self):
        """The first layer's weights: their first dimension is ``n_features``."""
        return self.encoder_weights[0]

    def field(self) -> DeepField:
        """The current parameters as a :class:`DeepField` (sharing storage)."""
        if self.weight_tying == "untied":
            scale = None
        elif self.weight_tying == "tied":
            scale = torch.ones_like(self.encoder_biases[-1])
        else:
            scale = self.decoder_scale
        return DeepField(
            tuple(self.encoder_weights),
            tuple(self.encoder_biases),
            tuple(self.decoder_weights),
            tuple(self.decoder_biases),
            self.activation,
            scale,
        )

    def multiply_adds_per_row(self):
        """Multiply-adds of a forward pass per row (twice the encoder's for the
        gradient family, whose decoder is the encoder's backward pass)."""
        encoder = sum(weight.numel() for weight in self.encoder_weights)
        decoder = sum(weight.numel() for weight in self.decoder_weights)
        return encoder + (decoder if self.weight_tying == "untied" else encoder)

    def forward(self, X):
        """Return ``(r(X), X)``: the penalties differentiate r again at X."""
        return self.field().reconstruct(X), X

    def squared_error_backward(self, X, target):
        """The batch's squared reconstruction error, back-propagated by autograd (the
        interface of :meth:`AutoEncoderModule.squared_error_backward`)."""
        reconstructed, _ = output = self(X)
        residual = reconstructed - target
        loss = (residual * residual).sum() / X.shape[0]
        loss.backward()
        return loss.detach(), output

    def _probes(self, X):
        return rademacher(X.shape, self._probe_generator, X.dtype, X.device)

    def contraction(self, X, target="reconstruction"):
        r"""Hutchinson estimate of the batch mean of :math:`\lVert \partial r/\partial x
        \rVert_F^2` (or :math:`\lVert \partial h/\partial x\rVert_F^2` for
        ``target="encoder"``): :math:`\lVert J^\top z\rVert^2` with one Rademacher
        :math:`z` per sample, whose expectation is :math:`\lVert J\rVert_F^2`."""
        field = self.field()
        if target == "encoder":
            output, pullback = vjp(field.hidden, X)
        else:
            output, pullback = vjp(field.reconstruct, X)
        (pulled,) = pullback(self._probes(output))
        return (pulled * pulled).sum(1).mean()

    def asymmetry(self, X):
        r"""Hutchinson estimate of the batch mean of :math:`\tfrac12 \lVert J -
        J^\top\rVert_F^2`: :math:`\tfrac12 \lVert J z - J^\top z\rVert^2` with one
        Rademacher :math:`z` per sample; 0 for the gradient family."""
        if self.weight_tying != "untied":
            return X.new_zeros(())
        reconstruct = self.field().reconstruct
        probes = self._probes(X)
        _, pullback = vjp(reconstruct, X)
        difference = jvp(reconstruct, (X,), (probes,))[1] - pullback(probes)[0]
        return 0.5 * (difference * difference).sum(1).mean()

    @torch.no_grad()
    def project_weight_length_(self, length):
        """Rescale every unit's incoming weight vector (each column of every layer's
        weight matrix) to Euclidean norm ``length``."""
        for weight in [*self.encoder_weights, *self.decoder_weights]:
            norms = weight.norm(dim=0).clamp_min(torch.finfo(weight.dtype).tiny)
            weight.mul_(length / norms)


def _add_grad(parameter, gradient):
    """Accumulate ``gradient`` into ``parameter.grad``, as ``backward`` would."""
    if parameter.grad is None:
        parameter.grad = gradient
    else:
        parameter.grad.add_(gradient)


def module_arguments(hidden_layer_sizes):
    """The net's ``module`` and its own arguments for ``hidden_layer_sizes``: the
    one-hidden-layer module for ``()``, the deep one otherwise. What an estimator
    builds and what a saved net is rebuilt with both come from here."""
    hidden_layer_sizes = tuple(hidden_layer_sizes)
    if not hidden_layer_sizes:
        return {"module": AutoEncoderModule}
    return {"module": DeepAutoEncoderModule, "module__hidden_layer_sizes": hidden_layer_sizes}
