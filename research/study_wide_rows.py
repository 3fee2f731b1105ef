"""Clustered anomalies in contaminated training (issue 35): is the network short of its
limit because the energy between separated modes is untrained?

    python research/study_wide_rows.py [--seeds 3] [--settings unsupervised clean]
        [--datasets ...] [--synthetic clustered ...] [--only-generated] [--heavy-tailed]
        [--embeddings] [--digits] [--shares 0.1] [--widths 1.0] [--package]
        [--peers-from RUN.json]

Why. The denoising loss trains the field where noisy rows land, within a few ``noise_``
of a training row. The energy is a line integral of the field from ``energy_origin_``:
between modes many noise scales apart (ADBench's clustered anomalies sit at five times
the mixture's means) the field is untrained, so the energies of two modes, which the
limit (a kernel density at ``noise_``) sets by their masses, are left to extrapolation.

The candidate trains on the rows plus a share of copies jittered at a wide scale
(``width`` times the RMS feature spread), at the original rows' ``noise_``. Its limit is
the kernel density of that mixture, (1 - s) p_sigma + s p_wide: near the data it is the
default's, and between the modes the wide part, whose heights follow the modes' masses,
trains the field. On the public API: ``fit`` on the augmented rows with ``noise`` set to
the original rows' Scott bandwidth. ``--package`` adds ``UntiedAutoEncoder()`` as
installed (an implementation that moves fresh rows every step: branch
``lead-wide-rows``, run with that checkout first on ``PYTHONPATH``) beside the default
as it was, ``novelty=True`` at 100 units and 100 epochs.
"""

import argparse
import sys

import numpy as np
import pandas as pd
from _protocol import BENCHMARKS, RESULTS, add_dataset_arguments, selected_datasets, with_reused

from sk_consae import UntiedAutoEncoder

sys.path.insert(0, BENCHMARKS)
from _harness import feature_spread, scott_bandwidth
from bench_anomaly import peer_methods, run
from study_novelty import SLOW_PEERS, report
from synthetic import KINDS

# The package's default as installed (with its wide rows), beside the default before
# them: the same budget with novelty=True, which turns the wide rows off.
PACKAGE = "UntiedAutoEncoder() now"
BEFORE = {"novelty": True, "n_components": 100, "max_epochs": 100}


class WideRows:
    """``UntiedAutoEncoder`` on X and ``share`` x n copies of its rows jittered at
    ``width`` times the RMS spread, at X's own Scott noise (the default before the
    package's own wide rows)."""

    def __init__(self, share, width, seed):
        self.share, self.width, self.seed = share, width, seed

    def fit(self, X):
        rng = np.random.default_rng(self.seed)
        extra = X[rng.choice(len(X), max(1, int(self.share * len(X))))]
        extra = extra + self.width * feature_spread(X) * rng.standard_normal(extra.shape)
        self.model_ = UntiedAutoEncoder(noise=scott_bandwidth(X), random_state=self.seed, **BEFORE)
        self.model_.fit(np.vstack([X, extra.astype(X.dtype)]))
        return self

    def score_samples(self, X):
        return self.model_.score_samples(X)


def label(share, width):
    return f"wide rows {share:g} at {width:g} x spread"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_dataset_arguments(parser, KINDS)
    parser.add_argument("--shares", nargs="*", type=float, default=[0.1])
    parser.add_argument("--widths", nargs="*", type=float, default=[1.0])
    parser.add_argument(
        "--package",
        action="store_true",
        help="the installed UntiedAutoEncoder() as well, against the reused run's default",
    )
    parser.add_argument("--embeddings", action="store_true")
    parser.add_argument("--digits", action="store_true", help="one-class digits as well")
    parser.add_argument("--out", default="wide_rows")
    args = parser.parse_args()
    grid = [(s, w) for s in args.shares for w in args.widths]
    paths = selected_datasets(args)

    def methods(seed):
        found = {label(s, w): lambda s=s, w=w: WideRows(s, w, seed) for s, w in grid}
        if args.package:
            found[PACKAGE] = lambda: UntiedAutoEncoder(random_state=seed)
        if not args.peers_from:  # the default, the limit and the cheap peers
            found["default"] = lambda: UntiedAutoEncoder(random_state=seed, **BEFORE)
            found.update({k: v for k, v in peer_methods(seed).items() if k not in SLOW_PEERS})
        return found

    frame = pd.DataFrame(run(paths, methods, args.seeds, args.settings, digits=args.digits))
    if args.peers_from:
        names = [*paths, *(["digits"] if args.digits else [])]
        settings = [*args.settings, *(["one-class"] if args.digits else [])]
        frame = with_reused(frame, args.peers_from, names, args.seeds, settings)
    RESULTS.mkdir(exist_ok=True)
    frame.to_csv(RESULTS / f"{args.out}.csv", index=False)
    for setting, part in frame.groupby("setting"):
        print(f"\n### {setting}")
        package = [PACKAGE] if args.package else []
        report(part, ["default", *package, *(label(s, w) for s, w in grid)])


if __name__ == "__main__":
    main()
