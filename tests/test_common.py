"""scikit-learn's estimator checks over every public estimator of sk_consae.

Estimators are found from ``sk_consae.__all__``, so new ones are checked without
editing this file; each ``weight_tying`` option an estimator accepts is checked, and a
deep untied and a deep scaled configuration of each auto-encoder.
"""

import inspect

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.estimator_checks import parametrize_with_checks

import sk_consae


class FieldFromCheckTarget(sk_consae.ConservativeFieldExtractor):
    """ConservativeFieldExtractor given targets that scikit-learn's checks can make.

    The checks generate 1-D (or one-column) targets; this estimator's target is a field
    on X, of X's shape, and a 1-D target is rejected by the shape check before anything
    else runs. So that the checks exercise everything else (validation, dtypes, NaN
    handling, pickling, idempotence, invariances), a target with X's rows but not X's
    shape becomes the field whose every component is that target. Targets of X's shape,
    and malformed input, reach the real estimator unchanged. No check is expected to
    fail.
    """

    @staticmethod
    def _as_field(X, y):
        X_shape, y_array = np.asarray(X).shape, None if y is None else np.asarray(y)
        if (
            y_array is not None
            and len(X_shape) == 2
            and y_array.ndim in (1, 2)
            and y_array.shape[0] == X_shape[0]
            and y_array.shape != X_shape
        ):
            return np.repeat(y_array.reshape(X_shape[0], -1)[:, :1], X_shape[1], axis=1)
        return y

    def fit(self, X, y):
        return super().fit(X, self._as_field(X, y))

    def score(self, X, y, sample_weight=None):
        return super().score(X, self._as_field(X, y), sample_weight)


# Estimators whose target scikit-learn's checks cannot generate are run through an
# adapter (see FieldFromCheckTarget).
CHECKED_THROUGH = {sk_consae.ConservativeFieldExtractor: FieldFromCheckTarget}


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
    instances = [estimator_class(weight_tying=o, **params) for o in options]
    if "hidden_layer_sizes" in estimator_class._parameter_constraints:
        # Deep: one free decoder and one conservative by construction.
        instances += [
            estimator_class(weight_tying=o, hidden_layer_sizes=(5,), **params)
            for o in ("untied", "scaled")
        ]
    return instances


ESTIMATORS = [e for cls in _public_estimators() for e in _instances(CHECKED_THROUGH.get(cls, cls))]


def test_every_public_estimator_is_checked():
    checked = {cls for e in ESTIMATORS for cls in type(e).__mro__}
    assert set(_public_estimators()) <= checked
    assert len(set(_public_estimators())) >= 3


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
