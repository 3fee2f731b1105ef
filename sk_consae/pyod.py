"""A PyOD detector on any sk_consae energy model (optional extra ``pyod``).

PyOD's detectors score the other way round from scikit-learn's: after ``fit`` they
hold ``decision_scores_`` (higher = more abnormal), ``threshold_`` and ``labels_``
(1 = outlier), and ``decision_function`` is higher for outliers. :class:`EnergyDetector`
wraps an auto-encoder so that it is one of them: its ``decision_function`` is the
negated energy, and PyOD's base class supplies ``predict``, ``predict_proba``
("linear" and "unify"), ``predict_confidence`` and ``predict_with_rejection``, so it
combines with PyOD's other detectors and thresholders.

This module imports PyOD: ``pip install "sk_consae[pyod]"``.

References
----------
.. [1] Zhao, Nasrullah and Li, "PyOD: A Python toolbox for scalable outlier
   detection", JMLR 2019.
"""

import functools
from numbers import Real

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import check_array, check_is_fitted

from ._optional import require
from ._options import COUNT, validated
from .inspection import _energy_model, _explanation, named_contributions

BaseDetector = require("pyod.models.base", "pyod").BaseDetector

__all__ = ["EnergyDetector"]


def _with_python_rate(method):
    """``method`` run with ``contamination`` as a Python float when it is another real
    number (a NumPy scalar): PyOD tells a rate from a PyThresh thresholder by
    ``isinstance(value, (float, int))`` and would take ``np.float32(0.1)`` for a
    thresholder. The parameter itself is left as given (scikit-learn's ``clone``
    requires it)."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        given = self.contamination
        if not isinstance(given, Real) or isinstance(given, (float, int)):
            return method(self, *args, **kwargs)
        self.contamination = float(given)
        try:
            return method(self, *args, **kwargs)
        finally:
            self.contamination = given

    return run


class EnergyDetector(BaseDetector):
    """PyOD detector whose outlier score is an auto-encoder's negated energy.

    ``fit`` trains a clone of ``estimator`` on X and sets, as every PyOD detector
    does, ``decision_scores_`` (the training rows' negated energies),
    ``threshold_`` (their ``1 - contamination`` quantile, or a PyThresh
    thresholder's threshold) and ``labels_`` (1 above it).

    Read more in the :ref:`User Guide <anomaly-scores>`.

    Parameters
    ----------
    estimator : sk_consae auto-encoder or Pipeline ending in one, default=None
        The energy model; ``UntiedAutoEncoder()`` when None. Its own
        ``contamination`` and ``offset_`` are not used: PyOD's threshold is.
    contamination : float in (0, 0.5] or PyThresh thresholder, default=0.1
        The expected fraction of outliers, as in every PyOD detector.

    Attributes
    ----------
    estimator_ : fitted estimator
        The trained clone of ``estimator``.
    decision_scores_ : ndarray of shape (n_samples,)
        Outlier scores of the training rows: higher is more abnormal.
    threshold_ : float
        Scores above it are outliers.
    labels_ : ndarray of shape (n_samples,)
        1 for the training rows above ``threshold_``, 0 otherwise.
    n_features_in_ : int

    See Also
    --------
    sk_consae.UntiedAutoEncoder : The default energy model.
    sk_consae.inspection.explain_outliers : The table :meth:`explain` returns.

    Examples
    --------
    >>> from pyod.utils.data import generate_data
    >>> from sk_consae import UntiedAutoEncoder
    >>> from sk_consae.pyod import EnergyDetector
    >>> X_train, X_test, y_train, y_test = generate_data(
    ...     n_train=200, n_test=100, contamination=0.1, random_state=42)
    >>> detector = EnergyDetector(UntiedAutoEncoder(16, random_state=0)).fit(X_train)
    >>> float(detector.labels_.mean())
    0.1
    >>> detector.predict(X_test).shape
    (100,)
    """

    def __init__(self, estimator=None, contamination=0.1):
        # PyOD's BaseDetector.__init__ checks contamination here; it is checked at fit,
        # as scikit-learn asks, so that set_params and clone see the value as given.
        self.estimator = estimator
        self.contamination = contamination

    # The PyOD methods that read contamination (see _with_python_rate).
    _process_decision_scores = _with_python_rate(BaseDetector._process_decision_scores)
    predict = _with_python_rate(BaseDetector.predict)
    predict_with_rejection = _with_python_rate(BaseDetector.predict_with_rejection)
    compute_rejection_stats = _with_python_rate(BaseDetector.compute_rejection_stats)

    def _check_contamination(self):
        if isinstance(self.contamination, Real) and not isinstance(self.contamination, bool):
            if not 0 < self.contamination <= 0.5:
                raise ValueError(f"contamination must be in (0, 0.5], got {self.contamination!r}.")
        elif not hasattr(self.contamination, "fit"):
            raise ValueError(
                "contamination must be a float in (0, 0.5] or a PyThresh thresholder, got "
                f"{self.contamination!r}."
            )

    def fit(self, X, y=None):
        """Train the energy model on X and set PyOD's training attributes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training samples.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
        """
        from ._autoencoder import UntiedAutoEncoder

        self._check_contamination()
        check_array(X, dtype=None, ensure_all_finite=True)  # named errors, before training
        template = UntiedAutoEncoder() if self.estimator is None else self.estimator
        _energy_model(template, fitted=False)  # named before any training
        estimator = clone(template).fit(X)  # a failed fit leaves self as it was
        self._set_n_classes(y)
        self.estimator_ = estimator
        self.n_features_in_ = _energy_model(estimator).n_features_in_
        self.decision_scores_ = _negated_energies(estimator, X)
        self._process_decision_scores()
        return self

    def decision_function(self, X):
        """Outlier scores of X: the negated energy, higher for more abnormal rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, ["estimator_", "decision_scores_"])
        return _negated_energies(self.estimator_, X)

    def predict_proba(self, X, method="linear", return_confidence=False):
        """PyOD's outlier probabilities of X, from the training scores (its base class).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.
        method : {"linear", "unify"}, default="linear"
            ``"linear"``: min-max scaling of the scores by the training range;
            ``"unify"``: Kriegel et al.'s unification (a Gaussian CDF of the
            standardised score).
        return_confidence : bool, default=False
            Also return :meth:`predict_confidence`.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Columns: probability of normal, of outlier.
        """
        return super().predict_proba(X, method=method, return_confidence=return_confidence)

    @_with_python_rate
    def predict_confidence(self, X):
        """PyOD's confidence in each label of X, in [0, 1] (its base class's
        estimate from the training scores; Perini et al. 2020).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return super().predict_confidence(X)

    def energy_contributions(self, X):
        """Each feature's share of each row's energy (see
        :meth:`sk_consae.UntiedAutoEncoder.energy_contributions`); the most negative
        contributions are what makes a row score high here.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, ["estimator_"])
        return named_contributions(self.estimator_, X)[0]

    @validated(n_rows=[COUNT, None], n_features=[COUNT])
    def explain(self, X, *, n_rows=10, n_features=3):
        """The highest-scoring rows of X, each with the features that make it unusual.

        As :func:`sk_consae.inspection.explain_outliers`, with this detector's labels
        (``predict``) as the ``outlier`` column.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Samples; a DataFrame's columns name the features.
        n_rows : int or None, default=10
            How many of the highest-scoring rows; None for every row.
        n_features : int, default=3
            Features listed per row.

        Returns
        -------
        pandas.DataFrame or Bunch
        """
        check_is_fitted(self, ["estimator_"])
        energies = -self.decision_function(X)
        flags = self.predict(X) == 1  # PyOD's rule: a threshold or a PyThresh thresholder
        return _explanation(self.estimator_, X, energies, flags, n_rows, n_features)


def _negated_energies(estimator, X):
    """PyOD's outlier scores: higher for less typical rows."""
    return -np.asarray(estimator.score_samples(X), dtype=np.float64)
