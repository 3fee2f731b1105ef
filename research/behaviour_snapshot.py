"""Fixed-seed outputs of the public API, saved to compare two trees of the package.

A refactoring that changes no behaviour leaves every array equal to 1e-10 (float64
inference). Run it on each tree and compare::

    python research/behaviour_snapshot.py before.npz
    python research/behaviour_snapshot.py after.npz --compare before.npz
"""

import argparse
import warnings

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_consae import ConservativeFieldExtractor, ContractiveAutoEncoder, UntiedAutoEncoder, metrics

MODELS = {
    "default": lambda: UntiedAutoEncoder(16, max_epochs=4, random_state=0),
    "sigmoid_tied": lambda: UntiedAutoEncoder(
        12, activation="sigmoid", weight_tying="tied", max_epochs=3, random_state=1
    ),
    "scaled_noise": lambda: UntiedAutoEncoder(
        12, weight_tying="scaled", noise=0.2, max_epochs=3, random_state=2
    ),
    "deep_tanh": lambda: UntiedAutoEncoder(
        8, hidden_layer_sizes=(10,), activation="tanh", max_epochs=3, random_state=3
    ),
    "deep_relu_tied": lambda: UntiedAutoEncoder(
        8, hidden_layer_sizes=(10,), weight_tying="tied", max_epochs=3, random_state=4
    ),
    "sgd_quadrature": lambda: UntiedAutoEncoder(
        10,
        optimizer="sgd",
        energy_quadrature=8,
        contamination="auto",
        max_epochs=3,
        random_state=5,
    ),
    "lbfgs": lambda: UntiedAutoEncoder(
        10, activation="softplus", optimizer="lbfgs", max_epochs=2, random_state=6
    ),
    "penalised": lambda: UntiedAutoEncoder(
        10,
        asymmetry_penalty=0.1,
        weight_length=1.0,
        max_epochs=3,
        random_state=7,
        validation_fraction=0.2,
    ),
    "contractive": lambda: ContractiveAutoEncoder(10, max_epochs=3, random_state=8),
    "contractive_jac": lambda: ContractiveAutoEncoder(
        10,
        contraction=0.3,
        contraction_target="encoder",
        activation="sigmoid",
        max_epochs=3,
        random_state=9,
    ),
}


def snapshot():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 5)) @ rng.standard_normal((5, 5))
    X_test = np.r_[rng.standard_normal((40, 5)), 6 * rng.standard_normal((10, 5))]
    weights = rng.integers(0, 3, size=X.shape[0]).astype(float)
    out = {}
    for name, make in MODELS.items():
        for weighted in (False, True):
            model = make().fit(X, sample_weight=weights if weighted else None)
            key = f"{name}{'_w' if weighted else ''}"
            out[f"{key}/loss"] = np.asarray(model.history_[:, "train_loss"])
            out[f"{key}/offset"] = np.array([model.offset_, model.temperature_, model.noise_])
            out[f"{key}/score_samples"] = model.score_samples(X_test)
            out[f"{key}/score"] = np.array([model.score(X_test)])
            if weighted:
                continue
            out[f"{key}/transform"] = model.transform(X_test)
            out[f"{key}/reconstruct"] = model.reconstruct(X_test)
            out[f"{key}/contributions"] = model.energy_contributions(X_test[:10])
            out[f"{key}/symmetricity"] = np.array([metrics.jacobian_symmetricity(model, X_test)])
            out[f"{key}/norms"] = np.concatenate(
                [np.ravel(v) for v in metrics.jacobian_norms(model, X_test).values()]
            )
            out[f"{key}/curl"] = np.asarray(metrics.curl(model, X_test[:5]))
            stream = make()
            for chunk in np.array_split(X, 3):
                stream.partial_fit(chunk)
            out[f"{key}/stream"] = stream.score_samples(X_test)
    pipe = make_pipeline(StandardScaler(), UntiedAutoEncoder(8, max_epochs=3, random_state=0))
    out["pipeline/score_samples"] = pipe.fit(X).score_samples(X_test)
    field = np.tanh(X @ rng.standard_normal((5, 5)))
    extractor = ConservativeFieldExtractor(max_epochs=3, random_state=0).fit(X, field)
    out["extractor/decompose"] = np.concatenate(
        extractor.decompose(X_test, np.tanh(X_test)), axis=None
    )
    out["extractor/score"] = np.array([extractor.score(X, field)])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--compare")
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = snapshot()
    values = {key: np.asarray(value, dtype=float) for key, value in values.items()}
    np.savez(args.path, **values)
    if args.compare:
        before = np.load(args.compare)
        worst = 0.0
        for key in before.files:
            diff = np.max(np.abs(np.asarray(values[key], float) - before[key]), initial=0.0)
            worst = max(worst, diff)
            if diff > 1e-10:
                print(f"DIFFERS {key}: {diff:.3g}")
        print(f"{len(before.files)} arrays compared, largest difference {worst:.3g}")


if __name__ == "__main__":
    main()
