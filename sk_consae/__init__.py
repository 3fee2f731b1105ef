"""Conservative auto-encoders as scikit-learn estimators.

An auto-encoder :math:`r` defines the vector field :math:`r(x) - x`. When that field
is conservative it is the gradient of an energy :math:`F`, an unnormalised
log-density that scores samples; the symmetry of the Jacobian measures how
conservative a model is (Im, Belghazi and Memisevic, AAAI 2016).
"""

from ._autoencoder import UntiedAutoEncoder
from ._contractive import ContractiveAutoEncoder
from ._extractor import ConservativeFieldExtractor

__version__ = "0.3.0.dev0"

__all__ = [
    "UntiedAutoEncoder",
    "ContractiveAutoEncoder",
    "ConservativeFieldExtractor",
    "__version__",
]
