"""UntiedAutoEncoder: an auto-encoder (one hidden layer or several) as a transformer, an
energy model and an outlier detector."""

import numpy as np
import torch
from sklearn.base import (
    ClassNamePrefixFeaturesOutMixin,
    OutlierMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from ._base import _BaseFieldModel, map_field_rows
from ._maths.energy import finite_contributions, finite_energies
from ._maths.score_matching import (
    denoised_fraction,
    denoising_terms,
    fitted_temperature,
    hyvarinen_terms,
    row_noise,
)
from ._options import (
    ANOMALY_CONSTRAINTS,
    COUNT,
    MODEL_CONSTRAINTS,
    TRAINING_CONSTRAINTS,
)
from ._outliers import (
    carry_energies,
    extend_sample,
    reference_noise,
    resolve_noise,
    start_sample,
    tukey_lower_fence,
    weighted_mean,
    weighted_percentile,
)

__all__ = ["UntiedAutoEncoder"]

# temperature_ is fitted on at most this many training rows (evenly spaced), and the
# Jacobian trace of score-matching is exact up to this many features; above it,
# Hutchinson's estimate from TRACE_PROBES probes of a fixed seed (one-layer models
# are always exact).
TEMPERATURE_ROWS = 8192
EXACT_TRACE_MAX_FEATURES = 64
TRACE_PROBES = 16
# score draws this many noisy copies of each row (fixed seed): on small validation folds
# one draw per row would leave the criterion noisier than the differences it ranks.
SCORE_NOISE_DRAWS = 4


class _BaseAutoEncoder(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, OutlierMixin, _BaseFieldModel
):
    """Fit, transform, energy and outlier contract shared by the auto-encoders."""

    _parameter_constraints: dict = {
        **MODEL_CONSTRAINTS,
        **ANOMALY_CONSTRAINTS,
        **TRAINING_CONSTRAINTS,
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    @property
    def _n_features_out(self):
        return self._fitted_n_components

    # --- fitting ------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Train the auto-encoder on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. It is copied to float32 on ``device`` once.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights: a row of integer weight k counts as k
            copies of it in the training loss, ``noise="auto"``, ``batch_size="auto"``,
            ``energy_origin_``, ``temperature_`` and ``offset_`` (with ``shuffle``,
            exactly as fitting the repeated rows), a fractional weight as that
            expected number of copies each epoch, and 0 as an absent row. None: all 1.

        Returns
        -------
        self : object
            The fitted estimator. If fitting raises, the estimator is left exactly as
            it was before the call.
        """
        return self._fit(X, sample_weight=sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sample_weight=None):
        """Train one epoch on X, continuing from the current state.

        The first call initialises the model; later calls keep the weights, the
        optimiser state and ``history_``, so a loop over chunks trains on a stream.
        With the same ``random_state``, ``k`` calls on the same X give the same model
        as ``fit`` with ``max_epochs=k``; with ``shuffle=False``, a fixed ``noise``,
        ``ema_momentum=0`` (a call is an epoch of the average) and chunk sizes that
        are multiples of ``batch_size``, calls on consecutive chunks give the weights
        of one epoch of ``fit`` on their concatenation (each step's noise is drawn
        from the number of rows trained before it). The weights
        agree, ``temperature_`` and ``offset_`` need not: a stream measures them on
        each chunk under the model of its time (see :ref:`User Guide
        <model-reproducibility>`), so ``score_samples`` differs by a constant factor
        and rankings are the same.

        ``energy_origin_`` is the running mean of all samples seen. ``offset_`` is
        recomputed after every call from a uniform reservoir sample of the energies of
        all rows seen so far (at most 10,000 numbers; no rows are kept), each scored
        when its chunk was trained on and carried to the current model's scale (see
        :ref:`anomaly-scores`). ``noise="auto"`` is resolved on
        the first chunk, which then needs at least 2 rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights, as in :meth:`fit`.

        Returns
        -------
        self : object
        """
        return self._fit(X, sample_weight=sample_weight, incremental=True)

    def _fit_rows(self, X, y, continuing, incremental, weights=None):
        # partial_fit resolves noise="auto" on its first chunk only.
        if not (incremental and continuing and self.noise == "auto"):
            self.noise_ = resolve_noise(self.noise, X, weights)
        carrying = incremental and continuing
        # The chunk's energies under the model before this step carry the earlier
        # rows' energies to the new model's scale. The sample holds energies F, not
        # F / temperature_: a temperature fitted on a small chunk would stretch them.
        previous = self._energy(X, raw=True) if carrying else None
        epochs = 1 if incremental else None  # None: the net's max_epochs, the resolved budget
        net = self._train(
            X, epochs=epochs, continue_training=continuing, noise=self.noise_, weights=weights
        )
        caps = self._unit_caps_of(net, X, vars(self).get("_unit_caps") if carrying else None)
        self.net_, self._unit_caps = net, caps  # together: inference reads both
        self._energy_nodes = self._resolve_energy_nodes()
        self._fit_temperature(X, weights, carrying)
        chunk_weight = X.shape[0] if weights is None else float(weights.sum())
        chunk_weight = int(chunk_weight) if float(chunk_weight).is_integer() else chunk_weight
        # The sample keeps (energy, weight) pairs: the weighted quantiles of offset_.
        weights = np.ones(X.shape[0]) if weights is None else weights
        if not carrying:
            self.n_samples_seen_ = chunk_weight
            self.energy_origin_ = weighted_mean(X, weights)
            self._start_energy_sample(np.c_[self._energy(X, raw=True), weights])
            return
        self.n_samples_seen_ = self.n_samples_seen_ + chunk_weight
        self.energy_origin_ = self.energy_origin_ + (
            weighted_mean(X, weights) - self.energy_origin_
        ) * (chunk_weight / self.n_samples_seen_)
        energies = self._energy(X, raw=True)  # from the new origin
        sample = self._energy_sample.copy()
        sample[:, 0] = carry_energies(sample[:, 0], previous, energies, weights)
        self._energy_sample = extend_sample(
            sample, np.c_[energies, weights], self._rows_seen, self._sample_seed
        )
        self._rows_seen += X.shape[0]
        self._set_offset(*self._energy_sample.T)

    @staticmethod
    def _unit_caps_of(net, X, previous=None, rows=2**16):
        r"""Where each ReLU code unit of ``net`` saturates (one layer, or the code of an
        untied deep model): the largest activation it takes on the training rows X
        (over a stream, the largest so far, with ``previous``); None for other models
        (:attr:`.Field.saturable`).

        The denoising objective's limit reconstructs every point as a weighted mean
        of training rows, inside their hull; a ReLU network extrapolates linearly, and
        its energy can rise again far from the data, where anomalies lie. Saturated
        units bound the reconstruction as the limit's is bounded: the energy then falls
        as :math:`-\lVert x\rVert^2 / 2` far away, and nothing changes on the training
        rows."""
        with torch.no_grad():
            field = net.module_.field()
        if not field.saturable:
            return None
        field = field.to(dtype=torch.float64 if X.dtype == np.float64 else torch.float32)
        caps = np.zeros(field.code_width)
        for start in range(0, X.shape[0], rows):
            hidden = map_field_rows(
                lambda f, chunk: f.hidden(chunk), field, X[start : start + rows], caps.shape
            )
            caps = np.maximum(caps, hidden.max(0))
        caps = caps if previous is None else np.maximum(caps, previous)
        # float32 as the weights are, rounded up: no training row is ever capped.
        rounded = caps.astype(np.float32)
        return np.where(rounded < caps, np.nextafter(rounded, np.inf), rounded)

    def _fit_temperature(self, X, weights, carrying):
        """Set ``temperature_``, the score-matching temperature of the field on (evenly
        spaced) training rows: ``score_samples`` is the energy divided by it. Over a
        stream its two means move towards each chunk's by the chunk's share of
        TEMPERATURE_ROWS, so a chunk of one row barely moves it."""
        step = max(1, X.shape[0] // TEMPERATURE_ROWS)
        weights = None if weights is None else weights[::step]
        terms = weighted_mean(self._hyvarinen_terms(X[::step]), weights)
        share = X.shape[0] if weights is None else float(weights.sum()) * step
        previous = getattr(self, "_temperature_terms", None) if carrying else None
        if previous is not None:
            terms = previous + (terms - previous) * min(1.0, share / TEMPERATURE_ROWS)
        self._temperature_terms = terms
        self.temperature_ = fitted_temperature(*terms)

    def _hyvarinen_terms(self, X):
        """Half the squared field norm and the field's divergence per row, (n, 2)."""
        n_probes = None if X.shape[1] <= EXACT_TRACE_MAX_FEATURES else TRACE_PROBES
        generator = torch.Generator().manual_seed(0)

        def terms(field, rows):
            return hyvarinen_terms(field, rows, n_probes, generator)

        return self._map_rows(terms, X, (2,), floats_per_row=lambda f: f.norm_floats(X.shape[1]))

    def _resolve_energy_nodes(self):
        """Gauss-Legendre nodes of an untied model's energy, None for the family's exact
        rule: fixed at fit, so that set_params does not change what a fitted model
        answers."""
        return None if self.energy_quadrature == "exact" else int(self.energy_quadrature)

    def _start_energy_sample(self, energies):
        """``offset_`` from the training energies (column 0, with the rows' weights in
        column 1), and the bounded sample of them that ``partial_fit`` calls that
        follow keep up to date (energies and weights, not rows)."""
        self._set_offset(*energies.T)
        self._sample_seed = int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )
        self._energy_sample = start_sample(energies.astype(np.float64), self._sample_seed)
        self._rows_seen = energies.shape[0]

    def __setstate__(self, state):
        super().__setstate__(state)
        # Models saved before max_samples existed trained every epoch on every row.
        vars(self).setdefault("max_samples", None)
        # Models saved before ema_momentum existed were fitted without averaging.
        vars(self).setdefault("ema_momentum", 0.0)
        # Models saved before temperature_ existed scored in energy units.
        if "offset_" in vars(self):
            vars(self).setdefault("temperature_", 1.0)
        # Models saved before unit caps used unbounded ReLU units.
        vars(self).setdefault("_unit_caps", None)
        # Models saved before sample_weight kept energies alone, and counted rows in
        # n_samples_seen_.
        sample = vars(self).get("_energy_sample")
        if sample is not None and sample.ndim == 1:
            self._energy_sample = np.c_[sample, np.ones_like(sample)]
            self._rows_seen = self.n_samples_seen_

    def _set_offset(self, raw_energies, weights=None):
        """``offset_`` from training energies F (with frequency ``weights``): the
        ``contamination`` quantile, or Tukey's lower fence for "auto", of
        F / temperature_."""
        energies = raw_energies / self.temperature_
        if self.contamination == "auto":
            self.offset_ = float(tukey_lower_fence(energies, weights=weights))
        else:
            q = 100.0 * self.contamination
            self.offset_ = float(weighted_percentile(energies, q, weights))

    # --- transformer --------------------------------------------------------------

    def transform(self, X):
        """Hidden activations :math:`h(W^\\top x + b)` (the code layer's, with
        ``hidden_layer_sizes``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples, n_components)
            float32 for float32 input, float64 otherwise.
        """
        X = self._validate_for_inference(X)
        return self._map_rows(lambda f, rows: f.hidden(rows), X, (self._fitted_n_components,))

    def inverse_transform(self, X):
        """Decode hidden activations: :math:`R\\,h + c`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Hidden activations, e.g. from :meth:`transform`.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = check_array(X, dtype=[np.float64, np.float32])
        if X.shape[1] != self._fitted_n_components:
            raise ValueError(
                f"X has {X.shape[1]} features, but inverse_transform expects "
                f"n_components={self._fitted_n_components} hidden activations (as fitted)."
            )
        return self._map_rows(lambda f, rows: f.decode(rows), X, (self.n_features_in_,))

    def reconstruct(self, X):
        """The reconstruction :math:`r(x) = R\\,h(W^\\top x + b) + c`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        X = self._validate_for_inference(X)
        return self._map_rows(lambda f, rows: f.reconstruct(rows), X, (X.shape[1],))

    def vector_field(self, X):
        """The auto-encoder's vector field :math:`v(x) = r(x) - x`.

        For a conservative model this is the gradient of :meth:`score_samples`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        X = self._validate_for_inference(X)
        return self._map_rows(lambda f, rows: f.vector_field(rows), X, (X.shape[1],))

    def jacobian(self, X):
        """Jacobian of the reconstruction, :math:`J(x) = R\\,\\mathrm{diag}(h'(u))\\,W^\\top`.

        It is symmetric at every x iff the field is conservative (paper, Prop. 2).
        Memory is ``n_samples * n_features**2`` floats; for symmetricity or curl use
        :mod:`sk_consae.metrics`, which never forms it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples, n_features, n_features)
        """
        X = self._validate_for_inference(X)
        D = X.shape[1]
        return self._map_rows(lambda f, rows: f.jacobian(rows), X, (D, D), floats_per_row=2 * D * D)

    def score(self, X, y=None):
        r"""Fraction of noise added to X that the model's field removes: higher is
        better, in [0, 1].

        Each row of X gets Gaussian noise, :math:`\tilde x = x + \sigma\varepsilon`,
        at a reference scale :math:`\sigma`, half the root-mean-square spread of its
        features (the same for every model scored on the same X, whatever its
        ``noise``), four draws fixed for each row position, so that the score is a
        function of the model and X alone (not of ``working_memory``, the thread or
        X's dtype). With the field
        :math:`v = r - x = \nabla F`,

        .. math::

            \operatorname{score}(X) = 1 - \frac{\min_{c \ge 0}
                \sum \lVert \tilde x + c\, v(\tilde x) - x\rVert^2}
                {\sum \lVert \tilde x - x\rVert^2},

        one minus the denoising score-matching objective (Vincent 2011) of the
        log-density :math:`F / T` at its best temperature, relative to a flat energy's.
        It is best when :math:`\nabla F / T` is the score of the held-out data's
        density smoothed at :math:`\sigma`, so it ranks models by how well their
        energies describe that density around the rows, where anomalies lie and the
        energy's line integral passes, not only at the rows. It needs no labels and no
        normaliser, and does not change with a constant added to the energy or with
        its scale, so :class:`~sklearn.model_selection.GridSearchCV` can compare
        ``noise``, ``n_components``, ``activation``, ``weight_tying``, depth and
        :class:`ContractiveAutoEncoder` with it. The bandwidth :math:`\sigma` is the
        criterion's, not the model's: a model trained with ``noise`` far from it
        scores lower, so the score selects the rest of a model at the ``"auto"``
        bandwidth and does not select ``noise`` itself (see the
        :ref:`User Guide <model-selection>` for what it picks on benchmarks).

        Versions up to 0.2.0.dev0 returned the negative reconstruction error, which
        favours the identity map (:func:`sk_consae.metrics.reconstruction_score`);
        the Hyvärinen score at the rows is :func:`sk_consae.metrics.hyvarinen_score`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            At least 2 samples, one per row (held-out rows to select models).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        float

        References
        ----------
        .. [1] Vincent, P. "A connection between score matching and denoising
           autoencoders", Neural Computation 23(7), 2011.
        """
        X = self._validate_for_inference(X)
        if X.shape[0] < 2:
            raise ValueError(
                "score adds noise at the spread of X's features and needs at least 2 "
                f"samples; got {X.shape[0]}."
            )
        sigma = reference_noise(X)

        def terms(field, rows, start):
            noise = row_noise(start, start + rows.shape[0], rows.shape[1], SCORE_NOISE_DRAWS)
            return denoising_terms(field, rows, (sigma * noise).to(rows.device, rows.dtype))

        n_floats = (SCORE_NOISE_DRAWS + 4) * max(X.shape[1], self._fitted_n_components)
        terms = self._map_rows(terms, X, (3,), floats_per_row=n_floats, with_start=True)
        means = terms.mean(0, dtype=np.float64)
        return denoised_fraction(*means)

    # --- energy and outliers ------------------------------------------------------

    def _energy(self, X, raw=False, contributions=False):
        """Energies in log-density units, F / temperature_ (F itself when ``raw``), or
        their split over the features (``contributions``): line integrals from
        ``energy_origin_`` with, for an untied model, the ``energy_quadrature`` nodes
        fixed at fit (the same for both, so that contributions add up to the energy);
        a gradient field's own exact rule otherwise."""
        origin = torch.as_tensor(self.energy_origin_)
        n_nodes = self._energy_nodes if self.net_.module_.weight_tying == "untied" else None
        temperature = 1.0 if raw else self.temperature_

        def energies(field, rows):
            start = origin.to(dtype=rows.dtype, device=rows.device)
            if contributions:
                split = field.energy_contributions(rows, start, n_nodes)
                return finite_contributions(split / temperature)
            return finite_energies(field.energy(rows, start, n_nodes) / temperature)

        if contributions:
            return self._map_rows(
                energies, X, (X.shape[1],), floats_per_row=lambda f: f.segment_floats(X.shape[1])
            )
        return self._map_rows(energies, X)

    def score_samples(self, X):
        """Log-density :math:`\\log \\hat p(x) = F(x) / T` of each sample, up to an
        additive constant; higher means more typical.

        :math:`F` is the energy, :math:`\\nabla F(x) = r(x) - x`, and :math:`T` =
        ``temperature_`` the score-matching temperature fitted on the training rows
        (see :meth:`score`): a denoising field estimates
        :math:`\\sigma^2 \\nabla \\log p_\\sigma`, so :math:`F` grows with the noise, and
        :math:`F / T` does not. Energies of models with different ``noise``, or of the
        same model on two datasets, are then on one scale (for Gaussian data,
        :math:`\\log p` itself), and can be compared, averaged and thresholded.

        Tied and scaled models use the closed form

        .. math:: F(x) = \\sum_k s_k A(w_k^\\top x + b_k) - \\tfrac12 \\lVert x - c\\rVert^2

        with :math:`A' = h` (for sigmoid units, the Gaussian-RBM free energy). An
        untied model uses the line integral of its field from ``energy_origin_``,

        .. math:: F(x) = \\int_0^1 v(x_0 + t (x - x_0)) \\cdot (x - x_0)\\, dt,

        computed exactly per hidden unit (``energy_quadrature="exact"``) or by
        Gauss-Legendre quadrature with that many nodes. It is the energy whenever the
        field is conservative on the segment, and the natural approximate energy
        otherwise (:math:`F(x_0) = 0`).

        With ``hidden_layer_sizes``, a tied or scaled model has the same closed form
        with :math:`u_k(x)` the code layer's pre-activations (exact: its field is the
        gradient of :math:`\\Psi`), and an untied one the line integral by quadrature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples,)
            Finite for every finite input: an energy beyond the dtype's range (inputs
            near its largest value) is the dtype's lowest finite value.
        """
        X = self._validate_for_inference(X)
        return self._energy(X)

    def energy_contributions(self, X):
        r"""Each feature's exact share of each sample's energy, relative to
        ``energy_origin_``.

        The energy is a line integral of the field from :math:`x_0` =
        ``energy_origin_`` (the training mean), and that integral is a sum over
        coordinates:

        .. math::

            F(x) - F(x_0) = \sum_i \phi_i(x), \qquad
            \phi_i(x) = (x_i - x_{0,i}) \int_0^1 v_i(x_0 + t (x - x_0))\,dt .

        Each :math:`\\phi_i` is divided by ``temperature_``, as :meth:`score_samples`
        is. These are the integrated gradients of the energy (Sundararajan et al. 2017),
        computed in closed form per hidden unit (or with the ``energy_quadrature``
        nodes of an untied model, so that they add up to :meth:`score_samples`). For
        tied and scaled models :math:`F` is the closed form and the split is exact as
        well; with ``hidden_layer_sizes`` it is integrated piece by piece between ReLU
        kinks (exact), or with 32 Gauss-Legendre nodes for smooth units. A sample is
        unusual *because of* the features with the most negative contributions:
        moving them from the typical point to their value lowers the
        energy most.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
            Rows sum to ``score_samples(X) - score_samples(energy_origin_[None])``
            (up to rounding).

        References
        ----------
        .. [1] Sundararajan, M., Taly, A. and Yan, Q. "Axiomatic attribution for
           deep networks", ICML 2017.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_consae import UntiedAutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(200, 3))
        >>> ae = UntiedAutoEncoder(8, max_epochs=5, random_state=0).fit(X)
        >>> contributions = ae.energy_contributions(X[:4])
        >>> origin_energy = ae.score_samples(ae.energy_origin_[None])
        >>> bool(np.allclose(contributions.sum(1), ae.score_samples(X[:4]) - origin_energy,
        ...                  atol=1e-5))
        True
        """
        X = self._validate_for_inference(X)
        return self._energy(X, contributions=True)

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """+1 for inliers, -1 for outliers (energy below ``offset_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples,), dtype int
        """
        decision = self.decision_function(X)
        return np.where(decision >= 0, 1, -1)  # a non-finite decision is never an inlier


class UntiedAutoEncoder(_BaseAutoEncoder):
    r"""Auto-encoder with free (untied), tied or scaled decoder weights, with one
    hidden layer or several.

    .. math:: r(x) = R\,h(W^\top x + b) + c

    (one hidden layer; ``hidden_layer_sizes`` adds layers before the code).

    trained to minimise the mean of :math:`\lVert r(\tilde x) - x\rVert^2` over
    mini-batches (:math:`\tilde x = x` plus optional Gaussian ``noise``). As a
    transformer it maps X to hidden activations; as a density model its field
    :math:`r(x) - x` has an energy (:meth:`score_samples`) that scores samples, and
    it follows scikit-learn's outlier-detector contract (as
    :class:`~sklearn.ensemble.IsolationForest`).

    Training runs through skorch on float32 tensors; inference runs in the input's
    dtype, in chunks of bounded memory.

    Read more in the :ref:`User Guide <vector-field>`.

    Parameters
    ----------
    n_components : int or "auto", default="auto"
        Number of hidden units H (of the code layer, with ``hidden_layer_sizes``).
        ``"auto"``: 100, or 200 with ``novelty=True``.
    hidden_layer_sizes : tuple of int, default=()
        Encoder layers before the code layer; the decoder mirrors them. ``()`` is the
        one-hidden-layer model. With layers, ``"untied"`` has a free decoder (energy
        by quadrature) and ``"tied"`` / ``"scaled"`` decode through the encoder's
        backward pass, :math:`r = \nabla \Psi`: conservative by construction, exact
        energy. See :ref:`deep-autoencoders`.
    activation : {"sigmoid", "relu", "tanh", "softplus", "linear"}, default="relu"
        Hidden activation h. ReLU units gave the best anomaly scores on the
        benchmark (:ref:`User Guide <anomaly-benchmark>`); the paper's Table 1 uses both ReLU and
        sigmoid.
    weight_tying : {"untied", "tied", "scaled"}, default="untied"
        ``"untied"``: the decoder R is free. ``"tied"``: R = W. ``"scaled"``:
        R = W diag(s) with a free s, conservative by construction yet richer than
        tying.
    weight_length : float or None, default=None
        If set to alpha, every hidden unit's encoder column (and, untied, its decoder
        column) is projected to Euclidean norm alpha after every optimiser step
        (paper, footnote 4).
    noise : float or "auto", default="auto"
        Standard deviation of Gaussian input noise (denoising training), drawn once
        per optimiser step; the target stays the clean input. ``"auto"`` is Scott's
        kernel bandwidth, :math:`n^{-1/(D+4)}` times the root-mean-square spread of
        the training features for n rows and D features (``noise_`` holds the value
        used). See :ref:`anomaly-scores`.
    asymmetry_penalty : float, default=0.0
        Weight :math:`\lambda` of the conservativeness regulariser
        :math:`\tfrac12 \lVert J - J^\top\rVert_F^2` (QCSBM's Asym, Chao et al. 2023),
        batch mean, exact in closed form. 0 for tied and scaled models. See
        :ref:`training-criteria`.
    optimizer : {"adam", "sgd", "lbfgs"}, default="adam"
        ``"sgd"`` uses ``momentum``. ``"lbfgs"`` runs one full-batch L-BFGS step
        (up to 20 iterations, strong-Wolfe line search) per epoch and ignores
        ``batch_size``.
    lr : float or None, default=None
        Learning rate; None means 1e-3 for adam, 1e-2 for sgd and 1.0 for lbfgs.
    momentum : float, default=0.9
        Momentum of ``"sgd"``.
    ema_momentum : float in [0, 1), default=0.0
        The fitted weights are the exponential moving average of the weights at the
        ends of the epochs, :math:`\bar\theta_t = m\,\bar\theta_{t-1} + (1 - m)\,
        \theta_t`, bias-corrected (divided by :math:`1 - m^t`, as Adam's moments
        are): stochastic gradients leave the last weights wandering around the
        objective's minimiser, and their average is closer to it (Polyak and Juditsky
        1992). 0 keeps the last weights; 0.9 averages about the last ten epochs.
        Training continues from the last weights, so ``partial_fit`` and
        ``warm_start`` train as one ``fit``. A trade with contaminated rows, level
        with clean ones: see :ref:`averaged weights <weight-averaging>`.
    max_epochs : int or "auto", default="auto"
        Epochs of ``fit``. ``"auto"``: 100, or 200 with ``novelty=True``.
    max_samples : "auto", int, float in (0, 1] or None, default="auto"
        Rows each epoch trains on, a fresh random subset every epoch (as
        :class:`~sklearn.ensemble.IsolationForest` subsamples), so that the cost of a
        fit stops growing with the data: ``"auto"`` is at most 8,192 rows, an int that
        many, a float that fraction, None every row. Applies when ``shuffle`` (without
        it every row is used in order). See :ref:`training-criteria`.
    batch_size : int or "auto", default="auto"
        Mini-batch size. ``"auto"`` is ``min(128, max(8, n_samples // 16))``, so
        small datasets still get at least 16 optimiser steps per epoch.
    shuffle : bool, default=True
        Shuffle the training samples every epoch.
    contamination : "auto" or float in (0, 0.5], default=0.1
        Sets ``offset_``, the energy below which :meth:`predict` flags an outlier:
        the ``contamination`` quantile of the training energies, or for ``"auto"``
        Tukey's outer fence :math:`Q_1 - 3\,(Q_3 - Q_1)`.
    novelty : bool, default=False
        Whether the training rows are clean (novelty detection, as in
        :class:`~sklearn.neighbors.LocalOutlierFactor`). The denoising objective's
        limit is a kernel density estimate at ``noise_``; on clean rows a larger
        budget brings the energy closer to it, so ``"auto"`` ``n_components`` and
        ``max_epochs`` become 200 units and 200 epochs (about 2.5 times the time of
        a fit). False (rows that may hold anomalies): 100 and 100. Every method works
        in both settings. Measured gains are on tabular data; on images and
        embeddings the defaults score as well or better. See
        :ref:`which settings for your data <anomaly-settings>`.
    energy_quadrature : "exact" or int, default="exact"
        How an untied model integrates its field for :meth:`score_samples`:
        ``"exact"`` integrates each hidden unit in closed form along the segment;
        an int (1 to 1000) is the number of Gauss-Legendre nodes. Ignored when tied
        or scaled. A model with ``hidden_layer_sizes`` has no per-unit closed form:
        ``"exact"`` then means 32 nodes (see :ref:`deep-autoencoders` for the
        measured error).
    device : str or torch.device, default="cpu"
        Where to train and infer: ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling and the noise (through private
        torch generators: global torch and NumPy state are left alone). The same
        seed gives identical weights on CPU.
    verbose : int, default=0
        If positive, skorch prints its per-epoch table.
    callbacks : list of skorch callbacks or None, default=None
        Extra :mod:`skorch.callbacks` (or ``(name, callback)`` pairs), e.g.
        :class:`sk_consae.callbacks.ConservativenessMonitor`. They are copied at fit;
        what they record lands in ``history_``.
    warm_start : bool, default=False
        If True, ``fit`` continues from the current weights and optimiser state.
    validation_fraction : float in (0, 1) or None, default=None
        Hold out this fraction of each training call's rows (a random subset fixed by
        ``random_state``) and record their loss as ``valid_loss`` in ``history_`` every
        epoch, for :class:`skorch.callbacks.EarlyStopping` or a look at over-fitting.
        Held-out rows do not train the model; ``offset_`` and ``energy_origin_`` still
        use every row. None: train on all rows, no ``valid_loss``.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the torch module.
    encoder_weights_ : ndarray of shape (n_features, n_components)
        W, float32.
    decoder_weights_ : ndarray of shape (n_features, n_components)
        R (W when tied, W diag(s) when scaled), float32.
    encoder_bias_ : ndarray of shape (n_components,)
        b.
    decoder_bias_ : ndarray of shape (n_features,)
        c.
    energy_origin_ : ndarray of shape (n_features,)
        Mean of the training samples, the origin of an untied model's line-integral
        energy.
    offset_ : float
        Threshold of :meth:`predict`, from the energies of all training rows (after
        ``partial_fit``, from a uniform sample of at most 10,000 energies of the rows
        seen so far, carried to the current model's scale): Tukey's outer fence for
        ``contamination="auto"``, else the ``contamination`` quantile. The model keeps
        those energies, never the rows.
    noise_ : float
        The noise standard deviation used in training (``noise`` resolved).
    temperature_ : float
        The score-matching temperature :math:`T = E\lVert v\rVert^2 /
        (-E\,\nabla\cdot v)` on (at most 8,192 evenly spaced) training rows:
        :meth:`score_samples` is the energy divided by it, a log-density whose scale
        does not depend on ``noise``. 1.0 when the field does not contract on average.
    history_ : skorch.history.History
        One row per epoch with ``train_loss`` (the training criterion) and what
        callbacks recorded.
    n_samples_seen_ : int
        Samples seen by ``fit`` or all ``partial_fit`` calls.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    ContractiveAutoEncoder : Adds a closed-form contractive penalty.
    sklearn.neural_network.BernoulliRBM : Its free energy is this model's energy
        with tied sigmoid units.

    Notes
    -----
    The field is conservative iff the Jacobian :math:`R\,\mathrm{diag}(h')\,W^\top`
    is symmetric; tied and scaled weights guarantee it. Untied models become nearly
    conservative through training (paper, Table 1): measure it with
    :func:`sk_consae.metrics.jacobian_symmetricity`.

    A fitted one-hidden-layer ReLU model caps each unit at the largest activation it
    reached on the training rows (``field_parameters_["unit_caps"]``): nothing changes
    on the training data, and far from it the reconstruction stays bounded, as the
    denoising objective's limit (a weighted mean of training rows) is, so the energy
    falls there in every direction instead of rising along the units' linear
    extrapolation.

    A Ctrl-C during training stops skorch's loop at the current batch: the
    estimator is then fitted with the weights reached and ``history_`` holds the
    epochs run. A fit that raises leaves the estimator as it was before the call.

    References
    ----------
    .. [1] Im, D. J., Belghazi, M. I. D. and Memisevic, R. "Conservativeness of
       untied auto-encoders", AAAI 2016.
    .. [2] Kamyshanska, H. and Memisevic, R. "The potential energy of an
       autoencoder", IEEE TPAMI 2015.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sk_consae import UntiedAutoEncoder
    >>> X = load_digits().data / 16.0
    >>> ae = UntiedAutoEncoder(n_components=32, max_epochs=5, random_state=0).fit(X)
    >>> ae.transform(X).shape
    (1797, 32)
    >>> ae.score_samples(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **_BaseAutoEncoder._parameter_constraints,
        "n_components": [COUNT, StrOptions({"auto"})],
        "max_epochs": [COUNT, StrOptions({"auto"})],
        "novelty": ["boolean"],
    }

    def __init__(
        self,
        n_components="auto",
        *,
        hidden_layer_sizes=(),
        activation="relu",
        weight_tying="untied",
        weight_length=None,
        noise="auto",
        asymmetry_penalty=0.0,
        optimizer="adam",
        lr=None,
        momentum=0.9,
        ema_momentum=0.0,
        max_epochs="auto",
        max_samples="auto",
        batch_size="auto",
        shuffle=True,
        contamination=0.1,
        novelty=False,
        energy_quadrature="exact",
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
        warm_start=False,
        validation_fraction=None,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.weight_tying = weight_tying
        self.weight_length = weight_length
        self.noise = noise
        self.asymmetry_penalty = asymmetry_penalty
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.ema_momentum = ema_momentum
        self.max_epochs = max_epochs
        self.max_samples = max_samples
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.contamination = contamination
        self.novelty = novelty
        self.energy_quadrature = energy_quadrature
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.validation_fraction = validation_fraction

    def __setstate__(self, state):
        super().__setstate__(state)
        # Models saved before novelty existed were fitted without it.
        vars(self).setdefault("novelty", False)
