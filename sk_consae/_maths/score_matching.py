r"""Score matching: how well a field's energy, at a temperature, describes a density.

An energy :math:`F` with :math:`\nabla F = v = r - x` read as a log-density at
temperature :math:`T`, :math:`\log \hat p = F / T + \text{const}`, has the Hyvärinen
objective on samples of :math:`p`

.. math::

    H(T) = E_p\Big[\tfrac12 \lVert \nabla \log \hat p \rVert^2
                 + \Delta \log \hat p\Big]
         = \frac{a}{T^2} + \frac{b}{T}, \qquad
    a = E\,\tfrac12 \lVert v \rVert^2, \quad b = E\,\nabla \cdot v
      = E \operatorname{tr} J - D,

which equals :math:`E_p \tfrac12 \lVert \nabla \log \hat p - \nabla \log p\rVert^2`
up to a constant of :math:`p` alone (Hyvärinen 2005): lower is better, it needs no
normaliser, and adding a constant to :math:`F` does not change it. Over :math:`T > 0`
it is smallest at :math:`T^* = -2a / b` when :math:`b < 0` (the field contracts on
average, as a density's score does): the temperature that makes :math:`F / T` the
best score-matching fit. For :math:`p = N(\mu, \Sigma)` and the field
:math:`v = -c\,\Sigma^{-1}(x - \mu)` of a denoising model at any noise level,
:math:`T^* = c` and :math:`F / T^*` is :math:`\log p` exactly.

The Hyvärinen objective reads the field at the samples only. Its denoising form
(Vincent 2011) reads it at noisy points :math:`\tilde x = x + \sigma\varepsilon`:
:math:`E\lVert \nabla \log \hat p(\tilde x) + (\tilde x - x)/\sigma^2\rVert^2` is
smallest at the score of the smoothed density :math:`p_\sigma = p * N(0, \sigma^2 I)`;
:func:`denoised_fraction` is that objective at the best temperature, as a fraction.

References
----------
.. [1] Hyvärinen, A. "Estimation of non-normalized statistical models by score
   matching", JMLR 6, 2005.
.. [2] Vincent, P. "A connection between score matching and denoising
   autoencoders", Neural Computation 23(7), 2011.
"""

import numpy as np
import torch

from .row_draws import BLOCK_ROWS, draws_for_rows

__all__ = [
    "hyvarinen_terms",
    "fitted_temperature",
    "hyvarinen_scores",
    "denoising_terms",
    "row_noise",
    "denoised_fraction",
]


def hyvarinen_terms(field, X, n_probes=None, generator=None):
    r""":math:`\tfrac12 \lVert v(x)\rVert^2` and :math:`\nabla \cdot v(x)` per row,
    shape (n, 2).

    The divergence is :math:`\operatorname{tr} J(x) - D`, exact or Hutchinson's
    estimate as :meth:`~.field.Field.jacobian_trace` gives it.
    """
    v = field.vector_field(X)
    divergence = field.jacobian_trace(X, n_probes, generator) - X.shape[1]
    return torch.stack([0.5 * (v * v).sum(1), divergence], dim=1)


def fitted_temperature(half_squared_norm, divergence):
    r"""The temperature :math:`T^* = -2a/b` minimising :math:`a/T^2 + b/T`.

    Parameters
    ----------
    half_squared_norm, divergence : float
        :math:`a = E\,\tfrac12\lVert v\rVert^2` and :math:`b = E\,\nabla\cdot v` on the
        training rows.

    Returns
    -------
    float
        :math:`T^*`; 1.0 when :math:`b \ge 0` or :math:`a = 0` (a field that does not
        contract on average, or is zero, has no best positive temperature: the
        energy is then left in its own units).
    """
    if not (divergence < 0 and half_squared_norm > 0):
        return 1.0
    temperature = -2.0 * half_squared_norm / divergence
    return float(temperature) if np.isfinite(temperature) and temperature > 0 else 1.0


def hyvarinen_scores(terms, temperature):
    r"""Minus the Hyvärinen objective of :math:`F / T` per row,
    :math:`-(\tfrac12\lVert v\rVert^2 / T^2 + \nabla\cdot v / T)`: higher is better.

    ``terms`` is :func:`hyvarinen_terms`' output (n, 2) as an array or tensor.
    """
    return -(terms[:, 0] / temperature**2 + terms[:, 1] / temperature)


def denoising_terms(field, X, offsets):
    r"""The parts of the denoising score-matching objective per row, shape (n, 3), each
    the mean over the draws of ``offsets``: :math:`\lVert v(\tilde x)\rVert^2`,
    :math:`v(\tilde x) \cdot (\tilde x - x)` and :math:`\lVert \tilde x - x\rVert^2`,
    with :math:`\tilde x = x + \delta` for each offset :math:`\delta` (shape (draws,
    n, D), e.g. :math:`\sigma \varepsilon` from :func:`row_noise`).
    """
    total = 0.0
    for offset in offsets:
        v = field.vector_field(X + offset)
        terms = torch.stack([(v * v).sum(1), (v * offset).sum(1), (offset * offset).sum(1)], 1)
        total = total + terms
    return total / offsets.shape[0]


def row_noise(start, stop, n_features, draws):
    """Standard normal float64 noise of shape (draws, stop - start, n_features) for rows
    ``start`` to ``stop`` of a data set, the same whichever chunks the rows are asked
    for in (:func:`~.row_draws.draws_for_rows`; each block's generator is seeded by the
    block's number), in float64 whatever the data's dtype. A criterion built on it
    depends on the data and the model only, not on how much memory (scikit-learn's
    ``working_memory``) a chunk may take."""

    def draw_block(block):
        generator = torch.Generator().manual_seed(block)
        shape = (draws, BLOCK_ROWS, n_features)
        return torch.randn(shape, generator=generator, dtype=torch.float64)

    return draws_for_rows(start, stop, draw_block)


def denoised_fraction(squared_norm, inner_product, noise_squared_norm):
    r"""The fraction of the noise that the field, at its best scale, removes:

    .. math::

        R = 1 - \frac{\min_{c \ge 0} E\lVert \tilde x + c\, v(\tilde x) - x
            \rVert^2}{E\lVert \tilde x - x\rVert^2}
          = \frac{B^2}{A\,C} \quad (B < 0), \qquad 0 \text{ otherwise},

    with :math:`A = E\lVert v(\tilde x)\rVert^2`, :math:`B = E\, v(\tilde x)\cdot
    (\tilde x - x)`, :math:`C = E\lVert\tilde x - x\rVert^2` (the means of
    :func:`denoising_terms`). Writing :math:`c\,v = \sigma^2 \nabla \log \hat p`,
    :math:`1 - R` is the denoising score-matching objective of Vincent (2011) at the
    best temperature, divided by its value for a flat energy: it is smallest when
    :math:`\nabla\log\hat p` is the score of the data density smoothed by the noise,
    :math:`p_\sigma = p * N(0, \sigma^2 I)`, and it reads the field at the noisy points
    :math:`\tilde x` around the data, not only at the data. :math:`R \in [0, 1]`:
    higher is better; it does not depend on the energy's additive constant or scale.
    """
    if not (inner_product < 0 and squared_norm > 0 and noise_squared_norm > 0):
        return 0.0
    fraction = inner_product * inner_product / (squared_norm * noise_squared_norm)
    return float(min(fraction, 1.0)) if np.isfinite(fraction) else 0.0
