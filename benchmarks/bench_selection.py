"""Label-free model selection: what ``GridSearchCV`` picks with the estimator's own
``score`` (the denoising score-matching criterion), against the Hyvärinen score, the
reconstruction error and the default.

    python benchmarks/bench_selection.py [--seeds 1] [--cv 3] [--settings unsupervised]
                                         [--datasets 4_breastw ...]

For each dataset of ``bench_anomaly.py`` (24 classical ADBench datasets, the given
settings), ``GridSearchCV(UntiedAutoEncoder(random_state=seed), GRID, cv=cv)`` on the
training part, without labels, with the default ``score``, with
``scoring=sk_consae.metrics.hyvarinen_score`` and with
``scoring=sk_consae.metrics.reconstruction_score``; every model of the grid is also
fit on the whole training part and scored on the test part, so the table shows the
test ROC AUC of the default model (which is in the grid), of each pick, and of the best
model in the grid (chosen *with* the test labels: a ceiling, not a method).
"""

import argparse
import json
import time

import numpy as np
import pandas as pd
from _harness import CHOICE_HALF, RESULTS, machine
from bench_anomaly import SPLITS, datasets, load, sign_test
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, ParameterGrid

from sk_consae import UntiedAutoEncoder
from sk_consae.metrics import hyvarinen_score, reconstruction_score

GRID = {
    "noise": [0.0, 0.05, "auto"],
    "n_components": [16, 100],
    "activation": ["relu", "sigmoid"],
}
DEFAULT = {"noise": "auto", "n_components": 100, "activation": "relu"}


def own_score(estimator, X, y=None):
    return estimator.score(X)


def select(X_train, X_test, y_test, seed, cv):
    search = GridSearchCV(
        UntiedAutoEncoder(random_state=seed),
        GRID,
        scoring={
            "score": own_score,
            "hyvarinen": hyvarinen_score,
            "reconstruction": reconstruction_score,
        },
        refit=False,
        cv=cv,
    ).fit(X_train)
    results = search.cv_results_
    configurations = list(ParameterGrid(GRID))
    assert [dict(p) for p in results["params"]] == configurations
    test_auc = [
        roc_auc_score(
            y_test,
            -UntiedAutoEncoder(random_state=seed, **params).fit(X_train).score_samples(X_test),
        )
        for params in configurations
    ]
    by_score = int(np.argmax(results["mean_test_score"]))
    by_hyvarinen = int(np.argmax(results["mean_test_hyvarinen"]))
    by_reconstruction = int(np.argmax(results["mean_test_reconstruction"]))
    return {
        "default": test_auc[configurations.index(DEFAULT)],
        "chosen by score": test_auc[by_score],
        "chosen by hyvarinen_score": test_auc[by_hyvarinen],
        "chosen by reconstruction_score": test_auc[by_reconstruction],
        "best in grid": max(test_auc),
        "choice": configurations[by_score],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--cv", type=int, default=3)
    parser.add_argument("--settings", nargs="*", default=["unsupervised"], choices=list(SPLITS))
    parser.add_argument("--datasets", nargs="*", help="dataset names (default: all 24)")
    args = parser.parse_args()
    rows = []
    start = time.perf_counter()
    for seed in range(args.seeds):
        for setting in args.settings:
            for name, path in datasets(args.datasets, embeddings=False).items():
                began = time.perf_counter()
                X_train, X_test, y_test = SPLITS[setting](*load(path), seed)
                result = select(X_train, X_test, y_test, seed, args.cv)
                result.update(setting=setting, dataset=name, seed=seed)
                result["seconds"] = time.perf_counter() - began
                rows.append(result)
                print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in result.items()})
    frame = pd.DataFrame(rows)
    columns = [
        "default",
        "chosen by score",
        "chosen by hyvarinen_score",
        "chosen by reconstruction_score",
        "best in grid",
    ]
    lines = []
    for setting, part in frame.groupby("setting"):
        per_dataset = part.groupby("dataset")[columns].mean()
        for half, names in (("choice half", CHOICE_HALF), ("report half", None), ("all", "all")):
            if names == "all":
                table = per_dataset
            elif names is None:
                table = per_dataset.drop(index=list(CHOICE_HALF), errors="ignore")
            else:
                table = per_dataset.loc[per_dataset.index.isin(names)]
            diff = table["chosen by score"] - table["default"]
            wins, losses = int((diff > 0).sum()), int((diff < 0).sum())
            lines.append(
                f"{setting}, {half} ({len(table)} datasets): "
                + ", ".join(f"{c} {table[c].mean():.3f}" for c in columns)
                + f"; chosen by score vs default {wins}/{losses} (sign test p = "
                f"{sign_test(wins, losses):.3f})"
            )
        lines += ["", per_dataset.round(3).to_markdown(), ""]
    choices = frame["choice"].map(lambda p: ", ".join(f"{k}={v}" for k, v in p.items()))
    lines += ["Models chosen by score:", "", choices.value_counts().to_markdown(), ""]
    text = "\n".join(lines)
    header = f"machine: {machine()}; cv={args.cv}; wall {time.perf_counter() - start:.0f} s\n"
    print("\n" + header + "\n" + text)
    RESULTS.mkdir(exist_ok=True)
    payload = {"machine": machine(), "rows": rows}
    (RESULTS / "selection.json").write_text(json.dumps(payload, default=str))
    (RESULTS / "selection.md").write_text(header + "\n" + text + "\n")


if __name__ == "__main__":
    main()
