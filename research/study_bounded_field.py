"""Issue 35, far field: does bounding the reconstruction remove the energy's failures?

    python research/study_bounded_field.py [--seeds 3] [--settings clean unsupervised]

Theory. Trained to convergence, a denoising auto-encoder's reconstruction is the
posterior mean r*(x) = E[x_i | x~ = x], a convex combination of training rows: it stays
in the data's hull, so far from the data the limit's field is about -(x - hull) and its
energy falls as -d^2 / 2. A ReLU network extrapolates linearly instead: its r grows
without bound and its line-integral energy can rise again beyond the data (the 4_breastw
diagnosis). Two ways to bound r after training, without changing training:

* ``saturated``: each hidden unit is capped at the largest value it takes on the
  training rows, h_k = min(relu(u_k), c_k) (a difference of two ReLUs, so the exact
  per-unit energy still applies);
* ``boxed``: r is clipped into the training rows' bounding box, feature by feature.

Both energies are line integrals from ``energy_origin_`` (32 Gauss-Legendre nodes) of
the bounded field, through the public API (``field_parameters_``, ``transform``,
``sk_consae.metrics.field_energy``). Peers as in ``benchmarks/bench_anomaly.py``'s
protocols (its split functions are imported): KNN (PyOD), IsolationForest, and the
objective's limit, a Gaussian KDE at the model's ``noise_``. Failures: datasets where a
detector's mean ROC AUC is more than 0.05 below the best of the others.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import KernelDensity

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_anomaly import KINDS, SPLITS, datasets, load_source  # noqa: E402  (the protocol)

from sk_consae import UntiedAutoEncoder  # noqa: E402
from sk_consae.metrics import field_energy  # noqa: E402

KDE_MAX_TRAIN = 10_000  # the limit's cost is n_train x n_test kernels


def bounded_energies(model, X_train, X_test):
    p = model.field_parameters_
    W, b = torch.from_numpy(p.encoder_weight).double(), torch.from_numpy(p.encoder_bias).double()
    R, c = torch.from_numpy(p.decoder_weight).double(), torch.from_numpy(p.decoder_bias).double()
    cap = torch.from_numpy(model.transform(X_train).max(0)).double()
    low = torch.from_numpy(X_train.min(0))
    high = torch.from_numpy(X_train.max(0))

    def saturated(x):
        return torch.minimum(torch.relu(x @ W + b), cap) @ R.T + c - x

    def boxed(x):
        return torch.clamp(torch.relu(x @ W + b) @ R.T + c, low, high) - x

    origin = model.energy_origin_
    return {
        "saturated": field_energy(saturated, X_test, origin=origin).energy,
        "boxed": field_energy(boxed, X_test, origin=origin).energy,
    }


def scores(X_train, X_test, seed):
    """Normality scores of every detector on X_test, and seconds."""
    out = {}
    start = time.perf_counter()
    model = UntiedAutoEncoder(random_state=seed).fit(X_train)
    out["default"] = model.score_samples(X_test)
    out.update(bounded_energies(model, X_train, X_test))
    rows = X_train
    if len(rows) > KDE_MAX_TRAIN:
        rows = rows[np.random.default_rng(seed).choice(len(rows), KDE_MAX_TRAIN, replace=False)]
    kde = KernelDensity(bandwidth=model.noise_).fit(rows)
    out["KDE limit"] = kde.score_samples(X_test)
    out["IsolationForest"] = IsolationForest(random_state=seed).fit(X_train).score_samples(X_test)
    from pyod.models.knn import KNN

    out["KNN"] = -KNN().fit(X_train).decision_function(X_test)
    return out, time.perf_counter() - start


def failures(auc, margin=0.05):
    """Per detector: datasets where it is more than ``margin`` below the best other."""
    counts = {}
    for method in auc.columns:
        others = auc.drop(columns=method).max(axis=1)
        counts[method] = int((auc[method] < others - margin).sum())
    return pd.Series(counts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--settings", nargs="*", default=["clean", "unsupervised"])
    parser.add_argument("--datasets", nargs="*")
    parser.add_argument("--synthetic", nargs="*", default=[], choices=KINDS)
    parser.add_argument("--heavy-tailed", action="store_true")
    parser.add_argument("--no-classical", action="store_true")
    parser.add_argument("--out", default="research/results/bounded_field.csv")
    args = parser.parse_args()
    paths = datasets(args.datasets, False, args.synthetic, args.heavy_tailed)
    if args.no_classical:
        paths = {k: v for k, v in paths.items() if "+" in k or k.startswith("heavy_t_")}
    rows = []
    for seed in range(args.seeds):
        for setting in args.settings:
            for name, path in paths.items():
                X_train, X_test, y_test = SPLITS[setting](*load_source(path), seed)
                normality, seconds = scores(X_train, X_test, seed)
                for method, values in normality.items():
                    auc = roc_auc_score(y_test, -values) if np.isfinite(values).all() else np.nan
                    rows.append(
                        dict(setting=setting, dataset=name, seed=seed, method=method, auc=auc)
                    )
                print(
                    f"{setting:<12} seed {seed} {name:<22} {seconds:6.1f} s  "
                    + " ".join(f"{r['method']} {r['auc']:.3f}" for r in rows[-len(normality) :]),
                    flush=True,
                )
    frame = pd.DataFrame(rows)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    for setting, part in frame.groupby("setting"):
        auc = part.groupby(["dataset", "method"])["auc"].mean().unstack("method")
        print(f"\n{setting}: mean AUC, mean rank, failures (> 0.05 below the best other)")
        summary = pd.DataFrame(
            {
                "mean AUC": auc.mean(),
                "mean rank": auc.rank(axis=1, ascending=False).mean(),
                "failures": failures(auc),
                "failures vs peers only": failures(
                    auc.drop(columns=[m for m in ("saturated", "boxed") if m in auc])
                ).reindex(auc.columns),
            }
        ).sort_values("mean AUC", ascending=False)
        print(summary.round(3).to_string())
        print(auc.round(3).to_string())


if __name__ == "__main__":
    main()
