r"""Jacobian quantities of any differentiable map of rows, by forward and reverse mode.

For a map :math:`f` applied row by row to a batch ``X`` of shape (n, D) (a torch
function of tensors), the Jacobian metrics need only :math:`\lVert J\rVert_F^2` and
:math:`\operatorname{tr}(JJ)` per row, :math:`J = \partial f / \partial x`: exactly from
the :math:`D` products :math:`J e_j` and :math:`J^\top e_j`, or estimated from
Rademacher probes :math:`z` (Hutchinson),

.. math::

    \lVert J\rVert_F^2 = E \lVert J z\rVert^2, \qquad
    \operatorname{tr}(JJ) = E[(J^\top z)^\top (J z)], \qquad
    \operatorname{tr} J = E[z^\top J z],

never a :math:`D \times D` matrix per row. The products are Jacobian-vector and
vector-Jacobian products of the whole batch (``torch.func.jvp`` and ``vjp``): since
row i of :math:`f(X)` depends on row i of X alone, row i of the product is
:math:`J(x_i) z_i`. Deep auto-encoders and users' own fields both use this module.

References
----------
.. [1] Hutchinson, M. F. "A stochastic estimator of the trace of the influence matrix
   for Laplacian smoothing splines", 1989.
"""

import numpy as np
import torch
from torch.func import jvp, vjp, vmap

from .row_draws import BLOCK_ROWS, draws_for_rows

__all__ = [
    "rademacher",
    "row_probes",
    "probe_chunks",
    "jacobian_columns",
    "jacobian_norms",
    "jacobian_trace",
]


def rademacher(shape, generator, dtype, device):
    """Independent +-1 entries with probability 1/2 each."""
    bits = torch.randint(0, 2, shape, generator=generator, dtype=torch.int8)
    return (2 * bits - 1).to(dtype=dtype, device=device)


def row_probes(seed, start, stop, n_probes, n_features):
    """Rademacher probes of shape (n_probes, stop - start, n_features), int8, for rows
    ``start`` to ``stop`` of a data set, drawn per block of rows from ``(seed, block)``
    (:func:`~.row_draws.draws_for_rows`), so an estimate is the same whichever chunks
    the rows are computed in."""

    def draw_block(block):
        state = np.random.SeedSequence([int(seed), block]).generate_state(1)[0]
        generator = torch.Generator().manual_seed(int(state))
        shape = (n_probes, BLOCK_ROWS, n_features)
        bits = torch.randint(0, 2, shape, generator=generator, dtype=torch.int8)
        return bits.mul_(2).sub_(1)

    return draws_for_rows(start, stop, draw_block)


def probe_chunks(X, n_probes, generator, chunk):
    """Probes of shape (size, n, D), ``chunk`` at a time: the :math:`D` basis vectors
    (``n_probes`` None, exact) or ``n_probes`` Rademacher probes per row of X, drawn
    with ``generator`` or given as a tensor of shape (n_probes, n, D) (Hutchinson)."""
    n, D = X.shape
    total = D if n_probes is None else n_probes
    for start in range(0, total, chunk):
        size = min(chunk, total - start)
        if n_probes is None:
            basis = torch.eye(D, dtype=X.dtype, device=X.device)[start : start + size]
            yield basis[:, None, :].expand(size, n, D)
        elif isinstance(generator, torch.Tensor):
            yield generator[start : start + size].to(dtype=X.dtype, device=X.device)
        else:
            yield rademacher((size, n, D), generator, X.dtype, X.device)


def _products(fn, X, probes):
    """:math:`J z` and :math:`J^\\top z` for probes of shape (k, n, D)."""
    _, pullback = vjp(fn, X)

    def both(z):
        return jvp(fn, (X,), (z,))[1], pullback(z)[0]

    return vmap(both)(probes)


def jacobian_columns(fn, X):
    """Dense Jacobians :math:`\\partial f / \\partial x` per row, (n, D_out, D), from
    :math:`D` Jacobian-vector products: for small D (the curl in 2-D)."""
    probes = next(probe_chunks(X, None, None, X.shape[1]))

    def product(z):
        return jvp(fn, (X,), (z,))[1]

    return vmap(product)(probes).permute(1, 2, 0)


def jacobian_norms(fn, X, n_probes=None, generator=None, chunk=16):
    r""":math:`\lVert J\rVert_F^2` and :math:`\operatorname{tr}(JJ)` per row of X.

    Parameters
    ----------
    fn : callable
        A torch function of a batch (n, D), applied row by row, returning (n, D).
    X : Tensor of shape (n, D)
    n_probes : int or None, default=None
        None: exact, from the :math:`D` basis vectors in chunks of ``chunk``
        (:math:`2 D` products per row, memory ``chunk * n * D`` plus ``fn``'s own).
        An int: Hutchinson's estimate from that many Rademacher probes per row.
    generator : torch.Generator or Tensor, optional
        Draws the probes, or holds them (``n_probes``, n, D) (see :func:`row_probes`).
    chunk : int, default=16
        Probes or basis vectors pushed through at once.

    Returns
    -------
    frobenius_sq, trace_sq : Tensor of shape (n,)
    frobenius_se, trace_se : Tensor of shape (n,) or None
        Standard errors of the two estimates (None when exact).
    """
    n, D = X.shape
    total = D if n_probes is None else n_probes
    sums = [torch.zeros(n, dtype=X.dtype, device=X.device) for _ in range(4)]
    for probes in probe_chunks(X, n_probes, generator, chunk):
        forward, backward = _products(fn, X, probes)
        frobenius = (forward * forward).sum(-1)  # (size, n)
        trace = (forward * backward).sum(-1)
        for index, values in enumerate((frobenius, trace, frobenius**2, trace**2)):
            sums[index] += values.sum(0)
    if n_probes is None:
        return sums[0], sums[1], None, None
    means = [s / total for s in sums[:2]]
    errors = [
        torch.sqrt(torch.clamp(square / total - mean**2, min=0.0) / max(total - 1, 1))
        for mean, square in zip(means, sums[2:])
    ]
    return means[0], means[1], errors[0], errors[1]


def jacobian_trace(fn, X, n_probes=None, generator=None, chunk=16):
    r""":math:`\operatorname{tr} J(x)` per row of X, by forward mode: exact from the
    :math:`D` basis vectors (:math:`\sum_j (J e_j)_j`), or with ``n_probes``
    Hutchinson's estimate :math:`E[z^\top J z]` from Rademacher probes drawn with
    ``generator``."""

    def product(z):
        return jvp(fn, (X,), (z,))[1]

    trace = torch.zeros(X.shape[0], dtype=X.dtype, device=X.device)
    for probes in probe_chunks(X, n_probes, generator, chunk):
        trace += (probes * vmap(product)(probes)).sum(-1).sum(0)
    return trace if n_probes is None else trace / n_probes
