"""Study (issue 24): which label-free criterion picks good models, on the choice half?

The estimator's ``score`` is the Hyvärinen score of F / temperature_ at held-out rows;
on the density benchmark it picked models whose field is right at the rows and wrong
between them. Candidates, all computed on the same held-out folds from the same fitted
models (``bench_selection.GRID``, ``KFold(3)`` as GridSearchCV's default):

``hyvarinen``
    the current ``score``.
``dsm``
    minus the denoising score-matching objective of F / temperature_ at the reference
    noise sigma = ``resolve_noise("auto", X_valid)`` (the same for every model of a fold),
    Vincent (2011): E || v(x~) / T + (x~ - x) / sigma^2 ||^2 sigma^2 / 2, four noise draws
    per row (seed 0).
``dsm_scaled``
    the same at the best scale: the fraction B^2 / (A C) of the noise that the field,
    rescaled, removes (A = E|v(x~)|^2, B = E v(x~).(x~ - x), C = E|x~ - x|^2); free of
    temperature_.

Unsupervised protocol of bench_anomaly (seed 0), CHOICE_HALF only; and the 7
distributions of bench_density (Spearman with the true log-density on box points).

    cd benchmarks && python study_selection_criteria.py [--anomaly] [--density]
"""

import argparse
import json
import time

import numpy as np
import torch
from _harness import CHOICE_HALF, RESULTS
from bench_anomaly import SPLITS, datasets, load, sign_test
from bench_selection import DEFAULT, GRID
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold, ParameterGrid

from sk_consae import UntiedAutoEncoder
from sk_consae._maths.score_matching import denoising_terms
from sk_consae._outliers import resolve_noise

CRITERIA = ("hyvarinen", "dsm", "dsm_scaled")
DRAWS = 4


def criteria(model, X):
    X = np.asarray(X, dtype=np.float32)
    sigma = resolve_noise("auto", X)
    rows = np.repeat(X, DRAWS, axis=0)
    generator = torch.Generator().manual_seed(0)

    def terms(field, chunk):
        noise = torch.randn((1, *chunk.shape), generator=generator, dtype=chunk.dtype)
        return denoising_terms(field, chunk, sigma * noise)

    A, B, C = model._map_rows(terms, rows, (3,)).astype(np.float64).mean(0)
    T = model.temperature_
    dsm = -(sigma**2 * A / (2 * T**2) + B / T + C / (2 * sigma**2))
    scaled = B * B / (A * C) if B < 0 and A > 0 else 0.0
    return {"hyvarinen": model.score(X), "dsm": dsm, "dsm_scaled": scaled}


def cross_validated(params, X, seed):
    values = {c: [] for c in CRITERIA}
    for fit_rows, valid_rows in KFold(3).split(X):
        model = UntiedAutoEncoder(random_state=seed, **params).fit(X[fit_rows])
        for c, v in criteria(model, X[valid_rows]).items():
            values[c].append(v)
    return {c: float(np.mean(v)) for c, v in values.items()}


def picks(configurations, cv_values, quality):
    default = quality[configurations.index(DEFAULT)]
    out = {"default": default, "best in grid": max(quality)}
    for c in CRITERIA:
        chosen = int(np.nanargmax([v[c] for v in cv_values]))
        out[c] = quality[chosen]
        out[c + " choice"] = configurations[chosen]
    return out


def anomaly(seed=0):
    configurations = list(ParameterGrid(GRID))
    paths = {n: p for n, p in datasets(embeddings=False).items() if n in CHOICE_HALF}
    rows = []
    for name, path in paths.items():
        began = time.perf_counter()
        X_train, X_test, y_test = SPLITS["unsupervised"](*load(path), seed)
        cv_values, auc = [], []
        for params in configurations:
            cv_values.append(cross_validated(params, X_train, seed))
            model = UntiedAutoEncoder(random_state=seed, **params).fit(X_train)
            auc.append(roc_auc_score(y_test, -model.score_samples(X_test)))
        row = {"dataset": name, **picks(configurations, cv_values, auc)}
        row["seconds"] = time.perf_counter() - began
        rows.append(row)
        print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()})
    return rows


def density(seeds=(0, 1, 2)):
    """bench_density's samples and evaluation sets (2,000 each); quality is the
    Spearman correlation with the true log-density on held-out and box points together,
    the benchmark's "all" column."""
    from bench_density import distributions, evaluation_sets
    from sklearn.preprocessing import StandardScaler

    configurations = list(ParameterGrid(GRID))
    rows = []
    for seed in seeds:
        for name, law in distributions().items():
            rng = np.random.default_rng(1000 + seed)
            X = law.sample(2000, rng)
            sets = evaluation_sets(law, X, 2000, rng)
            points = np.vstack(list(sets.values()))
            truth = law.logpdf(points)
            scaler = StandardScaler().fit(X)
            Z, Z_points = scaler.transform(X), scaler.transform(points)
            cv_values, quality = [], []
            for params in configurations:
                cv_values.append(cross_validated(params, Z, seed))
                model = UntiedAutoEncoder(random_state=seed, **params).fit(Z)
                quality.append(spearmanr(model.score_samples(Z_points), truth).statistic)
            row = {"distribution": name, "seed": seed, **picks(configurations, cv_values, quality)}
            rows.append(row)
            print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()})
    return rows


def summary(rows, key):
    lines = []
    for c in CRITERIA:
        diff = np.array([r[c] - r["default"] for r in rows])
        wins, losses = int((diff > 0).sum()), int((diff < 0).sum())
        lines.append(
            f"{key}: {c} {np.mean([r[c] for r in rows]):.3f} vs default "
            f"{np.mean([r['default'] for r in rows]):.3f} ({wins}/{losses}, sign test p = "
            f"{sign_test(wins, losses):.3f}); best in grid "
            f"{np.mean([r['best in grid'] for r in rows]):.3f}"
        )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--anomaly", action="store_true")
    parser.add_argument("--density", action="store_true")
    args = parser.parse_args()
    out, lines = {}, []
    if args.density:
        out["density"] = density()
        lines += summary(out["density"], "density (Spearman, box)")
    if args.anomaly:
        out["anomaly"] = anomaly()
        lines += summary(out["anomaly"], "unsupervised choice half (ROC AUC)")
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "selection_criteria.json").write_text(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
