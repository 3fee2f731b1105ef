"""Machinery shared by every estimator built on an auto-encoder field.

Estimators stay thin: :meth:`_BaseFieldModel._fit` validates input and calls their
``_fit_rows``, :meth:`_BaseFieldModel._train` gives a trained skorch net, and queries
are answered through :meth:`_map_rows`, which feeds bounded chunks of X to the methods
of the fitted :class:`~sk_consae._maths.field.Field`.
"""

import copy
from contextlib import contextmanager

import numpy as np
import torch
from sklearn import get_config
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from skorch.callbacks import Callback

from ._nn.net import AutoEncoderNet, SquaredError, TensorDataset
from ._nn.optimizers import optimizer_name
from ._nn.state import net_state, rebuild_net
from ._nn.threads import torch_threads
from ._options import ARCHITECTURE, net_arguments

# Largest intermediate a chunk of inference allocates: scikit-learn's working_memory
# (sklearn.set_config), at most 64 MiB. Larger chunks gain nothing: score_samples and
# transform on 200,000 x 784 rows took 10.7-11.8 s with chunks of 16 MiB to 1 GiB.
_MAX_CHUNK_BYTES = 64 * 2**20


def chunk_bytes():
    """Bytes of intermediates one chunk of inference may allocate."""
    return min(_MAX_CHUNK_BYTES, int(get_config()["working_memory"] * 2**20))


def map_field_rows(fn, field, X, row_shape=(), floats_per_row=None, with_start=False):
    """Apply ``fn(field, rows)`` to chunks of X and stack the results in an ndarray.

    Chunks run on the field's device and in its dtype, each under the thread policy,
    with intermediates of at most :func:`chunk_bytes`; the result has X's dtype.

    Parameters
    ----------
    fn : callable
        ``fn(field, X_chunk) -> Tensor`` of shape ``(len(X_chunk), *row_shape)``.
    field : Field
    X : ndarray of shape (n_samples, n_features), validated
    row_shape : tuple, default=()
        Shape of one output row.
    floats_per_row : int or callable, optional
        Size of the largest per-row intermediate, to bound chunk memory, or a function
        of the field giving it (e.g. its :meth:`~sk_consae._maths.field.Field.norm_floats`);
        None for ``4 * max(n_features, field.width)``.
    with_start : bool, default=False
        Call ``fn(field, rows, start)`` with the chunk's first row index in X, for
        computations whose random draws belong to row positions, not to chunks.
    """
    if callable(floats_per_row):
        floats_per_row = floats_per_row(field)
    device, dtype, width, n_features = field.device, field.dtype, field.width, field.n_features
    if floats_per_row is None:
        floats_per_row = 4 * max(n_features, width)
    rows = max(1, chunk_bytes() // (X.itemsize * floats_per_row))
    out = np.empty((X.shape[0], *row_shape), dtype=X.dtype)
    with torch.no_grad():
        for start in range(0, X.shape[0], rows):
            chunk = as_tensor(X[start : start + rows], device, dtype)
            with torch_threads(chunk.shape[0], chunk.shape[0] * n_features * width):
                values = fn(field, chunk, start) if with_start else fn(field, chunk)
                out[start : start + rows] = values.cpu().numpy()
    return out


def final_step(estimator):
    """``(steps_before, final)``: a Pipeline's preprocessing and last step, or ``(None,
    estimator)`` for anything else. Every public function that takes "an estimator or a
    Pipeline ending in one" unwraps it here."""
    if isinstance(estimator, Pipeline):
        return estimator[:-1], estimator[-1]
    return None, estimator


@contextmanager
def restore_on_failure(estimator):
    """Leave ``estimator`` exactly as it was if the block raises.

    A fit that fails (bad input found late, divergence, Ctrl-C outside skorch's
    epoch loop) must not leave a half-fitted estimator that looks fitted.
    """
    saved = dict(vars(estimator))
    try:
        yield
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(saved)
        raise


def check_float32_range(array, name):
    """Training runs in float32: values beyond its range would become infinite."""
    # max and min, not max(abs(...)): no temporary copy of the training set.
    largest = max(abs(float(array.max())), abs(float(array.min()))) if array.size else 0.0
    limit = float(np.finfo(np.float32).max)
    if largest > limit:
        raise ValueError(
            f"{name} has values beyond the float32 range (largest |value| {largest:.3g} > "
            f"{limit:.3g}); training runs in float32. Rescale the data first."
        )


def callable_output(values, name):
    """What a user's callable returned, as a float64 array; anything else is named."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must return numbers, got {type(values).__name__} of "
            f"{np.asarray(values).dtype}."
        ) from None


def frequency_weights(sample_weight, X):
    """``(X, weights)`` without the rows of weight 0, the weights as float64.

    Weights are frequencies, as scikit-learn defines ``sample_weight``: an integer
    weight k trains, thresholds and sets the noise as k copies of the row would, and a
    weight of 0 as if the row were absent.
    """
    weights = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    if not weights.sum() > 0:
        raise ValueError(
            "sample_weight has no positive weight: every weight is zero, which leaves "
            "no sample to fit."
        )
    kept = weights > 0
    if kept.all():
        return X, weights
    return X[kept], weights[kept]


def canonical_order(X):
    """An order of X's rows that depends on their values only (a fixed random
    projection, sorted): shuffled training that starts from it is the same whatever
    order the rows came in, so that the fit is a function of the data set and the
    seed, and integer weights train exactly as repeated rows."""
    direction = np.random.default_rng(0).standard_normal(X.shape[1]).astype(X.dtype)
    return np.argsort(X @ direction, kind="stable")


def as_tensor(array, device, dtype=None):
    """Tensor view of a NumPy array when possible, a copy when it is read-only."""
    if not array.flags.writeable or not array.flags.c_contiguous:
        array = np.ascontiguousarray(array).copy()
    tensor = torch.from_numpy(array)
    return tensor.to(device=device, dtype=dtype)


class _BaseFieldModel(BaseEstimator):
    """Training and inference shared by the auto-encoders and the field extractor.

    Subclasses define ``__init__`` and ``_parameter_constraints`` (from the groups in
    :mod:`sk_consae._options`) and may override :meth:`_net_params`.
    """

    # --- fitted state -------------------------------------------------------------

    def __sklearn_is_fitted__(self):
        return "net_" in vars(self)

    def __getstate__(self):
        # The trained net travels as plain values (arrays, numbers, strings, lists and
        # dicts), so that skops.io needs no trust in torch or skorch types.
        state = super().__getstate__()
        if "net_" in state:
            state = {key: value for key, value in state.items() if key != "net_"}
            state["_net_state"] = net_state(self.net_)
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved_net = state.pop("_net_state", None)
        super().__setstate__(state)
        if saved_net is not None:
            self.net_ = rebuild_net(saved_net, copy.deepcopy(self.callbacks))

    @property
    def _fitted_n_components(self):
        """Hidden units of the fitted model (``n_components`` may have changed since)."""
        return self.net_.module_.encoder_bias.shape[0]

    @property
    def history_(self):
        """skorch :class:`~skorch.history.History`: one row per epoch, with
        ``train_loss``, ``dur`` and anything callbacks record."""
        return self.net_.history

    @property
    def encoder_weights_(self):
        """ndarray of shape (n_features, n_components): :math:`W`."""
        return self._parameter_array("encoder_weight")

    @property
    def encoder_bias_(self):
        """ndarray of shape (n_components,): :math:`b`."""
        return self._parameter_array("encoder_bias")

    @property
    def decoder_weights_(self):
        """ndarray of shape (n_features, n_components): :math:`R` (``W`` when tied,
        ``W diag(s)`` when scaled)."""
        return self._parameter_array("decoder_weight")

    @property
    def decoder_bias_(self):
        """ndarray of shape (n_features,): :math:`c`."""
        return self._parameter_array("decoder_bias")

    def _parameter_array(self, name):
        return self.field_parameters_[name]

    @property
    def field_parameters_(self):
        r"""The fitted field :math:`r(x) = R\,h(W^\top x + b) + c` as plain values.

        A :class:`~sklearn.utils.Bunch` of float32 array copies ``encoder_weight``
        (D, H), ``encoder_bias`` (H,), ``decoder_weight`` (D, H), ``decoder_bias``
        (D,) and ``potential_scale`` (:math:`s` in :math:`R = W\,\mathrm{diag}(s)`:
        (H,) of ones when tied, None when untied), with the ``activation`` and
        ``weight_tying`` names as fitted. A model with ``hidden_layer_sizes`` has
        lists instead, one array per layer (weights of shape (in, out), applied as
        ``x @ W``; a tied or scaled deep model's decoder is the encoder's backward
        pass: no decoder weights and one decoder bias), and a ``hidden_layer_sizes``
        key. ``unit_caps`` (H,) holds where the ReLU code units of a one-layer or
        untied deep model saturate (the largest activation each reached on the
        training rows), None for other models. This is what :mod:`sk_consae.metrics`
        computes from; the extractor's parameters are in its standardised coordinates.
        """
        check_is_fitted(self)
        module = self.net_.module_
        with torch.no_grad():
            parameters = module.field().parameters()

        def plain(value):
            if isinstance(value, list):
                return [plain(item) for item in value]
            if isinstance(value, torch.Tensor):
                return value.detach().cpu().numpy().copy()
            return value

        caps = vars(self).get("_unit_caps")
        return Bunch(
            **{name: plain(value) for name, value in parameters.items()},
            activation=module.activation_name,
            weight_tying=module.weight_tying,
            unit_caps=None if caps is None else caps.copy(),
        )

    # --- training -----------------------------------------------------------------

    def _fit(self, X, y=None, sample_weight=None, *, incremental):
        """What ``fit`` (``incremental=False``) and ``partial_fit`` share: validate,
        then :meth:`_fit_rows`; a failure leaves the estimator as it was.

        ``partial_fit`` continues a fitted model, and so does ``fit`` with
        ``warm_start``: X must then keep the fitted features. ``_fit_context``
        validates the parameters of a first call; later ``partial_fit`` calls apply
        the current learning rate, noise and so on to the fitted model, so they are
        validated here too (as scikit-learn's own ``partial_fit`` methods do).
        """
        continuing = self.__sklearn_is_fitted__() and (incremental or self.warm_start)
        if incremental and continuing:
            self._validate_params()
        with restore_on_failure(self):
            X = validate_data(self, X, dtype=[np.float64, np.float32], reset=not continuing)
            weights = None
            if sample_weight is not None:
                X, weights = frequency_weights(sample_weight, X)
            self._fit_rows(X, y, continuing, incremental, weights)
        return self

    def _fit_rows(self, X, y, continuing, incremental, weights=None):
        """Train on validated rows: a new model, or ``continuing`` the fitted one for
        ``max_epochs`` (or one epoch when ``incremental``); ``weights`` are positive
        frequency weights (rows of weight 0 are already gone), or None."""
        raise NotImplementedError

    def _net_params(self):
        """Net arguments the subclass fixes, that no parameter decides (advice)."""
        return {}

    def _initialize_module(self, module, inputs, generator):
        """Data-dependent initialisation of a new module; none by default."""

    def _training_device(self):
        try:
            device = torch.device(self.device)
        except (RuntimeError, TypeError):
            device = None
        if device is None or device.type not in ("cpu", "cuda"):
            raise InvalidParameterError(
                f"The 'device' parameter of {type(self).__name__} must be 'cpu', 'cuda' or "
                f"'cuda:N' (or such a torch.device); got device={self.device!r}."
            )
        if device.type == "cuda":
            available = torch.cuda.device_count() if torch.cuda.is_available() else 0
            if available == 0:
                raise ValueError(
                    f"device={self.device!r} was requested but torch sees no CUDA device; "
                    "use device='cpu'."
                )
            if device.index is not None and device.index >= available:
                raise ValueError(
                    f"device={self.device!r} was requested but torch sees {available} CUDA "
                    f"device(s), cuda:0 to cuda:{available - 1}."
                )
        return device

    def _check_callbacks(self):
        """skorch callbacks, or (name, callback) pairs; anything else is named here."""
        for position, item in enumerate(self.callbacks or []):
            pair = isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
            callback = item[1] if pair else item
            is_callback = isinstance(callback, Callback) or (
                isinstance(callback, type) and issubclass(callback, Callback)
            )
            if not is_callback:
                raise InvalidParameterError(
                    f"The 'callbacks' parameter of {type(self).__name__} must hold skorch "
                    "callbacks (skorch.callbacks.Callback instances or (name, callback) "
                    f"pairs); item {position} is {item!r}."
                )
            # EarlyStopping, Checkpoint and LRScheduler watch valid_loss by default,
            # which skorch records only on a held-out split.
            monitor = getattr(callback, "monitor", None)
            if (
                isinstance(monitor, str)
                and monitor.startswith("valid_")
                and self.validation_fraction is None
            ):
                name = type(callback).__name__ if not isinstance(callback, type) else callback
                raise ValueError(
                    f"callbacks[{position}] ({name}) monitors {monitor!r}, which is recorded "
                    "only on held-out rows; set validation_fraction (e.g. 0.1) or make it "
                    "monitor 'train_loss'."
                )

    def _skorch_params(self, n_samples, noise):
        """Every keyword argument of the skorch net that the public parameters decide,
        for ``n_samples`` training rows and the fitted ``noise``.

        Built by :func:`sk_consae._options.net_arguments`: new nets are built from it,
        and continued training compares its ``ARCHITECTURE`` keys with the fitted net
        and applies the rest through skorch's ``set_params``.
        """
        self._check_callbacks()
        params = self.get_params(deep=False)
        return {**net_arguments(params, n_samples, noise), **self._net_params()}

    def _new_net(self, n_samples, n_features, device, random_state, noise):
        init_seed, shuffle_seed, noise_seed = random_state.randint(np.iinfo(np.int32).max, size=3)
        # Derived, not drawn: later draws (and so every model without a split) stay as
        # they were before validation_fraction existed.
        split_seed = np.random.SeedSequence([int(shuffle_seed), 1]).generate_state(1)[0]
        return AutoEncoderNet(
            module__n_features=n_features,
            module__seed=int(init_seed),
            criterion=SquaredError,
            train_split=None,
            device=device,
            shuffle_seed=int(shuffle_seed),
            noise_seed=int(noise_seed),
            split_seed=int(split_seed),
            **self._skorch_params(n_samples, noise),
        )

    def _update_training_params(self, net, n_samples, noise):
        """Carry the current parameters into a net that continues training.

        What defines the model or its optimiser (``ARCHITECTURE``) must be as fitted;
        everything else (learning rate, momentum, batch size, noise, penalties,
        verbosity, callbacks) takes its current value, and the optimiser keeps its state:
        skorch sets ``lr`` and ``optimizer__*`` in the optimiser's parameter groups in
        place.
        """
        params = self._skorch_params(n_samples, noise)
        del params["module"]  # the class follows hidden_layer_sizes, compared below
        for key, name in ARCHITECTURE.items():
            wanted, fitted = params.pop(key, ()), getattr(net, key, ())  # () when one layer
            if wanted != fitted:
                was = optimizer_name(fitted) if key == "optimizer" else fitted
                raise ValueError(
                    f"{name} changed from {was!r} to {getattr(self, name)!r} since the "
                    "model was fitted; continuing training (warm_start or partial_fit) "
                    "needs the same value. Fit with warm_start=False to start afresh."
                )
        # skorch's set_params(callbacks=...) would initialise the old list first.
        net.callbacks = params.pop("callbacks")
        net.set_params(**params)
        net.initialize_callbacks()

    def _train(self, X, target=None, *, epochs=None, continue_training, noise=0.0, weights=None):
        """Train on float32 copies of ``X`` (and ``target``) moved to the device once.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        target : ndarray of the same shape, optional
            What the reconstruction should match; ``X`` when None.
        epochs : int or None, default=None
            None trains the net's ``max_epochs`` (the resolved parameter).
        continue_training : bool
            Start from a copy of ``net_`` (warm start, ``partial_fit``) instead of a
            new net. The copy keeps ``net_`` intact if training fails.
        noise : float, default=0.0
            The input noise's standard deviation (``noise`` resolved on the data).
        weights : ndarray of shape (n_samples,), optional
            Positive frequency weights: row i counts ``weights[i]`` times.

        Returns
        -------
        AutoEncoderNet
        """
        # Weighted rows count as their weight: batch size, max_samples and steps follow.
        n_samples = X.shape[0] if weights is None else max(1, round(float(weights.sum())))
        if continue_training:
            net = copy.deepcopy(self.net_)
            self._update_training_params(net, n_samples, noise)
            device = net.device
        else:
            device = self._training_device()
            random_state = check_random_state(self.random_state)
            net = self._new_net(n_samples, X.shape[1], device, random_state, noise)
            net.initialize()
        check_float32_range(X, "X")
        if target is not None:
            check_float32_range(target, "y")
        inputs = as_tensor(X, device, torch.float32)
        if not continue_training:
            generator = torch.Generator().manual_seed(int(random_state.randint(2**31)))
            self._initialize_module(net.module_, inputs, generator)
        targets = None if target is None else as_tensor(target, device, torch.float32)
        if net.shuffle:
            order = canonical_order(X)
            index = torch.from_numpy(order).to(device)
            inputs = inputs[index]
            targets = None if targets is None else targets[index]
            weights = None if weights is None else weights[order]
        rows = min(n_samples, net.batch_size) if net.batch_size > 0 else n_samples
        with torch_threads(rows, rows * net.module_.multiply_adds_per_row()):
            net.partial_fit(TensorDataset(inputs, targets, weights), epochs=epochs)
        return net

    # --- inference ----------------------------------------------------------------

    def _validate_for_inference(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=False)

    def _map_rows(self, fn, X, row_shape=(), floats_per_row=None, with_start=False):
        """Apply ``fn(field, rows)`` to bounded chunks of ``X``; stack the results.

        Computation runs in X's floating dtype (float32 or float64) on the fitted
        net's device, and the result has that dtype.

        Parameters
        ----------
        fn, row_shape, floats_per_row, with_start
            As in :func:`map_field_rows`.
        X : ndarray of shape (n_samples, n_features), validated
        """
        field = self._field(torch.float64 if X.dtype == np.float64 else torch.float32)
        return map_field_rows(fn, field, X, row_shape, floats_per_row, with_start)

    def _field(self, dtype, device=None):
        """The fitted :class:`~sk_consae._maths.field.Field` in ``dtype`` on ``device``
        (the net's by default), its ReLU units saturating at the fitted caps: what
        every query, metric and plot of a fitted estimator computes from."""
        # Read once: a concurrent fit may replace them (caps of another net are skipped).
        net, caps = self.net_, vars(self).get("_unit_caps")
        with torch.no_grad():
            field = net.module_.field().to(dtype, net.device if device is None else device)
        if caps is not None and caps.shape == (field.code_width,):
            field = field.saturated(torch.as_tensor(caps))
        return field
