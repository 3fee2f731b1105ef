"""One-class digits: how far the auto-encoder's settings, and the best peers, move the AUC.

    python benchmarks/sweep_digits.py [--seeds 3]

The protocol of ``bench_anomaly.py`` (each digit normal in turn, 70% of it trains, the
other 30% and as many random other digits form the test set; mean ROC AUC over the 10
digits, then over seeds). The package's default against one change at a time (noise
scale, width, epochs, batch, activation, tying, the contractive model), and the peers
whose bandwidth or neighbour count is picked *with* the labels, as an upper reference:
a denoising auto-encoder's optimum on the empirical data is the Gaussian kernel density
at its noise scale (its field is sigma^2 grad log p_sigma), so a kernel density with the
best bandwidth shows what that estimator reaches here.
"""

import argparse
import json
import sys
import time

import numpy as np
from _protocol import BENCHMARKS, RESULTS
from sklearn.decomposition import PCA
from sklearn.neighbors import KernelDensity, NearestNeighbors

from sk_consae import ContractiveAutoEncoder, UntiedAutoEncoder

sys.path.insert(0, BENCHMARKS)  # the benchmarks' data protocols
from _harness import machine
from bench_anomaly import run


class PCAReconstruction:
    """Negative PCA reconstruction error; components explain 90% of the variance."""

    def fit(self, X):
        self.pca_ = PCA(0.9, svd_solver="full").fit(X)
        return self

    def score_samples(self, X):
        residual = X - self.pca_.inverse_transform(self.pca_.transform(X))
        return -(residual**2).sum(1)


class NoiseFactor:
    """``UntiedAutoEncoder`` whose noise is ``factor`` times the features' RMS spread
    (the default "auto" is factor 0.5)."""

    def __init__(self, factor, **params):
        self.factor, self.params = factor, params

    def fit(self, X):
        spread = float(np.sqrt(np.mean(np.var(X, axis=0))))
        self.model_ = UntiedAutoEncoder(noise=self.factor * spread, **self.params).fit(X)
        return self

    def score_samples(self, X):
        return self.model_.score_samples(X)


class NearestNeighbourDistance:
    """Minus the mean distance to the k nearest training points."""

    def __init__(self, k):
        self.k = k

    def fit(self, X):
        self.neighbours_ = NearestNeighbors(n_neighbors=self.k).fit(X)
        return self

    def score_samples(self, X):
        return -self.neighbours_.kneighbors(X)[0].mean(axis=1)


def methods_for_seed(seed):
    def ae(**params):
        return lambda: UntiedAutoEncoder(random_state=seed, **params)

    methods = {
        "UntiedAutoEncoder() (default)": ae(),
        "noise 0.25 x spread": lambda: NoiseFactor(0.25, random_state=seed),
        "noise 1.0 x spread": lambda: NoiseFactor(1.0, random_state=seed),
        "n_components=30": ae(n_components=30),
        "n_components=200": ae(n_components=200),
        "max_epochs=25": ae(max_epochs=25),
        "max_epochs=300": ae(max_epochs=300),
        "batch_size=32": ae(batch_size=32),
        "activation='sigmoid'": ae(activation="sigmoid"),
        "weight_tying='tied'": ae(weight_tying="tied"),
        "weight_tying='scaled'": ae(weight_tying="scaled"),
        "400 units, 300 epochs, noise 1.0 x spread": lambda: NoiseFactor(
            1.0, n_components=400, max_epochs=300, random_state=seed
        ),
        "ContractiveAutoEncoder()": lambda: ContractiveAutoEncoder(random_state=seed),
        "PCA reconstruction": PCAReconstruction,
    }
    for bandwidth in (0.3, 0.4, 0.5, 0.7):
        methods[f"KernelDensity(bandwidth={bandwidth})"] = lambda b=bandwidth: KernelDensity(
            bandwidth=b
        )
    for k in (1, 5):
        methods[f"{k}-nearest-neighbour distance"] = lambda k=k: NearestNeighbourDistance(k)
    return methods


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    rows = run({}, methods_for_seed, args.seeds, [], digits=True)
    wall = time.perf_counter() - start
    auc = {}
    for row in rows:
        auc.setdefault(row["method"], []).append(row["auc"])
    print(f"\nmachine: {machine()}; {args.seeds} seeds; wall {wall:.0f} s\n")
    print("| method | digits AUC (mean of seeds) | per seed |\n|---|---|---|")
    for method, values in sorted(auc.items(), key=lambda item: -np.mean(item[1])):
        seeds = ", ".join(f"{v:.4f}" for v in values)
        print(f"| {method} | {np.mean(values):.4f} | {seeds} |")
    RESULTS.mkdir(exist_ok=True)
    payload = {"machine": machine(), "wall_seconds": wall, "rows": rows}
    (RESULTS / "digits_sweep.json").write_text(json.dumps(payload, indent=1))


if __name__ == "__main__":
    main()
