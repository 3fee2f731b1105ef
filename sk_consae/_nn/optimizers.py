"""The optimisers an estimator can train with, by the name its ``optimizer`` takes."""

from typing import NamedTuple

import torch
from torch.optim import optimizer as optimizer_module
from torch.optim.adam import adam

__all__ = ["Optimizer", "OPTIMIZERS", "optimizer_name", "optimizer_step"]


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


def optimizer_step(optimizer, closure):
    """``optimizer.step(closure)``, with less per-call overhead for a fused Adam.

    A fused :class:`torch.optim.Adam` without step hooks runs the closure and then its
    update through torch's functional :func:`torch.optim.adam.adam`, with the arguments
    its ``step`` passes, so the parameters are the same to the bit. What is skipped is
    ``step``'s per-call machinery (hook and profiler wrappers, gradient-mode switches,
    regrouping the state): about 20 us of a ~200 us step of a small model
    (``benchmarks/README.md``). Every other optimiser, and an Adam on its first step
    (which creates the state), takes ``optimizer.step(closure)``'s own path.

    Returns
    -------
    The closure's return value.
    """
    if type(optimizer) is not torch.optim.Adam or not _without_step_hooks(optimizer):
        return optimizer.step(closure)
    with torch.enable_grad():
        loss = closure()
    if not _fused_adam_ready(optimizer):
        optimizer.step()
        return loss
    with torch.no_grad():
        for group in optimizer.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            states = [optimizer.state[p] for p in params]
            beta1, beta2 = group["betas"]
            # torch >= 2.6 (AdamW's option); earlier versions lack the argument.
            extra = {"decoupled_weight_decay": True} if group.get("decoupled_weight_decay") else {}
            adam(
                params,
                [p.grad for p in params],
                [state["exp_avg"] for state in states],
                [state["exp_avg_sq"] for state in states],
                [],
                [state["step"] for state in states],
                fused=True,
                amsgrad=False,
                beta1=beta1,
                beta2=beta2,
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
                **extra,
            )
    return loss


def _fused_adam_ready(optimizer) -> bool:
    """Whether the Adam's update can go through the functional form as its ``step``
    would: fused, no AMSGrad, no gradient scaler, state created, real dense gradients."""
    if getattr(optimizer, "grad_scale", None) is not None:  # set by torch.amp scalers
        return False
    for group in optimizer.param_groups:
        if not group["fused"] or group["amsgrad"] or group["capturable"] or group["differentiable"]:
            return False
        for parameter in group["params"]:
            if parameter.grad is not None and (
                not optimizer.state.get(parameter)
                or parameter.is_complex()
                or parameter.grad.is_sparse
            ):
                return False
    return True


def _without_step_hooks(optimizer) -> bool:
    """No optimiser step hooks registered, on this optimiser or globally (read from
    torch's registries; one that cannot be read counts as holding hooks)."""
    registries = (
        getattr(optimizer, "_optimizer_step_pre_hooks", None),
        getattr(optimizer, "_optimizer_step_post_hooks", None),
        getattr(optimizer_module, "_global_optimizer_pre_hooks", None),
        getattr(optimizer_module, "_global_optimizer_post_hooks", None),
    )
    return all(registry is not None and not registry for registry in registries)
