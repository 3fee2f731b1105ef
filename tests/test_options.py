"""The parameters' constraints and the skorch net's arguments (sk_consae._options):
every parameter is constrained, reaches the net or the estimator, and a saved net keeps
every argument it was built with."""

import numpy as np
import pytest
from skorch.callbacks import PrintLog

from sk_consae import ConservativeFieldExtractor, ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae._maths.activations import ACTIVATIONS
from sk_consae._nn.module import WEIGHT_TYING
from sk_consae._nn.optimizers import OPTIMIZERS
from sk_consae._nn.state import net_weights
from sk_consae._options import (
    ARCHITECTURE,
    BUDGET,
    MODEL_CONSTRAINTS,
    TRAINING_CONSTRAINTS,
    net_arguments,
)

ESTIMATORS = [UntiedAutoEncoder, ContractiveAutoEncoder, ConservativeFieldExtractor]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_parameter_is_constrained(Estimator):
    params = Estimator().get_params(deep=False)
    assert set(Estimator._parameter_constraints) == set(params)


def test_allowed_strings_come_from_the_registries():
    def strings(constraints):
        return next(c.options for c in constraints if hasattr(c, "options"))

    assert strings(MODEL_CONSTRAINTS["activation"]) == set(ACTIVATIONS)
    assert strings(MODEL_CONSTRAINTS["weight_tying"]) == set(WEIGHT_TYING)
    assert strings(TRAINING_CONSTRAINTS["optimizer"]) == set(OPTIMIZERS)


# Parameters the estimator uses itself; every other one must reach the net.
ESTIMATOR_ONLY = {
    "device",
    "random_state",
    "warm_start",
    "contamination",
    "energy_quadrature",
    "noise",
    "standardize",
}
CHANGED = {
    "n_components": 7,
    "hidden_layer_sizes": (3,),
    "activation": "tanh",
    "weight_tying": "tied",
    "weight_length": 2.0,
    "asymmetry_penalty": 0.5,
    "contraction": 0.7,
    "contraction_target": "encoder",
    "optimizer": "sgd",
    "lr": 0.123,
    "momentum": 0.5,
    "ema_momentum": 0.5,
    "max_epochs": 9,
    "max_samples": 10,
    "batch_size": 5,
    "shuffle": False,
    "validation_fraction": 0.3,
    "verbose": 2,
    "callbacks": [PrintLog()],
    "novelty": True,
}


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_other_parameter_reaches_the_net(Estimator):
    params = {**Estimator().get_params(deep=False), "optimizer": "sgd"}  # uses momentum
    assert set(params) <= ESTIMATOR_ONLY | set(CHANGED)
    before = net_arguments(params, 100)
    for name in set(params) - ESTIMATOR_ONLY - {"optimizer"}:
        assert repr(net_arguments({**params, name: CHANGED[name]}, 100)) != repr(before), name
    assert (
        net_arguments({**params, "optimizer": "adam"}, 100)["optimizer"] is not before["optimizer"]
    )


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_the_net_arguments_are_derived_and_saved(Estimator, optimizer):
    estimator = Estimator(4, optimizer=optimizer, max_epochs=1, random_state=0)
    if Estimator is not ConservativeFieldExtractor:
        estimator.set_params(hidden_layer_sizes=(3,))
    X = np.random.default_rng(0).normal(size=(40, 2))
    arguments = estimator._skorch_params(len(X), noise=0.25)
    persisted = {key for key in arguments if key not in ("callbacks", "optimizer", "module")}
    if Estimator is ConservativeFieldExtractor:
        estimator.fit(X, -X)
    else:
        estimator.fit(X)
    saved = net_weights(estimator.net_)["arguments"]
    for key in persisted:  # the fitted net got them and a saved one keeps them
        assert key in saved, key


def test_novelty_sets_the_auto_budget_and_an_explicit_value_wins():
    params = UntiedAutoEncoder().get_params(deep=False)
    assert params["n_components"] == params["max_epochs"] == "auto"
    for novelty in (False, True):
        arguments = net_arguments({**params, "novelty": novelty}, 100)
        assert arguments["module__n_components"] == BUDGET[novelty]["n_components"]
        assert arguments["max_epochs"] == BUDGET[novelty]["max_epochs"]
        explicit = net_arguments({**params, "novelty": novelty, "n_components": 7}, 100)
        assert explicit["module__n_components"] == 7
    X = np.random.default_rng(0).normal(size=(40, 2))
    model = UntiedAutoEncoder(novelty=True, max_epochs=2, random_state=0).fit(X)
    assert model.encoder_weights_.shape == (2, BUDGET[True]["n_components"])
    assert len(model.history_) == 2


def test_architecture_keys_are_the_declared_ones():
    assert ARCHITECTURE == {
        "module__n_components": "n_components",
        "module__hidden_layer_sizes": "hidden_layer_sizes",
        "module__activation": "activation",
        "module__weight_tying": "weight_tying",
        "optimizer": "optimizer",
    }


def test_noise_is_passed_explicitly_not_read_from_the_fitted_state():
    estimator = UntiedAutoEncoder(4, noise="auto")
    assert "noise_" not in vars(estimator)
    assert estimator._skorch_params(100, noise=0.5)["noise"] == 0.5
