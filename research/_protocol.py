"""What the studies share: where their results go, and the package's documented rules
for its "auto" defaults written out (the studies use the public API only).

A study imports the benchmarks' data protocols (``bench_anomaly``, ``bench_density``,
``synthetic``, ``_harness``) after putting :data:`BENCHMARKS` on ``sys.path``.
"""

from pathlib import Path

import numpy as np

BENCHMARKS = str(Path(__file__).resolve().parents[1] / "benchmarks")
RESULTS = Path(__file__).resolve().parent / "results"

# The defaults' documented rules (UntiedAutoEncoder's docstring): batch_size="auto" is
# min(128, max(8, n // 16)); max_samples="auto" is at most 8,192 rows per epoch.


def feature_spread(X):
    """The root-mean-square spread of X's features, sqrt(mean of the column variances)."""
    return float(np.sqrt(np.mean(np.var(np.asarray(X, dtype=np.float64), axis=0))))


def scott_bandwidth(X):
    """``noise="auto"``: Scott's bandwidth n^(-1/(D+4)) times the RMS feature spread."""
    return len(X) ** (-1.0 / (X.shape[1] + 4)) * feature_spread(X)


def auto_batch_size(n_samples):
    return int(min(128, max(8, n_samples // 16)))


def auto_rows_per_epoch(n_samples):
    return min(n_samples, 8192)
