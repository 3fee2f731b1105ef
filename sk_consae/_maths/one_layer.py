r"""The one-hidden-layer auto-encoder as a vector field.

.. math::

    u = W^\top x + b, \qquad r(x) = R\,h(u) + c, \qquad v(x) = r(x) - x .

:class:`OneLayerField` answers everything in closed form. Its Jacobian
:math:`J(x) = R\,\mathrm{diag}(h'(u))\,W^\top` is symmetric everywhere iff the field is
conservative (paper, Prop. 2), and its norms need only two :math:`H \times H` matrices
(:class:`JacobianForms`), never a :math:`D \times D` Jacobian: with :math:`d = h'(u)`,

.. math::

    \lVert J\rVert_F^2 = d^\top \big((R^\top R) \circ (W^\top W)\big)\, d,
    \qquad
    \operatorname{tr}(J J) = d^\top \big((W^\top R) \circ (W^\top R)^\top\big)\, d,

so a batch costs :math:`O(D H^2)` once plus :math:`O(H^2)` per sample, against
:math:`O(D^2 H)` per sample to form :math:`J`. Its energy is in closed form for tied and
scaled weights and exact per unit along segments for untied ones.

References
----------
.. [1] Im, Belghazi and Memisevic, "Conservativeness of untied auto-encoders",
   AAAI 2016, eq. (1) and Prop. 2.
"""

from functools import cached_property
from typing import NamedTuple

import torch

from .activations import Activation, saturating_relu
from .energy import gauss_legendre
from .field import Field
from .jacobian import antisymmetric_norm_from_norms, symmetricity_from_norms

__all__ = [
    "OneLayerField",
    "JacobianForms",
    "SquaredErrorGradients",
    "squared_error_gradients",
]


class JacobianForms(NamedTuple):
    r"""The two :math:`H \times H` matrices that give Jacobian norms in closed form.

    With :math:`d = h'(u)` the slopes at a point,
    :math:`\lVert J\rVert_F^2 = d^\top M_F\, d` and
    :math:`\operatorname{tr}(J J) = d^\top M_T\, d`, where ``frobenius`` is
    :math:`M_F = (R^\top R) \circ (W^\top W)` and ``trace_of_square`` is
    :math:`M_T = (W^\top R) \circ (W^\top R)^\top`.
    """

    frobenius: torch.Tensor
    trace_of_square: torch.Tensor


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
    def forms(self) -> JacobianForms:
        """The :class:`JacobianForms`, computed once per field (:math:`O(D H^2)`) and
        shared by every chunk of a batch."""
        W, R = self.encoder_weight, self.decoder_weight
        encoder_gram = W.T @ W
        decoder_gram = encoder_gram if self.tied else R.T @ R
        cross = W.T @ R
        return JacobianForms(decoder_gram * encoder_gram, cross * cross.T)

    @property
    def saturable(self) -> bool:
        return self.activation.name == "relu"

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
        """Return :math:`J(x) = R\\,\\mathrm{diag}(h'(u))\\,W^\\top` for each row, (n, D, D)."""
        slopes = self.activation.derivative(self.preactivation(X))
        scaled_decoder = self.decoder_weight[None, :, :] * slopes[:, None, :]
        return scaled_decoder @ self.encoder_weight.T

    def jacobian_norms(self, X, n_probes=None, generator=None):
        r""":math:`\lVert J\rVert_F^2 = d^\top M_F\, d` and :math:`\operatorname{tr}(JJ) =
        d^\top M_T\, d` per row, :math:`d = h'(u)`, from :attr:`forms`: exact, so
        ``n_probes`` and ``generator`` are not used (no standard errors)."""
        forms = self.forms
        slopes = self.activation.derivative(self.preactivation(X))
        frobenius_sq = ((slopes @ forms.frobenius) * slopes).sum(1)
        trace_sq = ((slopes @ forms.trace_of_square) * slopes).sum(1)
        return frobenius_sq, trace_sq, None, None

    def jacobian_trace(self, X, n_probes=None, generator=None):
        r"""Exact: :math:`\sum_k h'(u_k) \sum_i R_{ik} W_{ik}`; the probes are not used."""
        slopes = self.activation.derivative(self.preactivation(X))
        return slopes @ (self.encoder_weight * self.decoder_weight).sum(0)

    def exact_norms(self, n_probes) -> bool:
        return True

    def curl_rows(self, X):
        r"""Curl of the field :math:`v = r - x` at each row of X, shape (n,).

        * 2-D: the signed scalar curl
          :math:`\partial_1 v_2 - \partial_2 v_1
          = \sum_k h'(u_k)\,(R_{2k} W_{1k} - R_{1k} W_{2k})`, exact.
        * Higher dimension: :math:`\lVert J - J^\top\rVert_F / \sqrt 2` in closed form
          (the norm of the curl vector in 3-D).
        * Tied and scaled models, and 1-D fields: exactly 0.
        """
        if self.is_gradient or X.shape[1] == 1:
            return torch.zeros(X.shape[0], dtype=X.dtype, device=X.device)
        if X.shape[1] == 2:
            W, R = self.encoder_weight, self.decoder_weight
            wedge = R[1] * W[0] - R[0] * W[1]
            return self.activation.derivative(self.preactivation(X)) @ wedge
        return antisymmetric_norm_from_norms(*self.jacobian_norms(X)[:2])

    def linearised_symmetricity(self):
        return symmetricity_from_norms(self.forms.frobenius.sum(), self.forms.trace_of_square.sum())

    # --- the energy: closed form, or exact per unit along segments --------------------

    def energy(self, X, origin, n_nodes=None):
        """:meth:`closed_form_energy` for a gradient field (``origin`` and ``n_nodes``
        unused), else :meth:`segment_energy`."""
        if self.is_gradient:
            return self.closed_form_energy(X)
        return self.segment_energy(X, origin, n_nodes)

    def closed_form_energy(self, X):
        r"""Energy of a tied or scaled auto-encoder in closed form.

        .. math:: F(x) = \sum_k s_k A(w_k^\top x + b_k) - \tfrac12 \lVert x - c\rVert^2

        Its gradient is :math:`W\,\mathrm{diag}(s)\,h(u) + c - x = r(x) - x`. With sigmoid
        units it is the Gaussian-RBM free energy (paper eq. 4). Needs ``potential_scale``
        (tied or scaled weights).

        Parameters
        ----------
        X : Tensor of shape (n, D)

        Returns
        -------
        Tensor of shape (n,)
        """
        if not self.is_gradient:
            raise ValueError(
                "closed_form_energy needs tied or scaled weights; use segment_energy "
                "for an untied model."
            )
        potentials = self.activation.antiderivative(self.preactivation(X))
        centred = X - self.decoder_bias
        return potentials @ self.potential_scale - 0.5 * (centred * centred).sum(1)

    def segment_energy(self, X, origin, n_nodes=None):
        r"""Line integral of :math:`v = r - x` from ``origin`` to each row of X.

        With :math:`d = x - x_0` and :math:`u_k(t) = u_k(x_0) + t\, w_k^\top d`,

        .. math::

            F(x) = \sum_k (r_k^\top d)\, \bar h_k
                   + (c - x_0)^\top d - \tfrac12 \lVert d \rVert^2,
            \qquad
            \bar h_k = \int_0^1 h(u_k(t))\,dt = \frac{A(u_k(x)) - A(u_k(x_0))}
                                                   {u_k(x) - u_k(x_0)} .

        With ``n_nodes=None`` each :math:`\bar h_k` is exact (divided difference of the
        antiderivative), so the energy is the limit of :func:`~.energy.quadrature_energy` and stays
        exact across ReLU kinks. With an integer, :math:`\bar h_k` uses that many
        Gauss-Legendre nodes on :math:`h` itself. Either way the cost is two matrix
        products (:math:`u(x)` and :math:`R^\top d`) plus elementwise work per node,
        because every node's pre-activations interpolate :math:`u(x_0)` and :math:`u(x)`.
        For a tied or scaled model the result equals
        ``closed_form_energy(x) - closed_form_energy(x0)``.

        Parameters
        ----------
        X : Tensor of shape (n, D)
        origin : Tensor of shape (D,)
        n_nodes : int or None, default=None
            None for the exact per-unit integral, else Gauss-Legendre nodes.

        Returns
        -------
        Tensor of shape (n,)
        """
        displacement, mean_hidden = self._segment_mean_hidden(X, origin, n_nodes)
        along_decoder = displacement @ self.decoder_weight
        return (
            (along_decoder * mean_hidden).sum(1)
            + displacement @ (self.decoder_bias - origin)
            - 0.5 * (displacement * displacement).sum(1)
        )

    def energy_contributions(self, X, origin, n_nodes=None):
        r"""Split :meth:`segment_energy` exactly over the input features.

        The line integral is a sum over coordinates, so feature :math:`i` contributes

        .. math::

            \phi_i(x) = d_i \int_0^1 v_i(x_0 + t d)\,dt
                      = d_i \Big(\sum_k R_{ik} \bar h_k + c_i - x_{0,i}
                                 - \tfrac12 d_i\Big),
            \qquad \sum_i \phi_i(x) = F(x) - F(x_0),

        with :math:`d` and :math:`\bar h` as in :meth:`segment_energy`. These are the
        integrated gradients of the energy from the baseline :math:`x_0` (Sundararajan
        et al. 2017): complete by construction, and for a conservative field the split of
        :math:`F(x) - F(x_0)` along the straight path. A feature whose move away from
        :math:`x_0` lowers the energy gets a negative contribution.

        Parameters
        ----------
        X : Tensor of shape (n, D)
        origin : Tensor of shape (D,)
        n_nodes : int or None, default=None
            As in :meth:`segment_energy`; the same value makes the rows sum to it.

        Returns
        -------
        Tensor of shape (n, D)

        References
        ----------
        .. [1] Sundararajan, Taly and Yan, "Axiomatic attribution for deep networks",
           ICML 2017.
        """
        displacement, mean_hidden = self._segment_mean_hidden(X, origin, n_nodes)
        mean_field = torch.addmm(self.decoder_bias - origin, mean_hidden, self.decoder_weight.T)
        return displacement * (mean_field - 0.5 * displacement)

    def _segment_mean_hidden(self, X, origin, n_nodes):
        r"""Displacement :math:`d = x - x_0` and :math:`\bar h_k = \int_0^1 h(u_k(t))\,dt`
        along each segment, exactly (``n_nodes=None``) or with Gauss-Legendre nodes."""
        displacement = X - origin
        u_end = self.preactivation(X)
        u_start = self.preactivation(origin[None, :]).expand_as(u_end)
        if n_nodes is None:
            return displacement, self.activation.segment_mean(u_start, u_end)
        nodes, weights = gauss_legendre(n_nodes, dtype=X.dtype, device=X.device)
        mean_hidden = torch.zeros_like(u_end)
        for t, w in zip(nodes, weights):
            mean_hidden += w * self.activation.function(torch.lerp(u_start, u_end, t))
        return displacement, mean_hidden


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
