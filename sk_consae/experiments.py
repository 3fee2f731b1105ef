"""Deprecated alias of :mod:`sk_consae.paper.experiments` (moved in 0.2, removed in 0.3)."""

import warnings

from .paper.experiments import *  # noqa: F403
from .paper.experiments import __all__  # noqa: F401

warnings.warn(
    "sk_consae.experiments moved to sk_consae.paper.experiments in 0.2 and will be removed in 0.3; "
    "import from sk_consae.paper instead.",
    FutureWarning,
    stacklevel=2,
)
