"""The private seams of sk_consae._nn.seams still do what they did with the installed
torch and skorch: the fused-Adam step gives torch's parameters to the bit and runs its
hooks; the fast epoch records what skorch's own epoch loop records."""

import copy
import inspect
import pickle

import numpy as np
import pytest
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from torch.optim.optimizer import register_optimizer_step_post_hook

from sk_consae import UntiedAutoEncoder
from sk_consae._nn.net import TensorDataset
from sk_consae._nn.seams import optimizer_step


def _problem(dtype, seed=0):
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(6, 4, generator=generator, dtype=dtype, requires_grad=True)
    bias = torch.randn(4, generator=generator, dtype=dtype, requires_grad=True)
    X = torch.randn(32, 6, generator=generator, dtype=dtype)
    target = torch.randn(32, 4, generator=generator, dtype=dtype)

    def closure():
        for parameter in (weight, bias):
            parameter.grad = None
        loss = ((X @ weight + bias - target) ** 2).mean()
        loss.backward()
        return loss

    return [weight, bias], closure


def _train(make_optimizer, stepper, dtype, steps=6):
    parameters, closure = _problem(dtype)
    optimizer = make_optimizer(parameters)
    losses = []
    for step in range(steps):
        if step == 3:  # as a learning-rate scheduler would, between steps
            optimizer.param_groups[0]["lr"] *= 0.5
        losses.append(float(stepper(optimizer, closure).detach()))
    return [p.detach().clone() for p in parameters], losses


OPTIMISERS = {
    "fused adam": lambda p: torch.optim.Adam(p, lr=1e-2, fused=True),
    "fused adam, weight decay": lambda p: torch.optim.Adam(
        p, lr=1e-2, weight_decay=0.1, fused=True
    ),
    "fused adam, maximize": lambda p: torch.optim.Adam(p, lr=1e-2, maximize=True, fused=True),
    "adam, foreach": lambda p: torch.optim.Adam(p, lr=1e-2, foreach=True),
    "amsgrad": lambda p: torch.optim.Adam(p, lr=1e-2, amsgrad=True, fused=True),
    "sgd": lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.9),
    "lbfgs": lambda p: torch.optim.LBFGS(p, max_iter=3),
}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", list(OPTIMISERS))
def test_step_gives_torchs_parameters_to_the_bit(name, dtype):
    expected, expected_losses = _train(OPTIMISERS[name], lambda o, c: o.step(c), dtype)
    got, losses = _train(OPTIMISERS[name], optimizer_step, dtype)
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert losses == expected_losses


def test_step_hooks_are_run():
    calls = []
    parameters, closure = _problem(torch.float32)
    optimizer = torch.optim.Adam(parameters, lr=1e-2, fused=True)
    optimizer.register_step_pre_hook(lambda *args: calls.append("pre"))
    optimizer.register_step_post_hook(lambda *args: calls.append("post"))
    for _ in range(3):
        optimizer_step(optimizer, closure)
    assert calls == ["pre", "post"] * 3


def test_global_step_hooks_are_run():
    calls = []
    parameters, closure = _problem(torch.float32)
    optimizer = torch.optim.Adam(parameters, lr=1e-2, fused=True)
    handle = register_optimizer_step_post_hook(lambda *args: calls.append("post"))
    try:
        for _ in range(3):
            optimizer_step(optimizer, closure)
    finally:
        handle.remove()
    assert calls == ["post"] * 3


class _WatchesBatches(Callback):
    """A per-batch hook: the net then runs skorch's own epoch loop."""

    def on_batch_end(self, net, **kwargs):
        pass


def test_skorchs_epoch_loop_is_what_the_fast_epoch_replaces():
    parameters = list(inspect.signature(NeuralNet.run_single_epoch).parameters)
    assert parameters == ["self", "iterator", "training", "prefix", "step_fn", "fit_params"]
    assert callable(getattr(NeuralNet, "_set_training", None))


def test_the_fast_epoch_records_what_skorchs_epoch_loop_records():
    X = np.random.default_rng(0).normal(size=(300, 5))
    fast = UntiedAutoEncoder(8, max_epochs=3, random_state=0).fit(X)
    slow = UntiedAutoEncoder(8, max_epochs=3, random_state=0, callbacks=[_WatchesBatches()])
    slow.fit(X)
    assert not fast.net_._batch_hooks and slow.net_._batch_hooks
    for ours, skorchs in zip(fast.history_, slow.history_, strict=True):
        assert set(ours) == set(skorchs)
        assert ours["train_batch_count"] == skorchs["train_batch_count"]
        np.testing.assert_allclose(ours["train_loss"], skorchs["train_loss"], rtol=1e-6)
        sizes = [sum(b["train_batch_size"] for b in row["batches"]) for row in (ours, skorchs)]
        assert sizes[0] == sizes[1]
    np.testing.assert_allclose(fast.score_samples(X), slow.score_samples(X), rtol=1e-5)


def test_a_copied_lbfgs_net_continues_as_the_original():
    X = np.random.default_rng(1).normal(size=(100, 4))
    model = UntiedAutoEncoder(6, optimizer="lbfgs", max_epochs=2, random_state=0).fit(X)
    twin = pickle.loads(pickle.dumps(model.net_))  # the net itself, not plain values
    copied = copy.deepcopy(model.net_)
    for net in (model.net_, twin, copied):
        net.partial_fit(TensorDataset(torch.as_tensor(X, dtype=torch.float32)), epochs=1)
    for net in (twin, copied):
        for a, b in zip(net.module_.parameters(), model.net_.module_.parameters()):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
