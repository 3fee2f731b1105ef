"""scikit-learn's estimator checks over every public estimator of sk_consae.

Estimators are found from ``sk_consae.__all__``, so new ones are checked without
editing this file; each ``weight_tying`` option an estimator accepts is checked.
"""

import inspect

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.estimator_checks import parametrize_with_checks

import sk_consae

# Check name -> reason, per estimator class. Declared here and nowhere else.
EXPECTED_FAILED_CHECKS = {}


def _public_estimators():
    for name in sk_consae.__all__:
        obj = getattr(sk_consae, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            yield obj


def _instances(estimator_class):
    """Small, fast, seeded instances: one per `weight_tying` option."""
    params = {"n_components": 4, "max_epochs": 3, "random_state": 0}
    tying = estimator_class._parameter_constraints.get("weight_tying", [])
    options = [o for c in tying if isinstance(c, StrOptions) for o in sorted(c.options)]
    if not options:
        return [estimator_class(**params)]
    return [estimator_class(weight_tying=o, **params) for o in options]


ESTIMATORS = [e for cls in _public_estimators() for e in _instances(cls)]


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


def test_every_public_estimator_is_checked():
    names = {type(e).__name__ for e in ESTIMATORS}
    assert names == {cls.__name__ for cls in _public_estimators()}
    assert {"UntiedAutoEncoder", "ContractiveAutoEncoder"} <= names


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
