"""Exceptions raised by sk_consae."""

__all__ = ["TrainingDivergedError"]


class TrainingDivergedError(ValueError):
    """Training stopped because the loss or a parameter became NaN or infinite.

    Raised by ``fit`` and ``partial_fit``; the message names the epoch and the learning
    rate. The estimator is left exactly as it was before the call. A subclass of
    :class:`ValueError`, so code that catches scikit-learn's bad-value errors catches it.
    """
