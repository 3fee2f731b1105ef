"""Shared test helpers: random one-hidden-layer fields in float64, data paths."""

from pathlib import Path

import torch
from hypothesis import strategies as st

from sk_consae import ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae._maths.activations import ACTIVATIONS, get_activation
from sk_consae._maths.one_layer import OneLayerField

ACTIVATION_NAMES = sorted(ACTIVATIONS)
TYINGS = ("untied", "tied", "scaled")
AUTOENCODERS = [UntiedAutoEncoder, ContractiveAutoEncoder]
# The auto-encoders' public methods that take samples.
AE_METHODS = [
    "transform",
    "score_samples",
    "decision_function",
    "predict",
    "vector_field",
    "jacobian",
    "reconstruct",
    "score",
]

# (seed, D inputs, H hidden units, n samples) for property tests on random fields.
field_shapes = st.tuples(
    st.integers(0, 2**31 - 1), st.integers(1, 6), st.integers(1, 8), st.integers(1, 5)
)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def random_field(seed, n_features, n_components, activation, tying, scale=1.0):
    """A float64 OneLayerField with normal weights of standard deviation ``scale``."""
    g = torch.Generator().manual_seed(seed)

    def normal(*shape):
        return scale * torch.randn(shape, generator=g, dtype=torch.float64)

    W, b, c = normal(n_features, n_components), normal(n_components), normal(n_features)
    if tying == "untied":
        R, s = normal(n_features, n_components), None
    elif tying == "tied":
        R, s = W, torch.ones(n_components, dtype=torch.float64)
    else:
        s = normal(n_components)
        R = W * s
    return OneLayerField(W, b, R, c, get_activation(activation), s, tying == "tied")


def random_points(seed, n, n_features, scale=1.0):
    g = torch.Generator().manual_seed(seed + 1)
    return scale * torch.randn(n, n_features, generator=g, dtype=torch.float64)


def autograd_jacobians(field, X):
    """Jacobians of the reconstruction by autograd, one (D, D) matrix per row of X."""

    return torch.stack(
        [torch.autograd.functional.jacobian(lambda x: field.reconstruct(x[None])[0], x) for x in X]
    )
