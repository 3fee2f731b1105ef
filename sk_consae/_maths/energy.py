r"""Energies (potentials) of auto-encoder vector fields.

An energy is a scalar :math:`F` with :math:`\nabla F(x) = r(x) - x`; higher means
more typical data (it is an unnormalised log-density up to scale).

* Tied or scaled weights (:math:`R = W\,\mathrm{diag}(s)`) have the closed form

  .. math:: F(x) = \sum_k s_k A(w_k^\top x + b_k) - \tfrac12 \lVert x - c\rVert^2,

  with :math:`A' = h` (:meth:`.OneLayerField.closed_form_energy`).
* Any field has the line integral from an origin :math:`x_0`,

  .. math:: F(x) = \int_0^1 v(x_0 + t (x - x_0)) \cdot (x - x_0)\, dt,

  which is exact when the field is conservative on the segment. For the
  one-hidden-layer model each pre-activation is affine in :math:`t`, so the integral
  has a closed form per hidden unit (:meth:`.OneLayerField.segment_energy`); for any other field
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

import numpy as np
import torch

__all__ = [
    "quadrature_energy",
    "gauss_legendre",
    "finite_energies",
    "finite_contributions",
]


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
