r"""Why is a sample unusual? The most unusual rows and the features that make them so.

An auto-encoder's energy is a line integral of its field from the typical point
:math:`x_0` (``energy_origin_``), and that integral is a sum over the features:
:math:`F(x) - F(x_0) = \sum_i \phi_i(x)`
(:meth:`~sk_consae.UntiedAutoEncoder.energy_contributions`).
A row is unusual *because of* the features with the most negative :math:`\phi_i`:
moving them from the typical point to the row's values lowers the energy most.
:func:`explain_outliers` puts that into a table a person can act on.
"""

import numpy as np
from sklearn.utils import Bunch, _safe_indexing
from sklearn.utils.validation import check_is_fitted

from ._base import _BaseFieldModel, final_step
from ._options import COUNT, validated

__all__ = ["explain_outliers", "named_contributions"]


def _energy_model(estimator, fitted=True):
    """The sk_consae auto-encoder at the end of ``estimator`` (itself or a Pipeline's
    last step), checked (and fitted); named in the error otherwise."""
    _, final = final_step(estimator)
    if not (isinstance(final, _BaseFieldModel) and hasattr(final, "energy_contributions")):
        raise TypeError(
            "this needs a sk_consae auto-encoder (UntiedAutoEncoder, "
            "ContractiveAutoEncoder) or a Pipeline ending in one, got "
            f"{type(estimator).__name__}."
        )
    if fitted:
        check_is_fitted(final)
    return final


def _input_names(X, n_features):
    columns = getattr(X, "columns", None)
    if columns is not None and len(columns) == n_features:
        return np.asarray([str(c) for c in columns], dtype=object)
    return np.asarray([f"x{i}" for i in range(n_features)], dtype=object)


def named_contributions(estimator, X):
    """Per-feature energy contributions of each row of X, with the names and values
    of the features they belong to.

    For a Pipeline the contributions are in the coordinates its last step sees; when
    the steps before keep the features in order (scalers do), names and values are
    X's own, otherwise those of the transformed features.

    Parameters
    ----------
    estimator : fitted sk_consae auto-encoder or Pipeline ending in one
        The energy model.
    X : array-like or DataFrame of shape (n_samples, n_features)
        Samples; a DataFrame's columns name the features.

    Returns
    -------
    contributions : ndarray of shape (n_samples, n_model_features)
    names : ndarray of str
    values : ndarray of shape (n_samples, n_model_features)
    """
    model = _energy_model(estimator)
    raw = np.asarray(X)
    names = _input_names(X, raw.shape[1] if raw.ndim == 2 else 0)
    steps_before, _ = final_step(estimator)
    if steps_before is not None:
        seen = steps_before.transform(X)
        try:
            seen_names = np.asarray(steps_before.get_feature_names_out(names), dtype=object)
        except (AttributeError, TypeError, ValueError):
            seen_names = np.asarray([f"x{i}" for i in range(seen.shape[1])], dtype=object)
        if not (len(seen_names) == len(names) and (seen_names == names).all()):
            names, raw = seen_names, np.asarray(seen)
        X = seen
    elif getattr(model, "feature_names_in_", None) is not None:
        names = np.asarray(model.feature_names_in_, dtype=object)
    return model.energy_contributions(X), names, raw


def _explanation(estimator, X, energies, flags, n_rows, n_features):
    """The rows of lowest energy first, each with its ``n_features`` most negative
    contributions (computed for those rows only); a pandas DataFrame when pandas is
    installed, else a Bunch."""
    order = np.argsort(energies, kind="stable")[: len(energies) if n_rows is None else n_rows]
    contributions, names, values = named_contributions(estimator, _safe_indexing(X, order))
    n_features = min(n_features, contributions.shape[1])
    # Most negative first: the features that lower the row's energy most.
    top = np.argsort(contributions, axis=1, kind="stable")[:, :n_features]
    shown = np.arange(len(order))
    columns = {
        "row": order,
        "energy": energies[order],
        "outlier": flags[order].astype(bool),
    }
    for k in range(n_features):
        feature = top[:, k]
        columns[f"feature_{k + 1}"] = names[feature]
        columns[f"value_{k + 1}"] = values[shown, feature].astype(float)
        columns[f"contribution_{k + 1}"] = contributions[shown, feature]
    try:
        import pandas as pd
    except ImportError:
        return Bunch(**columns)
    return pd.DataFrame(columns).set_index("row")


@validated(n_rows=[COUNT, None], n_features=[COUNT])
def explain_outliers(estimator, X, *, n_rows=10, n_features=3):
    r"""The most unusual rows of X, each with the features that make it unusual.

    Rows are sorted by energy, lowest (most unusual) first. For each, the
    ``n_features`` features with the most negative contributions
    :math:`\phi_i(x)` to its energy (:meth:`~sk_consae.UntiedAutoEncoder.energy_contributions`):
    moving those features from the typical point ``energy_origin_`` to the row's
    values lowers the energy most.

    Read more in the :ref:`User Guide <anomaly-scores>`.

    Parameters
    ----------
    estimator : fitted UntiedAutoEncoder, ContractiveAutoEncoder or Pipeline ending in one
        The energy model. In a Pipeline the contributions are in the coordinates of its
        last step; names and values are X's own when the steps before keep the
        features in order (as scalers do).
    X : array-like or DataFrame of shape (n_samples, n_features)
        Samples; a DataFrame's column names name the features.
    n_rows : int or None, default=10
        How many of the lowest-energy rows; None for every row.
    n_features : int, default=3
        Features listed per row (at most the number of features).

    Returns
    -------
    pandas.DataFrame or Bunch
        Indexed by ``row`` (the position in X): ``energy`` (:meth:`score_samples`),
        ``outlier`` (flagged by :meth:`predict`), and for :math:`k = 1, \dots,`
        ``n_features``: ``feature_k``, ``value_k`` (the row's value of that feature)
        and ``contribution_k``. Without pandas, a Bunch of those columns as arrays
        (``row`` included).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_consae import UntiedAutoEncoder
    >>> from sk_consae.inspection import explain_outliers
    >>> X = np.random.default_rng(0).normal(size=(300, 4))
    >>> X[7, 2] = 8.0  # one unusual value
    >>> ae = UntiedAutoEncoder(16, max_epochs=30, random_state=0).fit(X)
    >>> table = explain_outliers(ae, X, n_rows=1, n_features=1)
    >>> int(table.index[0]), table["feature_1"].iloc[0]
    (7, 'x2')
    """
    model = _energy_model(estimator)
    energies = np.asarray(estimator.score_samples(X))
    # predict's rule (decision >= 0 is an inlier), without scoring X a second time.
    flags = ~(energies - model.offset_ >= 0)
    return _explanation(estimator, X, energies, flags, n_rows, n_features)
