"""skorch callbacks that watch an auto-encoder, or any network whose output is a vector
field, become conservative while it trains."""

import copy

import numpy as np
import torch
from sklearn.utils._param_validation import validate_parameter_constraints
from sklearn.utils.validation import check_array
from skorch.callbacks import Callback

from ._base import as_tensor
from ._fields import field_of
from ._options import COUNT

__all__ = ["ConservativenessMonitor"]

_METRICS = ("jacobian_symmetricity", "weight_symmetricity", "curl")


class ConservativenessMonitor(Callback):
    r"""Record how conservative the field is, every few epochs (paper Fig. 2 and 3).

    Adds to each monitored epoch of ``history_``:

    ``"jacobian_symmetricity"``
        mean of :math:`\mathrm{sym}(J(x))` over the given points;
    ``"weight_symmetricity"``
        :math:`\mathrm{sym}(R W^\top)`;
    ``"curl"``
        mean of :math:`|\mathrm{curl}(x)|` over the points (the signed curl's
        magnitude in 2-D, :math:`\lVert J - J^\top\rVert_F/\sqrt2` beyond).

    All are computed in closed form in float64 (see :mod:`sk_consae.metrics`). The
    last epoch of every training call is always recorded, from the fitted weights
    (with ``ema_momentum``, the average of the epochs' weights). For a model with
    ``hidden_layer_sizes`` the Jacobian norms are exact, from :math:`2D`
    Jacobian-vector products per point, so with many features prefer a few hundred
    points or a larger ``every``.

    Any skorch net whose module maps points (n, D) to a field (n, D), such as a score
    network, can be monitored too: its Jacobian comes from autograd, in the module's
    dtype, as in :func:`sk_consae.metrics.jacobian_symmetricity`; pass
    ``metrics=("jacobian_symmetricity", "curl")``, since ``"weight_symmetricity"``
    needs an auto-encoder's weights.

    Read more in the :ref:`User Guide <measuring-conservativeness>`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Points at which to measure, e.g. a few hundred training samples.
    every : int, default=1
        Measure every ``every`` epochs.
    metrics : str or sequence of str, default=all three
        Which of ``"jacobian_symmetricity"``, ``"weight_symmetricity"`` and
        ``"curl"`` to record (at least one).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sk_consae import UntiedAutoEncoder
    >>> from sk_consae.callbacks import ConservativenessMonitor
    >>> X = load_digits().data / 16.0
    >>> ae = UntiedAutoEncoder(n_components=32, max_epochs=4, random_state=0,
    ...                        callbacks=[ConservativenessMonitor(X[:200], every=2)])
    >>> ae = ae.fit(X)
    >>> len(ae.history_[:, "jacobian_symmetricity"])
    2
    """

    def __init__(self, X, every=1, metrics=_METRICS):
        self.X = X
        self.every = every
        self.metrics = metrics

    def initialize(self):
        metrics = (self.metrics,) if isinstance(self.metrics, str) else tuple(self.metrics)
        if not metrics:
            raise ValueError(f"metrics is empty; choose one or more of {_METRICS}.")
        unknown = set(metrics) - set(_METRICS)
        if unknown:
            raise ValueError(f"Unknown metrics {sorted(unknown)}; choose from {_METRICS}.")
        validate_parameter_constraints(
            {"every": [COUNT]}, {"every": self.every}, caller_name=type(self).__name__
        )
        self.metrics_ = metrics
        self.points_ = check_array(self.X, dtype=np.float64, input_name="X")
        return self

    def __getstate__(self):
        # The float64 points are recomputed from X when needed, not pickled twice.
        return {key: value for key, value in vars(self).items() if key != "points_"}

    def __deepcopy__(self, memo):
        # Estimators copy their callbacks at fit; the copy reads the same points (never
        # written to), so a pickled model holds them once.
        memo[id(self.X)] = self.X
        copied = type(self).__new__(type(self))
        memo[id(self)] = copied
        vars(copied).update(copy.deepcopy(self.__getstate__(), memo))
        return copied

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) % self.every == 0:
            self._record(net)

    def on_train_end(self, net, **kwargs):
        # A net that averages its weights (ema_momentum) has just put the average in:
        # the last row is recorded again, so that it describes the fitted weights.
        averaged = getattr(net, "ema_momentum", 0)
        if net.history and (averaged or self.metrics_[0] not in net.history[-1]):
            self._record(net)

    def _record(self, net):
        if "points_" not in vars(self):
            self.points_ = check_array(self.X, dtype=np.float64, input_name="X")
        field = self._field(net)
        if self.points_.shape[1] != field.n_features:
            raise ValueError(
                f"ConservativenessMonitor has points with {self.points_.shape[1]} "
                f"features, but the model has {field.n_features}."
            )
        with torch.no_grad():
            # A DataFrame's values can be read-only: as_tensor copies those for torch.
            X = as_tensor(self.points_, field.device, field.dtype)
            values = {  # exact, as sk_consae.metrics computes them
                "jacobian_symmetricity": lambda: field.symmetricity_rows(X).mean(),
                "weight_symmetricity": field.linearised_symmetricity,
                "curl": lambda: field.curl_rows(X).abs().mean(),
            }
            for name in self.metrics_:
                net.history.record(name, float(values[name]()))

    def _field(self, net):
        """The net's field: an auto-encoder's own (float64), or any other module's
        output as a field (its Jacobian by autograd, in its dtype)."""
        module = net.module_
        if hasattr(module, "field"):
            return module.field().to(dtype=torch.float64)
        if "weight_symmetricity" in self.metrics_:
            raise ValueError(
                f"weight_symmetricity needs a sk_consae auto-encoder; {type(module).__name__} "
                "has no weights to multiply. Pass metrics=('jacobian_symmetricity', 'curl')."
            )
        field, _ = field_of(module, self.points_[:1])
        return field
