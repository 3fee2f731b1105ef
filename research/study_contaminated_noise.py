"""Wider noise with contaminated rows (issue 35): should a model whose training rows may
hold anomalies smooth more than Scott's bandwidth?

    python research/study_contaminated_noise.py [--seeds 3] [--factors 2 ...]
        [--datasets ...] [--synthetic local ...] [--only-generated] [--heavy-tailed]
        [--peers-from RUN.json] [--out NAME]

Why. The denoising objective's limit is a Gaussian kernel density estimate of the
training rows at the noise scale. Scott's bandwidth minimises the estimate's integrated
squared error for clean, normal rows; with anomalies among the rows it is narrow enough
to give a small group of them a mode of its own, whose height then follows their
closeness rather than their mass. A wider kernel spreads a group of small mass over a
volume where the normal rows' mass dominates. So the limit at a wider bandwidth should
score contaminated rows better, and the network trained at that noise should follow it.

The candidates: the default at ``factor`` times Scott's bandwidth (the benchmark's
noise rule, ``noise=`` on the public API) and the kernel density at that bandwidth (its
limit), in ADBench's protocol (contaminated training rows), beside the benchmark's
peers and the limit at Scott's bandwidth. Failures count against the peers and the
limit at Scott's bandwidth only, as the benchmark counts them; the wider kernel
densities are printed beside.
"""

import argparse
import sys

import pandas as pd
from _protocol import BENCHMARKS, RESULTS, add_dataset_arguments, selected_datasets, with_reused

from sk_consae import UntiedAutoEncoder

sys.path.insert(0, BENCHMARKS)
from bench_anomaly import ScottKDE, peer_methods, run
from study_novelty import SLOW_PEERS, ScaledNoise, report
from synthetic import KINDS


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_dataset_arguments(parser, KINDS)
    parser.add_argument("--factors", type=float, nargs="+", default=[2.0])
    parser.add_argument("--out", default="contaminated_noise")
    args = parser.parse_args()
    paths = selected_datasets(args)

    def methods(seed):
        found = {"default": lambda: UntiedAutoEncoder(random_state=seed)}
        for factor in args.factors:
            found[f"default, noise x{factor:g}"] = lambda f=factor: ScaledNoise(
                f, random_state=seed
            )
            found[f"KDE x{factor:g}"] = lambda f=factor: ScottKDE(seed, f)
        if not args.peers_from:
            found.update({k: v for k, v in peer_methods(seed).items() if k not in SLOW_PEERS})
        return found

    frame = pd.DataFrame(run(paths, methods, args.seeds, ["unsupervised"], digits=False))
    if args.peers_from:
        frame = with_reused(frame, args.peers_from, list(paths), args.seeds, ["unsupervised"])
    RESULTS.mkdir(exist_ok=True)
    frame.to_csv(RESULTS / f"{args.out}.csv", index=False)
    wider = frame["method"].str.startswith("KDE x")
    print(frame[wider].groupby("method")["auc"].mean().round(3).to_string())
    candidates = [f"default, noise x{factor:g}" for factor in args.factors]
    report(frame[~wider & ~frame["method"].isin(SLOW_PEERS)], ["default", *candidates])


if __name__ == "__main__":
    main()
