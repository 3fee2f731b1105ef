"""Every parameter of the estimators, declared once.

An :class:`Option` holds a public parameter's constraint (what
``_parameter_constraints`` checks), the skorch net arguments it becomes, whether it
fixes the model (continued training then needs it unchanged) and whether those net
arguments are saved with a fitted model. Estimators derive their constraints with
:func:`declare_options`; :func:`net_arguments` builds the net's arguments;
:data:`ARCHITECTURE` and :data:`PERSISTED_NET_ARGUMENTS` are derived here. The allowed
strings come from the registries that implement them.
"""

import copy
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ._maths.activations import ACTIVATIONS
from ._nn.module import CONTRACTION_TARGETS, WEIGHT_TYING
from ._nn.optimizers import OPTIMIZERS

__all__ = [
    "Number",
    "Option",
    "OPTIONS",
    "NET_INTERNALS",
    "ARCHITECTURE",
    "PERSISTED_NET_ARGUMENTS",
    "declare_options",
    "net_arguments",
    "check_hidden_layer_sizes",
    "resolve_batch_size",
    "resolve_max_samples",
]


class Number(Interval):
    """An interval of numbers that rejects booleans (Python counts True as a number)."""

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)


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


@dataclass(frozen=True)
class Option:
    """One public parameter.

    Attributes
    ----------
    name : str
        The estimator's parameter.
    constraint : list
        scikit-learn's parameter constraints.
    net_names : tuple of str
        The net arguments it may become; () when only the estimator uses it.
    to_net : callable, optional
        ``to_net(value, setup) -> dict`` of net arguments, with ``setup`` the
        :class:`Setup` of the fit; default ``{net_names[0]: value}``.
    architecture : bool
        It fixes the model or its optimiser: continued training needs it unchanged.
    persisted : bool
        Its net arguments are saved with the fitted net as plain values.
    """

    name: str
    constraint: list
    net_names: tuple = ()
    to_net: Callable = None
    architecture: bool = False
    persisted: bool = True

    def net_arguments(self, value, setup):
        if not self.net_names:
            return {}
        if self.to_net is None:
            return {self.net_names[0]: value}
        return self.to_net(value, setup)


@dataclass(frozen=True)
class Setup:
    """What the net arguments depend on besides the option's own value: every
    parameter of the estimator, the number of training rows and fitted values."""

    params: dict
    n_samples: int
    noise: float = 0.0


def _optimizer(value, setup):
    return {"optimizer": OPTIMIZERS[value].cls, **OPTIMIZERS[value].arguments}


def _lr(value, setup):
    return {"lr": OPTIMIZERS[setup.params["optimizer"]].default_lr if value is None else value}


def _momentum(value, setup):
    return (
        {"optimizer__momentum": value}
        if OPTIMIZERS[setup.params["optimizer"]].uses_momentum
        else {}
    )


def _batch_size(value, setup):
    full_batch = OPTIMIZERS[setup.params["optimizer"]].full_batch
    return {"batch_size": -1 if full_batch else resolve_batch_size(value, setup.n_samples)}


def _max_samples(value, setup):
    return {"max_samples": resolve_max_samples(value, setup.n_samples)}


def _hidden_layer_sizes(value, setup):
    # The one-hidden-layer module has no such argument: () stands for it.
    sizes = check_hidden_layer_sizes(value)
    return {"module__hidden_layer_sizes": sizes} if sizes else {}


_POSITIVE = Interval(Real, 0, None, closed="neither")
_NON_NEGATIVE = Interval(Real, 0, None, closed="left")

OPTIONS = {
    option.name: option
    for option in (
        Option(
            "n_components",
            [Number(Integral, 1, None, closed="left")],
            ("module__n_components",),
            architecture=True,
        ),
        Option(
            "hidden_layer_sizes",
            ["array-like"],
            ("module__hidden_layer_sizes",),
            _hidden_layer_sizes,
            architecture=True,
        ),
        Option(
            "activation",
            [StrOptions(set(ACTIVATIONS))],
            ("module__activation",),
            architecture=True,
        ),
        Option(
            "weight_tying",
            [StrOptions(set(WEIGHT_TYING))],
            ("module__weight_tying",),
            architecture=True,
        ),
        Option("weight_length", [_POSITIVE, None], ("weight_length",)),
        # The net gets the fitted noise_ ("auto" resolved on the data).
        Option(
            "noise",
            [_NON_NEGATIVE, StrOptions({"auto"})],
            ("noise",),
            lambda value, setup: {"noise": setup.noise},
        ),
        Option("asymmetry_penalty", [_NON_NEGATIVE], ("asymmetry_penalty",)),
        Option("contraction", [_NON_NEGATIVE], ("contraction",)),
        Option(
            "contraction_target", [StrOptions(set(CONTRACTION_TARGETS))], ("contraction_target",)
        ),
        Option(
            "optimizer",
            [StrOptions(set(OPTIMIZERS))],
            ("optimizer",),
            _optimizer,
            architecture=True,
            persisted=False,  # saved by name (net_weights)
        ),
        Option("lr", [_POSITIVE, None], ("lr",), _lr),
        Option(
            "momentum", [Interval(Real, 0, 1, closed="left")], ("optimizer__momentum",), _momentum
        ),
        Option("max_epochs", [Number(Integral, 1, None, closed="left")], ("max_epochs",)),
        Option(
            "max_samples",
            [
                StrOptions({"auto"}),
                Number(Integral, 1, None, closed="left"),
                Number(Real, 0, 1, closed="right"),
                None,
            ],
            ("max_samples",),
            _max_samples,
        ),
        Option(
            "batch_size",
            [Number(Integral, 1, None, closed="left"), StrOptions({"auto"})],
            ("batch_size",),
            _batch_size,
        ),
        Option("shuffle", ["boolean"], ("shuffle",)),
        Option(
            "validation_fraction",
            [Interval(Real, 0, 1, closed="neither"), None],
            ("validation_fraction",),
        ),
        Option("verbose", ["verbose"], ("verbose",)),
        # Copied at fit; the estimator re-creates them when it loads (never saved).
        Option(
            "callbacks",
            [list, None],
            ("callbacks",),
            lambda value, setup: {"callbacks": copy.deepcopy(value)},
            persisted=False,
        ),
        # Used by the estimator itself, not by the net.
        Option("device", [str, torch.device]),  # "cpu", "cuda", "cuda:N"; checked at fit
        Option("random_state", ["random_state"]),
        Option("warm_start", ["boolean"]),
        Option("contamination", [Interval(Real, 0, 0.5, closed="right"), StrOptions({"auto"})]),
        # Gauss-Legendre nodes come from an eigenproblem of their size: 1000 is plenty.
        Option(
            "energy_quadrature", [StrOptions({"exact"}), Number(Integral, 1, 1000, closed="both")]
        ),
        Option("standardize", ["boolean"]),
    )
}

# Net arguments the estimator sets itself (sizes, seeds, advice), saved with the net.
NET_INTERNALS = (
    "module__n_features",
    "module__seed",
    "shuffle_seed",
    "noise_seed",
    "split_seed",
    "divergence_advice",
)

# Net arguments that define the model and its optimiser: continued training needs them
# unchanged. An absent module__hidden_layer_sizes stands for ().
ARCHITECTURE = {
    name: option.name
    for option in OPTIONS.values()
    if option.architecture
    for name in option.net_names
}

# The net arguments a saved model keeps, as plain values.
PERSISTED_NET_ARGUMENTS = (
    *NET_INTERNALS,
    *(name for option in OPTIONS.values() if option.persisted for name in option.net_names),
    *sorted({name for spec in OPTIMIZERS.values() for name in spec.arguments}),
)


def declare_options(**narrower):
    """Class decorator: ``_parameter_constraints`` from the declarations of the
    parameters of the class's ``__init__``; ``narrower`` replaces some for this class
    (e.g. fewer tyings)."""

    def decorate(cls):
        names = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        undeclared = [name for name in names if name not in OPTIONS]
        if undeclared:
            raise TypeError(
                f"{cls.__name__} has parameters {undeclared} that sk_consae._options does "
                "not declare; add an Option for each."
            )
        cls._parameter_constraints = {
            name: narrower.get(name, OPTIONS[name].constraint) for name in names
        }
        return cls

    return decorate


def net_arguments(estimator, n_samples, noise=0.0):
    """The net's keyword arguments from ``estimator``'s parameters, for ``n_samples``
    training rows and the fitted ``noise``."""
    params = estimator.get_params(deep=False)
    setup = Setup(params, n_samples, noise)
    arguments = {}
    for name, value in params.items():
        arguments.update(OPTIONS[name].net_arguments(value, setup))
    return arguments
