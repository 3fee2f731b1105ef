"""Study of default changes on the choice half only (not part of the package).

    python research/study_defaults.py [--seeds 1] [--candidates ...]

Each candidate is a change the theory suggests (the noise scale is a kernel bandwidth; a
denoising field estimates sigma^2 grad log p_sigma, so F / sigma^2 estimates log p_sigma
and energies of several noise scales can be summed; conservative families have no path
error; subsample ensembles resist contamination; fewer optimiser steps cost less). Both
settings of ``bench_anomaly.py`` on ``_harness.CHOICE_HALF``; the report half is not
touched. Prints each candidate's mean ROC AUC and wins/losses against the default per
setting, and writes ``results/study_defaults.json``.
"""

import argparse
import json
import sys
import time

import numpy as np
from _protocol import BENCHMARKS, RESULTS, auto_batch_size, auto_rows_per_epoch
from skorch.callbacks import Callback

from sk_consae import UntiedAutoEncoder

sys.path.insert(0, BENCHMARKS)  # the benchmarks' data protocols
from _harness import CHOICE_HALF, feature_spread, machine, scott_bandwidth
from bench_anomaly import datasets, peer_methods, print_against_reference, run


class Scales:
    """Sum over noise scales sigma_k = factor_k * unit(X) of F_k / sigma_k^2, each F_k
    the energy of a model trained at sigma_k (on ``rows`` random rows when given); the
    unit is the RMS feature spread, or ``scott_bandwidth``. One model's F / sigma^2
    ranks as its F does."""

    def __init__(
        self, factors, seed, models=1, rows=None, steps=None, unit=feature_spread, **params
    ):
        self.factors, self.seed, self.models, self.rows = factors, seed, models, rows
        self.steps, self.unit, self.params = steps, unit, params

    def fit(self, X):
        rng = np.random.default_rng(self.seed)
        self.models_ = []
        for k in range(self.models):
            part = X
            if self.rows is not None and self.rows < len(X):
                part = X[rng.choice(len(X), self.rows, replace=False)]
            for factor in self.factors:
                noise = factor * self.unit(part)
                params = dict(self.params)
                if self.steps is not None:
                    params["max_epochs"] = epochs_for_steps(self.steps, len(part))
                model = UntiedAutoEncoder(noise=noise, random_state=self.seed + k, **params)
                self.models_.append(model.fit(part))
        return self

    def score_samples(self, X):
        return sum(m.score_samples(X) / m.noise_**2 for m in self.models_)


class Trimmed:
    """Robust refit: fit, drop the ``fraction`` of training rows with the lowest energy
    (the rows the first model finds least probable, where a contaminated set's
    anomalies concentrate), then fit again on the rest: from scratch, or continuing the
    first model for ``epochs`` more epochs."""

    def __init__(self, fraction, seed, epochs=None, **params):
        self.fraction, self.seed, self.epochs, self.params = fraction, seed, epochs, params

    def fit(self, X):
        model = UntiedAutoEncoder(random_state=self.seed, **self.params).fit(X)
        energies = model.score_samples(X)
        kept = X[energies > np.quantile(energies, self.fraction)]
        if self.epochs is None:
            model = UntiedAutoEncoder(random_state=self.seed, **self.params)
        else:
            model.set_params(warm_start=True, max_epochs=self.epochs)
        self.model_ = model.fit(kept)
        return self

    def score_samples(self, X):
        return self.model_.score_samples(X)


def epochs_for_steps(steps, n_samples, batch_size="auto"):
    """Epochs of ``batch_size`` and the default rows per epoch that make about ``steps``
    optimiser steps (at most 100 epochs, the default's count)."""
    rows = auto_rows_per_epoch(n_samples)
    size = auto_batch_size(n_samples) if batch_size == "auto" else batch_size
    per_epoch = -(-rows // min(rows, size))
    return int(np.clip(-(-steps // per_epoch), 1, 100))


class CosineLR(Callback):
    """Learning rate ``lr * (1 + cos(pi * epoch / epochs)) / 2`` set at each epoch's start:
    a decay to about zero, which averages out the denoising gradient's noise at the end
    of a short budget. Epoch-level, so the package keeps its fast per-epoch path."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history) - 1  # skorch has added this epoch's row
        factor = 0.5 * (1 + np.cos(np.pi * epoch / self.epochs))
        for group in net.optimizer_.param_groups:
            group["lr"] = net.lr * factor


class StepBudget:
    """``UntiedAutoEncoder`` trained for about ``steps`` optimiser steps (epochs from the
    training set's size), learning rate ``lr`` decayed by :class:`CosineLR`."""

    def __init__(self, steps, seed, lr=1e-3, batch_size="auto", cosine=True, **params):
        self.steps, self.seed, self.lr, self.batch_size = steps, seed, lr, batch_size
        self.cosine, self.params = cosine, params

    def fit(self, X):
        if self.steps is None:
            epochs = 100
        else:
            epochs = epochs_for_steps(self.steps, len(X), self.batch_size)
        callbacks = [CosineLR(epochs)] if self.cosine else None
        self.model_ = UntiedAutoEncoder(
            max_epochs=epochs, lr=self.lr, batch_size=self.batch_size, callbacks=callbacks,
            random_state=self.seed, **self.params,
        ).fit(X)  # fmt: skip
        return self

    def score_samples(self, X):
        return self.model_.score_samples(X)


def candidates(seed):
    def ae(**params):
        return lambda: UntiedAutoEncoder(random_state=seed, **params)

    def scales(factors, **params):
        return lambda: Scales(factors, seed, **params)

    return {
        "default": ae(),
        "noise 0.25": scales([0.25]),
        "noise 1.0": scales([1.0]),
        "scales 0.25+0.5+1": scales([0.25, 0.5, 1.0]),
        "scaled": ae(weight_tying="scaled"),
        "20 epochs": ae(max_epochs=20),
        "ensemble 10 x 512 rows": scales([0.5], models=10, rows=512),
        "400 units, noise 0.25": scales([0.25], n_components=400),
        # Round 2 (after round 1 on seed 0): the step budget and variance reduction.
        "1000 steps": scales([0.5], steps=1000),
        "20 epochs, scales 0.25+0.5+1": scales([0.25, 0.5, 1.0], max_epochs=20),
        "20 epochs, 5 seeds": scales([0.5], models=5, max_epochs=20),
        "1000 steps, scales 0.25+0.5+1": scales([0.25, 0.5, 1.0], steps=1000),
        # Round 3: training that resists the anomalies it must find (trimming).
        "trim 10%, refit": lambda: Trimmed(0.1, seed),
        "trim 5%, refit": lambda: Trimmed(0.05, seed),
        "trim 10%, 30 more epochs": lambda: Trimmed(0.1, seed, epochs=30),
        # Round 4: a step budget with a decaying learning rate (issue 26's cost).
        "cosine lr": lambda: StepBudget(None, seed),
        "1000 steps, lr 3e-3 cosine": lambda: StepBudget(1000, seed, lr=3e-3),
        "1000 steps, batch 256, lr 3e-3 cosine": lambda: StepBudget(
            1000, seed, lr=3e-3, batch_size=256
        ),
        "2000 steps, lr 2e-3 cosine": lambda: StepBudget(2000, seed, lr=2e-3),
        # Round 5: bounded units. A relu decoder grows linearly far from the data, where
        # an auto-encoder near the identity leaves the field (and the energy) flat; a
        # bounded h gives r(x) -> const, v(x) ~ -x, a Gaussian tail.
        "sigmoid": ae(activation="sigmoid"),
        "tanh": ae(activation="tanh"),
        # Round 6: the bandwidth from the data's size and dimension (Scott's rule).
        "noise Scott": scales([1.0], unit=scott_bandwidth),
        "noise Scott x 0.5": scales([0.5], unit=scott_bandwidth),
        # Since round 6 "default" is Scott's bandwidth; rounds 1-6 ran with this one.
        "old default (noise 0.5)": scales([0.5]),
        # Round 7: bandwidths averaged (issue 21's "integrated over sigma"), around Scott's.
        "Scott x 0.5+1+2": scales([0.5, 1.0, 2.0], unit=scott_bandwidth),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--candidates", nargs="*")
    parser.add_argument("--peers", nargs="*", default=["KNN", "IsolationForest"])
    args = parser.parse_args()

    def methods_for_seed(seed):
        methods = candidates(seed)
        if args.candidates:
            methods = {k: v for k, v in methods.items() if k in args.candidates or k == "default"}
        peers = peer_methods(seed)
        return {**methods, **{name: peers[name] for name in args.peers}}

    start = time.perf_counter()
    rows = run(datasets(CHOICE_HALF, embeddings=False), methods_for_seed, args.seeds,
               ["clean", "unsupervised"], digits=False)  # fmt: skip
    import pandas as pd

    print_against_reference(pd.DataFrame(rows), args.seeds)
    print(f"\nmachine: {machine()}; wall {time.perf_counter() - start:.0f} s")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "study_defaults.json").write_text(json.dumps({"machine": machine(), "rows": rows}))


if __name__ == "__main__":
    main()
