"""Anomaly detection: auto-encoder energies against the detectors users already have.

    python benchmarks/bench_anomaly.py [--seeds 3] [--datasets 4_breastw 6_cardio ...]
                                       [--methods ...] [--markdown]

ADBench's protocol (Han et al., NeurIPS 2022, ``data_generator.py``) on the npz files in
``../shared/data/adbench`` (or ``$SK_CONSAE_ADBENCH``): at most 10,000 rows by random
subsample, a stratified 70/30 split, ``MinMaxScaler`` fit on the training part, every
detector fit without labels on the contaminated training part, ROC AUC and average
precision of its normality score on the test part. Plus one-class ``load_digits``:
each digit in turn is normal, 70% of it trains, the other 30% and as many digits of
other classes (drawn at random) form the test set. Every method is scored on the same
splits in the same run, one seed at a time.
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
from _harness import RESULTS, ROOT, machine
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KernelDensity, LocalOutlierFactor
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import OneClassSVM

from sk_consae import ContractiveAutoEncoder, UntiedAutoEncoder

ADBENCH = Path(os.environ.get("SK_CONSAE_ADBENCH", ROOT.parents[1] / "shared" / "data" / "adbench"))
MAX_ROWS = 10_000


class PCAReconstruction:
    """Negative PCA reconstruction error; components explain 90% of the variance."""

    def __init__(self, n_components=0.9):
        self.n_components = n_components

    def fit(self, X):
        self.pca_ = PCA(self.n_components, svd_solver="full").fit(X)
        return self

    def score_samples(self, X):
        residual = X - self.pca_.inverse_transform(self.pca_.transform(X))
        return -(residual**2).sum(1)


class PyODScore:
    """A PyOD detector with scikit-learn's sign: higher = more normal."""

    def __init__(self, factory):
        self.factory = factory

    def fit(self, X):
        self.model_ = self.factory().fit(X)
        return self

    def score_samples(self, X):
        return -self.model_.decision_function(X)


def package_methods(seed):
    """The package's detectors with default parameters, and version 0.1's defaults."""
    return {
        "UntiedAutoEncoder()": lambda: UntiedAutoEncoder(random_state=seed),
        "UntiedAutoEncoder(weight_tying='scaled')": lambda: UntiedAutoEncoder(
            weight_tying="scaled", random_state=seed
        ),
        "ContractiveAutoEncoder()": lambda: ContractiveAutoEncoder(random_state=seed),
        "UntiedAutoEncoder, 0.1 defaults": lambda: UntiedAutoEncoder(
            activation="sigmoid", noise=0.0, batch_size=128, random_state=seed
        ),
        # One deep configuration of each family: a free decoder, and the gradient of a
        # scalar network (conservative by construction).
        "UntiedAutoEncoder(hidden_layer_sizes=(100,))": lambda: UntiedAutoEncoder(
            hidden_layer_sizes=(100,), random_state=seed
        ),
        "UntiedAutoEncoder(hidden_layer_sizes=(100,), weight_tying='scaled')": lambda: (
            UntiedAutoEncoder(hidden_layer_sizes=(100,), weight_tying="scaled", random_state=seed)
        ),
    }


def peer_methods(seed):
    """scikit-learn's detectors (defaults) and PyOD's where it is installed."""
    methods = {
        "IsolationForest": lambda: IsolationForest(random_state=seed),
        "LOF(novelty=True)": lambda: LocalOutlierFactor(novelty=True),
        "OneClassSVM": lambda: OneClassSVM(gamma="scale"),
        "KernelDensity(bandwidth=0.5)": lambda: KernelDensity(bandwidth=0.5),
        "PCA reconstruction": PCAReconstruction,
    }
    try:
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.ecod import ECOD
        from pyod.models.iforest import IForest
        from pyod.models.knn import KNN
    except ImportError:
        return methods
    methods.update(
        {
            "PyOD IForest": lambda: PyODScore(lambda: IForest(random_state=seed)),
            "PyOD ECOD": lambda: PyODScore(ECOD),
            "PyOD KNN": lambda: PyODScore(KNN),
            "PyOD AutoEncoder": lambda: PyODScore(
                lambda: AutoEncoder(random_state=seed, verbose=0)
            ),
        }
    )
    return methods


# --- data ---------------------------------------------------------------------------


def adbench_split(path, seed):
    """ADBench's protocol: subsample, stratified 70/30 split, MinMaxScaler on train."""
    data = np.load(path)
    X, y = data["X"].astype(np.float64), data["y"].astype(int)
    rng = np.random.RandomState(seed)
    if len(X) > MAX_ROWS:
        keep = rng.choice(len(X), MAX_ROWS, replace=False)
        X, y = X[keep], y[keep]
    X_train, X_test, _, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, shuffle=True, random_state=seed
    )
    scaler = MinMaxScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_test


def digit_splits(seed):
    """One-class digits: yields (digit, X_train, X_test, y_test) with y = 1 for anomalies."""
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rng = np.random.RandomState(seed)
    for digit in range(10):
        normal = X[y == digit]
        train, held_out = train_test_split(normal, test_size=0.3, random_state=seed)
        others = X[y != digit]
        anomalies = others[rng.choice(len(others), len(held_out), replace=False)]
        X_test = np.vstack([held_out, anomalies])
        y_test = np.r_[np.zeros(len(held_out), int), np.ones(len(anomalies), int)]
        yield digit, train, X_test, y_test


def adbench_names(selected=None):
    names = sorted(p.stem for p in ADBENCH.glob("*.npz"))
    if selected:
        missing = set(selected) - set(names) - {"digits"}
        if missing:
            raise SystemExit(f"unknown datasets {sorted(missing)}; have {names}")
        names = [n for n in names if n in selected]
    return names


# --- scoring --------------------------------------------------------------------------


def evaluate(factory, X_train, X_test, y_test):
    """Fit on X_train, score X_test; anomalies must get the *lower* normality score."""
    start = time.perf_counter()
    model = factory().fit(X_train)
    normality = np.asarray(model.score_samples(X_test), dtype=np.float64)
    seconds = time.perf_counter() - start
    if not np.all(np.isfinite(normality)):
        raise RuntimeError(f"non-finite scores from {model!r}")
    return {
        "auc": roc_auc_score(y_test, -normality),
        "ap": average_precision_score(y_test, -normality),
        "seconds": seconds,
    }


def run(datasets, methods_for_seed, seeds, digits=True, log=print):
    """Results as a list of dicts: dataset, seed, method, auc, ap, seconds."""
    rows = []
    for seed in range(seeds):
        methods = methods_for_seed(seed)
        for name in datasets:
            X_train, X_test, y_test = adbench_split(ADBENCH / f"{name}.npz", seed)
            for method, factory in methods.items():
                result = evaluate(factory, X_train, X_test, y_test)
                rows.append({"dataset": name, "seed": seed, "method": method, **result})
                log(
                    f"seed {seed} {name:<20} {method:<45} AUC {result['auc']:.3f}"
                    f"  {result['seconds']:.2f} s"
                )
        if digits:
            for method, factory in methods.items():
                per_digit = [
                    evaluate(factory, X_train, X_test, y_test)
                    for _, X_train, X_test, y_test in digit_splits(seed)
                ]
                result = {key: float(np.mean([r[key] for r in per_digit])) for key in ("auc", "ap")}
                result["seconds"] = float(sum(r["seconds"] for r in per_digit))
                rows.append({"dataset": "digits", "seed": seed, "method": method, **result})
                log(
                    f"seed {seed} {'digits':<20} {method:<45} AUC {result['auc']:.3f}"
                    f"  {result['seconds']:.2f} s"
                )
    return rows


def summarise(rows):
    """Per (dataset, method) means over seeds, and per-method aggregates over the
    ADBench datasets (mean AUC, mean AP, mean rank by AUC, total time)."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    per_dataset = frame.groupby(["dataset", "method"])[["auc", "ap", "seconds"]].mean()
    auc = per_dataset["auc"].unstack("method")
    tabular = auc.drop(index="digits", errors="ignore")
    summary = pd.DataFrame(
        {
            "mean AUC (ADBench)": tabular.mean(),
            "mean rank (ADBench)": tabular.rank(axis=1, ascending=False).mean(),
            "mean AP (ADBench)": per_dataset["ap"]
            .unstack("method")
            .drop(index="digits", errors="ignore")
            .mean(),
            "digits AUC": auc.loc["digits"] if "digits" in auc.index else np.nan,
            "fit + score s (all, per seed)": frame.groupby("method")["seconds"].sum()
            / frame["seed"].nunique(),
        }
    ).sort_values("mean AUC (ADBench)", ascending=False)
    return per_dataset, summary


def markdown(per_dataset, summary):
    auc = per_dataset["auc"].unstack("method")[summary.index]
    ap = per_dataset["ap"].unstack("method")[summary.index]
    lines = ["ROC AUC per dataset (mean over seeds):", "", auc.round(3).to_markdown(), ""]
    lines += ["Average precision per dataset:", "", ap.round(3).to_markdown(), ""]
    lines += ["Per method:", "", summary.round(3).to_markdown()]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--datasets", nargs="*", help="ADBench names and/or 'digits'")
    parser.add_argument("--methods", nargs="*", help="substrings of method names to keep")
    args = parser.parse_args()

    def methods_for_seed(seed):
        methods = {**package_methods(seed), **peer_methods(seed)}
        if args.methods:
            methods = {k: v for k, v in methods.items() if any(m in k for m in args.methods)}
        return methods

    digits = not args.datasets or "digits" in args.datasets
    start = time.perf_counter()
    rows = run(adbench_names(args.datasets), methods_for_seed, args.seeds, digits)
    per_dataset, summary = summarise(rows)
    text = markdown(per_dataset, summary)
    print(f"\nmachine: {machine()}; {args.seeds} seeds; wall {time.perf_counter() - start:.0f} s\n")
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "anomaly.json").write_text(json.dumps({"machine": machine(), "rows": rows}))
    (RESULTS / "anomaly.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
