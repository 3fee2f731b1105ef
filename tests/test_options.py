"""Each parameter is declared once (sk_consae._options): the constraints, the skorch
net's arguments, the continued-training checks and what a saved net keeps all come
from that declaration, so an option added in one place and not the others fails
here."""

import inspect

import numpy as np
import pytest
from skorch import NeuralNet

from sk_consae import ConservativeFieldExtractor, ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae._maths.activations import ACTIVATIONS
from sk_consae._nn.module import WEIGHT_TYING
from sk_consae._nn.net import AutoEncoderNet
from sk_consae._nn.optimizers import OPTIMIZERS
from sk_consae._nn.state import net_weights
from sk_consae._options import (
    ARCHITECTURE,
    NET_INTERNALS,
    OPTIONS,
    PERSISTED_NET_ARGUMENTS,
    declare_options,
)

ESTIMATORS = [UntiedAutoEncoder, ContractiveAutoEncoder, ConservativeFieldExtractor]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_constraints_are_the_declarations(Estimator):
    params = Estimator().get_params(deep=False)
    assert set(Estimator._parameter_constraints) == set(params)
    narrowed = {"weight_tying", "batch_size"} if Estimator is ConservativeFieldExtractor else set()
    for name, constraint in Estimator._parameter_constraints.items():
        assert (constraint is OPTIONS[name].constraint) == (name not in narrowed), name


def test_allowed_strings_come_from_the_registries():
    def strings(name):
        return next(c.options for c in OPTIONS[name].constraint if hasattr(c, "options"))

    assert strings("activation") == set(ACTIVATIONS)
    assert strings("weight_tying") == set(WEIGHT_TYING)
    assert strings("optimizer") == set(OPTIMIZERS)


def test_an_undeclared_parameter_is_refused():
    class Extended(UntiedAutoEncoder):
        def __init__(self, n_components=100, *, brand_new_option=1):
            super().__init__(n_components)
            self.brand_new_option = brand_new_option

    with pytest.raises(TypeError, match="brand_new_option"):
        declare_options()(Extended)


def _net_keywords():
    """The keyword arguments AutoEncoderNet adds to skorch's NeuralNet."""
    own = inspect.signature(AutoEncoderNet.__init__).parameters
    return {name for name in own if name not in ("self", "args", "kwargs")} - set(
        inspect.signature(NeuralNet.__init__).parameters
    )


def test_every_net_keyword_is_declared_and_saved():
    declared = {name for option in OPTIONS.values() for name in option.net_names}
    assert _net_keywords() <= declared | set(NET_INTERNALS)
    assert _net_keywords() <= set(PERSISTED_NET_ARGUMENTS)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_the_net_arguments_are_derived_and_saved(Estimator, optimizer):
    estimator = Estimator(4, optimizer=optimizer, max_epochs=1, random_state=0)
    if Estimator is not ConservativeFieldExtractor:
        estimator.set_params(hidden_layer_sizes=(3,))
    X = np.random.default_rng(0).normal(size=(40, 2))
    arguments = estimator._skorch_params(len(X), noise=0.25)
    declared = {name for option in OPTIONS.values() for name in option.net_names}
    fixed = {name for spec in OPTIMIZERS.values() for name in spec.arguments}
    assert set(arguments) <= declared | fixed | set(NET_INTERNALS)
    persisted = {key for key in arguments if key not in ("callbacks", "optimizer")}
    assert persisted <= set(PERSISTED_NET_ARGUMENTS)
    if Estimator is ConservativeFieldExtractor:
        estimator.fit(X, -X)
    else:
        estimator.fit(X)
    saved = net_weights(estimator.net_)["arguments"]
    for key in persisted:  # the fitted net got them and a saved one keeps them
        assert key in saved, key


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
