"""Small tabular data, on an idle machine and on a busy one.

    python benchmarks/bench_small.py [--repeat 3] [--anomaly]

1. ``UntiedAutoEncoder()`` with its defaults on 7,000 x 20 (fit + ``score_samples``)
   against a hand-written torch loop of the same steps (same model, initialisation,
   noise, optimiser, batch size, epochs and shuffling; energies by a 16-node line
   integral) at torch's default thread count and at one thread, and against
   ``IsolationForest()``; and the package forced through skorch's own per-batch epoch
   loop (what its fast path saves).
2. The same 30-epoch ``UntiedAutoEncoder`` fit and a 20-epoch
   ``ConservativeFieldExtractor`` fit on 8,000 3-D points, idle and with one competing
   CPU-bound process that this script starts and stops.
3. With ``--anomaly``: one seed of ``bench_anomaly.py`` for the default auto-encoder and
   IsolationForest, total fit + score time per method.

Times are medians over ``--repeat`` runs after one warm-up run; the package and the
hand loops run in turn, so that all see the same machine.
"""

import argparse
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
from _harness import glorot_untied, report
from sklearn.ensemble import IsolationForest
from skorch.callbacks import Callback

from sk_consae import ConservativeFieldExtractor, UntiedAutoEncoder

N, D = 7000, 20


def small_data():
    return np.random.default_rng(0).random((N, D), dtype=np.float32)


def median_time(fn, repeat):
    return median_times([fn], repeat)[0]


def median_times(fns, repeat):
    """Median wall time of each function, run in turn ``repeat`` times after one warm-up
    round, so that all of them see the same machine (shared hosts drift)."""
    for fn in fns:
        fn()  # warm-up: first-call allocations and lazy imports
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, column in zip(fns, times):
            start = time.perf_counter()
            fn()
            column.append(time.perf_counter() - start)
    return [statistics.median(column) for column in times]


def package_fit_score(X, callbacks=None):
    UntiedAutoEncoder(random_state=0, callbacks=callbacks).fit(X).score_samples(X)


def hand_fit_score(X, noise, batch=128, hidden=100, epochs=100):
    """What a user would write: Glorot-initialised untied relu auto-encoder, Adam, noisy
    inputs, then the energy of every row by a line integral from the data mean."""
    g = torch.Generator().manual_seed(0)
    W, b, R, c = glorot_untied(D, hidden, g)
    optimizer = torch.optim.Adam([W, b, R, c], lr=1e-3)
    data = torch.from_numpy(X)
    for _ in range(epochs):
        order = torch.randperm(N, generator=g)
        for i in range(0, N, batch):
            x = data[order[i : i + batch]]
            noisy = x + noise * torch.randn(x.shape, generator=g)
            optimizer.zero_grad()
            loss = ((torch.relu(noisy @ W + b) @ R.T + c - x) ** 2).sum() / x.shape[0]
            loss.backward()
            optimizer.step()
            loss.item()
    with torch.no_grad():
        nodes, weights = np.polynomial.legendre.leggauss(16)
        origin = data.mean(0)
        step = data - origin
        energy = torch.zeros(N)
        for t, w in zip((nodes + 1) / 2, weights / 2):
            point = origin + float(t) * step
            field = torch.relu(point @ W + b) @ R.T + c - point
            energy += float(w) * (field * step).sum(1)
    return energy


class single_thread:
    """torch on one thread for the duration of the block."""

    def __enter__(self):
        self.threads = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc):
        torch.set_num_threads(self.threads)


class competing_process:
    """One CPU-bound process (a pure Python loop) for the duration of the block."""

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(1.0)  # let it take its core

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()


class WatchesBatches(Callback):
    """A callback with a per-batch hook: the net then takes skorch's own epoch loop
    (every batch notifies the callbacks and writes history rows)."""

    def on_batch_end(self, net, **kwargs):
        pass


def extractor_data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (8000, 3))
    return X, np.stack([X[:, 1] * X[:, 2], X[:, 0] * X[:, 2], X[:, 0] * X[:, 1]], 1) + X


def anomaly_totals():
    from bench_anomaly import datasets, package_methods, peer_methods, run

    def methods(seed):
        return {
            "UntiedAutoEncoder()": package_methods(seed)["UntiedAutoEncoder()"],
            "IsolationForest": peer_methods(seed)["IsolationForest"],
        }

    rows = run(datasets(embeddings=False), methods, 1, ["unsupervised"], log=lambda line: None)
    totals = {}
    for row in rows:
        totals[row["method"]] = totals.get(row["method"], 0.0) + row["seconds"]
    return totals


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--anomaly", action="store_true")
    args = parser.parse_args()
    X = small_data()
    noise = UntiedAutoEncoder(max_epochs=1, random_state=0).fit(X).noise_

    def hand_one_thread():
        with single_thread():
            hand_fit_score(X, noise)

    def through_skorchs_loop():
        # skorch's own epoch loop, as when a callback has per-batch hooks: what the
        # package's fast epoch (sk_consae/_nn/seams.py) saves on small data.
        package_fit_score(X, callbacks=[WatchesBatches()])

    ours, hand, hand_one, skorch_loop = median_times(
        [
            lambda: package_fit_score(X),
            lambda: hand_fit_score(X, noise),
            hand_one_thread,
            through_skorchs_loop,
        ],
        args.repeat,
    )
    forest = median_time(
        lambda: IsolationForest(random_state=0).fit(X).score_samples(X), args.repeat
    )
    best_hand = min(hand, hand_one)
    rows = [
        ("UntiedAutoEncoder() fit + score, 7000 x 20 (s)", ours),
        (f"hand loop, {torch.get_num_threads()} threads (s)", hand),
        ("hand loop, 1 thread (s)", hand_one),
        ("ours / faster hand loop", ours / best_hand),
        ("ours through skorch's own epoch loop (s)", skorch_loop),
        ("that / faster hand loop", skorch_loop / best_hand),
        ("IsolationForest() fit + score (s)", forest),
        ("ours / IsolationForest", ours / forest),
    ]

    V_X, V = extractor_data()
    fits = {
        "UntiedAutoEncoder 30 epochs, 7000 x 20": lambda: UntiedAutoEncoder(
            max_epochs=30, random_state=0
        ).fit(X),
        "ConservativeFieldExtractor 20 epochs, 8000 x 3": lambda: ConservativeFieldExtractor(
            max_epochs=20, random_state=0
        ).fit(V_X, V),
    }
    for name, fit in fits.items():
        idle = median_time(fit, args.repeat)
        with competing_process():
            busy = median_time(fit, args.repeat)
        rows += [(f"{name}: idle (s)", idle), (f"{name}: busy (s)", busy)]
        rows.append((f"{name}: busy / idle", busy / idle))

    if args.anomaly:
        for method, seconds in anomaly_totals().items():
            rows.append((f"bench_anomaly, 1 seed, 12 datasets + digits: {method} (s)", seconds))
    report("small", rows, notes=[f"medians over {args.repeat} runs after a warm-up run"])


if __name__ == "__main__":
    main()
