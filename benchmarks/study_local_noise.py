"""Study: noise scales from neighbour distances (not part of the package).

    cd benchmarks && python study_local_noise.py density [--seeds 3]
    cd benchmarks && python study_local_noise.py anomaly [--seeds 3]

A denoising field trained with one noise scale sigma estimates sigma^2 grad log p_sigma,
p_sigma the data smoothed by a kernel of one bandwidth. kNN adapts its bandwidth to the
local density. Here training row i gets its own scale sigma_i = sigma * rho_i,
rho_i = (d_k(x_i) / median_j d_k(x_j)) ** gamma clipped to [1/5, 5] (d_k: distance to the
k-th nearest other training row), and the regression target is rescaled so that the
field still estimates one quantity: with x~ = x + sigma_i eps and the target
t = x~ + (x - x~) / rho_i^2, the best field is

    r(x~) - x~ = sigma^2 E[(x - x~) / sigma_i^2 | x~] = sigma^2 grad log p_sp(x~),

p_sp(x) = mean_i N(x; x_i, sigma_i^2 I), the sample-point adaptive kernel density
(Abramson 1982; Silverman 1986, 5.3). Its energy is then sigma^2 log p_sp up to a
constant, as the global-noise energy is sigma^2 log p_sigma. ``RandomScales`` draws rho
afresh per row and step instead (the kernel becomes a scale mixture of Gaussians), and
``TrimmedRandomScales`` refits it without the lowest-energy tenth of the rows. Density
benchmark and the choice half of the anomaly benchmark only; the report half is not
touched. Results: benchmarks/README.md.
"""

import argparse

import numpy as np
import pandas as pd
import torch
from sklearn.neighbors import NearestNeighbors

from sk_consae import UntiedAutoEncoder
from sk_consae._nn.net import AutoEncoderNet
from sk_consae._outliers import feature_spread

_global_train_step = AutoEncoderNet.train_step


def _local_train_step(self, batch, **fit_params):
    """Rows carry their scale ratio rho_i as an extra target column, or the bounds of a
    log-uniform rho drawn afresh every step as two extra columns (study only)."""
    inputs, targets = batch
    extra = targets.shape[1] - inputs.shape[1]
    if extra == 0:
        return _global_train_step(self, batch, **fit_params)
    if extra == 1:
        rho = targets[:, -1:]
    else:
        low, high = targets[:, -2:-1].log(), targets[:, -1:].log()
        uniform = torch.rand(low.shape, generator=self._noise_generator, dtype=low.dtype)
        rho = torch.exp(low + (high - low) * uniform)
    inputs = targets[:, : inputs.shape[1]]
    eps = torch.randn(inputs.shape, generator=self._noise_generator, dtype=inputs.dtype)
    noisy = inputs + self.noise * rho * eps
    target = inputs + self.noise * (rho - 1 / rho) * eps
    return self._optimizer_step((noisy, target), **fit_params)


AutoEncoderNet.train_step = _local_train_step


def scale_ratios(X, k=10, gamma=1.0, low=0.2, high=5.0):
    """rho_i = (d_k(x_i) / median d_k) ** gamma, clipped to [low, high]."""
    k = min(k, len(X) - 1)
    distances = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)[0][:, -1]
    ratio = (distances / np.median(distances)) ** gamma
    return np.clip(ratio, low, high)


def fit_with_scale_columns(X, seed, factor, columns):
    """``UntiedAutoEncoder`` at noise ``factor`` x the RMS spread of X, trained with
    ``columns`` (n, 1: rho_i; or n, 2: bounds of a per-step rho) appended to each row's
    target, which the patched ``train_step`` reads."""
    noise = factor * feature_spread(X)
    model = UntiedAutoEncoder(noise=noise, random_state=seed)
    train = model._train

    def train_with_scales(rows, target=None, **kwargs):
        return train(rows, np.hstack([rows, columns.astype(rows.dtype)]), **kwargs)

    model._train = train_with_scales
    model.fit(X)
    del model._train
    return model


class _Fitted:
    def score_samples(self, X):
        return self.model_.score_samples(X)


class LocalNoise(_Fitted):
    """``UntiedAutoEncoder`` at noise ``factor`` x the RMS spread whose training rows
    carry neighbour-distance noise scales rho_i."""

    def __init__(self, seed, n_neighbors=10, gamma=1.0, factor=0.5, low=0.2, high=5.0):
        self.seed, self.n_neighbors, self.gamma, self.factor = seed, n_neighbors, gamma, factor
        self.low, self.high = low, high

    def fit(self, X):
        X = np.asarray(X, np.float64)
        rho = scale_ratios(X, self.n_neighbors, self.gamma, self.low, self.high)[:, None]
        self.model_ = fit_with_scale_columns(X, self.seed, self.factor, rho)
        return self


class RandomScales(_Fitted):
    """``UntiedAutoEncoder`` trained at sigma rho with rho log-uniform in [low, high],
    drawn afresh for every row and step, the target rescaled by 1 / rho^2: the best
    field is sigma^2 grad log of p smoothed by a scale mixture of Gaussians (a
    heavier-tailed kernel), sharp near the data and trained far from it."""

    def __init__(self, seed, low, high, factor=0.5):
        self.seed, self.low, self.high, self.factor = seed, low, high, factor

    def fit(self, X):
        X = np.asarray(X, np.float64)
        bounds = np.tile([self.low, self.high], (len(X), 1))
        self.model_ = fit_with_scale_columns(X, self.seed, self.factor, bounds)
        return self


class TrimmedRandomScales(_Fitted):
    """:class:`RandomScales`, refitted after dropping the ``fraction`` of training rows
    with the lowest energy (where a contaminated set's anomalies concentrate), so that
    the sharper kernel does not give the anomalies modes of their own."""

    def __init__(self, seed, low, high, fraction=0.1):
        self.seed, self.low, self.high, self.fraction = seed, low, high, fraction

    def fit(self, X):
        first = RandomScales(self.seed, self.low, self.high).fit(X)
        energies = first.score_samples(X)
        kept = X[energies > np.quantile(energies, self.fraction)]
        self.model_ = RandomScales(self.seed, self.low, self.high).fit(kept)
        return self


def candidates(seed):
    def local(**params):
        return lambda: LocalNoise(seed, **params)

    return {
        "default": lambda: UntiedAutoEncoder(random_state=seed),
        "local, factor 0.5": local(factor=0.5),
        "local, factor 0.3": local(factor=0.3),
        "local, factor 0.5, gamma 0.5": local(factor=0.5, gamma=0.5),
        "local, factor 0.3, widen only": local(factor=0.3, low=1.0, high=3.0),
        "random scales 0.5-2": lambda: RandomScales(seed, 0.5, 2.0),
        "random scales 0.4-1": lambda: RandomScales(seed, 0.4, 1.0),
        "random scales 0.25-1": lambda: RandomScales(seed, 0.25, 1.0),
        "trim 10%, random scales 0.4-1": lambda: TrimmedRandomScales(seed, 0.4, 1.0),
        "random scales 0.25-1, factor 1": lambda: RandomScales(seed, 0.25, 1.0, factor=1.0),
        "local, factor 0.5, narrow only": local(factor=0.5, low=0.4, high=1.0),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("benchmark", choices=["density", "anomaly"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--candidates", nargs="*")
    args = parser.parse_args()

    def methods_for_seed(seed):
        methods = candidates(seed)
        if args.candidates:
            methods = {k: v for k, v in methods.items() if k in args.candidates or k == "default"}
        return methods

    if args.benchmark == "density":
        from bench_density import peer_methods, run

        def with_peers(seed):
            peers = {k: v for k, v in peer_methods(seed).items() if "Gaussian" not in k}
            return {**methods_for_seed(seed), **peers}

        frame = pd.DataFrame(run(with_peers, args.seeds, 2000, 2000, log=lambda line: None))
        columns = ["all", "held-out", "box", "seconds"]
        print(frame.groupby("method")[columns].mean().sort_values("all").round(3).to_markdown())
        table = frame.groupby(["distribution", "method"])["all"].mean().unstack()
        print(table.round(3).to_markdown())
        return
    from _harness import CHOICE_HALF
    from bench_anomaly import datasets, peer_methods, print_against_reference, run

    def with_peers(seed):
        peers = peer_methods(seed)
        return {**methods_for_seed(seed), "KNN": peers["KNN"]}

    rows = run(datasets(CHOICE_HALF, embeddings=False), with_peers, args.seeds,
               ["clean", "unsupervised"], digits=False)  # fmt: skip
    print_against_reference(pd.DataFrame(rows), args.seeds)


if __name__ == "__main__":
    main()
