"""ConservativeFieldExtractor: the conservative part and potential of a sampled field."""

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_array

from ._base import _BaseFieldModel
from ._fields import field_values
from ._maths.energy import finite_energies
from ._nn.module import WEIGHT_TYING
from ._options import COUNT, MODEL_CONSTRAINTS, TRAINING_CONSTRAINTS
from ._outliers import feature_spread, weighted_mean

__all__ = ["ConservativeFieldExtractor"]


def check_field_values(y, X):
    """Validate the field's values y against the points X: same shape, finite, numeric."""
    if y is None:
        raise ValueError(
            "ConservativeFieldExtractor requires y to be passed, but the target y is "
            f"None: give y, the field's values at X, of shape {X.shape}."
        )
    y = check_array(y, dtype=[np.float64, np.float32], ensure_2d=False, input_name="y")
    if y.shape != X.shape:
        raise ValueError(
            f"y has shape {y.shape}, expected {X.shape}: the field's values at X, one "
            "vector per row of X with X's number of features."
        )
    return y


class ConservativeFieldExtractor(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, _BaseFieldModel
):
    r"""Learn the conservative (gradient) part of a vector field and its potential.

    Given samples :math:`(x_i, v_i)` of any field, fits an auto-encoder whose field is
    a gradient by construction (tied or scaled weights) by least squares,

    .. math::

        \min_\theta \frac1n \sum_i \lVert \nabla F_\theta(x_i) - v_i\rVert^2,
        \qquad
        F_\theta(x) = \sum_k s_k A(w_k^\top x + b_k) - \tfrac12\lVert x - c\rVert^2,

    so :meth:`predict` is the closest gradient field in the model family and
    :meth:`score_samples` its potential :math:`F`.

    **Which conservative part.** The population optimum is the :math:`L^2`
    projection of the field onto gradients *over the sampling distribution*
    (Helmholtz-Hodge). On a bounded domain that is not the free-space split: for the
    spiral sink :math:`(-x + y, -x - y)` on a square the projection is
    :math:`(-x, -y)` plus a harmonic gradient that absorbs part of the rotation
    (relative distance about 0.40 from :math:`(-x, -y)` on :math:`[-1, 1]^2`). Only
    when the rotational part has zero normal component on the boundary (and the
    sampling is uniform) is the projection the "obvious" gradient. With finitely many
    samples the fit is the *empirical* projection: a flexible gradient model also
    absorbs the part of the rotational field that happens to correlate with
    gradients on those points, so its error against the population projection falls
    as the sample grows.

    Read more in the :ref:`User Guide <field-extraction>`.

    Parameters
    ----------
    n_components : int, default=100
        Number of hidden units (terms of the potential).
    activation : {"sigmoid", "relu", "tanh", "softplus", "linear"}, default="sigmoid"
        Hidden activation :math:`h`; the potential uses its antiderivative.
    weight_tying : {"scaled", "tied"}, default="scaled"
        ``"scaled"`` (:math:`R = W\,\mathrm{diag}(s)`) lets each unit's amplitude
        differ from its slope and fits far better than ``"tied"`` (:math:`R = W`).
    standardize : bool, default=True
        Fit in standardised coordinates :math:`z = (x - \mu) / \sigma` with one
        scale :math:`\sigma` for all features (the root mean feature variance) and
        the field rescaled as :math:`v / \sigma`; the potential is
        :math:`\sigma^2 F(z(x))`. The model family is unchanged by this (it is
        invariant under translations and isotropic scalings, which keep the identity
        term of :math:`r(x) - x`), but initialisation and L-BFGS are far better
        conditioned when the data are not near unit scale. Per-feature scaling would
        change the family and is deliberately not offered; for the same reason do not
        put a scaler in front of this estimator in a pipeline (V would not be
        transformed with X).
    optimizer : {"adam", "sgd", "lbfgs"}, default="lbfgs"
        ``"lbfgs"`` (full batch, strong-Wolfe) suits a few thousand samples.
    lr : float or None, default=None
        None means 1e-3 for adam, 1e-2 for sgd and 1.0 for lbfgs.
    momentum : float, default=0.9
        Momentum of ``"sgd"``; ignored by the other optimisers.
    max_epochs : int, default=100
        For ``"lbfgs"``, each epoch is one step of up to 20 iterations.
    batch_size : int, default=128
        Ignored by ``"lbfgs"``.
    shuffle : bool, default=True
        Shuffle the training samples every epoch (mini-batch optimisers).
    device : str or torch.device, default="cpu"
        Where to train and infer: ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights and the shuffling (private torch generators: global
        torch and NumPy state are left alone).
    verbose : int, default=0
        If positive, skorch prints its per-epoch table.
    callbacks : list of skorch callbacks or None, default=None
        Extra :mod:`skorch.callbacks`; copied at fit, what they record lands in ``history_``.
    warm_start : bool, default=False
        If True, ``fit`` continues from the current weights and optimiser state.
    validation_fraction : float in (0, 1) or None, default=None
        Hold out this fraction of the samples (a random subset fixed by
        ``random_state``) and record the fit's loss on them as ``valid_loss`` in
        ``history_`` every epoch, e.g. for :class:`skorch.callbacks.EarlyStopping`.
        Held-out samples do not train the model.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        Trained on standardised coordinates when ``standardize``.
    input_mean_ : ndarray of shape (n_features,)
        :math:`\mu` (zeros without standardisation).
    input_scale_ : float
        :math:`\sigma` (1 without standardisation).
    encoder_weights_, decoder_weights_, encoder_bias_, decoder_bias_ : ndarray
        Parameters of the model in standardised coordinates.
    history_ : skorch.history.History
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    UntiedAutoEncoder : Its field is conservative only approximately.
    sk_consae.metrics.curl : How far a field is from conservative.

    Notes
    -----
    Hidden units start as ridges through random training points (slopes
    :math:`N(0, 9/D)` in standardised coordinates, amplitudes :math:`N(0, 0.01)`),
    so that they vary across the data from the start.

    References
    ----------
    .. [1] Im, D. J., Belghazi, M. I. D. and Memisevic, R. "Conservativeness of
       untied auto-encoders", AAAI 2016, section "Decomposing the Vector Field".
    .. [2] Bhatia, H., Norgard, G., Pascucci, V. and Bremer, P.-T. "The
       Helmholtz-Hodge decomposition - a survey", IEEE TVCG 2013.

    Examples
    --------
    >>> from sk_consae import ConservativeFieldExtractor
    >>> from sk_consae.datasets import make_spiral_sink
    >>> X, V = make_spiral_sink(30)
    >>> extractor = ConservativeFieldExtractor(n_components=50, max_epochs=20,
    ...                                        random_state=0).fit(X, V)
    >>> conservative, remainder = extractor.decompose(X, V)
    >>> conservative.shape, extractor.score_samples(X).shape
    ((900, 2), (900,))
    """

    _parameter_constraints: dict = {
        **MODEL_CONSTRAINTS,
        **TRAINING_CONSTRAINTS,
        # Only gradient fields (tied or scaled), and a fixed batch size.
        "weight_tying": [StrOptions(set(WEIGHT_TYING) - {"untied"})],
        "batch_size": [COUNT],
        "standardize": ["boolean"],
    }

    def __init__(
        self,
        n_components=100,
        *,
        activation="sigmoid",
        weight_tying="scaled",
        standardize=True,
        optimizer="lbfgs",
        lr=None,
        momentum=0.9,
        max_epochs=100,
        batch_size=128,
        shuffle=True,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
        warm_start=False,
        validation_fraction=None,
    ):
        self.n_components = n_components
        self.activation = activation
        self.weight_tying = weight_tying
        self.standardize = standardize
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.validation_fraction = validation_fraction

    def __sklearn_tags__(self):
        # Not a regressor in scikit-learn's sense: y must have X's shape (a field on X),
        # so no 1-D target is ever valid; fit requires y, predict returns X's shape.
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags

    @property
    def _n_features_out(self):
        return self._fitted_n_components

    def _net_params(self):
        # Per-feature scaling changes the model family (see `standardize`).
        return {
            "divergence_advice": "or rescale X and y by one common factor (standardize=True "
            "does this for you)"
        }

    def _initialize_module(self, module, inputs, generator):
        module.init_ridges_(inputs, generator=generator)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the gradient field closest to y in the least-squares sense.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points where the field is known.
        y : array-like of shape (n_samples, n_features), or a field
            The field's values at X (:math:`v_i`), one vector per row of X: a
            multi-output target of X's shape. Or the field itself, evaluated at X
            here: a ``torch.nn.Module`` or torch callable mapping points (n, D) to
            (n, D) (on its parameters' device), a callable of arrays, or a fitted
            sk_consae auto-encoder (its :math:`r(x) - x`), so that one call answers
            "what is my network's energy, and how much of its field is not a
            gradient?" (:meth:`score` on the same field).

        Returns
        -------
        self : object
        """
        return self._fit(X, y, incremental=False)

    def _fit_rows(self, X, y, continuing, incremental, weights=None):
        V = field_values(y, X) if callable(y) else check_field_values(y, X)
        if self.standardize:
            mean, scale = weighted_mean(X), feature_spread(X) or 1.0
        else:
            mean, scale = np.zeros(X.shape[1]), 1.0
        # z = (x - mean) / scale and g(z) = v(x) / scale keep the identity term:
        # v = -x + u(x) becomes g = -z + (u(x) - mean) / scale.
        Z = (X - mean) / scale
        self.net_ = self._train(Z, Z + V / scale, continue_training=continuing)
        self.input_mean_, self.input_scale_ = mean, scale

    def _standardized(self, X):
        return ((X - self.input_mean_) / self.input_scale_).astype(X.dtype, copy=False)

    def predict(self, X):
        """The conservative part of the field at X: the fitted gradient field.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        X = self._validate_for_inference(X)
        Z = self._standardized(X)
        gradient = self._map_rows(lambda f, rows: f.vector_field(rows), Z, (X.shape[1],))
        return (gradient * self.input_scale_).astype(X.dtype, copy=False)

    def score_samples(self, X):
        """The potential :math:`\\phi` with :math:`\\nabla \\phi = ` :meth:`predict`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples,)
            Defined up to an additive constant.
        """
        X = self._validate_for_inference(X)
        square_scale = self.input_scale_**2

        def potential(field, Z):
            return finite_energies(field.energy(Z, None) * square_scale)  # a gradient field

        return self._map_rows(potential, self._standardized(X))

    def transform(self, X):
        """Hidden activations :math:`h(W^\\top z + b)` at the standardised points.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        X = self._validate_for_inference(X)
        return self._map_rows(
            lambda f, rows: f.hidden(rows), self._standardized(X), (self._fitted_n_components,)
        )

    def decompose(self, X, y):
        """Split the field's values y into the fitted conservative part and the rest.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.
        y : array-like of shape (n_samples, n_features), or a field
            The field's values at X, or the field (as in :meth:`fit`).

        Returns
        -------
        conservative : ndarray of shape (n_samples, n_features)
            :meth:`predict` at X.
        remainder : ndarray of shape (n_samples, n_features)
            ``y - conservative``: the rotational and harmonic parts, plus fit error.
        """
        conservative = self.predict(X)
        if callable(y):
            y = field_values(y, self._validate_for_inference(X))
        return conservative, check_field_values(y, conservative) - conservative

    def score(self, X, y, sample_weight=None):
        """:math:`R^2` of the conservative part against y, pooled over components.

        :math:`1 - \\sum_i \\lVert v_i - \\hat v_i\\rVert^2 / \\sum_i \\lVert v_i -
        \\bar v\\rVert^2` (``r2_score(..., multioutput="variance_weighted")``): the
        share of the field's variance that is conservative, as the model sees it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.
        y : array-like of shape (n_samples, n_features), or a field
            The field's values at X, or the field (as in :meth:`fit`).
        sample_weight : array-like of shape (n_samples,), optional
            Weights of the samples in :math:`R^2`; equal weights when None.

        Returns
        -------
        float
        """
        conservative, remainder = self.decompose(X, y)
        return float(
            r2_score(
                conservative + remainder,
                conservative,
                sample_weight=sample_weight,
                multioutput="variance_weighted",
            )
        )
