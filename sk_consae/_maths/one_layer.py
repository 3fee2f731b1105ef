r"""The one-hidden-layer auto-encoder as a vector field.

.. math::

    u = W^\top x + b, \qquad r(x) = R\,h(u) + c, \qquad v(x) = r(x) - x .

Functions here take a :class:`OneLayerField` (the parameters) and a batch ``X`` of
shape ``(n, D)`` and return tensors; they hold no state and know nothing of
estimators.

References
----------
.. [1] Im, Belghazi and Memisevic, "Conservativeness of untied auto-encoders",
   AAAI 2016, eq. (1) and Prop. 2.
"""

from functools import cached_property
from typing import NamedTuple

import torch

from .activations import Activation, saturating_relu
from .energy import closed_form_energy, segment_contributions, segment_energy
from .field import Field
from .jacobian import (
    curl_rows,
    jacobian,
    jacobian_forms,
    jacobian_norms,
    symmetricity_from_norms,
)

__all__ = [
    "OneLayerField",
    "SquaredErrorGradients",
    "squared_error_gradients",
]


class _OneLayerParameters(NamedTuple):
    """Parameters of :math:`r(x) = R\\,h(W^\\top x + b) + c`.

    Attributes
    ----------
    encoder_weight : Tensor of shape (D, H)
        :math:`W`; column :math:`w_k` belongs to hidden unit :math:`k`.
    encoder_bias : Tensor of shape (H,)
        :math:`b`.
    decoder_weight : Tensor of shape (D, H)
        :math:`R`.
    decoder_bias : Tensor of shape (D,)
        :math:`c`.
    activation : Activation
        :math:`h` with :math:`h'` and an antiderivative.
    potential_scale : Tensor of shape (H,) or None
        :math:`s` when :math:`R = W\\,\\mathrm{diag}(s)` by construction (all ones for
        tied weights): the field is then the gradient of a closed-form energy. None
        for an untied model.
    tied : bool, default=False
        :math:`R = W` by construction (tied weights); computations may then reuse
        :math:`W`-only products for :math:`R`.
    """

    encoder_weight: torch.Tensor
    encoder_bias: torch.Tensor
    decoder_weight: torch.Tensor
    decoder_bias: torch.Tensor
    activation: Activation
    potential_scale: torch.Tensor | None = None
    tied: bool = False


class OneLayerField(_OneLayerParameters, Field):
    __doc__ = _OneLayerParameters.__doc__

    def to(self, dtype=None, device=None) -> "OneLayerField":
        """Return the parameters cast to ``dtype`` and moved to ``device``.

        A tied or scaled decoder is rebuilt from the cast :math:`W` and :math:`s`, so
        it stays exactly :math:`W\\,\\mathrm{diag}(s)` in the new dtype.
        """

        def cast(tensor):
            return tensor.to(device=device, dtype=dtype)

        W = cast(self.encoder_weight)
        scale = self.potential_scale
        if scale is None:
            R = cast(self.decoder_weight)
        else:
            scale = cast(scale)
            R = W if self.tied else W * scale
        bias, decoder_bias = cast(self.encoder_bias), cast(self.decoder_bias)
        return OneLayerField(W, bias, R, decoder_bias, self.activation, scale, self.tied)

    def parameters(self) -> dict:
        return {
            "encoder_weight": self.encoder_weight,
            "encoder_bias": self.encoder_bias,
            "decoder_weight": self.decoder_weight,
            "decoder_bias": self.decoder_bias,
            "potential_scale": self.potential_scale,
        }

    @cached_property
    def forms(self):
        """The :class:`~.jacobian.JacobianForms`, computed once per field
        (:math:`O(D H^2)`) and shared by every chunk of a batch."""
        return jacobian_forms(self)

    def saturated(self, caps):
        r"""The field with ReLU units capped at ``caps`` (shape (H,)): see
        :func:`~.activations.saturating_relu`. The reconstruction is then bounded,
        :math:`\lVert r(x) - c\rVert \le \sum_k c_k \lVert R_k\rVert`, so far from the
        data the field is about :math:`-x` and the energy falls as
        :math:`-\lVert x\rVert^2 / 2`, as the denoising objective's limit does."""
        return self._replace(activation=saturating_relu(caps))

    # --- the map: closed forms ------------------------------------------------------

    def preactivation(self, X):
        """Return :math:`U = X W + b`, shape (n, H)."""
        return torch.addmm(self.encoder_bias, X, self.encoder_weight)

    def hidden(self, X):
        return self.activation.function(self.preactivation(X))

    def decode(self, hidden):
        """Return :math:`h R^\\top + c` for hidden activations of shape (n, H)."""
        return torch.addmm(self.decoder_bias, hidden, self.decoder_weight.T)

    def reconstruct(self, X):
        """Return :math:`r(X) = h(U) R^\\top + c`, shape (n, D)."""
        return self.decode(self.hidden(X))

    # --- the Jacobian: from two H x H matrices, never D x D ---------------------------

    def jacobian(self, X):
        return jacobian(self, X)

    def jacobian_norms(self, X, n_probes=None, generator=None):
        """Exact in closed form; ``n_probes`` and ``generator`` are not used."""
        return (*jacobian_norms(self, X, self.forms), None, None)

    def jacobian_trace(self, X, n_probes=None, generator=None):
        r"""Exact: :math:`\sum_k h'(u_k) \sum_i R_{ik} W_{ik}`; the probes are not used."""
        slopes = self.activation.derivative(self.preactivation(X))
        return slopes @ (self.encoder_weight * self.decoder_weight).sum(0)

    def exact_norms(self, n_probes) -> bool:
        return True

    def curl_rows(self, X):
        needs_forms = not self.is_gradient and X.shape[1] > 2
        return curl_rows(self, X, self.forms if needs_forms else None)

    def linearised_symmetricity(self):
        return symmetricity_from_norms(self.forms.frobenius.sum(), self.forms.trace_of_square.sum())

    # --- the energy: closed form, or exact per unit along segments --------------------

    def energy(self, X, origin, n_nodes=None):
        if self.is_gradient:
            return closed_form_energy(self, X)
        return segment_energy(self, X, origin, n_nodes)

    def energy_contributions(self, X, origin, n_nodes=None):
        return segment_contributions(self, X, origin, n_nodes)


class SquaredErrorGradients(NamedTuple):
    r"""The training loss of one batch, what its forward pass made, and its gradients.

    Attributes
    ----------
    loss : Tensor of shape ()
        :math:`L = \frac1n \sum_i \lVert r(x_i) - t_i\rVert^2`.
    reconstruction : Tensor of shape (n, D)
        :math:`r(X)`.
    preactivation : Tensor of shape (n, H)
        :math:`U = X W + b`.
    encoder_weight, encoder_bias, decoder_weight, decoder_bias : Tensor
        :math:`\partial L / \partial W` (through the encoder only),
        :math:`\partial L / \partial b`, :math:`\partial L / \partial R` and
        :math:`\partial L / \partial c`, with :math:`W` and :math:`R` as independent
        matrices; a tied or scaled model adds the decoder's share to :math:`W` by the
        chain rule through its :math:`R(W)`.
    """

    loss: torch.Tensor
    reconstruction: torch.Tensor
    preactivation: torch.Tensor
    encoder_weight: torch.Tensor
    encoder_bias: torch.Tensor
    decoder_weight: torch.Tensor
    decoder_bias: torch.Tensor


def squared_error_gradients(
    field: OneLayerField, X: torch.Tensor, target: torch.Tensor
) -> SquaredErrorGradients:
    r"""The squared reconstruction error of a batch and its gradients, in closed form.

    With :math:`E = \frac2n (r(X) - T)` (the gradient of :math:`L` in :math:`r`),

    .. math::

        \frac{\partial L}{\partial R} = E^\top h(U), \quad
        \frac{\partial L}{\partial c} = E^\top \mathbf 1, \quad
        G = (E R) \odot h'(U), \quad
        \frac{\partial L}{\partial W} = X^\top G, \quad
        \frac{\partial L}{\partial b} = G^\top \mathbf 1 .

    Four products of the batch's size, the same as autograd's backward pass, without
    its graph: for the small products of tabular data the graph's bookkeeping is a
    large part of a training step.

    Parameters
    ----------
    field : OneLayerField
    X : Tensor of shape (n, D)
        The (noisy) inputs.
    target : Tensor of shape (n, D)
        What the reconstruction should match.

    Returns
    -------
    SquaredErrorGradients
    """
    U = field.preactivation(X)
    hidden = field.activation.function(U)
    reconstructed = field.decode(hidden)
    residual = reconstructed - target
    n = X.shape[0]
    loss = (residual * residual).sum() / n
    error = residual * (2.0 / n)
    pre_gradient = (error @ field.decoder_weight) * field.activation.derivative(U)
    return SquaredErrorGradients(
        loss,
        reconstructed,
        U,
        X.T @ pre_gradient,
        pre_gradient.sum(0),
        error.T @ hidden,
        error.sum(0),
    )
