"""The one way from what a user passes to a :class:`~sk_consae._maths.field.Field`.

Every public function that measures a field takes a fitted sk_consae estimator (or a
Pipeline ending in one), a ``torch.nn.Module``, a torch callable, or a NumPy callable,
and asks :func:`field_of` for it: the first three become Fields that compute with
autograd or in closed form; a NumPy callable is returned as such, for finite
differences.
"""

import numpy as np
import torch
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._base import _BaseFieldModel, callable_output, final_step, map_field_rows
from ._maths.function_field import FunctionField

__all__ = ["fitted_model", "fitted_field", "field_of", "field_values", "call_numpy_field"]

# A user's function is tried on at most this many rows first, so that a wrong output
# (type, shape, device, NaN) is named before any long computation.
_TRIAL_ROWS = 8


def fitted_field(estimator, X=None):
    """``(field, X)``: a fitted estimator's field in float64 on the CPU, and X validated
    for it (a Pipeline's steps before it transform X first); X may be None."""
    final, X = fitted_model(estimator, X)
    return final._field(torch.float64, "cpu"), X


def fitted_model(estimator, X=None):
    """``(final, X)``: the fitted sk_consae estimator at the end of ``estimator``
    (itself or a Pipeline's last step), and X validated for it."""
    steps_before, final = final_step(estimator)
    if steps_before is not None and X is not None:
        X = steps_before.transform(X)
    if not isinstance(final, _BaseFieldModel):
        raise TypeError(
            "Expected a fitted sk_consae estimator (or a Pipeline ending in one), a "
            f"torch.nn.Module or a callable; got {type(final).__name__}."
        )
    check_is_fitted(final)
    if X is not None:
        X = validate_data(final, X, dtype=np.float64, reset=False)
    return final, X


def field_of(field, X, device=None):
    """``(Field or None, X)`` for any field a public function accepts.

    Parameters
    ----------
    field : estimator, Pipeline, torch.nn.Module or callable
        A callable that returns a tensor when given one is a torch field; one that
        returns anything else is a NumPy field (None is returned for it, with X as a
        float64 array, for finite differences).
    X : array-like of shape (n_samples, n_features)
    device : str or torch.device, optional
        Where a callable without parameters computes (the CPU by default); a
        module's parameters decide for it, and naming another device is an error.
    """
    if isinstance(field, _BaseFieldModel) or final_step(field)[0] is not None:
        return fitted_field(field, X)
    if not callable(field):
        raise TypeError(
            "field must be a fitted sk_consae estimator (or a Pipeline ending in one), a "
            f"torch.nn.Module or a callable; got {type(field).__name__}."
        )
    X = check_array(X, dtype=np.float64, input_name="X")
    dtype, device = _placement(field, device)
    if dtype is None:
        dtype = torch.float64
    function = _first_output(field)
    trial = torch.as_tensor(X[:_TRIAL_ROWS], dtype=dtype, device=device)
    with torch.no_grad():
        values = function(trial)
    if not isinstance(values, torch.Tensor):
        if isinstance(field, torch.nn.Module):
            raise TypeError(
                f"The module returned {type(values).__name__}, not a tensor; a torch "
                "field must return a tensor of the points' shape."
            )
        return None, X  # a NumPy field
    if values.shape != trial.shape:
        raise ValueError(
            f"The field returned shape {tuple(values.shape)} for points of shape "
            f"{tuple(trial.shape)}; it must map (n, D) to (n, D)."
        )
    if values.device != trial.device:
        raise ValueError(
            f"The field returned values on {values.device} for points on {trial.device}."
        )
    if not torch.isfinite(values).all():
        raise ValueError("The field returned NaN or infinite values.")
    return FunctionField(function, X.shape[1], dtype, device), X


def _placement(field, device):
    """``(dtype, device)`` of a module's first floating parameter or buffer (dtype
    None for a callable), checked against the ``device`` asked for."""
    asked = None if device is None else torch.device(device)
    tensors = []
    if isinstance(field, torch.nn.Module):
        tensors = [t for t in (*field.parameters(), *field.buffers()) if t.is_floating_point()]
    if not tensors:
        return None, asked or torch.device("cpu")
    own = tensors[0].device
    if own.type not in ("cpu", "cuda"):
        raise ValueError(
            f"The module's parameters are on {own}; move it to 'cpu' or 'cuda' first "
            "(module.to(device))."
        )
    if (
        asked is not None
        and asked != own
        and not (asked.type == own.type == "cuda" and asked.index is None)
    ):
        raise ValueError(
            f"device={device!r} was asked, but the module's parameters are on {own}; "
            "move the module (module.to(device)) or leave device unset."
        )
    return tensors[0].dtype, own


def _first_output(field):
    """The function of points: a module or callable returning a tuple (an output and
    extras, as many modules do) is read as its first element."""

    def function(points):
        values = field(points)
        return values[0] if isinstance(values, (tuple, list)) else values

    return function


def field_values(field, X, device=None):
    """The values (n, D) of any field at the points X, as a float64 array, evaluated in
    bounded chunks on the field's device."""
    measured, X = field_of(field, X, device)
    if measured is None:
        return call_numpy_field(field, X)
    values = map_field_rows(lambda f, chunk: f.vector_field(chunk), measured, X, (X.shape[1],))
    if not np.isfinite(values).all():
        raise ValueError("The field returned NaN or infinite values at some rows of X.")
    return values


def call_numpy_field(field, X):
    """A NumPy field's values at the points X, checked: a float64 array of X's shape."""
    V = callable_output(field(X), "field")
    if V.shape != X.shape:
        raise ValueError(
            f"field returned shape {V.shape} for X of shape {X.shape}; "
            "it must return one vector per row of X."
        )
    if not np.isfinite(V).all():
        raise ValueError("field returned NaN or infinite values.")
    return V
