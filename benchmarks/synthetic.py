"""Anomalies of known kinds, for data nobody has tuned on.

ADBench's four synthetic anomaly types (Han et al., "ADBench: anomaly detection
benchmark", NeurIPS 2022, section 4.3 and its ``data_generator.py``), generated around
the *real* normal rows of a dataset (which stay the normal class):

``local``
    From a Gaussian mixture fitted to the normal rows (components chosen by BIC), with
    every covariance scaled by ``alpha = 5``: anomalies near the normal modes, spread
    wider.
``global``
    Uniform in the normal rows' bounding box scaled by ``alpha = 1.1`` per feature
    (about its centre).
``dependency``
    Each feature drawn independently from its own normal marginal: the marginals are
    normal, the dependence between features is broken.
``clustered``
    From the mixture with every mean scaled by ``alpha = 5`` (about the data's mean):
    tight clusters of anomalies away from the normal modes, where a detector that gives
    training anomalies a mode of their own fails when they contaminate training.

And low-dimensional heavy-tailed data with anomalies far from every normal row
(:func:`heavy_tailed`): skewed heavy-tailed normal rows (exp of a Student-t with 3
degrees of freedom), anomalies 5 to 30 kernel bandwidths (Scott's) away from their
nearest normal row.

Each function returns ``(X, y)`` with y = 1 for anomalies, as the npz files hold them.
"""

import numpy as np
from _harness import scott_bandwidth
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors

KINDS = ("local", "global", "dependency", "clustered")
# Rows the mixture is fitted on, and the largest number of components BIC chooses from.
MIXTURE_ROWS, MAX_COMPONENTS = 5_000, 5


def _mixture(normal, rng):
    rows = normal
    if len(rows) > MIXTURE_ROWS:
        rows = rows[rng.choice(len(rows), MIXTURE_ROWS, replace=False)]
    best = None
    for k in range(1, MAX_COMPONENTS + 1):
        model = GaussianMixture(k, covariance_type="full", reg_covar=1e-4, random_state=0)
        model.fit(rows)
        if best is None or model.bic(rows) < best.bic(rows):
            best = model
    return best


def _sample_mixture(mixture, n, rng, mean_scale=1.0, covariance_scale=1.0, centre=0.0):
    counts = rng.multinomial(n, mixture.weights_)
    parts = [
        rng.multivariate_normal(
            centre + mean_scale * (mean - centre), covariance_scale * covariance, size=count
        )
        for mean, covariance, count in zip(mixture.means_, mixture.covariances_, counts)
    ]
    return np.vstack(parts)


def synthetic_anomalies(kind, X, y, seed=0, alpha=None):
    """The normal rows of (X, y) with anomalies of ``kind`` instead of the real ones (as
    many as there were, at least 1% of the rows)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    rng = np.random.default_rng(seed)
    normal = X[y == 0]
    n = max(int(y.sum()), len(normal) // 100, 1)
    if kind == "global":
        alpha = 1.1 if alpha is None else alpha
        low, high = normal.min(0), normal.max(0)
        centre, half = (low + high) / 2, (high - low) / 2
        anomalies = rng.uniform(centre - alpha * half, centre + alpha * half, (n, X.shape[1]))
    elif kind == "dependency":
        anomalies = np.column_stack(
            [normal[rng.integers(len(normal), size=n), j] for j in range(X.shape[1])]
        )
    else:
        mixture = _mixture(normal, rng)
        alpha = 5.0 if alpha is None else alpha
        if kind == "local":
            anomalies = _sample_mixture(mixture, n, rng, covariance_scale=alpha)
        else:
            centre = normal.mean(0)
            anomalies = _sample_mixture(mixture, n, rng, mean_scale=alpha, centre=centre)
    X_out = np.vstack([normal, anomalies])
    y_out = np.r_[np.zeros(len(normal), int), np.ones(len(anomalies), int)]
    order = rng.permutation(len(X_out))
    return X_out[order], y_out[order]


def heavy_tailed(n_features, n_normal=20_000, n_anomalies=200, seed=0):
    """Skewed heavy-tailed normal rows (each feature exp of a Student-t with 3 degrees of
    freedom, independent) and anomalies 5 to 30 Scott bandwidths from their nearest
    normal row."""
    rng = np.random.default_rng(seed)
    normal = np.exp(rng.standard_t(3, size=(n_normal, n_features)))
    bandwidth = scott_bandwidth(normal)
    neighbours = NearestNeighbors(n_neighbors=1).fit(normal)
    anomalies = []
    while len(anomalies) < n_anomalies:
        start = normal[rng.integers(n_normal)]
        direction = rng.standard_normal(n_features)
        distance = rng.uniform(5, 30) * bandwidth
        candidate = start + distance * direction / np.linalg.norm(direction)
        nearest = neighbours.kneighbors(candidate[None])[0][0, 0]
        if 5 * bandwidth <= nearest <= 30 * bandwidth:
            anomalies.append(candidate)
    X = np.vstack([normal, anomalies])
    y = np.r_[np.zeros(n_normal, int), np.ones(n_anomalies, int)]
    order = rng.permutation(len(X))
    return X[order], y[order]
