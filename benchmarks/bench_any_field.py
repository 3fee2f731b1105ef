"""Symmetricity of a user's own torch field: exact against Hutchinson.

    python benchmarks/bench_any_field.py [--rows 10000] [--device cuda]

The field is an MLP 784 -> width -> 784 (tanh), float32, as a score or denoising
network on MNIST-sized inputs would be; its Jacobian is not symmetric.
``sk_consae.metrics.jacobian_symmetricity(module, X)`` measures it exactly (2 x 784
Jacobian-vector products per row) and with Hutchinson's estimate from 16 and 64
Rademacher probes per row (``n_probes``). Each configuration runs in a fresh process,
which reports its time, the symmetricity, and its peak memory above the model and data
(``ru_maxrss`` on the CPU, ``torch.cuda.max_memory_allocated`` on a GPU). The error of
an estimate is its distance to the exact value; the standard error is that of the
mean over rows, from ``jacobian_norms``' per-row standard errors.
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import torch
from _harness import RESULTS, machine

from sk_consae.metrics import jacobian_norms, jacobian_symmetricity

PROBES = (None, 16, 64)


def field(width, device):
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(784, width), torch.nn.Tanh(), torch.nn.Linear(width, 784)
    ).to(device)


def run_one(n_probes, rows, width, device):
    X = np.random.default_rng(0).random((rows, 784), dtype=np.float32)
    module = field(width, device)
    jacobian_symmetricity(module, X[:8], n_probes=n_probes, random_state=0)  # warm up
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    value = jacobian_symmetricity(module, X, n_probes=n_probes, random_state=0)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    if device.startswith("cuda"):
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    standard_error = None
    if n_probes is not None:  # the spread of Hutchinson's norms, on 1,000 rows
        norms = jacobian_norms(module, X[:1000], n_probes=n_probes, random_state=0)
        standard_error = float(np.mean(norms.frobenius_sq_se / norms.frobenius_sq))
    return {
        "n_probes": n_probes,
        "rows": rows,
        "seconds": seconds,
        "symmetricity": value,
        "peak_mb": peak,
        "relative_se_frobenius": standard_error,
        "device": device,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        n_probes = None if args.one == "exact" else int(args.one)
        print(json.dumps(run_one(n_probes, args.rows, args.width, args.device)))
        return
    rows = []
    for n_probes in PROBES:
        command = [
            sys.executable,
            __file__,
            "--one",
            "exact" if n_probes is None else str(n_probes),
        ]
        command += ["--rows", str(args.rows), "--width", str(args.width), "--device", args.device]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    exact = rows[0]["symmetricity"]
    print(f"MLP 784 -> {args.width} -> 784, {args.rows:,} rows, {args.device}")
    for row in rows:
        name = "exact" if row["n_probes"] is None else f"Hutchinson, {row['n_probes']} probes"
        error = abs(row["symmetricity"] - exact)
        spread = row["relative_se_frobenius"]
        print(
            f"{name:24s} {row['seconds']:8.2f} s  symmetricity {row['symmetricity']:.5f}  "
            f"error {error:.1e}  peak {row['peak_mb']:7.0f} MB"
            + ("" if spread is None else f"  per-row s.e. of |J|_F^2 {100 * spread:.1f}%")
        )
    print(f"machine: {machine()}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"any_field_{args.device.replace(':', '')}.json").write_text(
        json.dumps({"machine": machine(), "rows": rows}, indent=1)
    )


if __name__ == "__main__":
    main()
