"""Study for a label-free model-selection score (not part of the package): does the
Hyvarinen score with a fitted temperature pick better models than the reconstruction
error?

F's gradient is v = r - x and its Laplacian tr(J_r) - D (the package's
``hyvarinen_terms``, closed form for one layer). For log p = F / T the Hyvarinen score is
H(T) = a / T^2 + b / T with a = mean ||v||^2 / 2, b = mean(tr J_r - D); its minimum over
T > 0 (when b < 0) is at T* = -2a / b, with H* = -b^2 / (4a): free of the energy's
constant and scale. score = b^2 / (4a) (higher = better; -inf when b >= 0).
Protocol: bench_anomaly's ADBench split (seed 0); 2-fold CV on the training part;
the grid is noise x n_components (10 models; 8 without noise=0 for the denoising
temperature), ReLU units.

    cd benchmarks && python study_score.py [--temperature fitted|noise]
"""

import time

import numpy as np
import torch
from bench_anomaly import datasets, load, unsupervised_split
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold

from sk_consae import UntiedAutoEncoder
from sk_consae._maths import field_from_parameters
from sk_consae._maths.score_matching import hyvarinen_terms

NOISES = (0.0, 0.01, 0.05, 0.2, "auto")


def hyvarinen(model, X, temperature="fitted"):
    """Minus the Hyvarinen score of log p = F / T: T fitted on X ("fitted"), or the
    denoising temperature T = noise_^2 ("noise")."""
    field = field_from_parameters(model.field_parameters_)
    a, b = hyvarinen_terms(field, torch.as_tensor(X, dtype=torch.float64)).mean(0).tolist()
    if temperature == "noise":
        T = model.noise_**2
        return -(a / T**2 + b / T)
    return b * b / (4 * a) if b < 0 and a > 0 else -np.inf


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--temperature", choices=("fitted", "noise"), default="fitted")
    args = parser.parse_args()
    # A denoising temperature needs noise > 0: the grid then leaves out noise=0.
    noises = NOISES if args.temperature == "fitted" else NOISES[1:]
    grid = [{"noise": noise, "n_components": h} for noise in noises for h in (16, 100)]
    paths = datasets(embeddings=False)
    out = []
    for name, path in paths.items():
        t = time.perf_counter()
        X_train, X_test, y_test = unsupervised_split(*load(path), 0)
        X_train = X_train.astype(np.float64)
        cv = {"hyv": [], "rec": []}
        test_auc = []
        for params in grid:
            hyv, rec = [], []
            for fit_rows, val_rows in KFold(2, shuffle=True, random_state=0).split(X_train):
                m = UntiedAutoEncoder(random_state=0, **params).fit(X_train[fit_rows])
                hyv.append(hyvarinen(m, X_train[val_rows], args.temperature))
                rec.append(m.score(X_train[val_rows]))
            cv["hyv"].append(np.mean(hyv))
            cv["rec"].append(np.mean(rec))
            full = UntiedAutoEncoder(random_state=0, **params).fit(X_train)
            test_auc.append(roc_auc_score(y_test, -full.score_samples(X_test)))
        default = UntiedAutoEncoder(random_state=0).fit(X_train)
        row = {
            "dataset": name,
            "default": roc_auc_score(y_test, -default.score_samples(X_test)),
            "by_hyvarinen": test_auc[int(np.argmax(cv["hyv"]))],
            "by_reconstruction": test_auc[int(np.argmax(cv["rec"]))],
            "best": max(test_auc),
            "chosen_hyv": grid[int(np.argmax(cv["hyv"]))],
            "seconds": time.perf_counter() - t,
        }
        out.append(row)
        print(row, flush=True)
    keys = ("default", "by_hyvarinen", "by_reconstruction", "best")
    print({k: round(float(np.mean([r[k] for r in out])), 4) for k in keys})
    wins = sum(r["by_hyvarinen"] > r["default"] for r in out)
    losses = sum(r["by_hyvarinen"] < r["default"] for r in out)
    print(f"hyvarinen vs default: {wins} wins, {losses} losses of {len(out)}")


if __name__ == "__main__":
    main()
