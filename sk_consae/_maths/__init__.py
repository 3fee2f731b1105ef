"""Pure maths of auto-encoder fields: tensors in, tensors out.

Nothing here imports torch modules, skorch or estimators. :mod:`.field` is the
interface every family implements; each family has its own module.
"""

from .deep import DeepField
from .field import Field
from .one_layer import OneLayerField

__all__ = ["Field", "OneLayerField", "DeepField"]
