"""Shared helpers for the benchmarks: the machine, the data, timing and reporting.

Every benchmark times the package against a baseline *in the same run* and prints the
ratio; nothing here asserts a time.
"""

import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent
MNIST = Path(os.environ.get("SK_CONSAE_MNIST", ROOT.parents[1] / "shared" / "data" / "mnist"))
RESULTS = ROOT / "results"


def feature_spread(X):
    """The root-mean-square spread of X's features, sqrt(mean of the column variances):
    the unit of the package's noise scales, as its docstrings state it."""
    return float(np.sqrt(np.mean(np.var(np.asarray(X, dtype=np.float64), axis=0))))


def scott_bandwidth(X):
    """``noise="auto"`` as documented: Scott's bandwidth n^(-1/(D+4)) times the RMS
    feature spread, for X of n rows and D features."""
    return len(X) ** (-1.0 / (X.shape[1] + 4)) * feature_spread(X)


def machine():
    """A one-line description of where the numbers come from."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (
        f"{cpu}, {os.cpu_count()} cores visible, torch {torch.__version__} with "
        f"{torch.get_num_threads()} threads, {gpu}, Python {platform.python_version()}"
    )


def mnist_like(n=60000):
    """MNIST training images in [0, 1] (float32) if available, else uniform noise of
    that shape. Returns (X, description)."""
    from sk_consae.datasets import load_mnist

    if MNIST.is_dir():
        X = load_mnist(MNIST).data
        reps = int(np.ceil(n / len(X)))
        return np.ascontiguousarray(np.tile(X, (reps, 1))[:n]), f"MNIST ({n:,} x 784)"
    rng = np.random.default_rng(0)
    return rng.random((n, 784), dtype=np.float32), f"uniform noise ({n:,} x 784)"


def glorot_untied(n_features, n_hidden, generator):
    """The package's initial untied model for hand-written baselines: Glorot-uniform W and
    R drawn in that order, zero biases; returns ``[W, b, R, c]`` requiring gradients."""
    bound = (6 / (n_features + n_hidden)) ** 0.5

    def glorot():
        return torch.empty(n_features, n_hidden).uniform_(-bound, bound, generator=generator)

    W, R = glorot().requires_grad_(), glorot().requires_grad_()
    b = torch.zeros(n_hidden, requires_grad=True)
    c = torch.zeros(n_features, requires_grad=True)
    return [W, b, R, c]


def timed(fn, repeat=3, warmup=1):
    """Median wall time of ``fn()`` over ``repeat`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def steady(durations):
    """Median epoch time without the first epoch (warm-up), when there is more than one."""
    return statistics.median(durations[1:] if len(durations) > 1 else durations)


def alternate(baseline_epochs, package_epochs, rounds):
    """Median steady epoch times of two trainings run in turn ``rounds`` times, so that
    both see the same machine (shared hosts drift by 10-20% within minutes)."""
    baseline, package = [], []
    for _ in range(rounds):
        baseline.append(steady(baseline_epochs()))
        package.append(steady(package_epochs()))
    return statistics.median(baseline), statistics.median(package)


def report(name, rows, notes=()):
    """Print a table of (label, value) rows and save them as JSON."""
    print(f"\n== {name}")
    print(f"   machine: {machine()}")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        print(f"   {label:<{width}}  {shown}")
    for note in notes:
        print(f"   note: {note}")
    RESULTS.mkdir(exist_ok=True)
    payload = {"machine": machine(), "rows": dict(rows), "notes": list(notes)}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2, default=str))


# The 24 classical ADBench datasets in two fixed halves, drawn once, before any study of
# defaults ran on them (2026-12-03: ``np.random.RandomState(2026).permutation`` of the
# sorted names, the first 12 indices). Defaults are chosen on CHOICE_HALF only;
# REPORT_HALF is reported untouched beside it.
CHOICE_HALF = (
    "17_InternetAds", "18_Ionosphere", "21_Lymphography", "23_mammography", "24_mnist",
    "27_PageBlocks", "35_SpamBase", "37_Stamps", "39_vertebral", "40_vowels", "44_Wilt",
    "8_celeba",
)  # fmt: skip
REPORT_HALF = (
    "11_donors", "12_fault", "16_http", "1_ALOI", "20_letter", "29_Pima", "32_shuttle",
    "33_skin", "45_wine", "4_breastw", "6_cardio", "7_Cardiotocography",
)  # fmt: skip
