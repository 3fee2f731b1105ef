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

__all__ = ["gram", "reconstruction_contraction", "encoder_contraction", "jacobian_asymmetry"]


class _Gram(torch.autograd.Function):
    """:math:`A^\top A` with the one-product backward :math:`A (G + G^\top)`.

    Autograd would treat ``A.T @ A`` as a product of two different matrices and
    spend two :math:`D H^2` products on the backward pass instead of one.
    """

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return A.T @ A

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.saved_tensors
        return A @ (grad + grad.T)


def gram(A: torch.Tensor) -> torch.Tensor:
    """:math:`A^\top A`, differentiable at the cost of one product each way."""
    return _Gram.apply(A)


def reconstruction_contraction(
    encoder_weight: torch.Tensor, decoder_weight: torch.Tensor, slopes: torch.Tensor
) -> torch.Tensor:
    r"""Batch mean of :math:`\lVert R\,\mathrm{diag}(d)\,W^\top\rVert_F^2`.

    Parameters
    ----------
    encoder_weight : Tensor of shape (D, H)
        :math:`W`.
    decoder_weight : Tensor of shape (D, H) or None
        :math:`R`; None when :math:`R = W` (tied weights, or a scaled model with the
        scale folded into ``slopes``): one Gram matrix instead of two.
    slopes : Tensor of shape (n, H)
        :math:`d = h'(u)` per sample.

    Returns
    -------
    Tensor, scalar
    """
    encoder_gram = gram(encoder_weight)
    if decoder_weight is None:
        form = encoder_gram * encoder_gram
    else:
        form = gram(decoder_weight) * encoder_gram
    return ((slopes @ form) * slopes).sum() / slopes.shape[0]


def jacobian_asymmetry(
    encoder_weight: torch.Tensor, decoder_weight: torch.Tensor, slopes: torch.Tensor
) -> torch.Tensor:
    r"""Batch mean of :math:`\tfrac12 \lVert J - J^\top\rVert_F^2` for an untied model.

    With :math:`J = R\,\mathrm{diag}(d)\,W^\top`,
    :math:`\tfrac12 \lVert J - J^\top\rVert_F^2 = \lVert J\rVert_F^2 - \operatorname{tr}(JJ)
    = d^\top \big((R^\top R) \circ (W^\top W) - (W^\top R) \circ (W^\top R)^\top\big) d`:
    QCSBM's Asym (Chao et al. 2023), exactly, at :math:`O(D H^2)` per step.

    Parameters
    ----------
    encoder_weight, decoder_weight : Tensors of shape (D, H)
        :math:`W` and :math:`R`.
    slopes : Tensor of shape (n, H)
        :math:`d = h'(u)` per sample.

    Returns
    -------
    Tensor, scalar
    """
    cross = encoder_weight.T @ decoder_weight
    form = gram(decoder_weight) * gram(encoder_weight) - cross * cross.T
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
