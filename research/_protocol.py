"""What the studies share: where their results go, and the package's documented rules
for its "auto" batch size and subsample written out (the studies use the public API
only).

A study imports the benchmarks' data protocols (``bench_anomaly``, ``bench_density``,
``synthetic``, ``_harness``, whose ``scott_bandwidth`` and ``feature_spread`` are the
noise rules) after putting :data:`BENCHMARKS` on ``sys.path``.
"""

from pathlib import Path

BENCHMARKS = str(Path(__file__).resolve().parents[1] / "benchmarks")
RESULTS = Path(__file__).resolve().parent / "results"

# The defaults' documented rules (UntiedAutoEncoder's docstring): batch_size="auto" is
# min(128, max(8, n // 16)); max_samples="auto" is at most 8,192 rows per epoch.


def auto_batch_size(n_samples):
    return int(min(128, max(8, n_samples // 16)))


def auto_rows_per_epoch(n_samples):
    return min(n_samples, 8192)
