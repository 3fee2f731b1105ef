"""The paper's experiments and the reproduction report.

Im, Belghazi and Memisevic, "Conservativeness of untied auto-encoders", AAAI 2016:
Table 1 and Fig. 2 (Jacobian symmetricity of AEs and CAEs), Fig. 3 (curl of untied
auto-encoders on 2-D toys), Fig. 4 (the conservative part of the spiral sink) and
Table 2 (Algorithm 1), and a section the paper does not have: Table 1 extended to deep
auto-encoders with the asymmetry penalty. :mod:`sk_consae.paper.experiments` holds
them as functions that return numbers; :func:`run` runs them, draws the figures and
writes the report, as ``python -m sk_consae reproduce`` does. None of this is needed
to use the estimators.
"""

from .experiments import (
    PAPER_TABLE1,
    PAPER_TABLE2,
    conservative_recovery,
    depth_table,
    load_default_data,
    polynomial_gradient_projection,
    spiral_sink_extraction,
    symmetricity_table,
    toy_curl_training,
)
from .registry import EXPERIMENTS, Settings
from .reproduce import run

__all__ = [
    "PAPER_TABLE1",
    "PAPER_TABLE2",
    "EXPERIMENTS",
    "Settings",
    "run",
    "load_default_data",
    "symmetricity_table",
    "depth_table",
    "toy_curl_training",
    "polynomial_gradient_projection",
    "spiral_sink_extraction",
    "conservative_recovery",
]
