"""Torch module and skorch training machinery behind the estimators."""
