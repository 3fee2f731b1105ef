r"""How far a Jacobian is from symmetric, from two numbers per point or from dense
Jacobians: symmetricity, QCSBM's asymmetry and the curl.

Every family computes :math:`\lVert J\rVert_F^2` and :math:`\operatorname{tr}(JJ)` its own
way (the one-layer field in closed form, others by forward and reverse mode); the
measures follow from those two alone.

References
----------
.. [1] Im, Belghazi and Memisevic, "Conservativeness of untied auto-encoders",
   AAAI 2016, Prop. 2 and Table 1.
"""

from __future__ import annotations

import torch

__all__ = [
    "symmetricity_from_norms",
    "antisymmetric_norm_from_norms",
    "dense_symmetricity",
    "dense_curl",
    "asymmetry_from_norms",
]


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


def dense_curl(J: torch.Tensor) -> torch.Tensor:
    r"""Curl from Jacobians (n, D, D): signed in 2-D, :math:`\lVert J - J^\top\rVert_F
    / \sqrt 2` otherwise."""
    if J.shape[-1] == 2:
        return J[..., 1, 0] - J[..., 0, 1]
    return torch.linalg.matrix_norm(J - J.transpose(-2, -1)) / 2**0.5
