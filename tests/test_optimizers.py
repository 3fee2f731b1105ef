"""The optimiser step that bypasses torch's per-call wrappers gives torch's result."""

import pytest
import torch
from torch.optim.optimizer import register_optimizer_step_post_hook

from sk_consae._nn.optimizers import optimizer_step


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
