"""Saving fitted estimators: a weights-only file that runs no code when loaded.

Three ways to keep a fitted model, from most to least complete:

- :mod:`pickle` / :func:`joblib.dump`: everything, training state included; loading a
  pickle runs code from the file, so only load files you trust.
- ``skops.io.dump``: the same state; a fitted estimator holds only arrays, numbers,
  strings, lists and dicts, so ``skops.io.get_untrusted_types`` lists just the
  estimator's own class (plus the classes of any ``callbacks`` you gave it).
- :func:`save_weights` / :func:`load_weights`: a `safetensors
  <https://huggingface.co/docs/safetensors>`_ file of arrays and a JSON header; loading
  it runs no code at all. It keeps what inference needs (parameters, weights, fitted
  arrays and numbers) but not the optimiser's state, the history or callbacks:
  ``partial_fit`` and warm starts on a loaded model start a new optimiser.
"""

import json
from numbers import Integral, Real

import numpy as np

from ._base import _BaseFieldModel
from ._nn.state import net_weights, rebuild_net

__all__ = ["save_weights", "load_weights"]

_FORMAT = "sk_consae-weights-1"


def _safetensors():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            "weights-only files need safetensors, which is not installed: "
            'pip install "sk_consae[weights]"'
        ) from None
    return safetensors


def _estimator_classes():
    from . import ConservativeFieldExtractor, ContractiveAutoEncoder, UntiedAutoEncoder

    return {
        cls.__name__: cls
        for cls in (UntiedAutoEncoder, ContractiveAutoEncoder, ConservativeFieldExtractor)
    }


def _is_plain_number(value):
    return value is None or isinstance(value, (str, bool, Integral, Real))


def save_weights(estimator, path):
    """Write a fitted estimator's parameters, weights and fitted values to ``path``.

    Parameters
    ----------
    estimator : fitted UntiedAutoEncoder, ContractiveAutoEncoder or \
            ConservativeFieldExtractor
        The model to save; ``callbacks`` and a non-integer ``random_state`` are not
        saved (they become None).
    path : str or path-like
        The file to write (conventionally ``*.safetensors``).
    """
    from sklearn.utils.validation import check_is_fitted

    st = _safetensors()
    if not isinstance(estimator, _BaseFieldModel):
        raise TypeError(f"save_weights saves sk_consae estimators, got {type(estimator).__name__}.")
    check_is_fitted(estimator)
    params = estimator.get_params(deep=False)
    params["callbacks"] = None
    if not isinstance(params.get("random_state"), (Integral, type(None))):
        params["random_state"] = None
    params["device"] = str(params["device"])  # a torch.device becomes "cpu" / "cuda:N"
    arrays, scalars = {}, {}
    for key, value in vars(estimator).items():
        if key in params or key == "net_":
            continue
        if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
            arrays[f"fitted/{key}"] = np.ascontiguousarray(value)
        elif isinstance(value, np.ndarray):  # feature names
            scalars[key] = {"strings": [str(v) for v in value]}
        elif _is_plain_number(value):
            scalars[key] = value.item() if isinstance(value, np.generic) else value
    state = net_weights(estimator.net_)
    for name, array in state["module"].items():
        arrays[f"module/{name}"] = np.ascontiguousarray(array)
    header = {
        "format": _FORMAT,
        "class": type(estimator).__name__,
        "params": params,
        "fitted": scalars,
        "net": {key: value for key, value in state.items() if key != "module"},
    }
    st.numpy.save_file(arrays, str(path), metadata={"sk_consae": json.dumps(header)})


def load_weights(path):
    """Read a file written by :func:`save_weights`: a fitted estimator for inference.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_weights`.

    Returns
    -------
    estimator
        Of the saved class, with the saved parameters and fitted values; its
        ``history_`` is empty and its optimiser new.
    """
    st = _safetensors()
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as handle:
        metadata = handle.metadata() or {}
    if "sk_consae" not in metadata:
        raise ValueError(f"{path} is not a sk_consae weights file (no sk_consae header).")
    header = json.loads(metadata["sk_consae"])
    if header.get("format") != _FORMAT:
        raise ValueError(f"{path} has format {header.get('format')!r}, expected {_FORMAT!r}.")
    classes = _estimator_classes()
    if header["class"] not in classes:
        raise ValueError(f"{path} holds an unknown estimator class {header['class']!r}.")
    arrays = st.numpy.load_file(str(path))
    estimator = classes[header["class"]](**header["params"])
    for key, value in header["fitted"].items():
        if isinstance(value, dict) and "strings" in value:
            value = np.asarray(value["strings"], dtype=object)
        setattr(estimator, key, value)
    for name, array in arrays.items():
        if name.startswith("fitted/"):
            setattr(estimator, name.removeprefix("fitted/"), array)
    state = dict(header["net"])
    state["module"] = {
        name.removeprefix("module/"): array
        for name, array in arrays.items()
        if name.startswith("module/")
    }
    estimator.net_ = rebuild_net(state, None)
    return estimator
