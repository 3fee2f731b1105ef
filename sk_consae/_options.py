"""The estimators' parameters: their constraints, and the skorch net's arguments.

The constraints are scikit-learn's ``_parameter_constraints``, in groups that the
estimators combine; :func:`net_arguments` is the one place where the parameters
become the arguments of :class:`~sk_consae._nn.net.AutoEncoderNet`. The allowed
strings come from the registries that implement them.
"""

import copy
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._maths.activations import ACTIVATIONS
from ._nn.module import CONTRACTION_TARGETS, WEIGHT_TYING, module_arguments
from ._nn.optimizers import OPTIMIZERS

__all__ = [
    "Number",
    "COUNT",
    "AT_LEAST_TWO",
    "QUADRATURE_NODES",
    "validated",
    "MODEL_CONSTRAINTS",
    "TRAINING_CONSTRAINTS",
    "ANOMALY_CONSTRAINTS",
    "CONTRACTION_CONSTRAINTS",
    "ARCHITECTURE",
    "BUDGET",
    "resolve_budget",
    "net_arguments",
    "check_hidden_layer_sizes",
    "resolve_batch_size",
    "resolve_max_samples",
]


class Number(Interval):
    """An interval of numbers that rejects booleans (Python counts True as a number)."""

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)


_POSITIVE = Interval(Real, 0, None, closed="neither")
_NON_NEGATIVE = Interval(Real, 0, None, closed="left")
COUNT = Number(Integral, 1, None, closed="left")
# Two or more: a grid with area, or probes with a standard error.
AT_LEAST_TWO = Number(Integral, 2, None, closed="left")
# Gauss-Legendre nodes come from an eigenproblem of their size: 1000 is plenty.
QUADRATURE_NODES = Number(Integral, 1, 1000, closed="both")


def validated(**constraints):
    """scikit-learn's ``validate_params`` for a public function or method: each named
    argument against its constraints (the others are the function's to check). Calls
    inside it validate too: a display's ``from_*`` passes its keywords on to ``plot``."""
    return validate_params(constraints, prefer_skip_nested_validation=False)


# What the model is: shared by the auto-encoders and the extractor.
MODEL_CONSTRAINTS = {
    "n_components": [COUNT],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "weight_tying": [StrOptions(set(WEIGHT_TYING))],
}

# How it trains: shared by every estimator.
TRAINING_CONSTRAINTS = {
    "optimizer": [StrOptions(set(OPTIMIZERS))],
    "lr": [_POSITIVE, None],
    "momentum": [Interval(Real, 0, 1, closed="left")],
    "max_epochs": [COUNT],
    "batch_size": [COUNT, StrOptions({"auto"})],
    "shuffle": ["boolean"],
    "device": [str, torch.device],  # "cpu", "cuda", "cuda:N"; checked at fit
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "callbacks": [list, None],
    "warm_start": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
}

# The auto-encoders' own: deeper models, denoising, subsampling, the energy and its
# threshold.
ANOMALY_CONSTRAINTS = {
    "hidden_layer_sizes": ["array-like"],
    "weight_length": [_POSITIVE, None],
    "noise": [_NON_NEGATIVE, StrOptions({"auto"})],
    "asymmetry_penalty": [_NON_NEGATIVE],
    "ema_momentum": [Number(Real, 0, 1, closed="left")],
    "max_samples": [StrOptions({"auto"}), COUNT, Number(Real, 0, 1, closed="right"), None],
    "contamination": [Interval(Real, 0, 0.5, closed="right"), StrOptions({"auto"})],
    "energy_quadrature": [StrOptions({"exact"}), QUADRATURE_NODES],
}

CONTRACTION_CONSTRAINTS = {
    "contraction": [_NON_NEGATIVE],
    "contraction_target": [StrOptions(set(CONTRACTION_TARGETS))],
}

# Net arguments that define the model and its optimiser, with the parameter each comes
# from: continued training needs them unchanged. An absent module__hidden_layer_sizes
# stands for ().
ARCHITECTURE = {
    "module__n_components": "n_components",
    "module__hidden_layer_sizes": "hidden_layer_sizes",
    "module__activation": "activation",
    "module__weight_tying": "weight_tying",
    "optimizer": "optimizer",
}

# Parameters the net takes under the same name, when the estimator has them.
_SAME_NAME = (
    "weight_length",
    "asymmetry_penalty",
    "ema_momentum",
    "contraction",
    "contraction_target",
    "max_epochs",
    "shuffle",
    "validation_fraction",
    "verbose",
)


# batch_size="auto": at most this many rows, and at least AUTO_MIN_STEPS optimiser steps
# per epoch on data of >= AUTO_MIN_STEPS * AUTO_MIN_BATCH rows. Small datasets would
# otherwise get one or two steps an epoch (one-class digits: 125 rows, one step).
AUTO_MAX_BATCH, AUTO_MIN_BATCH, AUTO_MIN_STEPS = 128, 8, 16


def resolve_batch_size(batch_size, n_samples):
    """The mini-batch size for ``batch_size`` (an int or "auto") and ``n_samples`` rows:
    "auto" is ``min(128, max(8, n_samples // 16))``."""
    if batch_size != "auto":
        return int(batch_size)
    return int(min(AUTO_MAX_BATCH, max(AUTO_MIN_BATCH, n_samples // AUTO_MIN_STEPS)))


# max_samples="auto": an epoch trains on at most this many rows, drawn afresh each epoch.
# Every training set of the anomaly benchmark (ADBench's protocol: at most 7,000
# training rows) is below it, so defaults chosen there train as they were chosen; above
# it the cost of a fit stops growing with n (64 steps of 128 rows per epoch).
AUTO_MAX_SAMPLES = 8192


def resolve_max_samples(max_samples, n_samples):
    """Rows an epoch trains on, or None for every row: "auto" is at most 8,192, a float
    that fraction of ``n_samples`` (at least 1 row), an int at most ``n_samples``."""
    if max_samples is None:
        return None
    if max_samples == "auto":
        rows = AUTO_MAX_SAMPLES
    elif isinstance(max_samples, Integral):
        rows = int(max_samples)
    else:  # a fraction, any real type (numpy's float32 is not a float)
        rows = max(1, int(max_samples * n_samples))
    return None if rows >= n_samples else rows


def check_hidden_layer_sizes(sizes):
    """``hidden_layer_sizes`` as a tuple of positive ints; named in the error."""
    try:
        values = tuple(np.asarray(sizes).reshape(-1).tolist()) if len(sizes) else ()
    except (TypeError, ValueError):  # a scalar, or ragged nesting
        values = None
    valid = values is not None and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values
    )
    if not valid:
        raise ValueError(
            "hidden_layer_sizes must be a tuple of positive integers (the encoder layers "
            f"before the code; () for one hidden layer), got {sizes!r}."
        )
    return values


# The training budget that n_components="auto" and max_epochs="auto" stand for, by the
# novelty parameter: the training rows may hold anomalies (False) or are clean (True).
# On clean rows more units and steps bring the network towards its objective's limit,
# the kernel density estimate at noise_ (research/log.md, 2026-12-05).
BUDGET = {
    False: {"n_components": 100, "max_epochs": 100},
    True: {"n_components": 200, "max_epochs": 200},
}


def resolve_budget(params):
    """``params`` with ``"auto"`` ``n_components`` and ``max_epochs`` replaced by the
    :data:`BUDGET` of their ``novelty`` (False when absent)."""
    budget = BUDGET[bool(params.get("novelty", False))]
    return {**params, **{key: value for key, value in budget.items() if params[key] == "auto"}}


def net_arguments(params, n_samples, noise=0.0):
    """The net's keyword arguments from an estimator's ``params`` (``get_params``), for
    ``n_samples`` training rows and the fitted ``noise``: the module, the optimiser and
    its learning rate (its default for None), the resolved budget, batch size and
    subsample, and the parameters the net takes as they are. Callbacks are copied."""
    params = resolve_budget(params)
    optimizer = OPTIMIZERS[params["optimizer"]]
    batch_size = params["batch_size"]
    arguments = {
        "module__n_components": params["n_components"],
        "module__activation": params["activation"],
        "module__weight_tying": params["weight_tying"],
        "optimizer": optimizer.cls,
        **optimizer.arguments,
        "lr": optimizer.default_lr if params["lr"] is None else params["lr"],
        "batch_size": -1 if optimizer.full_batch else resolve_batch_size(batch_size, n_samples),
        "max_samples": resolve_max_samples(params.get("max_samples"), n_samples),
        "noise": noise,
        "callbacks": copy.deepcopy(params["callbacks"]),
        **module_arguments(check_hidden_layer_sizes(params.get("hidden_layer_sizes", ()))),
        **{name: params[name] for name in _SAME_NAME if name in params},
    }
    if optimizer.uses_momentum:
        arguments["optimizer__momentum"] = params["momentum"]
    return arguments
