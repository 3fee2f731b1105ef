"""Inference cost: untied energies against transform, and peak memory on 1e6 rows.

    python benchmarks/bench_inference.py [--n 100000] [--memory-rows 1000000]

Times ``score_samples`` of an untied model (exact per-unit line integral, and
16-node Gauss-Legendre) against ``transform`` on the same float32 data. Peak memory is
measured in a fresh process per method: its peak resident size after the call minus
its peak before it (which already holds the input).
"""

import argparse
import json
import resource
import subprocess
import sys

import numpy as np
from _harness import mnist_like, report, timed

from sk_consae import UntiedAutoEncoder

MEMORY_CHILD = """
import json, resource, sys
import numpy as np
from sk_consae import UntiedAutoEncoder
rows, method = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
model = UntiedAutoEncoder(500, max_epochs=1, random_state=0).fit(rng.random((2000, 784)))
X = rng.random((rows, 784), dtype=np.float32)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = getattr(model, method)(X)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_kb": before, "after_kb": after, "input": X.nbytes,
                  "output": out.nbytes}))
"""


def peak_memory(rows, method):
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, str(rows), method],
        check=True,
        capture_output=True,
        text=True,
    )
    numbers = json.loads(result.stdout.strip().splitlines()[-1])
    extra = (numbers["after_kb"] - numbers["before_kb"]) * 1024
    return extra, numbers["input"], numbers["output"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100000)
    parser.add_argument("--memory-rows", type=int, default=1000000)
    args = parser.parse_args()
    X, data = mnist_like(args.n)
    exact = UntiedAutoEncoder(500, max_epochs=1, random_state=0).fit(X[:10000])
    gauss = UntiedAutoEncoder(500, max_epochs=1, energy_quadrature=16, random_state=0)
    gauss.fit(X[:10000])

    transform = timed(lambda: exact.transform(X))
    energy_exact = timed(lambda: exact.score_samples(X))
    energy_gauss = timed(lambda: gauss.score_samples(X))
    rows = [
        ("data", data),
        ("transform, s", transform),
        ("score_samples, untied, exact line integral, s", energy_exact),
        ("ratio exact / transform", energy_exact / transform),
        ("score_samples, untied, 16 Gauss-Legendre nodes, s", energy_gauss),
        ("ratio 16 nodes / transform (target <= 1.2 x 16 = 19.2)", energy_gauss / transform),
    ]
    mb = 2**20
    for method in ("transform", "score_samples"):
        extra, input_bytes, output_bytes = peak_memory(args.memory_rows, method)
        rows += [
            (f"{method} on {args.memory_rows:,} x 784 float32: input, MB", input_bytes / mb),
            (f"{method}: output, MB", output_bytes / mb),
            (f"{method}: peak above the input, MB", extra / mb),
            (
                f"{method}: peak above input + output, MB (target <= 500)",
                (extra - output_bytes) / mb,
            ),
        ]
    rows.append(
        ("this process's peak RSS, MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    )
    report(
        "inference",
        rows,
        notes=[
            "Every Gauss-Legendre node's pre-activations interpolate u(x0) and u(x), so the "
            "quadrature costs the same two matrix products as the exact integral plus "
            "elementwise work per node.",
        ],
    )
    assert np.isfinite(exact.score_samples(X[:10])).all()


if __name__ == "__main__":
    main()
