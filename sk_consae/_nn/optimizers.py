"""The optimisers an estimator can train with, by the name its ``optimizer`` takes."""

from typing import NamedTuple

import torch

__all__ = ["Optimizer", "OPTIMIZERS", "optimizer_name"]


class Optimizer(NamedTuple):
    """A torch optimiser with what the estimators add to it.

    Attributes
    ----------
    cls : type
        The :class:`torch.optim.Optimizer`.
    default_lr : float
        The learning rate when ``lr`` is None.
    arguments : dict
        Fixed ``optimizer__*`` arguments of the net.
    uses_momentum : bool
        Whether the estimator's ``momentum`` is passed on.
    full_batch : bool
        Whether each step needs the whole training set (``batch_size`` is ignored).
    """

    cls: type
    default_lr: float
    arguments: dict
    uses_momentum: bool = False
    full_batch: bool = False


OPTIMIZERS = {
    # Fused: one kernel per step for all parameters instead of a loop of small ops, the
    # larger part of a small model's step on the CPU (profile in benchmarks/README.md).
    "adam": Optimizer(torch.optim.Adam, 1e-3, {"optimizer__fused": True}),
    "sgd": Optimizer(torch.optim.SGD, 1e-2, {}, uses_momentum=True),
    # One strong-Wolfe L-BFGS step (up to 20 iterations) per epoch on the full batch.
    "lbfgs": Optimizer(
        torch.optim.LBFGS, 1.0, {"optimizer__line_search_fn": "strong_wolfe"}, full_batch=True
    ),
}


def optimizer_name(cls) -> str:
    """The name under which ``cls`` is registered."""
    return next(name for name, spec in OPTIMIZERS.items() if spec.cls is cls)
