"""Pure maths of one-hidden-layer auto-encoder fields: tensors in, tensors out.

Nothing here imports torch modules, skorch or estimators.
"""
