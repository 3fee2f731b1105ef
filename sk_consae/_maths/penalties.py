r"""Contractive penalties in closed form, for training.

Neither penalty builds a Jacobian; both are exact.

* On the reconstruction (paper eq. 10; Alain and Bengio 2014):

  .. math::

      \lVert \partial r / \partial x \rVert_F^2
      = d^\top \big((R^\top R) \circ (W^\top W)\big)\, d .

* On the encoder (Rifai et al. 2011):

  .. math::

      \lVert \partial h / \partial x \rVert_F^2 = \sum_k d_k^2\, \lVert w_k\rVert^2 .

Here :math:`d = h'(u)`. A scaled model :math:`R = W\,\mathrm{diag}(s)` has
:math:`J = W\,\mathrm{diag}(s \circ d)\,W^\top`, so callers pass ``R = W`` and
``d = s * h'(u)``, which needs one Gram matrix instead of two.

References
----------
.. [1] Im, Belghazi and Memisevic, "Conservativeness of untied auto-encoders",
   AAAI 2016, eq. (10).
.. [2] Alain and Bengio, "What regularized auto-encoders learn from the
   data-generating distribution", JMLR 2014.
.. [3] Rifai, Vincent, Muller, Glorot and Bengio, "Contractive auto-encoders:
   explicit invariance during feature extraction", ICML 2011.
"""

import torch

__all__ = ["reconstruction_contraction", "encoder_contraction"]


def reconstruction_contraction(
    encoder_weight: torch.Tensor, decoder_weight: torch.Tensor, slopes: torch.Tensor
) -> torch.Tensor:
    r"""Batch mean of :math:`\lVert R\,\mathrm{diag}(d)\,W^\top\rVert_F^2`.

    Parameters
    ----------
    encoder_weight : Tensor of shape (D, H)
        :math:`W`.
    decoder_weight : Tensor of shape (D, H)
        :math:`R`; pass the same tensor as ``encoder_weight`` for tied weights to
        compute one Gram matrix.
    slopes : Tensor of shape (n, H)
        :math:`d = h'(u)` per sample.

    Returns
    -------
    Tensor, scalar
    """
    encoder_gram = encoder_weight.T @ encoder_weight
    if decoder_weight is encoder_weight:
        form = encoder_gram * encoder_gram
    else:
        form = (decoder_weight.T @ decoder_weight) * encoder_gram
    return ((slopes @ form) * slopes).sum() / slopes.shape[0]


def encoder_contraction(encoder_weight: torch.Tensor, slopes: torch.Tensor) -> torch.Tensor:
    r"""Batch mean of :math:`\sum_k d_k^2 \lVert w_k\rVert^2`.

    Parameters
    ----------
    encoder_weight : Tensor of shape (D, H)
    slopes : Tensor of shape (n, H)

    Returns
    -------
    Tensor, scalar
    """
    column_norms_sq = (encoder_weight * encoder_weight).sum(0)
    return ((slopes * slopes) @ column_norms_sq).sum() / slopes.shape[0]
