"""Contaminated and clean training (issue 35): does a per-feature noise scale, the
diagonal form of Scott's rule with a robust spread, remove the energy's failures on
heavy-tailed and skewed features?

    python research/study_feature_scales.py [--seeds 3] [--settings unsupervised clean]
        [--datasets 11_donors ...] [--synthetic clustered ...] [--heavy-tailed]
        [--only-generated] [--peers-from benchmarks/results/anomaly_full_20261204.json]

Why. ``noise="auto"`` is one isotropic scale, Scott's factor times the RMS spread of
the features. Scott's multivariate rule is per feature (a diagonal bandwidth matrix,
n^(-1/(D+4)) sigma_j), and Silverman's rule of thumb replaces sigma_j by the robust
min(sigma_j, IQR_j / 1.349) so that a heavy tail does not widen the kernel over the
bulk (Silverman 1986, eq. 3.30). Denoising with per-feature noise is denoising with
isotropic noise after dividing each feature by its scale; the limit is then a kernel
density with those per-feature bandwidths. On ADBench's MinMax-scaled features a heavy
tail (or the training anomalies themselves) squeezes the bulk into a small part of
[0, 1], and one isotropic scale blurs it.

The candidates divide each feature by its scale before ``UntiedAutoEncoder()`` (on the
public API: a scikit-learn pipeline of ``FunctionTransformer``-like scaling and the
default), and the limit is the kernel density of the rescaled rows at Scott's bandwidth.
Scales: "std" (StandardScaler), "silverman" (min(std, IQR / 1.349), the std where the
IQR is 0). Peers: reused from a full ``bench_anomaly.py`` run on the same splits
(``--peers-from``), or the cheap peers run here.
"""

import argparse
import sys

import numpy as np
import pandas as pd
from _protocol import BENCHMARKS, RESULTS, add_dataset_arguments, selected_datasets, with_reused

from sk_consae import UntiedAutoEncoder

sys.path.insert(0, BENCHMARKS)
from bench_anomaly import ScottKDE, peer_methods, run
from study_novelty import SLOW_PEERS, report
from synthetic import KINDS


def robust_scales(X, rule):
    """Per-feature spreads of X: "std", "silverman" min(std, IQR / 1.349), or
    "silverman/c": Silverman's, at least std / c (a feature is stretched c times at most
    against the standard scaling)."""
    std = X.std(axis=0)
    if rule == "std":
        scales = std
    else:
        q75, q25 = np.percentile(X, [75, 25], axis=0)
        iqr = (q75 - q25) / 1.349
        scales = np.where(iqr > 0, np.minimum(std, iqr), std)
        if "/" in rule:
            scales = np.maximum(scales, std / float(rule.split("/")[1]))
    return np.where(scales > 0, scales, 1.0)


class Rescaled:
    """``inner`` on X divided by per-feature scales fitted on the training rows."""

    def __init__(self, rule, inner):
        self.rule, self.inner = rule, inner

    def fit(self, X):
        self.scales_ = robust_scales(X, self.rule)
        self.model_ = self.inner().fit(X / self.scales_)
        return self

    def score_samples(self, X):
        return self.model_.score_samples(X / self.scales_)


RULES = ("std", "silverman")  # --rules adds others, e.g. "silverman/3"


def methods(seed, peers, rules=RULES):
    found = {"default": lambda: UntiedAutoEncoder(random_state=seed)} if peers else {}
    for rule in rules:
        found[f"AE, {rule} scales"] = lambda r=rule: Rescaled(
            r, lambda: UntiedAutoEncoder(random_state=seed)
        )
        found[f"KDE, {rule} scales"] = lambda r=rule: Rescaled(r, lambda: ScottKDE(seed))
    if peers:
        found.update({k: v for k, v in peer_methods(seed).items() if k not in SLOW_PEERS})
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_dataset_arguments(parser, KINDS)
    parser.add_argument("--rules", nargs="*", default=list(RULES))
    parser.add_argument("--out", default="feature_scales")
    parser.add_argument("--report", metavar="CSV")
    args = parser.parse_args()
    labels = ["default", *(f"{m}, {r} scales" for m in ("AE", "KDE") for r in args.rules)]
    if args.report:
        frame = pd.read_csv(args.report)
    else:
        paths = selected_datasets(args)
        peers = args.peers_from is None
        frame = pd.DataFrame(
            run(
                paths,
                lambda s: methods(s, peers, args.rules),
                args.seeds,
                args.settings,
                digits=False,
            )
        )
        if not peers:
            frame = with_reused(frame, args.peers_from, list(paths), args.seeds, args.settings)
        RESULTS.mkdir(exist_ok=True)
        frame.to_csv(RESULTS / f"{args.out}.csv", index=False)
    for setting, part in frame.groupby("setting"):
        print(f"\n### {setting}")
        report(part, labels)


if __name__ == "__main__":
    main()
