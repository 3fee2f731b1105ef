r"""Energies (potentials) of auto-encoder vector fields.

An energy is a scalar :math:`F` with :math:`\nabla F(x) = r(x) - x`; higher means
more typical data (it is an unnormalised log-density up to scale).

* Tied or scaled weights (:math:`R = W\,\mathrm{diag}(s)`) have the closed form

  .. math:: F(x) = \sum_k s_k A(w_k^\top x + b_k) - \tfrac12 \lVert x - c\rVert^2,

  with :math:`A' = h` (:func:`closed_form_energy`).
* Any field has the line integral from an origin :math:`x_0`,

  .. math:: F(x) = \int_0^1 v(x_0 + t (x - x_0)) \cdot (x - x_0)\, dt,

  which is exact when the field is conservative on the segment. For the
  one-hidden-layer model each pre-activation is affine in :math:`t`, so the integral
  has a closed form per hidden unit (:func:`segment_energy`); for any other field
  Gauss-Legendre quadrature is used (:func:`quadrature_energy`).

References
----------
.. [1] Im, Belghazi and Memisevic, "Conservativeness of untied auto-encoders",
   AAAI 2016, eq. (2)-(4).
.. [2] Kamyshanska and Memisevic, "The potential energy of an autoencoder",
   IEEE TPAMI 2015.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from .one_layer import OneLayerField

__all__ = [
    "closed_form_energy",
    "segment_energy",
    "segment_contributions",
    "quadrature_energy",
    "gauss_legendre",
    "finite_energies",
    "finite_contributions",
]


def closed_form_energy(field: OneLayerField, X: torch.Tensor) -> torch.Tensor:
    r"""Energy of a tied or scaled auto-encoder in closed form.

    .. math:: F(x) = \sum_k s_k A(w_k^\top x + b_k) - \tfrac12 \lVert x - c\rVert^2

    Its gradient is :math:`W\,\mathrm{diag}(s)\,h(u) + c - x = r(x) - x`. With sigmoid
    units it is the Gaussian-RBM free energy (paper eq. 4).

    Parameters
    ----------
    field : OneLayerField
        Must have ``potential_scale`` set (tied or scaled weights).
    X : Tensor of shape (n, D)

    Returns
    -------
    Tensor of shape (n,)
    """
    if not field.is_gradient:
        raise ValueError(
            "closed_form_energy needs tied or scaled weights; use segment_energy "
            "for an untied model."
        )
    potentials = field.activation.antiderivative(field.preactivation(X))
    centred = X - field.decoder_bias
    return potentials @ field.potential_scale - 0.5 * (centred * centred).sum(1)


def _segment_mean_hidden(field, X, origin, n_nodes):
    r"""Displacement :math:`d = x - x_0` and :math:`\bar h_k = \int_0^1 h(u_k(t))\,dt`
    along each segment, exactly (``n_nodes=None``) or with Gauss-Legendre nodes."""
    displacement = X - origin
    u_end = field.preactivation(X)
    u_start = field.preactivation(origin[None, :]).expand_as(u_end)
    if n_nodes is None:
        return displacement, field.activation.segment_mean(u_start, u_end)
    nodes, weights = gauss_legendre(n_nodes, dtype=X.dtype, device=X.device)
    mean_hidden = torch.zeros_like(u_end)
    for t, w in zip(nodes, weights):
        mean_hidden += w * field.activation.function(torch.lerp(u_start, u_end, t))
    return displacement, mean_hidden


def segment_energy(
    field: OneLayerField, X: torch.Tensor, origin: torch.Tensor, n_nodes: int = None
) -> torch.Tensor:
    r"""Line integral of :math:`v = r - x` from ``origin`` to each row of X.

    With :math:`d = x - x_0` and :math:`u_k(t) = u_k(x_0) + t\, w_k^\top d`,

    .. math::

        F(x) = \sum_k (r_k^\top d)\, \bar h_k
               + (c - x_0)^\top d - \tfrac12 \lVert d \rVert^2,
        \qquad
        \bar h_k = \int_0^1 h(u_k(t))\,dt = \frac{A(u_k(x)) - A(u_k(x_0))}
                                               {u_k(x) - u_k(x_0)} .

    With ``n_nodes=None`` each :math:`\bar h_k` is exact (divided difference of the
    antiderivative), so the energy is the limit of :func:`quadrature_energy` and stays
    exact across ReLU kinks. With an integer, :math:`\bar h_k` uses that many
    Gauss-Legendre nodes on :math:`h` itself. Either way the cost is two matrix
    products (:math:`u(x)` and :math:`R^\top d`) plus elementwise work per node,
    because every node's pre-activations interpolate :math:`u(x_0)` and :math:`u(x)`.
    For a tied or scaled model the result equals
    ``closed_form_energy(x) - closed_form_energy(x0)``.

    Parameters
    ----------
    field : OneLayerField
    X : Tensor of shape (n, D)
    origin : Tensor of shape (D,)
    n_nodes : int or None, default=None
        None for the exact per-unit integral, else Gauss-Legendre nodes.

    Returns
    -------
    Tensor of shape (n,)
    """
    displacement, mean_hidden = _segment_mean_hidden(field, X, origin, n_nodes)
    along_decoder = displacement @ field.decoder_weight
    return (
        (along_decoder * mean_hidden).sum(1)
        + displacement @ (field.decoder_bias - origin)
        - 0.5 * (displacement * displacement).sum(1)
    )


def segment_contributions(
    field: OneLayerField, X: torch.Tensor, origin: torch.Tensor, n_nodes: int = None
) -> torch.Tensor:
    r"""Split :func:`segment_energy` exactly over the input features.

    The line integral is a sum over coordinates, so feature :math:`i` contributes

    .. math::

        \phi_i(x) = d_i \int_0^1 v_i(x_0 + t d)\,dt
                  = d_i \Big(\sum_k R_{ik} \bar h_k + c_i - x_{0,i}
                             - \tfrac12 d_i\Big),
        \qquad \sum_i \phi_i(x) = F(x) - F(x_0),

    with :math:`d` and :math:`\bar h` as in :func:`segment_energy`. These are the
    integrated gradients of the energy from the baseline :math:`x_0` (Sundararajan
    et al. 2017): complete by construction, and for a conservative field the split of
    :math:`F(x) - F(x_0)` along the straight path. A feature whose move away from
    :math:`x_0` lowers the energy gets a negative contribution.

    Parameters
    ----------
    field : OneLayerField
    X : Tensor of shape (n, D)
    origin : Tensor of shape (D,)
    n_nodes : int or None, default=None
        As in :func:`segment_energy`; the same value makes the rows sum to it.

    Returns
    -------
    Tensor of shape (n, D)

    References
    ----------
    .. [1] Sundararajan, Taly and Yan, "Axiomatic attribution for deep networks",
       ICML 2017.
    """
    displacement, mean_hidden = _segment_mean_hidden(field, X, origin, n_nodes)
    mean_field = torch.addmm(field.decoder_bias - origin, mean_hidden, field.decoder_weight.T)
    return displacement * (mean_field - 0.5 * displacement)


def finite_energies(energies: torch.Tensor) -> torch.Tensor:
    r"""Energies with every non-finite value replaced by the dtype's lowest finite one.

    An energy is quadratic in :math:`x` far from the data
    (:math:`-\tfrac12 \lVert x\rVert^2` plus the hidden units' terms), so for inputs
    near the top of the float range it overflows, and opposite overflows give NaN. The
    energy of such a point is beyond the dtype's range; a normalisable density has
    :math:`\log p \to -\infty` far from the data, so the lowest finite energy is the
    value that ranks it correctly, and an outlier detector flags it.
    """
    lowest = torch.finfo(energies.dtype).min
    return torch.nan_to_num(energies, nan=lowest, posinf=lowest, neginf=lowest)


def finite_contributions(contributions: torch.Tensor) -> torch.Tensor:
    """Per-feature energy contributions with overflows clamped to the dtype's range
    (NaN, from opposite overflows, counts as lowering the energy most); see
    :func:`finite_energies`."""
    info = torch.finfo(contributions.dtype)
    return torch.nan_to_num(contributions, nan=info.min, posinf=info.max, neginf=info.min)


@lru_cache(maxsize=32)
def _gauss_legendre_numpy(n_nodes: int):
    nodes, weights = np.polynomial.legendre.leggauss(n_nodes)
    return 0.5 * (nodes + 1.0), 0.5 * weights


def gauss_legendre(n_nodes: int, dtype=torch.float64, device=None):
    """Gauss-Legendre nodes and weights on [0, 1], each a tensor of shape (n_nodes,)."""
    nodes, weights = _gauss_legendre_numpy(int(n_nodes))
    return (
        torch.as_tensor(nodes, dtype=dtype, device=device),
        torch.as_tensor(weights, dtype=dtype, device=device),
    )


def quadrature_energy(
    field_fn, X: torch.Tensor, origin: torch.Tensor, n_nodes: int = 16
) -> torch.Tensor:
    r"""Line integral of any field from ``origin`` by Gauss-Legendre quadrature.

    .. math::

        F(x) \approx \sum_{q=1}^{Q} \omega_q\, v(x_0 + t_q d) \cdot d,
        \qquad d = x - x_0,

    with nodes :math:`t_q` and weights :math:`\omega_q` of the :math:`Q`-point rule on
    [0, 1]. Exact for polynomial integrands up to degree :math:`2Q - 1`; for smooth
    fields the error falls geometrically with :math:`Q`.

    Parameters
    ----------
    field_fn : callable
        Maps a tensor (n, D) to the field's values (n, D).
    X : Tensor of shape (n, D)
    origin : Tensor of shape (D,) or (n, D)
        Where the path starts: one point for every row, or one per row.
    n_nodes : int, default=16

    Returns
    -------
    Tensor of shape (n,)
    """
    nodes, weights = gauss_legendre(n_nodes, dtype=X.dtype, device=X.device)
    displacement = X - origin
    energy = torch.zeros(X.shape[0], dtype=X.dtype, device=X.device)
    for t, w in zip(nodes, weights):
        values = field_fn(origin + t * displacement)
        energy += w * (values * displacement).sum(1)
    return energy
