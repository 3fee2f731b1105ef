"""Study: how far the default is from what its training objective estimates (diagnostic;
not part of the package, and no default is chosen from it).

    python research/study_ideal.py [--seeds 3] [--half choice|report|all]

The denoising loss E ||r(x + sigma eps) - x||^2 over the n training rows, minimised
over every function r, has the posterior mean as its minimiser (Miyasawa 1961; Alain
and Bengio 2014):

    r*(x~) = sum_i x_i N(x~; x_i, sigma^2 I) / sum_j N(x~; x_j, sigma^2 I),
    r*(x~) - x~ = sigma^2 grad log p_hat_sigma(x~),

p_hat_sigma the Gaussian kernel density estimate of the rows with bandwidth sigma. An
auto-encoder of unlimited capacity trained to convergence therefore has the energy
sigma^2 log p_hat_sigma + const: the default's limit is a kernel density estimate at its
own ``noise_`` (Scott's bandwidth). ``KDEAtNoise`` scores with that limit, so the
comparison separates what the network's finite capacity and training add or lose
(default against its limit) from what the limit itself can reach (limit against kNN).
On the density benchmark the limit is the ``KernelDensity (Scott)`` row: the data are
standardised there, and scikit-learn's Scott bandwidth n^(-1/(d+4)) is then the
default's ``noise_``. Results: research/log.md.
"""

import argparse
import json
import sys
import time

import pandas as pd
import torch
from _protocol import BENCHMARKS, RESULTS

from sk_consae import UntiedAutoEncoder

sys.path.insert(0, BENCHMARKS)  # the benchmarks' data protocols
from _harness import CHOICE_HALF, REPORT_HALF, machine, scott_bandwidth
from bench_anomaly import datasets, peer_methods, print_against_reference, run


class KDEAtNoise:
    """log of the Gaussian kernel density estimate (constants dropped) with bandwidth
    ``factor`` times the default's resolved noise scale."""

    def __init__(self, factor=1.0):
        self.factor = factor

    def fit(self, X):
        self.rows_ = torch.as_tensor(X, dtype=torch.float64)
        self.bandwidth_ = self.factor * scott_bandwidth(X)
        return self

    def score_samples(self, X):
        X = torch.as_tensor(X, dtype=torch.float64)
        chunk = max(1, 2_000_000 // len(self.rows_))  # bounded distance matrices
        scores = [
            torch.logsumexp(-torch.cdist(part, self.rows_).square() / (2 * self.bandwidth_**2), 1)
            for part in torch.split(X, chunk)
        ]
        return torch.cat(scores).numpy()


def methods_for_seed(seed):
    peers = peer_methods(seed)
    return {
        "default": lambda: UntiedAutoEncoder(random_state=seed),
        "its limit: KDE at noise_": KDEAtNoise,
        "KDE at noise_ / 2": lambda: KDEAtNoise(0.5),
        "KNN": peers["KNN"],
        "IsolationForest": peers["IsolationForest"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--half", choices=["choice", "report", "all"], default="all")
    args = parser.parse_args()
    halves = {"choice": CHOICE_HALF, "report": REPORT_HALF, "all": CHOICE_HALF + REPORT_HALF}

    start = time.perf_counter()
    rows = run(datasets(halves[args.half], embeddings=False), methods_for_seed, args.seeds,
               ["clean", "unsupervised"], digits=False, log=lambda line: None)  # fmt: skip
    frame = pd.DataFrame(rows)
    half = frame["dataset"].map(lambda name: "choice" if name in CHOICE_HALF else "report")
    frame["group"] = frame["setting"] + ", " + half + " half"
    print_against_reference(frame, args.seeds, by="group")
    print(f"\nmachine: {machine()}; wall {time.perf_counter() - start:.0f} s")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "study_ideal.json").write_text(json.dumps({"machine": machine(), "rows": rows}))


if __name__ == "__main__":
    main()
