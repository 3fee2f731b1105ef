"""Closed-form Jacobian symmetricity against autograd Jacobians.

    python benchmarks/bench_jacobian.py [--n 10000]

``jacobian_symmetricity`` (two H x H forms, O(D H^2) + O(H^2) per sample) against
``torch.func.vmap(torch.func.jacrev(r))`` followed by the dense symmetricity of every
D x D Jacobian, both in float64 on the same model (784 inputs, 500 hidden units,
trained for one epoch) and the same images; the dense baseline runs in chunks of 250
images to bound its memory (a 784 x 784 float64 Jacobian is 4.9 MB).
"""

import argparse
import time

import numpy as np
import torch
from _harness import mnist_like, report

from sk_consae import UntiedAutoEncoder
from sk_consae.metrics import jacobian_symmetricity


def dense_baseline(model, X, chunk=250):
    """Mean of ||(J + J^T) / 2||_F / ||J||_F over dense autograd Jacobians of
    r(x) = R h(W^T x + b) + c, built from the public ``field_parameters_`` (ReLU units
    saturating at ``unit_caps``)."""
    p = {
        k: torch.as_tensor(v, dtype=torch.float64)
        for k, v in model.field_parameters_.items()
        if k in ("encoder_weight", "encoder_bias", "decoder_weight", "decoder_bias", "unit_caps")
    }

    def r(x):
        hidden = torch.clamp(x @ p["encoder_weight"] + p["encoder_bias"], min=0)
        hidden = torch.minimum(hidden, p["unit_caps"])
        return p["decoder_weight"] @ hidden + p["decoder_bias"]

    jacobians = torch.func.vmap(torch.func.jacrev(r))
    values = []
    for start in range(0, len(X), chunk):
        J = jacobians(torch.as_tensor(X[start : start + chunk], dtype=torch.float64))
        symmetric = (J + J.transpose(1, 2)) / 2
        values.append(torch.linalg.norm(symmetric, dim=(1, 2)) / torch.linalg.norm(J, dim=(1, 2)))
    return float(torch.cat(values).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10000)
    args = parser.parse_args()
    X, data = mnist_like(args.n)
    model = UntiedAutoEncoder(500, max_epochs=1, random_state=0).fit(X)

    start = time.perf_counter()
    closed = jacobian_symmetricity(model, X)
    closed_time = time.perf_counter() - start
    start = time.perf_counter()
    dense = dense_baseline(model, X)
    dense_time = time.perf_counter() - start
    report(
        "jacobian",
        [
            ("data", data),
            ("closed-form jacobian_symmetricity, s", closed_time),
            ("vmap(jacrev) + dense symmetricity, s", dense_time),
            ("speed-up (target >= 100)", dense_time / closed_time),
            ("mean symmetricity, closed form", closed),
            ("mean symmetricity, dense", dense),
            ("absolute difference (target <= 1e-5)", abs(closed - dense)),
        ],
    )
    assert np.isclose(closed, dense, rtol=0, atol=1e-5)


if __name__ == "__main__":
    main()
