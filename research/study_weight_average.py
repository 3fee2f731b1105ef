"""Averaged weights (issue 35): is part of the network's shortfall from its limit the
noise of the last optimiser step?

    python research/study_weight_average.py [--seeds 3] [--settings unsupervised clean]
        [--datasets ...] [--synthetic local ...] [--only-generated] [--heavy-tailed]
        [--embeddings] [--density] [--trim SHARE] [--momentum M ...] [--peers-from RUN.json]
        [--out NAME]

Why. The denoising gradient of one batch is noisy (each row's target is its own clean
row, not the kernel-weighted mean the limit regresses), and Adam at a constant learning
rate leaves the weights wandering around the objective's minimiser with a spread that
grows with that noise. The fitted field is the last iterate, so its energy carries a
random error the objective does not ask for. Averaging the iterates (Polyak and
Juditsky 1992; the exponential average of weights every score-based model keeps)
removes most of it at no extra steps.

The candidate: ``ema_momentum=0.9``, the bias-corrected exponential average of the
weights at the ends of the epochs (about the last ten), against ``ema_momentum=0``, the
last weights (the default), in the default configuration or
``novelty=True`` with clean rows, beside the benchmark's peers and limit, by failure
counts. (The first runs, before the parameter existed, averaged through a skorch
callback computing the same average.) ``--momentum M ...``: other momenta than 0.9.
``--density``: the density benchmark's seven distributions instead (Spearman with the
true log-density, 3 seeds). ``--trim SHARE``: also the averaged model refitted without
the SHARE of training rows it gives the lowest energies (``TrimmedRefit``).
"""

import argparse
import sys

import numpy as np
import pandas as pd
from _protocol import BENCHMARKS, RESULTS, add_dataset_arguments, selected_datasets, with_reused

from sk_consae import UntiedAutoEncoder

sys.path.insert(0, BENCHMARKS)
from bench_anomaly import peer_methods, run
from study_novelty import SLOW_PEERS, report
from synthetic import KINDS

AVERAGED = "averaged weights"


def package(seed, setting, momentum=0.0):
    return lambda: UntiedAutoEncoder(
        random_state=seed, novelty=setting == "clean", ema_momentum=momentum
    )


class TrimmedRefit:
    """The averaged model refitted without the ``share`` of training rows it gives the
    lowest energies: a two-stage stand-in for a teacher that drops each batch's least
    typical rows (K-DSM), so that anomalies among the rows lose their modes."""

    def __init__(self, share, seed, setting):
        self.share, self.seed, self.setting = share, seed, setting

    def fit(self, X):
        first = package(self.seed, self.setting, 0.9)().fit(X)
        energies = first.score_samples(X)
        kept = X[energies > np.quantile(energies, self.share)]
        self.model_ = package(self.seed, self.setting, 0.9)().fit(kept)
        return self

    def score_samples(self, X):
        return self.model_.score_samples(X)


def density(args):
    from bench_density import peer_methods as density_peers
    from bench_density import run as density_run

    def methods(seed):
        found = {
            "novelty=True": package(seed, "clean"),
            f"novelty=True, {AVERAGED}": package(seed, "clean", 0.9),
            "default": package(seed, "unsupervised"),
            AVERAGED: package(seed, "unsupervised", 0.9),
        }
        return {**found, **density_peers(seed)}

    frame = pd.DataFrame(density_run(methods, args.seeds, 2000, 2000, log=lambda line: None))
    frame.to_csv(RESULTS / f"{args.out}.csv", index=False)
    columns = ["all", "held-out", "box", "seconds"]
    print(frame.groupby("method")[columns].mean().sort_values("all").round(3).to_markdown())
    print(frame.groupby(["distribution", "method"])["all"].mean().unstack().round(3).to_markdown())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_dataset_arguments(parser, KINDS)
    parser.add_argument("--embeddings", action="store_true")
    parser.add_argument("--density", action="store_true")
    parser.add_argument(
        "--trim",
        type=float,
        metavar="SHARE",
        help="also the averaged model refitted without the SHARE of rows of lowest energy",
    )
    parser.add_argument("--momentum", type=float, nargs="+", default=[0.9])
    parser.add_argument("--out", default="weight_average")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    if args.density:
        return density(args)
    paths = selected_datasets(args)
    for setting in args.settings:
        base = "default" if setting == "unsupervised" else "novelty=True"

        def methods(seed, setting=setting, base=base):
            found = {base: package(seed, setting)}
            for momentum in args.momentum:
                # 0.9's rows keep the name of the first runs.
                name = AVERAGED if momentum == 0.9 else f"{AVERAGED} {momentum:g}"
                found[f"{base}, {name}"] = package(seed, setting, momentum)
            if args.trim:
                found[f"{base}, {AVERAGED}, trimmed {args.trim:g}"] = lambda: TrimmedRefit(
                    args.trim, seed, setting
                )
            if not args.peers_from:
                found.update({k: v for k, v in peer_methods(seed).items() if k not in SLOW_PEERS})
            return found

        frame = pd.DataFrame(run(paths, methods, args.seeds, [setting], digits=False))
        if args.peers_from:
            frame = with_reused(frame, args.peers_from, list(paths), args.seeds, [setting])
        frame.to_csv(RESULTS / f"{args.out}_{setting}.csv", index=False)
        print(f"\n### {setting}")
        candidates = [m for m in frame["method"].unique() if m.startswith(f"{base}, ")]
        report(frame.replace({"method": {base: "default"}}), ["default", *candidates])


if __name__ == "__main__":
    main()
