"""EnergyDetector passes the test pattern PyOD runs on its own detectors.

Each test below follows the test of the same name in PyOD's ``pyod/test/test_knn.py``
(the pattern repeated in ``test_lof.py``, ``test_iforest.py``, ``test_auto_encoder.py``
and the other detector tests of PyOD 3): the same data (``generate_data`` with 200
training and 100 test rows, contamination 0.1, seed 42), the same assertions, run on
every auto-encoder. Tests after the pattern cover what the wrapper adds.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_less, assert_equal
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

pytest.importorskip("pyod")

from pyod.utils.data import generate_data  # noqa: E402

from sk_consae import ContractiveAutoEncoder, UntiedAutoEncoder  # noqa: E402
from sk_consae.pyod import EnergyDetector  # noqa: E402

N_TRAIN, N_TEST, CONTAMINATION, ROC_FLOOR = 200, 100, 0.1, 0.8
# PyOD's rank tests allow 2 (KNN) to 4 (KPCA) rank places per detector: a test score
# between two training scores gets their rank, so near-ties move it.
RANK_ATOL = 4

ESTIMATORS = {
    "untied": UntiedAutoEncoder(16, max_epochs=50, random_state=0),
    "tied": UntiedAutoEncoder(16, weight_tying="tied", max_epochs=50, random_state=0),
    "scaled": UntiedAutoEncoder(16, weight_tying="scaled", max_epochs=50, random_state=0),
    "deep": UntiedAutoEncoder(16, hidden_layer_sizes=(16,), max_epochs=50, random_state=0),
    "contractive": ContractiveAutoEncoder(16, max_epochs=50, random_state=0),
    "pipeline": make_pipeline(
        StandardScaler(), UntiedAutoEncoder(16, max_epochs=50, random_state=0)
    ),
}


@pytest.fixture(scope="module")
def data():
    X_train, X_test, y_train, y_test = generate_data(
        n_train=N_TRAIN, n_test=N_TEST, contamination=CONTAMINATION, random_state=42
    )
    return X_train, X_test, y_train, y_test


@pytest.fixture(scope="module", params=list(ESTIMATORS))
def fitted(request, data):
    X_train = data[0]
    return EnergyDetector(ESTIMATORS[request.param], contamination=CONTAMINATION).fit(X_train)


# --- PyOD's pattern (pyod/test/test_knn.py) ---------------------------------------------


def test_parameters(fitted):
    for attribute in ("decision_scores_", "labels_", "threshold_", "estimator_"):
        assert hasattr(fitted, attribute) and getattr(fitted, attribute) is not None


def test_train_scores(fitted, data):
    assert_equal(len(fitted.decision_scores_), data[0].shape[0])


def test_prediction_scores(fitted, data):
    X_test, y_test = data[1], data[3]
    pred_scores = fitted.decision_function(X_test)
    assert_equal(pred_scores.shape[0], X_test.shape[0])
    assert roc_auc_score(y_test, pred_scores) >= ROC_FLOOR


def test_prediction_labels(fitted, data):
    assert_equal(fitted.predict(data[1]).shape, data[3].shape)


@pytest.mark.parametrize("method", [None, "linear", "unify"])
def test_prediction_proba(fitted, data, method):
    kwargs = {} if method is None else {"method": method}
    pred_proba = fitted.predict_proba(data[1], **kwargs)
    assert pred_proba.min() >= 0
    assert pred_proba.max() <= 1


def test_prediction_proba_parameter(fitted, data):
    with pytest.raises(ValueError):
        fitted.predict_proba(data[1], method="something")


def test_prediction_labels_confidence(fitted, data):
    pred_labels, confidence = fitted.predict(data[1], return_confidence=True)
    assert_equal(pred_labels.shape, data[3].shape)
    assert_equal(confidence.shape, data[3].shape)
    assert confidence.min() >= 0
    assert confidence.max() <= 1


def test_prediction_proba_linear_confidence(fitted, data):
    pred_proba, confidence = fitted.predict_proba(data[1], method="linear", return_confidence=True)
    assert pred_proba.min() >= 0
    assert pred_proba.max() <= 1
    assert_equal(confidence.shape, data[3].shape)
    assert confidence.min() >= 0
    assert confidence.max() <= 1


def test_prediction_with_rejection(fitted, data):
    pred_labels = fitted.predict_with_rejection(data[1], return_stats=False)
    assert_equal(pred_labels.shape, data[3].shape)


def test_prediction_with_rejection_stats(fitted, data):
    _, [expected_rejrate, ub_rejrate, ub_cost] = fitted.predict_with_rejection(
        data[1], return_stats=True
    )
    assert 0 <= expected_rejrate <= 1
    assert 0 <= ub_rejrate <= 1
    assert ub_cost >= 0


def test_fit_predict(fitted, data):
    pred_labels = clone(fitted).fit_predict(data[0])
    assert_equal(pred_labels.shape, data[2].shape)


def test_fit_predict_score(fitted, data):
    X_test, y_test = data[1], data[3]
    detector = clone(fitted)
    detector.fit_predict_score(X_test, y_test)
    detector.fit_predict_score(X_test, y_test, scoring="roc_auc_score")
    detector.fit_predict_score(X_test, y_test, scoring="prc_n_score")
    with pytest.raises(NotImplementedError):
        detector.fit_predict_score(X_test, y_test, scoring="something")


def test_predict_rank(fitted, data):
    X_train, X_test = data[0], data[1]
    pred_scores = fitted.decision_function(X_test)
    pred_ranks = fitted._predict_rank(X_test)
    # the order is kept
    assert_allclose(rankdata(pred_ranks), rankdata(pred_scores), atol=RANK_ATOL)
    assert_array_less(pred_ranks, X_train.shape[0] + 1)
    assert_array_less(-0.1, pred_ranks)


def test_predict_rank_normalized(fitted, data):
    X_test = data[1]
    pred_scores = fitted.decision_function(X_test)
    pred_ranks = fitted._predict_rank(X_test, normalized=True)
    assert_allclose(rankdata(pred_ranks), rankdata(pred_scores), atol=RANK_ATOL)
    assert_array_less(pred_ranks, 1.01)
    assert_array_less(-0.1, pred_ranks)


def test_model_clone(fitted):
    clone(fitted)


# --- what the wrapper adds --------------------------------------------------------------


def test_training_labels_follow_the_contamination(fitted):
    assert fitted.labels_.mean() == pytest.approx(CONTAMINATION, abs=0.01)
    assert_equal(fitted.labels_, (fitted.decision_scores_ > fitted.threshold_).astype(int))


def test_scores_are_the_negated_energies(fitted, data):
    energies = fitted.estimator_.score_samples(data[1])
    assert_allclose(fitted.decision_function(data[1]), -energies)


def test_contributions_and_explanations_come_from_the_energy(fitted, data):
    X_test = data[1]
    contributions = fitted.energy_contributions(X_test)
    assert contributions.shape == X_test.shape and np.isfinite(contributions).all()
    table = fitted.explain(X_test, n_rows=5, n_features=2)
    scores = fitted.decision_function(X_test)
    assert list(table.index) == list(np.argsort(-scores, kind="stable")[:5])
    assert set(table.columns) >= {"energy", "outlier", "feature_1", "contribution_2"}


def test_the_default_estimator_and_nested_parameters(data):
    detector = EnergyDetector(contamination=0.05)
    detector.set_params(estimator=UntiedAutoEncoder(8, max_epochs=5, random_state=0))
    detector.set_params(estimator__n_components=6).fit(data[0])
    assert detector.estimator_.n_components == 6 and detector.estimator.n_components == 6
    assert not hasattr(detector.estimator, "net_")  # the given estimator is not fitted
    assert EnergyDetector().get_params()["estimator"] is None


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"contamination": 0.7}, ValueError, "contamination must be in \\(0, 0.5\\]"),
        ({"contamination": "lots"}, ValueError, "PyThresh thresholder"),
        ({"estimator": StandardScaler()}, TypeError, "sk_consae auto-encoder"),
    ],
)
def test_bad_arguments_are_named_at_fit(kwargs, error, message, data):
    with pytest.raises(error, match=message):
        EnergyDetector(**kwargs).fit(data[0])


def test_a_pythresh_style_thresholder_sets_the_labels(data):
    class Above:
        """The interface PyOD uses of a PyThresh thresholder: fit, labels_, thresh_."""

        def fit(self, scores):
            self.thresh_ = float(np.percentile(scores, 80))
            self.labels_ = (scores > self.thresh_).astype(int)
            return self

    estimator = UntiedAutoEncoder(8, max_epochs=5, random_state=0)
    detector = EnergyDetector(estimator, contamination=Above()).fit(data[0])
    assert detector.labels_.mean() == pytest.approx(0.2, abs=0.01)


def test_a_failed_fit_leaves_the_detector_as_it_was(data):
    detector = EnergyDetector(UntiedAutoEncoder(8, max_epochs=5, random_state=0)).fit(data[0])
    state = dict(vars(detector))
    with pytest.raises(ValueError):
        detector.fit(np.full((10, 3), np.nan))
    assert vars(detector).keys() == state.keys()
    assert detector.estimator_ is state["estimator_"]
    np.testing.assert_array_equal(detector.decision_scores_, state["decision_scores_"])
