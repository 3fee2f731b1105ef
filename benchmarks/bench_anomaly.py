"""Anomaly detection: auto-encoder energies against the detectors users already have.

    python benchmarks/bench_anomaly.py [--settings unsupervised clean] [--seeds 3]
                                       [--datasets 4_breastw 6_cardio ... digits]
                                       [--methods ...] [--no-embeddings]
                                       [--synthetic KIND ...] [--heavy-tailed]
                                       [--only-generated]

Two protocols, on the npz files in ``../shared/data/adbench`` (24 classical datasets)
and ``../shared/data/adbench-embed`` (6 ResNet18 embedding datasets), or
``$SK_CONSAE_ADBENCH`` / ``$SK_CONSAE_ADBENCH_EMBED``:

``unsupervised``
    ADBench's protocol (Han et al., NeurIPS 2022, ``data_generator.py``): at most 10,000
    rows by random subsample, a stratified 70/30 split, ``MinMaxScaler`` fit on the
    training part, every detector fit without labels on the *contaminated* training part.
``clean``
    The DTE paper's semi-supervised protocol (Livernoche et al., ICLR 2024): at most
    50,000 rows by random subsample, half of the normal rows train, the other half and
    every anomaly test, ``StandardScaler`` fit on the training part.

With ``--synthetic local global dependency clustered``, ADBench's synthetic anomaly
kinds around each classical dataset's normal rows, and with ``--heavy-tailed``
Student-t sets in 2, 3 and 6 dimensions with anomalies far from every normal row (see
``synthetic.py``).

Plus one-class ``load_digits``: each digit in turn is normal, 70% of it trains, the other
30% and as many digits of other classes (drawn at random) form the test set; with
``--datasets MNIST``, one-class MNIST (``$SK_CONSAE_MNIST``): each digit's training
images train, the 10,000 test images score. PyOD's LOF is ``LocalOutlierFactor(novelty=True)``.

ROC AUC and average precision of each detector's normality score on the test part; fit +
score time; and per detector its *failures*: datasets where its mean ROC AUC is more than
0.05 below the best of the others in the same run, the objective's limit (a Gaussian KDE
at the default's ``noise_``) among them. Every method sees the same splits in the same
run, one seed at a time. The summary reports the choice half and the report half of the
classical datasets separately (``_harness.CHOICE_HALF`` / ``REPORT_HALF``), and the DTE
paper's published ROC AUC (mean of 5 seeds) for the same datasets beside the measured
ones.
"""

import argparse
import json
import os
import time
from functools import cache, partial
from pathlib import Path

import numpy as np
from _harness import CHOICE_HALF, MNIST, REPORT_HALF, RESULTS, ROOT, machine, scott_bandwidth
from sklearn.datasets import load_digits
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from synthetic import KINDS, synthetic_anomalies
from synthetic import heavy_tailed as synthetic_heavy_tailed

from sk_consae import UntiedAutoEncoder

SHARED = ROOT.parents[1] / "shared" / "data"
ADBENCH = Path(os.environ.get("SK_CONSAE_ADBENCH", SHARED / "adbench"))
ADBENCH_EMBED = Path(os.environ.get("SK_CONSAE_ADBENCH_EMBED", SHARED / "adbench-embed"))
PUBLISHED = ADBENCH / "published_dte_iclr2024.csv"
# The published columns quoted beside ours, and the setting names in that table.
PUBLISHED_METHODS = ("DTE-NP", "KNN", "IForest")
PUBLISHED_SETTING = {"clean": "semi-supervised", "unsupervised": "unsupervised"}
LIMIT = "KDE at noise_ (limit)"
# A detector fails on a dataset when its mean ROC AUC is more than this below the best
# of the others in the same run.
FAILURE_MARGIN = 0.05


class PyODScore:
    """A PyOD detector with scikit-learn's sign: higher = more normal."""

    def __init__(self, factory):
        self.factory = factory

    def fit(self, X):
        self.model_ = self.factory().fit(X)
        return self

    def score_samples(self, X):
        return -self.model_.decision_function(X)


class ScottKDE:
    """The default's objective's limit: a Gaussian kernel density estimate at the
    default's ``noise_`` (Scott's bandwidth, n^(-1/(D+4)) times the RMS feature
    spread), on at most 10,000 training rows (its cost is training x test kernels);
    ``factor`` scales the bandwidth, for studies of other bandwidths."""

    max_rows = 10_000

    def __init__(self, seed, factor=1.0):
        self.seed, self.factor = seed, factor

    def fit(self, X):
        from sklearn.neighbors import KernelDensity

        bandwidth = self.factor * scott_bandwidth(X)
        if len(X) > self.max_rows:
            X = X[np.random.default_rng(self.seed).choice(len(X), self.max_rows, replace=False)]
        self.model_ = KernelDensity(bandwidth=bandwidth).fit(X)
        return self

    def score_samples(self, X):
        return self.model_.score_samples(X)


DEFAULT, NOVELTY = "UntiedAutoEncoder()", "UntiedAutoEncoder(novelty=True)"
# The settings a package detector is run in (all when absent), and the one it
# recommends for each setting: novelty=True is for clean training rows.
ONLY_IN = {NOVELTY: ("clean", "one-class")}
RECOMMENDED = {"clean": NOVELTY, "one-class": NOVELTY, "unsupervised": DEFAULT}


def package_methods(seed):
    """The package's detectors: the defaults, and the novelty mode for clean rows."""
    return {
        DEFAULT: lambda: UntiedAutoEncoder(random_state=seed),
        NOVELTY: lambda: UntiedAutoEncoder(novelty=True, random_state=seed),
    }


def peer_methods(seed):
    """IsolationForest (scikit-learn) and PyOD's detectors with their defaults, as the
    DTE paper ran them; without PyOD, IsolationForest alone."""
    methods = {
        "IsolationForest": lambda: IsolationForest(random_state=seed),
        LIMIT: lambda: ScottKDE(seed),
    }
    try:
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.ecod import ECOD
        from pyod.models.knn import KNN
        from pyod.models.lof import LOF
        from pyod.models.ocsvm import OCSVM
        from pyod.models.pca import PCA
    except ImportError:
        return methods
    methods.update(
        {
            "KNN": lambda: PyODScore(KNN),
            "LOF": lambda: PyODScore(LOF),
            "ECOD": lambda: PyODScore(ECOD),
            "PCA": lambda: PyODScore(PCA),
            "OCSVM": lambda: PyODScore(OCSVM),
            "PyOD AutoEncoder": lambda: PyODScore(
                lambda: AutoEncoder(random_state=seed, verbose=0)
            ),
        }
    )
    return methods


# --- data ---------------------------------------------------------------------------


def load(path):
    data = np.load(path)
    return data["X"].astype(np.float64), data["y"].astype(int)


def subsample(X, y, rows, rng):
    if len(X) > rows:
        keep = rng.choice(len(X), rows, replace=False)
        return X[keep], y[keep]
    return X, y


def unsupervised_split(X, y, seed):
    """ADBench: at most 10,000 rows, stratified 70/30, MinMaxScaler on the training part
    (which keeps its anomalies)."""
    X, y = subsample(X, y, 10_000, np.random.RandomState(seed))
    X_train, X_test, _, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, shuffle=True, random_state=seed
    )
    scaler = MinMaxScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_test


def clean_split(X, y, seed):
    """DTE (semi-supervised): at most 50,000 rows, half of the normal rows train, the
    other half and every anomaly test; StandardScaler on the training part."""
    rng = np.random.RandomState(seed)
    X, y = subsample(X, y, 50_000, rng)
    normal = rng.permutation(np.flatnonzero(y == 0))
    train, held_out = normal[: len(normal) // 2], normal[len(normal) // 2 :]
    test = np.r_[held_out, np.flatnonzero(y == 1)]
    scaler = StandardScaler().fit(X[train])
    return scaler.transform(X[train]), scaler.transform(X[test]), y[test]


SPLITS = {"unsupervised": unsupervised_split, "clean": clean_split}


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


def mnist_splits(seed):
    """One-class MNIST: each digit's 5,400-6,700 training images train, and the 10,000
    test images score, the other digits being the anomalies (y = 1). ``seed`` is unused:
    the split is MNIST's own."""
    from sk_consae.datasets import load_mnist

    X_train, y_train = load_mnist(MNIST, return_X_y=True)
    X_test, y_test = load_mnist(MNIST, subset="test", return_X_y=True)
    for digit in range(10):
        yield digit, X_train[y_train == digit], X_test, (y_test != digit).astype(int)


ONE_CLASS = {"digits": digit_splits, "MNIST": mnist_splits}


def datasets(selected=None, embeddings=True, synthetic=(), heavy_tailed=False, real=True):
    """{name: path or (X, y) loader} of the classical datasets, then the embedding ones,
    then ``synthetic`` anomaly kinds around each classical dataset's normal rows
    (``"4_breastw+local"``) and the heavy-tailed sets (:mod:`synthetic`); with
    ``real=False``, the generated ones alone."""
    paths = {p.stem: p for p in sorted(ADBENCH.glob("*.npz"))}
    classical = dict(paths)
    if embeddings:
        paths.update({p.stem: p for p in sorted(ADBENCH_EMBED.glob("*.npz"))})
    if selected:
        missing = set(selected) - set(paths) - set(ONE_CLASS)
        if missing:
            raise SystemExit(f"unknown datasets {sorted(missing)}; have {sorted(paths)}")
        paths = {name: path for name, path in paths.items() if name in selected}
        classical = {name: path for name, path in classical.items() if name in selected}
    for kind in synthetic:
        for name, path in classical.items():
            # Generated once per run (their seed is fixed), not once per seed and setting:
            # fitting the mixture of the local and clustered kinds costs more than most fits.
            paths[f"{name}+{kind}"] = cache(partial(synthetic_anomalies, kind, *load(path)))
    if heavy_tailed:
        for n_features in (2, 3, 6):
            paths[f"heavy_t_{n_features}d"] = partial(synthetic_heavy_tailed, n_features)
    if not real:
        paths = {name: source for name, source in paths.items() if callable(source)}
    return paths


def load_source(source):
    """(X, y) of a dataset: an npz path, or a generator of synthetic data."""
    return load(source) if isinstance(source, (str, Path)) else source()


def group(name):
    if "+" in name:
        return "synthetic " + name.split("+", 1)[1]
    if name.startswith("heavy_t_"):
        return "heavy-tailed, far anomalies"
    if name in CHOICE_HALF:
        return "choice half"
    if name in REPORT_HALF:
        return "report half"
    return name if name in ONE_CLASS else "embeddings"


def published_name(name):
    """'27_PageBlocks' -> 'pageblocks', the DTE table's spelling."""
    return name.split("_", 1)[1].lower()


def published(setting, names):
    """The DTE paper's ROC AUC (0-1) for ``names`` in ``setting``: {method: {name: auc}}."""
    import pandas as pd

    if not PUBLISHED.exists():
        return {}
    table = pd.read_csv(PUBLISHED)
    table = table[table["setting"] == PUBLISHED_SETTING[setting]].set_index("dataset")
    found = {name: published_name(name) for name in names}
    found = {name: key for name, key in found.items() if key in table.index}
    if not found:
        return {}
    return {
        method: {name: table.loc[key, method] / 100 for name, key in found.items()}
        for method in PUBLISHED_METHODS
    }


# --- scoring --------------------------------------------------------------------------


def evaluate(factory, X_train, X_test, y_test):
    """Fit on X_train, score X_test; anomalies must get the *lower* normality score."""
    start = time.perf_counter()
    model = factory().fit(X_train)
    normality = np.asarray(model.score_samples(X_test), dtype=np.float64)
    seconds = time.perf_counter() - start
    if not np.all(np.isfinite(normality)):
        if isinstance(model, UntiedAutoEncoder):
            raise RuntimeError(f"non-finite scores from {model!r}")
        # A peer's failure (PyOD's PCA divides by the zero spread of constant
        # columns) is recorded as a missing result, not hidden.
        return {"auc": np.nan, "ap": np.nan, "seconds": seconds}
    return {
        "auc": roc_auc_score(y_test, -normality),
        "ap": average_precision_score(y_test, -normality),
        "seconds": seconds,
    }


def runs_in(methods, setting):
    """The methods that run in ``setting`` (:data:`ONLY_IN`)."""
    return {k: v for k, v in methods.items() if setting in ONLY_IN.get(k, (setting,))}


def run(paths, methods_for_seed, seeds, settings, digits=True, log=print, mnist=False):
    """Results as a list of dicts: setting, dataset, seed, method, auc, ap, seconds."""
    rows = []

    def record(setting, name, seed, method, result):
        rows.append({"setting": setting, "dataset": name, "seed": seed, "method": method, **result})
        log(
            f"{setting:<12} seed {seed} {name:<34} {method:<20} AUC {result['auc']:.3f}"
            f"  {result['seconds']:.2f} s"
        )

    for seed in range(seeds):
        methods = methods_for_seed(seed)
        for setting in settings:
            for name, path in paths.items():
                X_train, X_test, y_test = SPLITS[setting](*load_source(path), seed)
                for method, factory in runs_in(methods, setting).items():
                    record(setting, name, seed, method, evaluate(factory, X_train, X_test, y_test))
        for name in [n for n, wanted in (("digits", digits), ("MNIST", mnist)) if wanted]:
            for method, factory in runs_in(methods, "one-class").items():
                per_digit = [evaluate(factory, *split[1:]) for split in ONE_CLASS[name](seed)]
                result = {key: float(np.mean([r[key] for r in per_digit])) for key in ("auc", "ap")}
                result["seconds"] = float(sum(r["seconds"] for r in per_digit))
                record("one-class", name, seed, method, result)
    return rows


def sign_test(wins, losses):
    """Two-sided exact binomial p-value of ``wins`` against ``losses`` (ties dropped)."""
    from scipy.stats import binomtest

    n = wins + losses
    return binomtest(wins, n, 0.5).pvalue if n else 1.0


def print_against_reference(frame, seeds, by="setting", reference="default", datasets=False):
    """The studies' summary, per group of ``by``: each method's mean ROC AUC, its
    datasets (seed means) and dataset-seed pairs won/lost against ``reference`` with
    sign-test p-values, and its fit + score seconds per seed; with ``datasets``, the
    per-dataset table too. ``frame``: the rows of :func:`run` as a DataFrame."""
    for group, part in frame.groupby(by):
        auc = part.groupby(["dataset", "method"])["auc"].mean().unstack("method")
        pairs = part.pivot_table(index=["dataset", "seed"], columns="method", values="auc")
        seconds = part.groupby("method")["seconds"].sum() / seeds
        print(f"\n{group}: mean AUC; against {reference}: datasets W/L, pairs W/L; s per seed")
        for method in auc.mean().sort_values(ascending=False).index:
            diff, pair_diff = auc[method] - auc[reference], pairs[method] - pairs[reference]
            wins, losses = int((diff > 0).sum()), int((diff < 0).sum())
            pair_wins, pair_losses = int((pair_diff > 0).sum()), int((pair_diff < 0).sum())
            print(
                f"  {method:<30} {auc[method].mean():.3f}  {wins:>2}/{losses:<2}"
                f" p={sign_test(wins, losses):.3f}  {pair_wins:>2}/{pair_losses:<2}"
                f" p={sign_test(pair_wins, pair_losses):.3f}  {seconds[method]:.1f} s"
            )
        if datasets:
            print(auc.round(3).to_string())


def failures(auc, recommended=DEFAULT, margin=FAILURE_MARGIN):
    """Per method (column of ``auc``, datasets in rows): the datasets where its ROC AUC
    is more than ``margin`` below the best of the others. A package detector's others
    are the peers and the limit; a peer's are the other peers, the limit and the
    package's ``recommended`` detector for the setting."""
    package = [m for m in auc.columns if m in (DEFAULT, NOVELTY)]
    peers = auc.drop(columns=package)
    counts = {}
    for method in auc.columns:
        others = peers.drop(columns=method, errors="ignore")
        if method not in package and recommended in auc:
            others = others.join(auc[recommended])
        counts[method] = int((auc[method] < others.max(axis=1) - margin).sum())
    return counts


def summarise(rows):
    """Per setting and dataset group: mean AUC, AP, rank, failures, fit + score seconds
    per seed, wins/losses of the setting's recommended package detector against each
    method, and the published columns."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    frame["group"] = frame["dataset"].map(group)
    halves = frame[frame["group"].isin(["choice half", "report half"])]
    parts = [(key, part) for key, part in frame.groupby(["setting", "group"], sort=False)]
    parts += [
        ((setting, "all 24 classical"), part)
        for setting, part in halves.groupby("setting", sort=False)
        if part["dataset"].nunique() > len(CHOICE_HALF)
    ]
    tables = {}
    for (setting, grp), part in parts:
        per_dataset = part.groupby(["dataset", "method"])[["auc", "ap", "seconds"]].mean()
        auc = per_dataset["auc"].unstack("method")
        reference = RECOMMENDED.get(setting, DEFAULT)
        reference = reference if reference in auc else DEFAULT
        summary = pd.DataFrame(
            {
                "mean AUC": auc.mean(),
                "failed runs": part.groupby("method")["auc"].apply(lambda a: int(a.isna().sum())),
                "mean rank": auc.rank(axis=1, ascending=False).mean(),
                "failures": failures(auc, reference),
                "mean AP": per_dataset["ap"].unstack("method").mean(),
                "fit + score s per seed": part.groupby("method")["seconds"].sum()
                / part["seed"].nunique(),
            }
        )
        if reference in auc:
            difference = auc[reference].to_numpy()[:, None] - auc.to_numpy()
            wins, losses = (difference > 0).sum(0), (difference < 0).sum(0)
            summary[f"{reference} W/L"] = [f"{w}/{lo}" for w, lo in zip(wins, losses)]
            summary["sign test p"] = [sign_test(w, lo) for w, lo in zip(wins, losses)]
        summary = summary.sort_values("mean AUC", ascending=False)
        extra = published(setting, list(auc.index)) if setting in PUBLISHED_SETTING else {}
        for method, values in extra.items():
            auc[f"published {method}"] = pd.Series(values)
        tables[setting, grp] = (auc, summary)
    return tables


def markdown(tables):
    lines = []
    for (setting, grp), (auc, summary) in tables.items():
        lines += [f"### {setting} setting, {grp} ({len(auc)} datasets)", ""]
        lines += [summary.round(3).to_markdown(), ""]
        published_columns = [c for c in auc.columns if c.startswith("published")]
        if published_columns:
            means = ", ".join(
                f"{c}: {auc[c].mean():.3f} ({auc[c].notna().sum()} datasets)"
                for c in published_columns
            )
            lines += [f"Published (DTE paper, 5 seeds), same datasets: {means}", ""]
        lines += ["ROC AUC per dataset (mean over seeds):", "", auc.round(3).to_markdown(), ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--settings", nargs="*", default=list(SPLITS), choices=list(SPLITS))
    parser.add_argument("--datasets", nargs="*", help="dataset names, 'digits' and/or 'MNIST'")
    parser.add_argument("--no-embeddings", action="store_true")
    parser.add_argument(
        "--only-generated", action="store_true", help="only the --synthetic and heavy-tailed sets"
    )
    parser.add_argument("--methods", nargs="*", help="substrings of method names to keep")
    parser.add_argument("--out", default="anomaly", help="results/<out>.json and .md")
    parser.add_argument("--summarise", metavar="JSON", help="only re-render a saved run")
    parser.add_argument(
        "--synthetic",
        nargs="*",
        default=[],
        choices=KINDS,
        help="also ADBench's synthetic anomaly kinds around each classical dataset's normal rows",
    )
    parser.add_argument(
        "--heavy-tailed", action="store_true", help="also heavy-tailed 2-6-D sets, far anomalies"
    )
    args = parser.parse_args()
    if args.summarise:
        print(markdown(summarise(json.loads(Path(args.summarise).read_text())["rows"])))
        return

    def methods_for_seed(seed):
        methods = {**package_methods(seed), **peer_methods(seed)}
        if args.methods:
            methods = {k: v for k, v in methods.items() if any(m in k for m in args.methods)}
        return methods

    digits = not args.datasets or "digits" in args.datasets
    paths = datasets(
        args.datasets,
        not args.no_embeddings,
        args.synthetic,
        args.heavy_tailed,
        real=not args.only_generated,
    )
    if args.only_generated:
        digits = False
    start = time.perf_counter()
    mnist = "MNIST" in (args.datasets or ())
    rows = run(paths, methods_for_seed, args.seeds, args.settings, digits, mnist=mnist)
    text = markdown(summarise(rows))
    wall = time.perf_counter() - start
    header = f"machine: {machine()}; {args.seeds} seeds; wall {wall:.0f} s\n"
    print("\n" + header + "\n" + text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps({"machine": machine(), "rows": rows}))
    (RESULTS / f"{args.out}.md").write_text(header + "\n" + text + "\n")


if __name__ == "__main__":
    main()
