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

import contextlib
import json
import os
import tempfile
from numbers import Integral, Real

import numpy as np

from ._base import _BaseFieldModel
from ._nn.state import net_weights

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

    The file is written next to ``path`` under a temporary name and then renamed, so a
    failed write (a full disk, a read-only folder) leaves no partial file at ``path``
    and an existing file there intact.

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
        elif isinstance(value, dict) and all(map(_is_plain_number, value.values())):
            scalars[key] = {"mapping": value}  # set_output's configuration
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
    content = st.numpy.save(arrays, metadata={"sk_consae": json.dumps(header)})
    _write_atomically(content, path)


def _write_atomically(content, path):
    """Write bytes to ``path`` through a temporary file in the same folder and a rename."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(
        prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder
    )
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes the file private (0600); give it the mode a plain open would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _read_header(path):
    """The sk_consae header of a weights file; errors name the file and the problem."""
    from safetensors import SafetensorError, safe_open

    if not os.path.isfile(path):
        raise FileNotFoundError(f"No weights file at {path!r}.")
    try:
        with safe_open(path, framework="np") as handle:
            metadata = handle.metadata() or {}
    except (SafetensorError, OSError, ValueError) as error:
        raise ValueError(
            f"{path!r} is not a readable safetensors file (empty, truncated, or another "
            f"format such as a pickle): {error}"
        ) from None
    if "sk_consae" not in metadata:
        raise ValueError(f"{path!r} is not a sk_consae weights file (no sk_consae header).")
    try:
        header = json.loads(metadata["sk_consae"])
    except json.JSONDecodeError as error:
        raise ValueError(f"{path!r} has a damaged sk_consae header: {error}") from None
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        found = header.get("format") if isinstance(header, dict) else None
        raise ValueError(f"{path!r} has format {found!r}, expected {_FORMAT!r}.")
    return header


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

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file is not a complete sk_consae weights file, or its tensors do not fit
        the saved model; the message names the file and what is wrong.
    """
    st = _safetensors()
    path = os.fspath(path)
    header = _read_header(path)
    classes = _estimator_classes()
    if header.get("class") not in classes:
        raise ValueError(f"{path!r} holds an unknown estimator class {header.get('class')!r}.")
    try:
        arrays = st.numpy.load_file(path)
    except Exception as error:  # safetensors raises its own error types, e.g. truncation
        raise ValueError(f"{path!r} is damaged or truncated: {error}") from None
    # Built as unpickling builds: from the saved parameters alone, so that a parameter
    # newer than the file takes the value its version trained with (__setstate__),
    # not today's default.
    cls = classes[header["class"]]
    estimator = cls.__new__(cls)
    state = _saved_params(header["params"], cls, path)
    for key, value in header["fitted"].items():
        if isinstance(value, dict) and "strings" in value:
            value = np.asarray(value["strings"], dtype=object)
        elif isinstance(value, dict) and "mapping" in value:
            value = value["mapping"]
        state[key] = value
    for name, array in arrays.items():
        if name.startswith("fitted/"):
            state[name.removeprefix("fitted/")] = array
    net = dict(header["net"])
    net["module"] = {
        name.removeprefix("module/"): array
        for name, array in arrays.items()
        if name.startswith("module/")
    }
    state["_net_state"] = net
    try:
        estimator.__setstate__(state)  # as unpickling does: older versions' state upgraded
    except (RuntimeError, KeyError) as error:  # torch: missing, unexpected or mis-shaped
        raise ValueError(f"{path!r} holds weights that do not fit its model: {error}") from None
    missing = [name for name in cls._get_param_names() if name not in vars(estimator)]
    if missing:
        raise ValueError(_not_the_class(path, cls, f"lacks its parameters {missing}"))
    return estimator


def _saved_params(params, cls, path):
    """The saved parameters, checked against ``cls`` (a header naming another class is
    refused here, not at the first prediction), with JSON's lists back as tuples where
    the class's default is one (``hidden_layer_sizes``: a list would count as a change
    of architecture when training continues)."""
    names = cls._get_param_names()
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise ValueError(_not_the_class(path, cls, f"has parameters {unknown} it does not take"))
    defaults = cls().get_params(deep=False)
    return {
        key: tuple(value) if isinstance(defaults[key], tuple) and isinstance(value, list) else value
        for key, value in params.items()
    }


def _not_the_class(path, cls, problem):
    return (
        f"{path!r} names the class {cls.__name__} in its header, but the model it holds "
        f"{problem}: the file was written for another class or edited."
    )
