"""A trained net as plain values, and back.

A fitted estimator pickles its net as NumPy arrays, numbers, strings, lists and dicts
only, so that ``skops.io`` asks to trust nothing but the estimator's own class (and
whatever the user put in ``callbacks``). :func:`net_state` takes a trained
:class:`~sk_consae._nn.net.AutoEncoderNet` apart; :func:`rebuild_net` builds an
equal one: same constructor arguments, module weights, optimiser state and history.
Callbacks are not part of the state: the estimator re-creates them from its
``callbacks`` parameter.
"""

import inspect
import warnings

import numpy as np
import torch
from skorch.history import History

from .module import module_arguments
from .net import AutoEncoderNet, SquaredError, WeightAverage
from .optimizers import OPTIMIZERS, optimizer_name

__all__ = ["net_weights", "net_state", "rebuild_net"]


def _plain(value):
    """Tensors become arrays, containers are walked; everything else is kept."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().copy()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _tensors(value):
    """The inverse of :func:`_plain` for optimiser state: arrays become tensors."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, dict):
        return {key: _tensors(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_tensors(item) for item in value]
    return value


# skorch's own arguments that the estimators set; the rest of what a net is built with
# is AutoEncoderNet's own keywords and the module's and optimiser's (prefixed).
_SKORCH_ARGUMENTS = ("lr", "max_epochs", "batch_size", "verbose")


def _saved_arguments(net):
    """The names of the arguments a saved net keeps as plain values (not the optimiser
    class, saved by name, the callbacks, re-created, or the device)."""
    own = inspect.signature(AutoEncoderNet.__init__).parameters
    own = [name for name in own if name not in ("self", "args", "kwargs")]
    prefixed = [name for name in vars(net) if name.startswith(("module__", "optimizer__"))]
    return [*own, *_SKORCH_ARGUMENTS, *prefixed]


def net_weights(net):
    """The net's arguments, optimiser name, device and module weights as plain values:
    what :func:`rebuild_net` needs for a net with a new optimiser and no history."""
    return {
        "arguments": {
            key: _plain(getattr(net, key)) for key in _saved_arguments(net) if hasattr(net, key)
        },
        "optimizer": optimizer_name(net.optimizer),
        "device": str(net.device),
        "module": {name: _plain(t) for name, t in net.module_.state_dict().items()},
    }


def net_state(net):
    """A dict of plain values from which :func:`rebuild_net` makes an equal net."""
    optimizer = net.optimizer_.state_dict()
    average = vars(net).get("weight_average_")
    return {
        **net_weights(net),
        "optimizer_state": {
            # JSON-like: integer keys become a list of (key, state) pairs.
            "state": [[int(k), _plain(v)] for k, v in optimizer["state"].items()],
            "param_groups": _plain(optimizer["param_groups"]),
        },
        "history": _plain(list(net.history)),
        "weight_average": None if average is None else _plain(vars(average)),
    }


def rebuild_net(state, callbacks):
    """The net described by :func:`net_state`, with ``callbacks`` (already copied).

    Without ``optimizer_state`` and ``history`` (a weights-only file) the net gets a new
    optimiser and an empty history.

    A net saved on a GPU loads on the CPU when torch sees no GPU, with a warning.
    """
    device = state["device"]
    if torch.device(device).type == "cuda" and not torch.cuda.is_available():
        warnings.warn(
            f"The model was saved on {device}, but torch sees no CUDA device; it is "
            "loaded on the CPU.",
            UserWarning,
            stacklevel=3,
        )
        device = "cpu"
    arguments = dict(state["arguments"])
    # Plain values hold the sizes as a list; the module arguments give a tuple.
    arguments.update(module_arguments(arguments.pop("module__hidden_layer_sizes", ())))
    net = AutoEncoderNet(
        criterion=SquaredError,
        optimizer=OPTIMIZERS[state["optimizer"]].cls,
        train_split=None,
        callbacks=callbacks,
        device=device,
        **arguments,
    )
    net.initialize()
    net.module_.load_state_dict(
        {name: torch.from_numpy(np.asarray(a).copy()) for name, a in state["module"].items()}
    )
    optimizer_state = state.get("optimizer_state")
    if optimizer_state is not None:  # weights-only files start a new optimiser
        net.optimizer_.load_state_dict(
            {
                # CPU tensors: torch's load_state_dict moves them to the parameters' device.
                "state": {int(k): _tensors(v) for k, v in optimizer_state["state"]},
                "param_groups": optimizer_state["param_groups"],
            }
        )
    net.history = History(state.get("history", []))
    average = state.get("weight_average")
    if average is not None:  # the average, and the last weights training goes on from
        like = next(net.module_.parameters())

        def on_device(arrays):
            return None if arrays is None else [_tensors(a).to(like) for a in arrays]

        net.weight_average_ = WeightAverage(
            average["momentum"],
            on_device(average["sums"]),
            average["epochs"],
            on_device(average["iterate"]),
        )
    return net
