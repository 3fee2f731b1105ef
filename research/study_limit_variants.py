"""What a kernel density could do at its best (issue 35): before training a network
towards a different limit, does that limit itself remove failures?

    python research/study_limit_variants.py [--seeds 3] [--settings clean unsupervised]
        [--datasets ...] [--synthetic clustered ...] [--only-generated] [--heavy-tailed]
        [--out NAME]

Two limits, each where the issue's failures lie, against the limit at Scott's bandwidth
(``bench_anomaly.ScottKDE``), the package's detector for the setting and the cheap peers:

``adaptive KDE`` (clean rows, the DTE protocol)
    Abramson's sample-point estimator (Abramson, "On bandwidth variation in kernel
    estimates: a square root law", Ann. Statist. 1982): row i's kernel has the width
    h (p~(x_i) / g)^(-1/2), h Scott's bandwidth, p~ the kernel density at h and g the
    geometric mean of p~ over the rows. Narrow kernels where the rows are dense, wide
    where they are sparse: what KNN and LOF do, which win where the limit fails (1_ALOI,
    44_Wilt). A denoising loss whose noise scale varied from row to row so would
    converge to it.
``basin mass`` (contaminated rows, ADBench's protocol)
    The limit's denoiser, the kernel-weighted mean of the rows (what a field r(x) at its
    limit computes), iterated is Gaussian mean shift: it carries every point to a mode
    of the limit. A row scores the share of training rows that reach its mode. A cluster
    of anomalies of small mass has a basin of small mass however dense it is, which is
    what IsolationForest's short paths measure on ADBench's clustered kind.

Both on at most a few thousand training rows (their cost is kernels between rows).
"""

import argparse
import sys

import numpy as np
import pandas as pd
from _protocol import BENCHMARKS, RESULTS, add_dataset_arguments, selected_datasets
from scipy.special import logsumexp, softmax

sys.path.insert(0, BENCHMARKS)
from _harness import scott_bandwidth
from bench_anomaly import RECOMMENDED, peer_methods, run
from study_novelty import SLOW_PEERS, report
from study_weight_average import package
from synthetic import KINDS


def log_kernels(queries, rows, widths):
    """log N(query; row, width^2 I) up to a constant shared by all entries: the matrix
    of shape (len(queries), len(rows)); ``widths`` a scalar or one per row."""
    widths = np.broadcast_to(np.asarray(widths, dtype=float), (len(rows),))
    squared = (queries**2).sum(1)[:, None] + (rows**2).sum(1)[None] - 2 * queries @ rows.T
    return -np.maximum(squared, 0) / (2 * widths**2) - rows.shape[1] * np.log(widths)


def in_chunks(function, queries, chunk=2_000):
    return np.concatenate([function(queries[s : s + chunk]) for s in range(0, len(queries), chunk)])


class _KernelLimit:
    """Fitted on at most ``max_rows`` training rows drawn with ``seed``."""

    max_rows = 5_000

    def __init__(self, seed):
        self.seed = seed

    def _rows(self, X):
        if len(X) > self.max_rows:
            X = X[np.random.default_rng(self.seed).choice(len(X), self.max_rows, replace=False)]
        return X, scott_bandwidth(X)


class AdaptiveKDE(_KernelLimit):
    """Abramson's square-root law on Scott's bandwidth (the module's docstring)."""

    def fit(self, X):
        self.rows_, width = self._rows(X)
        pilot = in_chunks(lambda q: logsumexp(log_kernels(q, self.rows_, width), 1), self.rows_)
        self.widths_ = width * np.exp(-0.5 * (pilot - pilot.mean()))
        return self

    def score_samples(self, X):
        return in_chunks(lambda q: logsumexp(log_kernels(q, self.rows_, self.widths_), 1), X)


class BasinMass(_KernelLimit):
    """The share of training rows in a point's basin of the limit (the docstring)."""

    max_rows = 2_000

    def _modes(self, points, iterations=200):
        for _ in range(iterations):
            shifted = softmax(log_kernels(points, self.rows_, self.width_), axis=1) @ self.rows_
            done = np.abs(shifted - points).max() < 1e-4 * self.width_
            points = shifted
            if done:
                break
        return points

    def fit(self, X):
        self.rows_, self.width_ = self._rows(X)
        # Modes closer than half a bandwidth are one mode (mean shift stops short of it).
        centres, basin = [], []
        for mode in self._modes(self.rows_):
            near = [
                c
                for c, centre in enumerate(centres)
                if np.linalg.norm(mode - centre) < self.width_ / 2
            ]
            if not near:
                centres.append(mode)
            basin.append(near[0] if near else len(centres) - 1)
        self.centres_ = np.array(centres)
        self.log_mass_ = np.log(np.bincount(basin) / len(basin))
        return self

    def score_samples(self, X):
        # The nearest centre of each point's mode: the largest of unit-width kernels.
        nearest = in_chunks(lambda q: log_kernels(self._modes(q), self.centres_, 1.0).argmax(1), X)
        return self.log_mass_[nearest]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_dataset_arguments(parser, KINDS)
    parser.add_argument("--out", default="limit_variants")
    args = parser.parse_args()
    if args.peers_from:
        parser.error("this study runs its own peers on its splits; --peers-from is not used")
    paths = selected_datasets(args)

    for setting in args.settings:
        variant = AdaptiveKDE if setting == "clean" else BasinMass

        def methods(seed, setting=setting, variant=variant):
            found = {"default": package(seed, setting), variant.__name__: lambda: variant(seed)}
            found.update({k: v for k, v in peer_methods(seed).items() if k not in SLOW_PEERS})
            return found

        frame = pd.DataFrame(run(paths, methods, args.seeds, [setting], digits=False))
        frame.to_csv(RESULTS / f"{args.out}_{setting}.csv", index=False)
        print(f"\n{setting}: 'default' is {RECOMMENDED[setting]}")
        report(frame, ["default", variant.__name__])


if __name__ == "__main__":
    main()
