r"""Auto-encoders with several hidden layers as vector fields (the paper's Prop. 1).

The encoder has layers :math:`h_0 = x`, :math:`u_i = W_i^\top h_{i-1} + b_i`,
:math:`h_i = h(u_i)` for :math:`i = 1, \dots, m`; the code is :math:`h_m`. Two
families of decoders:

*untied* (``potential_scale`` None)
    A free decoder mirroring the encoder: :math:`z_0 = h_m`,
    :math:`z_j = h(V_j^\top z_{j-1} + e_j)` for the hidden decoder layers and a linear
    last layer, :math:`r(x) = z_m`. Its field is arbitrary; the energy is the line
    integral of :math:`r(x) - x` from an origin, by Gauss-Legendre quadrature.

*gradient* (``potential_scale`` :math:`s`, ones when tied)
    :math:`r(x) = \nabla \Psi(x)` for the scalar network

    .. math:: \Psi(x) = \sum_k s_k A(u_{m,k}(x)) + c^\top x, \qquad A' = h,

    so :math:`r(x) = (\partial u_m / \partial x)^\top (s \circ h(u_m)) + c`: the
    decoder is the encoder's transposed Jacobian, i.e. backpropagation through the
    encoder. The Jacobian of :math:`r` is the Hessian of :math:`\Psi`, symmetric by
    construction, so the field is conservative with the exact energy
    :math:`F(x) = \Psi(x) - \frac12 \lVert x\rVert^2` (up to a constant). With one
    layer, :math:`r(x) = W \mathrm{diag}(s) h(W^\top x + b) + c`: the one-layer scaled
    (or tied) model.

The Jacobian metrics need only :math:`\lVert J\rVert_F^2` and
:math:`\operatorname{tr}(JJ)`, exactly or by Hutchinson's estimator, from forward and
reverse mode (:mod:`.autodiff`, which users' own fields share).

References
----------
.. [1] Im, Belghazi and Memisevic, "Conservativeness of untied auto-encoders",
   AAAI 2016, Prop. 1.
.. [2] Hutchinson, "A stochastic estimator of the trace of the influence matrix for
   Laplacian smoothing splines", 1989.
"""

from typing import NamedTuple

import torch
from torch.func import jacrev, vmap

from . import autodiff
from .activations import Activation
from .energy import gauss_legendre
from .field import Field
from .jacobian import antisymmetric_norm_from_norms, dense_curl, dense_symmetricity

__all__ = [
    "DeepField",
    "SMOOTH_ENERGY_NODES",
]

# Gauss-Legendre nodes of a deep field's line integrals where no exact rule exists
# (untied decoders, smooth units); the user guide gives the measured error.
SMOOTH_ENERGY_NODES = 32


class _DeepParameters(NamedTuple):
    """Parameters of a deep auto-encoder's reconstruction :math:`r(x)`.

    Attributes
    ----------
    encoder_weights, encoder_biases : tuple of Tensor
        :math:`W_i` of shape (in, out) and :math:`b_i`, from the input to the code.
    decoder_weights, decoder_biases : tuple of Tensor
        Untied: :math:`V_j` (in, out) and :math:`e_j`, from the code to the output.
        Gradient family: no weights and one bias, :math:`c` of shape (D,).
    activation : Activation
    potential_scale : Tensor of shape (H,) or None
        :math:`s` of the gradient family (ones when tied); None when untied.
    code_caps : Tensor of shape (H,) or None
        Untied ReLU models: where each code unit saturates (see :meth:`saturated`).
    """

    encoder_weights: tuple
    encoder_biases: tuple
    decoder_weights: tuple
    decoder_biases: tuple
    activation: Activation
    potential_scale: torch.Tensor | None = None
    code_caps: torch.Tensor | None = None


class DeepField(_DeepParameters, Field):
    __doc__ = _DeepParameters.__doc__

    @property
    def encoder_weight(self):
        """The first layer's weights (D, h_1): its shape gives the input dimension."""
        return self.encoder_weights[0]

    def to(self, dtype=None, device=None) -> "DeepField":
        """Return the parameters cast to ``dtype`` and moved to ``device``."""

        def cast(tensors):
            return tuple(t.to(device=device, dtype=dtype) for t in tensors)

        def cast_one(tensor):
            return None if tensor is None else tensor.to(device=device, dtype=dtype)

        return DeepField(
            cast(self.encoder_weights),
            cast(self.encoder_biases),
            cast(self.decoder_weights),
            cast(self.decoder_biases),
            self.activation,
            cast_one(self.potential_scale),
            cast_one(self.code_caps),
        )

    @property
    def code_width(self) -> int:
        return self.encoder_biases[-1].shape[0]

    @property
    def saturable(self) -> bool:
        # Untied only: the gradient family's decoder and exact energy read the code
        # layer through h and its antiderivative A, which capping would have to
        # replace at that layer alone (not done; one layer caps through the activation).
        return not self.is_gradient and self.activation.name == "relu"

    def saturated(self, caps):
        r"""The untied field with its code units capped at ``caps`` (shape (H,)),
        :math:`h_m = \min(h(u_m), c)`: the code is then bounded, and so is the decoder's
        output, a continuous function of it; far from the data the field is about
        :math:`-x` and the energy falls as :math:`-\lVert x\rVert^2 / 2`, as the
        denoising objective's limit does (see :meth:`.OneLayerField.saturated`). Only
        the code is capped, so the caps are a parameter of the field rather than of
        its one activation, which the layers before the code share."""
        return self._replace(code_caps=caps)

    def code(self, top):
        """The code :math:`h_m` from the code layer's pre-activations, capped if
        :attr:`code_caps` is set."""
        hidden = self.activation.function(top)
        if self.code_caps is None:
            return hidden
        return torch.minimum(hidden, self.code_caps.to(hidden))

    def parameters(self) -> dict:
        return {
            "encoder_weight": list(self.encoder_weights),
            "encoder_bias": list(self.encoder_biases),
            "decoder_weight": list(self.decoder_weights),
            "decoder_bias": list(self.decoder_biases),
            "potential_scale": self.potential_scale,
            "hidden_layer_sizes": tuple(b.shape[0] for b in self.encoder_biases[:-1]),
        }

    def norm_floats(self, n_features):  # 16 probes at a time, every layer's activations
        width = max(w.shape[1] for w in self.encoder_weights)
        return 16 * 8 * (n_features + width * (len(self.encoder_weights) + 1))

    def segment_floats(self, n_features):  # about one knot per unit that crosses its kink
        units = sum(b.numel() for b in self.encoder_biases)
        return 4 * max(n_features, units) * (2 + units)

    def exact_nodes(self, n_nodes):
        """``n_nodes``, or for None the exact rule where there is one: piece by piece
        for gradient fields of piecewise-linear units, else ``SMOOTH_ENERGY_NODES``."""
        if n_nodes is not None:
            return n_nodes
        exact = self.is_gradient and self.activation.kinks is not None
        return None if exact else SMOOTH_ENERGY_NODES

    def preactivations(self, X):
        """Pre-activations :math:`u_1, \\dots, u_m` of every encoder layer."""
        preactivations, hidden = [], X
        for W, b in zip(self.encoder_weights, self.encoder_biases):
            preactivations.append(torch.addmm(b, hidden, W))
            hidden = self.activation.function(preactivations[-1])
        return preactivations

    def hidden(self, X):
        return self.code(self.preactivations(X)[-1])

    def decode(self, hidden):
        """The untied decoder applied to codes of shape (n, H); shape (n, D)."""
        if self.is_gradient:
            raise ValueError(
                "a deep tied or scaled auto-encoder decodes through the encoder's Jacobian "
                "at x, so a code alone cannot be decoded; use reconstruct(X)."
            )
        last = len(self.decoder_weights) - 1
        for j, (V, e) in enumerate(zip(self.decoder_weights, self.decoder_biases)):
            hidden = torch.addmm(e, hidden, V)
            if j < last:
                hidden = self.activation.function(hidden)
        return hidden

    def reconstruct(self, X):
        r"""Return :math:`r(X)`, shape (n, D).

        Gradient family: backpropagation through the encoder written out,
        :math:`g_m = s \circ h(u_m)`, :math:`g_{i-1} = (g_i \circ h'(u_{i-1}))`-chain,
        so that training differentiates an explicit formula (no nested autograd).
        """
        preactivations = self.preactivations(X)
        if not self.is_gradient:
            return self.decode(self.code(preactivations[-1]))
        # dPsi/du_m = s h(u_m); dPsi/dh_{i-1} = dPsi/du_i W_i^T; dPsi/du_i = dPsi/dh_i h'(u_i).
        grad_u = self.potential_scale * self.activation.function(preactivations[-1])
        for i in range(len(self.encoder_weights) - 1, 0, -1):
            grad_h = grad_u @ self.encoder_weights[i].T
            grad_u = grad_h * self.activation.derivative(preactivations[i - 1])
        return torch.addmm(self.decoder_biases[0], grad_u, self.encoder_weights[0].T)

    def jacobian(self, X):
        """Dense Jacobians :math:`\\partial r / \\partial x` by reverse mode, (n, D, D)."""

        def reconstruct_row(x):
            return self.reconstruct(x[None])[0]

        return vmap(jacrev(reconstruct_row))(X)

    def jacobian_norms(self, X, n_probes=None, generator=None):
        """Exact, or Hutchinson's (see :func:`.autodiff.jacobian_norms`)."""
        return autodiff.jacobian_norms(self.reconstruct, X, n_probes, generator)

    def jacobian_trace(self, X, n_probes=None, generator=None):
        return autodiff.jacobian_trace(self.reconstruct, X, n_probes, generator)

    def curl_rows(self, X):
        """As :func:`~.jacobian.curl_rows` for one layer: signed from the 2 x 2 Jacobian
        in 2-D, :math:`\\lVert J - J^\\top\\rVert_F / \\sqrt 2` from the exact norms
        beyond; 0 for the gradient family and 1-D fields."""
        if self.is_gradient or X.shape[1] == 1:
            return torch.zeros(X.shape[0], dtype=X.dtype, device=X.device)
        if X.shape[1] == 2:
            return dense_curl(self.jacobian(X))
        return antisymmetric_norm_from_norms(*self.jacobian_norms(X)[:2])

    def linearised_symmetricity(self):
        return dense_symmetricity(self.linearised_map())

    def linearised_map(self):
        r"""The Jacobian with every :math:`h'` replaced by 1, a (D, D) matrix: the
        product of the weight matrices (:math:`R W^\top` for one layer; symmetric by
        construction in the gradient family)."""
        product = self.encoder_weights[0]
        for weight in self.encoder_weights[1:]:
            product = product @ weight
        if self.is_gradient:
            return (product * self.potential_scale) @ product.T
        for weight in self.decoder_weights:
            product = product @ weight
        return product.T  # x @ M.T is the linearised r(x) - biases: its Jacobian is M

    def energy(self, X, origin, n_nodes=None):
        r"""The gradient family's exact energy,
        :math:`F(x) = \sum_k s_k A(u_{m,k}) - \frac12 \lVert x - c\rVert^2` (the
        one-layer closed form for one layer; ``origin`` and ``n_nodes`` unused), else
        :meth:`segment_energy` with :meth:`exact_nodes`."""
        if not self.is_gradient:
            return self.segment_energy(X, origin, self.exact_nodes(n_nodes))
        top = self.preactivations(X)[-1]
        centred = X - self.decoder_biases[0]
        return self.activation.antiderivative(top) @ self.potential_scale - 0.5 * (
            centred * centred
        ).sum(1)

    def segment_energy(self, X, origin, n_nodes):
        r"""Line integral of :math:`v = r - x` from ``origin`` to each row of X,

        .. math:: F(x) = \int_0^1 v(x_0 + t (x - x_0)) \cdot (x - x_0)\,dt,

        with ``n_nodes`` Gauss-Legendre nodes (exact for polynomial fields of degree
        below :math:`2 n`), or exactly piece by piece when ``n_nodes`` is None (gradient
        family of piecewise-linear units). Shape (n,).
        """
        displacement, mean_field = self._mean_field_on_segments(X, origin, n_nodes)
        return (displacement * mean_field).sum(1)

    def energy_contributions(self, X, origin, n_nodes=None):
        r""":meth:`segment_energy` split over the features (integrated gradients),
        :math:`\phi_i = d_i \int_0^1 v_i(x_0 + t d)\,dt`, with :meth:`exact_nodes`;
        rows sum to the energy with the same nodes. Shape (n, D)."""
        displacement, mean_field = self._mean_field_on_segments(
            X, origin, self.exact_nodes(n_nodes)
        )
        return displacement * mean_field

    def _mean_field_on_segments(self, X, origin, n_nodes):
        r"""Displacement :math:`d = x - x_0` and :math:`\int_0^1 v(x_0 + t d)\,dt`: by
        Gauss-Legendre quadrature on [0, 1] with ``n_nodes`` nodes, or (``n_nodes``
        None, piecewise-linear units only) exactly, piece by piece
        (:meth:`_kink_crossings`)."""
        displacement = X - origin
        if n_nodes is None:
            knots = self._kink_crossings(origin, displacement)
            # Per row: each piece's midpoint and length, as columns of (n, 1).
            nodes = (0.5 * (knots[:, 1:] + knots[:, :-1])).T[..., None]
            weights = (knots[:, 1:] - knots[:, :-1]).T[..., None]
        else:
            nodes, weights = gauss_legendre(n_nodes, dtype=X.dtype, device=X.device)
        mean_field = torch.zeros_like(X)
        for t, w in zip(nodes, weights):
            points = origin + t * displacement
            mean_field += w * (self.reconstruct(points) - points)
        return displacement, mean_field

    def _kink_crossings(self, origin, displacement):
        r"""Sorted :math:`t \in [0, 1]` per row, (n, K), between which the gradient field
        of piecewise-linear units is affine on the segment :math:`x_0 + t d`.

        Layer by layer: between the knots found so far every earlier layer keeps its
        pattern, so layer :math:`i`'s pre-activations are affine there and cross a kink at
        most once per piece, where linear interpolation finds it exactly. Rows with fewer
        knots are padded with 1 (pieces of length 0). The field
        :math:`J_u^\top (s \circ h(u_m)) + c` is affine wherever every layer keeps its
        pattern, so the midpoint rule on each piece integrates it exactly (Sotoudeh and
        Thakur's ExactLine, 2019).
        """
        kinks = self.activation.kinks
        if kinks is None:
            raise ValueError(
                f"exact line integrals need piecewise-linear units; {self.activation.name!r} "
                "is smooth: pass a number of quadrature nodes."
            )
        n, D = displacement.shape
        knots = torch.tensor([0.0, 1.0], dtype=displacement.dtype, device=displacement.device)
        knots = knots.expand(n, 2)
        for layer in range(len(self.encoder_weights)):
            k = knots.shape[1]
            points = (origin + knots[..., None] * displacement[:, None, :]).reshape(n * k, D)
            u = self.preactivations(points)[layer].reshape(n, k, -1)
            crossings = []
            for kink in kinks:
                start, end = u[:, :-1] - kink, u[:, 1:] - kink
                crossing = start * end < 0
                t0, t1 = knots[:, :-1, None], knots[:, 1:, None]
                t = torch.where(crossing, t0 + (t1 - t0) * start / (start - end), 1.0)
                crossings.append(t.reshape(n, -1))
                k += int(crossing.reshape(n, -1).sum(1).max()) if n else 0
            merged = torch.sort(torch.cat([knots, *crossings], dim=1), dim=1).values
            knots = merged[:, :k]  # the padding (1.0) sorts last
        return knots
