"""Deprecated alias of :mod:`sk_consae.paper.reproduce` (moved in 0.2, removed in 0.3)."""

import warnings

from .paper.reproduce import *  # noqa: F403
from .paper.reproduce import __all__  # noqa: F401

warnings.warn(
    "sk_consae.reproduce moved to sk_consae.paper.reproduce in 0.2 and will be removed in 0.3; "
    "import from sk_consae.paper instead.",
    FutureWarning,
    stacklevel=2,
)
