r"""Outlier-detection defaults: the noise scale, the threshold rule and the bounded
sample of training energies that keeps ``offset_`` right on a stream.

Pure NumPy functions; the estimators call them from ``fit`` and ``partial_fit``.
"""

import numpy as np

__all__ = [
    "REFERENCE_NOISE_FACTOR",
    "resolve_noise",
    "reference_noise",
    "feature_spread",
    "tukey_lower_fence",
    "weighted_mean",
    "weighted_percentile",
    "start_sample",
    "extend_sample",
    "carry_energies",
]

# score's reference noise is this fraction of the data's root-mean-square feature
# spread (what noise="auto" was before it became Scott's bandwidth): fixed, so every
# model compared on a fold is scored at one scale whatever the fold's size.
REFERENCE_NOISE_FACTOR = 0.5

# The sample of training energies that ``offset_`` is computed on holds at most this
# many values (80 KB in float64). Energies, never rows: a fitted model holds no data.
SAMPLE_CAPACITY = 10_000


def resolve_noise(noise, X, weights=None):
    r"""The denoising noise scale :math:`\sigma` for ``noise`` and training data X.

    ``"auto"`` is Scott's kernel bandwidth with the root-mean-square spread of the
    features,

    .. math:: \sigma = n^{-1/(D + 4)} \sqrt{\tfrac1D \textstyle\sum_i \operatorname{Var}(x_i)},

    for X of n rows and D features (with frequency ``weights``, n is their sum and the
    variances are weighted: integer weights act as repeated rows). A denoising
    auto-encoder's field estimates
    :math:`\sigma^2 \nabla \log p_\sigma`, :math:`p_\sigma` the data density smoothed
    by the noise (Alain and Bengio 2014): :math:`\sigma` acts as a kernel bandwidth,
    and :math:`n^{-1/(D+4)}` times the spread is the bandwidth that minimises a Gaussian
    kernel density estimate's mean integrated squared error for normal data (Scott
    1992): it narrows as the data grow, faster in few dimensions. It follows the data's
    units (scaling X by a scales :math:`\sigma` by a), and :math:`\sigma > 0` keeps
    the model from the identity map, whose field (and energy) is flat. With
    ``partial_fit`` the first chunk's rows set it.

    Parameters
    ----------
    noise : float or "auto"
    X : ndarray of shape (n_samples, n_features)
    weights : ndarray of shape (n_samples,), optional
        Positive frequency weights.

    Returns
    -------
    float

    References
    ----------
    .. [1] Scott, D. W. "Multivariate Density Estimation", Wiley, 1992, eq. (6.42).
    """
    if noise != "auto":
        return float(noise)
    n_features = X.shape[1]
    n_samples = X.shape[0] if weights is None else float(weights.sum())
    if n_samples < 2:
        raise ValueError(
            "noise='auto' sets the noise scale from the spread of the training data, but "
            f"X has {n_samples:g} sample(s) (rows, or their total sample_weight); pass at "
            "least 2 (with partial_fit, the first chunk fixes noise_ for the whole stream) "
            "or a float, e.g. noise=0.1."
        )
    return float(n_samples ** (-1.0 / (n_features + 4)) * feature_spread(X, weights))


def reference_noise(X):
    r"""``score``'s noise scale on X: :math:`0.5 \sqrt{\tfrac1D \sum_i
    \operatorname{Var}(x_i)}`, half the features' root-mean-square spread, whatever
    the number of rows (the caller checks that X has at least 2)."""
    return float(REFERENCE_NOISE_FACTOR * feature_spread(X))


def feature_spread(X, weights=None):
    """The root-mean-square spread of X's features, sqrt(mean of the column variances):
    the unit every noise scale here is a multiple of."""
    return float(np.sqrt(np.mean(column_variances(X, weights))))


def column_variances(X, weights=None, rows=2**15):
    """Each column's variance in float64 (weighted by frequency ``weights``), from
    blocks of ``rows`` rows: ``np.var`` would hold a float64 copy of all of X (twice a
    float32 X's memory at 10^7 rows)."""
    mean = weighted_mean(X, weights, rows)
    squares = np.zeros(X.shape[1])
    for start in range(0, X.shape[0], rows):
        deviation = X[start : start + rows] - mean
        if weights is None:
            squares += (deviation * deviation).sum(0)
        else:
            squares += weights[start : start + rows] @ (deviation * deviation)
    return squares / (X.shape[0] if weights is None else weights.sum())


def weighted_mean(X, weights=None, rows=2**15):
    """The float64 mean of X's rows, weighted by frequency ``weights`` (in blocks of
    ``rows`` rows, without a float64 copy of X)."""
    if weights is None:
        return X.mean(0, dtype=np.float64)
    total = np.zeros(X.shape[1])
    for start in range(0, X.shape[0], rows):
        total += weights[start : start + rows] @ X[start : start + rows].astype(np.float64)
    return total / weights.sum()


def weighted_percentile(values, q, weights=None):
    r"""``np.percentile(values, q)`` (linear interpolation) with frequency ``weights``.

    With positive weights :math:`w_i` summing to :math:`W`, the sorted values are
    order statistics at cumulative positions; the percentile interpolates between the
    statistics at :math:`\lfloor h \rfloor` and :math:`\lfloor h \rfloor + 1`,
    :math:`h = (W - 1)\,q / 100`, as NumPy's default method does on the values
    repeated :math:`w_i` times. So integer weights give exactly the percentile of the
    repeated values, and non-integer weights interpolate between them.

    Parameters
    ----------
    values : array-like of shape (n,)
    q : float or array-like of floats in [0, 100]
    weights : array-like of shape (n,), optional
        Positive frequency weights; None is ``np.percentile``.

    Returns
    -------
    float or ndarray
    """
    if weights is None or (np.asarray(weights) == 1).all():
        return np.percentile(values, q)
    order = np.argsort(values, kind="stable")
    values, weights = np.asarray(values)[order], np.asarray(weights, dtype=np.float64)[order]
    ends = np.cumsum(weights)  # values[i] fills positions up to ends[i] (exclusive)
    position = (ends[-1] - 1.0) * np.asarray(q, dtype=np.float64) / 100.0
    low = np.clip(np.floor(position), 0.0, None)
    fraction = position - low

    def statistic(k):  # the order statistic at (0-based) position k
        return values[np.minimum(np.searchsorted(ends, k, side="right"), len(values) - 1)]

    below, above = statistic(low), statistic(low + 1.0)
    return below + fraction * (above - below)


def tukey_lower_fence(scores, k=3.0, weights=None):
    r"""Tukey's lower fence :math:`Q_1 - k\,(Q_3 - Q_1)` of ``scores``.

    The threshold of ``contamination="auto"``, with Tukey's "far out" :math:`k = 3`:
    a sample whose energy lies that far below the box of the training energies is an
    outlier. It needs no guess of the outlier fraction, and the quartiles barely move
    when the training data hold a few outliers. Energies of clean data have a longer
    lower tail than a Gaussian (for Gaussian data :math:`F \approx -\chi^2_D / 2`
    up to scale), which is why the outer fence is used: it flags 0.24% of
    :math:`-\chi^2_5` scores and 0.03% of :math:`-\chi^2_{20}` ones, where the
    inner fence (:math:`k = 1.5`) flags 2.8% and 1.4%.

    Parameters
    ----------
    scores : array-like of shape (n,)
    k : float, default=3.0
    weights : array-like of shape (n,), optional
        Frequency weights of the scores (see :func:`weighted_percentile`).

    Returns
    -------
    float

    References
    ----------
    .. [1] Tukey, J. W. "Exploratory data analysis", Addison-Wesley, 1977.
    """
    q1, q3 = weighted_percentile(scores, [25.0, 75.0], weights)
    return float(q1 - k * (q3 - q1))


def start_sample(values, seed, capacity=SAMPLE_CAPACITY):
    """A uniform sample of ``values`` (along the first axis), without replacement, of at
    most ``capacity`` entries (a copy of ``values`` when they fit)."""
    if values.shape[0] <= capacity:
        return np.array(values, copy=True)
    rng = np.random.default_rng([seed, 0])
    return values[np.sort(rng.choice(values.shape[0], capacity, replace=False))]


def extend_sample(sample, values, n_seen, seed, capacity=SAMPLE_CAPACITY):
    """Reservoir sampling (Vitter's algorithm R) of ``values`` into ``sample``.

    ``sample`` is a uniform sample of the ``n_seen`` values seen before; the result is
    a uniform sample of all ``n_seen + len(values)``, of at most ``capacity`` entries.
    ``sample`` is not modified. The draws depend only on ``(seed, n_seen)``, so a
    stream replayed gives the same sample.

    Parameters
    ----------
    sample : ndarray of shape (m, ...)
    values : ndarray of shape (n, ...)
    n_seen : int
    seed : int
    capacity : int, default=10_000

    Returns
    -------
    ndarray of shape (min(capacity, n_seen + n), ...)
    """
    values = values.astype(sample.dtype, copy=False)
    free = max(0, capacity - sample.shape[0])
    sample = np.concatenate([sample, values[:free]])
    rest = values[free:]
    if len(rest) == 0:
        return sample
    # Entry i of the stream (0-based) replaces a uniform slot j <= i when j < capacity.
    rng = np.random.default_rng([seed, n_seen])
    stream_index = n_seen + free + np.arange(len(rest))
    slots = rng.integers(0, stream_index + 1)
    taken = np.flatnonzero(slots < capacity)
    # Later entries overwrite earlier ones in the same slot: keep each slot's last writer.
    reversed_slots = slots[taken][::-1]
    _, first = np.unique(reversed_slots, return_index=True)
    last = taken[len(taken) - 1 - first]
    sample[slots[last]] = rest[last]
    return sample


def carry_energies(sample, before, after, weights=None):
    r"""Move energies scored by the previous model onto the current model's scale.

    ``before`` and ``after`` are the energies of the same rows (a training chunk)
    under the previous and the current model. Training moves energies by an additive
    constant (the origin of the line integral moves with the running mean) and
    stretches them as the field sharpens; the robust affine map that matches the
    chunk's median and interquartile range,

    .. math:: E \mapsto m_a + \frac{\mathrm{IQR}_a}{\mathrm{IQR}_b}\,(E - m_b),

    is applied to ``sample``, the energies of earlier rows (scored when they were
    seen), so that their quantiles keep describing all rows seen. With fewer than 4
    rows, or no spread in ``before``, only the median shift of ``after - before`` is
    applied.

    Parameters
    ----------
    sample : ndarray of shape (m,)
    before, after : ndarray of shape (n,)
    weights : ndarray of shape (n,), optional
        The chunk's frequency weights (quantiles and row count are weighted).

    Returns
    -------
    ndarray of shape (m,), a new array
    """
    before = np.asarray(before, dtype=np.float64)
    after = np.asarray(after, dtype=np.float64)
    q1_b, median_b, q3_b = weighted_percentile(before, [25.0, 50.0, 75.0], weights)
    q1_a, median_a, q3_a = weighted_percentile(after, [25.0, 50.0, 75.0], weights)
    n_rows = len(before) if weights is None else weights.sum()
    if n_rows < 4 or not q3_b > q1_b or not q3_a > q1_a:
        return sample + float(weighted_percentile(after - before, 50.0, weights))
    stretch = (q3_a - q1_a) / (q3_b - q1_b)
    return median_a + stretch * (sample - median_b)
