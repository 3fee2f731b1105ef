"""Density: does ``score_samples`` rank points as the true log-density does?

    python benchmarks/bench_density.py [--seeds 3] [--n-train 2000] [--methods ...]

The package's central claim is that the energy is an unnormalised log-density. This
benchmark tests it where the log-density is known in closed form: seven distributions
from 2-D to 10-D (mixtures with unequal weights and scales, a noisy circle and a curved
"banana", heavy tails, strong correlation). Each method fits ``n_train`` samples
(standardised by a ``StandardScaler`` fit on them, as a user would) and scores

* ``held-out``: ``n_eval`` fresh samples of the distribution: the ranking of the
  held-out log-likelihood, where the mass is;
* ``box``: ``n_eval`` uniform points of the training data's bounding box (10% margin):
  low-density regions and tails, where anomalies are.

Reported: Spearman's correlation of each method's score with the true log-density on
each set and on both pooled ("all", the headline), per distribution and in the mean,
for the default model, the novelty mode (``novelty=True``: the samples are clean) and
the one ``GridSearchCV`` picks with its own ``score``,
against ``KernelDensity`` (Scott's bandwidth), ``GaussianMixture`` (1 to 10 full-
covariance components by BIC) and the k-nearest-neighbour density (k = 10,
:math:`\\log p \\approx -D \\log r_k`), all fit in the same run.
"""

import argparse
import json
import time

import numpy as np
from _harness import RESULTS, machine
from scipy.special import logsumexp
from scipy.stats import multivariate_normal, multivariate_t, norm, spearmanr
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KernelDensity, NearestNeighbors
from sklearn.preprocessing import StandardScaler

from sk_consae import UntiedAutoEncoder

# --- distributions with a closed-form log-density -----------------------------------


class Mixture:
    """Gaussian mixture: weights, means (K, D), covariances (K, D, D)."""

    def __init__(self, weights, means, covariances):
        self.weights = np.asarray(weights, float) / np.sum(weights)
        self.means, self.covariances = np.asarray(means, float), np.asarray(covariances, float)

    def sample(self, n, rng):
        counts = rng.multinomial(n, self.weights)
        parts = [
            rng.multivariate_normal(mean, cov, size=count)
            for mean, cov, count in zip(self.means, self.covariances, counts)
        ]
        return rng.permutation(np.vstack(parts))

    def logpdf(self, X):
        terms = [
            np.log(w) + multivariate_normal(mean, cov).logpdf(X)
            for w, mean, cov in zip(self.weights, self.means, self.covariances)
        ]
        return logsumexp(np.stack(terms, axis=1), axis=1)


class NoisyCircle:
    """Uniform angle, radius ~ N(1, width^2): p(x) = N(|x|; 1, width^2) / (2 pi |x|)."""

    def __init__(self, width=0.1):
        self.width = width

    def sample(self, n, rng):
        angle = rng.uniform(0, 2 * np.pi, n)
        radius = 1 + self.width * rng.standard_normal(n)
        return np.c_[radius * np.cos(angle), radius * np.sin(angle)]

    def logpdf(self, X):
        radius = np.linalg.norm(X, axis=1)
        return norm(1, self.width).logpdf(radius) - np.log(2 * np.pi * np.maximum(radius, 1e-12))


class Banana:
    """x1 ~ N(0, 1), x2 | x1 ~ N(x1^2 - 1, width^2): a curved ridge."""

    def __init__(self, width=0.3):
        self.width = width

    def sample(self, n, rng):
        x1 = rng.standard_normal(n)
        return np.c_[x1, x1**2 - 1 + self.width * rng.standard_normal(n)]

    def logpdf(self, X):
        return norm().logpdf(X[:, 0]) + norm(0, self.width).logpdf(X[:, 1] - X[:, 0] ** 2 + 1)


class StudentT:
    """Multivariate t with ``df`` degrees of freedom and a correlated scale matrix."""

    def __init__(self, dim, df, rng):
        A = rng.standard_normal((dim, dim))
        self.law = multivariate_t(np.zeros(dim), A @ A.T / dim + 0.1 * np.eye(dim), df=df)

    def sample(self, n, rng):
        return self.law.rvs(size=n, random_state=rng)

    def logpdf(self, X):
        return self.law.logpdf(X)


def random_covariance(dim, scales, rng):
    Q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    return Q @ np.diag(np.asarray(scales) ** 2) @ Q.T


def distributions():
    """{name: distribution}; fixed parameters (their own generator, seed 0)."""
    rng = np.random.default_rng(0)
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    ring = Mixture(np.ones(8), 2 * np.c_[np.cos(angles), np.sin(angles)], [0.04 * np.eye(2)] * 8)
    unequal = Mixture([0.8, 0.2], [[0, 0], [2.5, 2.5]], [np.eye(2), 0.01 * np.eye(2)])
    scales_5d = Mixture([1], [np.zeros(5)], [random_covariance(5, [3, 1, 0.5, 0.2, 0.1], rng)])
    means_10d = 3 * rng.standard_normal((5, 10))
    covariances_10d = [random_covariance(10, rng.uniform(0.2, 1.5, 10), rng) for _ in range(5)]
    mixture_10d = Mixture([0.4, 0.25, 0.15, 0.1, 0.1], means_10d, covariances_10d)
    return {
        "ring of 8 Gaussians (2-D)": ring,
        "noisy circle (2-D)": NoisyCircle(0.1),
        "unequal two-Gaussian mixture (2-D)": unequal,
        "banana (2-D)": Banana(0.3),
        "correlated, scales 3 to 0.1 (5-D)": scales_5d,
        "Student t, 3 d.o.f. (5-D)": StudentT(5, 3, rng),
        "5-component mixture (10-D)": mixture_10d,
    }


# --- the peers -------------------------------------------------------------------------


class NeighbourDensity:
    """k-nearest-neighbour density: log p(x) ~ -D log r_k(x) + const."""

    def __init__(self, k=10):
        self.k = k

    def fit(self, X, y=None):
        self.neighbours_ = NearestNeighbors(n_neighbors=self.k).fit(X)
        self.dim_ = X.shape[1]
        return self

    def score_samples(self, X):
        radius = self.neighbours_.kneighbors(X)[0][:, -1]
        return -self.dim_ * np.log(np.maximum(radius, 1e-300))


class BICMixture:
    """GaussianMixture with 1 to 10 full-covariance components, the count by BIC."""

    def __init__(self, seed):
        self.seed = seed

    def fit(self, X, y=None):
        fits = [GaussianMixture(k, random_state=self.seed, n_init=2).fit(X) for k in range(1, 11)]
        self.model_ = min(fits, key=lambda m: m.bic(X))
        return self

    def score_samples(self, X):
        return self.model_.score_samples(X)


def package_methods(seed):
    """The default model, the novelty mode (the training samples are clean), and the
    model ``GridSearchCV`` picks with its own ``score`` (no labels) from
    ``bench_selection.GRID`` (noise x n_components x activation)."""
    from bench_selection import GRID

    return {
        "UntiedAutoEncoder()": lambda: UntiedAutoEncoder(random_state=seed),
        "UntiedAutoEncoder(novelty=True)": lambda: UntiedAutoEncoder(
            novelty=True, random_state=seed
        ),
        "UntiedAutoEncoder, chosen by score": lambda: GridSearchCV(
            UntiedAutoEncoder(random_state=seed), GRID, cv=3
        ),
    }


def peer_methods(seed):
    return {
        "kNN (k=10)": lambda: NeighbourDensity(10),
        "KernelDensity (Scott)": lambda: KernelDensity(bandwidth="scott"),
        "GaussianMixture (BIC)": lambda: BICMixture(seed),
    }


# --- evaluation ---------------------------------------------------------------------


def evaluation_sets(law, X_train, n_eval, rng):
    low, high = X_train.min(0), X_train.max(0)
    margin = 0.1 * (high - low)
    box = rng.uniform(low - margin, high + margin, (n_eval, X_train.shape[1]))
    return {"held-out": law.sample(n_eval, rng), "box": box}


def evaluate(factory, X_train, sets, log_density):
    start = time.perf_counter()
    scaler = StandardScaler().fit(X_train)
    model = factory().fit(scaler.transform(X_train))
    scores = {
        name: np.asarray(model.score_samples(scaler.transform(X)), float)
        for name, X in sets.items()
    }
    seconds = time.perf_counter() - start
    result = {"seconds": seconds}
    for name, score in scores.items():
        if not np.all(np.isfinite(score)):
            raise RuntimeError(f"non-finite scores from {model!r}")
        result[name] = spearmanr(score, log_density[name]).statistic
    result["all"] = spearmanr(
        np.concatenate(list(scores.values())), np.concatenate(list(log_density.values()))
    ).statistic
    return result


def run(methods_for_seed, seeds, n_train, n_eval, log=print):
    rows = []
    for seed in range(seeds):
        methods = methods_for_seed(seed)
        for name, law in distributions().items():
            rng = np.random.default_rng(1000 + seed)
            X_train = law.sample(n_train, rng)
            sets = evaluation_sets(law, X_train, n_eval, rng)
            log_density = {key: law.logpdf(X) for key, X in sets.items()}
            for method, factory in methods.items():
                result = evaluate(factory, X_train, sets, log_density)
                rows.append({"distribution": name, "seed": seed, "method": method, **result})
                log(
                    f"seed {seed} {name:<36} {method:<24} Spearman all {result['all']:.3f}"
                    f"  held-out {result['held-out']:.3f}  box {result['box']:.3f}"
                    f"  {result['seconds']:.2f} s"
                )
    return rows


def markdown(rows):
    import pandas as pd

    frame = pd.DataFrame(rows)
    per = frame.groupby(["distribution", "method"])[["all", "held-out", "box", "seconds"]].mean()
    table = per["all"].unstack("method")
    summary = pd.DataFrame(
        {
            "mean Spearman (all)": table.mean(),
            "mean Spearman (held-out)": per["held-out"].unstack("method").mean(),
            "mean Spearman (box)": per["box"].unstack("method").mean(),
            "mean rank (all)": table.rank(axis=1, ascending=False).mean(),
            "fit + score s per seed": frame.groupby("method")["seconds"].sum()
            / frame["seed"].nunique(),
        }
    ).sort_values("mean Spearman (all)", ascending=False)
    lines = ["Per method (mean over distributions and seeds):", "", summary.round(3).to_markdown()]
    lines += ["", "Spearman (all points) per distribution:", "", table.round(3).to_markdown()]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--n-eval", type=int, default=2000)
    parser.add_argument("--methods", nargs="*", help="substrings of method names to keep")
    args = parser.parse_args()

    def methods_for_seed(seed):
        methods = {**package_methods(seed), **peer_methods(seed)}
        if args.methods:
            methods = {k: v for k, v in methods.items() if any(m in k for m in args.methods)}
        return methods

    start = time.perf_counter()
    rows = run(methods_for_seed, args.seeds, args.n_train, args.n_eval)
    text = markdown(rows)
    header = (
        f"machine: {machine()}; {args.seeds} seeds, {args.n_train} training samples; "
        f"wall {time.perf_counter() - start:.0f} s\n"
    )
    print("\n" + header + "\n" + text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "density.json").write_text(json.dumps({"machine": machine(), "rows": rows}))
    (RESULTS / "density.md").write_text(header + "\n" + text + "\n")


if __name__ == "__main__":
    main()
