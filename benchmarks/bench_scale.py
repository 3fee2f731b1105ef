"""Cost against the number of rows: fit and score times and peak memory.

    python benchmarks/bench_scale.py [--max-rows 10000000] [--plot scale.png]

For 10^4 to 10^7 rows of 20 features (and 10^6 x 784): the default
``UntiedAutoEncoder()``, ``IsolationForest()`` and, up to 10^5 rows (its exact
neighbour search grows as n^2), a kNN detector (mean distance to the 5 nearest training
rows, scikit-learn's ``NearestNeighbors``). Each (method, size) runs in a fresh
process, which reports its fit time, its score time on the same rows and its peak
resident memory above the data (``ru_maxrss`` after fit and score, less the resident
size once the libraries are loaded and the data exist). The data: standard normal rows,
float32, with 1% of rows shifted by 4 in every feature (the timings do not depend on
them).
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
from _harness import RESULTS, machine

SIZES = [(10**4, 20), (10**5, 20), (10**6, 20), (10**7, 20), (10**6, 784)]
KNN_MAX_ROWS = 10**5
METHODS = ("UntiedAutoEncoder()", "IsolationForest()", "kNN (5 neighbours)")


def data(n, d):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d), dtype=np.float32)
    X[: n // 100] += 4.0
    return X


def resident_mb():
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def run_one(method, n, d):
    """Fit and score one method on n x d rows in this process; a dict of figures."""
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import NearestNeighbors

    from sk_consae import UntiedAutoEncoder

    if method not in METHODS:
        raise SystemExit(f"unknown method {method!r}; one of {METHODS}")
    X = data(n, d)
    before = resident_mb()  # libraries loaded and data made: what the method adds
    if method == "UntiedAutoEncoder()":
        model = UntiedAutoEncoder(random_state=0)
        score = model.score_samples
    elif method == "IsolationForest()":
        model = IsolationForest(random_state=0)
        score = model.score_samples
    elif method == "kNN (5 neighbours)":
        model = NearestNeighbors(n_neighbors=5)

        def score(X):
            return -model.kneighbors(X)[0].mean(1)

    t = time.perf_counter()
    model.fit(X)
    fit = time.perf_counter() - t
    t = time.perf_counter()
    scores = score(X)
    scoring = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "method": method,
        "rows": n,
        "features": d,
        "fit_s": fit,
        "score_s": scoring,
        "total_s": fit + scoring,
        "peak_above_data_mb": peak - before,
        "data_mb": X.nbytes / 2**20,
        "finite": bool(np.isfinite(scores).all()),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-rows", type=int, default=10**7)
    parser.add_argument("--plot", default=None, help="write a log-log plot to this PNG")
    parser.add_argument("--one", nargs=3, metavar=("METHOD", "ROWS", "FEATURES"))
    args = parser.parse_args()
    if args.one:
        method, n, d = args.one
        print(json.dumps(run_one(method, int(n), int(d))))
        return
    rows = []
    for n, d in SIZES:
        if n > args.max_rows:
            continue
        methods = list(METHODS[:2])
        if n <= KNN_MAX_ROWS:
            methods.append("kNN (5 neighbours)")
        for method in methods:
            done = subprocess.run(
                [sys.executable, __file__, "--one", method, str(n), str(d)],
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(
                f"{method:22s} {n:>10,} x {d:<4d} fit {row['fit_s']:8.2f} s  score "
                f"{row['score_s']:7.2f} s  peak above data {row['peak_above_data_mb']:7.0f} MB",
                flush=True,
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1))
    print(f"machine: {machine()}")
    if args.plot:
        plot(rows, args.plot)


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    for method in dict.fromkeys(r["method"] for r in rows):
        wide = [r for r in rows if r["method"] == method and r["features"] == 20]
        ax.plot([r["rows"] for r in wide], [r["total_s"] for r in wide], marker="o", label=method)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rows (20 features)")
    ax.set_ylabel("fit + score, seconds")
    ax.set_title("Cost against the number of rows (2 cores)")
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend()
    fig.savefig(path, dpi=90)


if __name__ == "__main__":
    main()
