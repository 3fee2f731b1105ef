"""The private seams of skorch and torch that sk_consae relies on, each for a measured
speed; nothing else in the package touches a private attribute of either library.

Each seam, what it buys on ``benchmarks/bench_small.py``'s default fit + score of
7,000 x 20 rows and on ``bench_scale.py``'s 10^6 x 20 rows (2-core AMD EPYC, torch
2.13.0+cpu, 2026-12-04; without it / with it), and the test that fails when a release
changes what it relies on:

1. :meth:`FastEpochs.run_single_epoch`: skorch's epoch without its per-batch
   notifications and history rows when no callback uses them; it calls skorch's
   private ``NeuralNet._set_training``. 1.97 / 1.41 s (1.40x) on small data.
   ``tests/test_seams.py`` checks that the epoch records what skorch's own loop records.
2. :func:`optimizer_step`: a fused Adam's update through torch's functional
   ``torch.optim.adam.adam``, skipping ``Optimizer.step``'s per-call wrappers; it
   reads torch's private step-hook registries to take the path only when no hook is
   registered. 1.67 / 1.45 s (1.15x) on small data, 7.6 / 6.5 s (1.17x) at 10^6 rows.
   ``tests/test_seams.py`` checks the parameters equal ``step``'s to the bit and that
   hooks still run.

Versions tested: torch 2.13.0 with skorch 1.4.0 (``make test``) and skorch 1.2.0
(``make test-oldest``, the oldest ``pyproject.toml`` allows). Measured and removed for
buying less than 10%: skipping skorch's per-epoch table when the net is silent (1.03x).
"""

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from torch.optim import optimizer as optimizer_module
from torch.optim.adam import adam

__all__ = ["FastEpochs", "optimizer_step"]

# skorch's per-batch notifications; nets whose callbacks define none skip them.
BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_grad_computed")


class FastEpochs:
    """Mixin for a :class:`skorch.NeuralNet` whose ``train_step`` returns the batch's
    loss and which defines ``_check_loss(loss)``; it sets ``_batch_hooks`` from
    :meth:`uses_batch_hooks` when training begins."""

    def uses_batch_hooks(self):
        """Whether the net or a callback does something per batch (``on_batch_begin``,
        ``on_batch_end`` or ``on_grad_computed``); skorch's no-op defaults do not."""
        owners = [(self, NeuralNet)] + [(cb, Callback) for _, cb in self.callbacks_]
        return any(
            getattr(type(owner), hook, None) is not getattr(base, hook)
            for owner, base in owners
            for hook in BATCH_HOOKS
        )

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch, without its per-batch machinery when nothing uses it.

        skorch notifies every callback three times per batch and writes two history
        rows per batch; on small data that costs a third of the optimiser step. Unless
        a callback has a per-batch hook, an epoch here runs the steps alone and records
        one batch row holding the epoch's mean loss (weighted by batch size, as skorch's
        ``train_loss`` is), so the epoch rows and every epoch-level callback are as
        skorch makes them.
        """
        if iterator is None or not training or self._batch_hooks:
            return super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        self._set_training(True)
        losses, sizes = [], []
        for batch in iterator:
            losses.append(step_fn(batch, **fit_params)["loss"].detach())
            sizes.append(batch[0].shape[0])
        weights = torch.tensor(sizes, dtype=losses[0].dtype, device=losses[0].device)
        mean_loss = float(torch.stack(losses) @ weights) / sum(sizes)  # one synchronisation
        self._check_loss(mean_loss)
        self.history.new_batch()
        self.history.record_batch(prefix + "_loss", mean_loss)
        self.history.record_batch(prefix + "_batch_size", sum(sizes))
        self.history.record(prefix + "_batch_count", len(sizes))


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
