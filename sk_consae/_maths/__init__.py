"""Pure maths of auto-encoder fields: tensors in, tensors out.

Nothing here imports torch modules, skorch or estimators. :mod:`.field` is the
interface every family implements; each family has its own module and is listed in
:data:`.field.FAMILIES` here.
"""

from .deep import DeepField
from .field import FAMILIES, Field, field_from_parameters
from .one_layer import OneLayerField

FAMILIES.extend([DeepField, OneLayerField])

__all__ = ["Field", "OneLayerField", "DeepField", "field_from_parameters"]
