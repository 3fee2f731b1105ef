r"""Jacobians of one-hidden-layer fields and how far they are from symmetric.

.. math:: J(x) = \frac{\partial r}{\partial x} = R\,\mathrm{diag}(h'(u))\,W^\top

The field is conservative iff :math:`J` is symmetric everywhere (paper, Prop. 2).
Symmetricity and curl need only two :math:`H \times H` matrices, never a
:math:`D \times D` Jacobian. With :math:`d = h'(u)`:

.. math::

    \lVert J\rVert_F^2 = d^\top \big((R^\top R) \circ (W^\top W)\big)\, d,
    \qquad
    \operatorname{tr}(J J) = d^\top \big((W^\top R) \circ (W^\top R)^\top\big)\, d,

so a batch costs :math:`O(D H^2)` once plus :math:`O(H^2)` per sample, against
:math:`O(D^2 H)` per sample to form :math:`J`.

References
----------
.. [1] Im, Belghazi and Memisevic, "Conservativeness of untied auto-encoders",
   AAAI 2016, Prop. 2 and Table 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import torch

if TYPE_CHECKING:
    from .one_layer import OneLayerField

__all__ = [
    "jacobian",
    "JacobianForms",
    "jacobian_forms",
    "jacobian_norms",
    "symmetricity_from_norms",
    "antisymmetric_norm_from_norms",
    "dense_symmetricity",
    "curl_rows",
    "dense_curl",
    "asymmetry_from_norms",
]


def jacobian(field: OneLayerField, X: torch.Tensor) -> torch.Tensor:
    """Return :math:`J(x) = R\\,\\mathrm{diag}(h'(u))\\,W^\\top` for each row, (n, D, D)."""
    slopes = field.activation.derivative(field.preactivation(X))
    scaled_decoder = field.decoder_weight[None, :, :] * slopes[:, None, :]
    return scaled_decoder @ field.encoder_weight.T


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


def jacobian_forms(field: OneLayerField) -> JacobianForms:
    """Return the :class:`JacobianForms` of ``field`` (cost :math:`O(D H^2)`)."""
    W, R = field.encoder_weight, field.decoder_weight
    encoder_gram = W.T @ W
    decoder_gram = encoder_gram if field.tied else R.T @ R
    cross = W.T @ R
    return JacobianForms(decoder_gram * encoder_gram, cross * cross.T)


def jacobian_norms(field: OneLayerField, X: torch.Tensor, forms: JacobianForms = None):
    r"""Return :math:`\lVert J\rVert_F^2` and :math:`\operatorname{tr}(JJ)` per row.

    Parameters
    ----------
    field : OneLayerField
    X : Tensor of shape (n, D)
    forms : JacobianForms, optional
        Precomputed :func:`jacobian_forms`, to share across batches.

    Returns
    -------
    frobenius_sq, trace_sq : Tensors of shape (n,)
    """
    if forms is None:
        forms = jacobian_forms(field)
    slopes = field.activation.derivative(field.preactivation(X))
    frobenius_sq = ((slopes @ forms.frobenius) * slopes).sum(1)
    trace_sq = ((slopes @ forms.trace_of_square) * slopes).sum(1)
    return frobenius_sq, trace_sq


def symmetricity_from_norms(frobenius_sq, trace_sq):
    r"""Symmetricity :math:`\lVert (J + J^\top)/2\rVert_F / \lVert J\rVert_F`.

    .. math::

        \mathrm{sym}(J) = \sqrt{\tfrac12 \big(1 + \operatorname{tr}(JJ) /
        \lVert J\rVert_F^2\big)} \in [0, 1]

    A zero Jacobian is symmetric: its symmetricity is 1. Rounding can push the ratio
    just outside [-1, 1]; it is clipped.
    """
    zero = frobenius_sq <= 0
    ratio = trace_sq / torch.where(zero, torch.ones_like(frobenius_sq), frobenius_sq)
    value = torch.sqrt(torch.clamp(0.5 * (1.0 + ratio), 0.0, 1.0))
    return torch.where(zero, torch.ones_like(value), value)


def antisymmetric_norm_from_norms(frobenius_sq, trace_sq):
    r"""Return :math:`\lVert J - J^\top\rVert_F / \sqrt2 =
    \sqrt{\lVert J\rVert_F^2 - \operatorname{tr}(JJ)}`.

    In 2-D this is :math:`|\partial_1 v_2 - \partial_2 v_1|`, the magnitude of the
    curl; in 3-D the norm of the curl vector. Being the square root of a difference,
    its absolute error is about
    :math:`\sqrt{\epsilon \sum_{kl} |d_k d_l M_{kl}|}` with :math:`M` the Frobenius
    form: about :math:`10^{-8} \lVert J\rVert_F` in float64 when the terms do not
    cancel, and it only matters when :math:`J` is nearly symmetric.
    """
    return torch.sqrt(torch.clamp(frobenius_sq - trace_sq, min=0.0))


def dense_symmetricity(A: torch.Tensor) -> torch.Tensor:
    r"""Symmetricity :math:`\lVert (A + A^\top)/2\rVert_F / \lVert A\rVert_F` of
    square matrices, shape (..., D, D) -> (...). A zero matrix scores 1."""
    # Scale-invariant: divide by the largest entry so that squares cannot overflow.
    largest = A.abs().amax((-2, -1), keepdim=True)
    A = A / torch.where(largest > 0, largest, torch.ones_like(largest))
    frobenius_sq = (A * A).sum((-2, -1))
    trace_sq = (A * A.transpose(-2, -1)).sum((-2, -1))
    return symmetricity_from_norms(frobenius_sq, trace_sq)


def asymmetry_from_norms(frobenius_sq, trace_sq, normalize=False):
    r"""QCSBM's Asym :math:`= \lVert J\rVert_F^2 - \operatorname{tr}(JJ)` or, with
    ``normalize``, NAsym :math:`=` Asym :math:`/ (2 \lVert J\rVert_F^2)` (0 where
    :math:`J = 0`)."""
    asymmetry = (frobenius_sq - trace_sq).clamp_min(0)  # >= 0; rounding can dip below
    if not normalize:
        return asymmetry
    safe = torch.where(frobenius_sq > 0, frobenius_sq, torch.ones_like(frobenius_sq))
    return torch.where(frobenius_sq > 0, asymmetry / (2 * safe), torch.zeros_like(safe))


def curl_rows(field: OneLayerField, X: torch.Tensor, forms: JacobianForms = None):
    r"""Curl of the field :math:`v = r - x` at each row of X, shape (n,).

    * 2-D: the signed scalar curl
      :math:`\partial_1 v_2 - \partial_2 v_1
      = \sum_k h'(u_k)\,(R_{2k} W_{1k} - R_{1k} W_{2k})`, exact.
    * Higher dimension: :math:`\lVert J - J^\top\rVert_F / \sqrt 2` in closed form
      (the norm of the curl vector in 3-D).
    * Tied and scaled models, and 1-D fields: exactly 0.
    """
    if field.is_gradient or X.shape[1] == 1:
        return torch.zeros(X.shape[0], dtype=X.dtype, device=X.device)
    if X.shape[1] == 2:
        W, R = field.encoder_weight, field.decoder_weight
        wedge = R[1] * W[0] - R[0] * W[1]
        return field.activation.derivative(field.preactivation(X)) @ wedge
    return antisymmetric_norm_from_norms(*jacobian_norms(field, X, forms))


def dense_curl(J: torch.Tensor) -> torch.Tensor:
    r"""Curl from Jacobians (n, D, D): signed in 2-D, :math:`\lVert J - J^\top\rVert_F
    / \sqrt 2` otherwise."""
    if J.shape[-1] == 2:
        return J[..., 1, 0] - J[..., 0, 1]
    return torch.linalg.matrix_norm(J - J.transpose(-2, -1)) / 2**0.5
