"""Every benchmark in this folder, one after another, each alone on the machine.

    python run_all.py            # each script with its defaults: hours on 2 cores
    python run_all.py --quick    # small sizes: checks that every script runs (minutes)
    python run_all.py --only bench_small bench_scale

The figures in README.md come from full runs; a quick run's are not comparable. Scripts
that need ADBench (``$SK_CONSAE_ADBENCH``, by default ``../../shared/data/adbench``) are
skipped, with a note, when it is absent; MNIST-based ones fall back to noise of MNIST's
shape (``_harness.mnist_like``).
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench_anomaly import ADBENCH

HERE = Path(__file__).resolve().parent

# script: (arguments of the full run, arguments of the quick run)
BENCHMARKS = {
    "bench_small.py": ([], ["--repeat", "1"]),
    "bench_fit.py": ([], ["--epochs", "1", "--n", "2000", "--rounds", "1"]),
    "bench_inference.py": ([], ["--n", "5000", "--memory-rows", "20000"]),
    "bench_jacobian.py": ([], ["--n", "50"]),
    "bench_deep.py": ([], ["--epochs", "1", "--n", "2000", "--rounds", "1"]),
    "bench_scale.py": (["--plot", "scale.png"], ["--max-rows", "10000"]),
    "bench_out_of_core.py": ([], ["--rows", "200000", "--block", "50000"]),
    "bench_any_field.py": ([], ["--rows", "200", "--width", "16"]),
    "bench_density.py": (
        [],
        [
            "--seeds",
            "1",
            "--n-train",
            "300",
            "--n-eval",
            "300",
            "--methods",
            "()",
            "kNN",
            "Kernel",
            "BIC",
        ],
    ),
    "bench_anomaly.py": ([], ["--seeds", "1", "--datasets", "digits", "--out", "quick"]),
    "bench_selection.py": ([], ["--cv", "2", "--datasets", "4_breastw"]),
}
NEEDS_ADBENCH = {"bench_selection.py"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", help="script names, with or without .py")
    args = parser.parse_args()
    wanted = {name.removesuffix(".py") + ".py" for name in args.only or BENCHMARKS}
    unknown = wanted - set(BENCHMARKS)
    if unknown:
        raise SystemExit(f"unknown benchmarks {sorted(unknown)}; have {sorted(BENCHMARKS)}")
    failed = []
    for script, (full, quick) in BENCHMARKS.items():
        if script not in wanted:
            continue
        if script in NEEDS_ADBENCH and not any(ADBENCH.glob("*.npz")):
            print(f"== {script}: skipped, no ADBench data in {ADBENCH}", flush=True)
            continue
        command = [sys.executable, script, *(quick if args.quick else full)]
        print(f"== {' '.join(command[1:])}", flush=True)
        start = time.perf_counter()
        done = subprocess.run(command, cwd=HERE)
        print(
            f"== {script}: exit {done.returncode}, {time.perf_counter() - start:.0f} s", flush=True
        )
        if done.returncode:
            failed.append(script)
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
