"""ContractiveAutoEncoder: the auto-encoder with a closed-form contractive penalty."""

from ._autoencoder import _BaseAutoEncoder
from ._options import CONTRACTION_CONSTRAINTS

__all__ = ["ContractiveAutoEncoder"]


class ContractiveAutoEncoder(_BaseAutoEncoder):
    r"""Auto-encoder trained with a contractive penalty, in closed form.

    Minimises the batch mean of

    .. math:: \lVert r(\tilde x) - x\rVert^2 + \lambda\, P(x)

    with, for ``contraction_target="reconstruction"`` (paper eq. 10, Alain and
    Bengio 2014),

    .. math::

        P = \lVert \partial r / \partial x\rVert_F^2
          = d^\top \big((R^\top R) \circ (W^\top W)\big)\, d,

    and for ``contraction_target="encoder"`` (Rifai et al. 2011),

    .. math:: P = \lVert \partial h / \partial x\rVert_F^2 = \sum_k d_k^2 \lVert w_k\rVert^2,

    where :math:`d = h'(W^\top x + b)`. Neither forms a Jacobian: the first costs
    :math:`O(D H^2)` per step for the Gram matrices, the second :math:`O(D H)`.
    Contraction drives the field towards conservativeness near the data (paper,
    Prop. 3). Everything else is as in :class:`UntiedAutoEncoder`.

    With ``hidden_layer_sizes`` no closed form exists: the penalty is Hutchinson's
    unbiased estimate :math:`\lVert J^\top z\rVert^2`,
    :math:`E_z \lVert J^\top z\rVert^2 = \lVert J\rVert_F^2`, with one Rademacher
    probe :math:`z` per sample and step (one extra backward pass).

    Read more in the :ref:`User Guide <training-criteria>`.

    Parameters
    ----------
    n_components : int, default=100
        Number of hidden units H (of the code layer, with ``hidden_layer_sizes``).
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
    contraction : float, default=0.1
        The penalty weight :math:`\lambda`.
    contraction_target : {"reconstruction", "encoder"}, default="reconstruction"
        Penalise the Jacobian of the reconstruction :math:`r` or of the encoder
        :math:`h`.
    optimizer : {"adam", "sgd", "lbfgs"}, default="adam"
        ``"sgd"`` uses ``momentum``. ``"lbfgs"`` runs one full-batch L-BFGS step
        (up to 20 iterations, strong-Wolfe line search) per epoch and ignores
        ``batch_size``.
    lr : float or None, default=None
        Learning rate; None means 1e-3 for adam, 1e-2 for sgd and 1.0 for lbfgs.
    momentum : float, default=0.9
        Momentum of ``"sgd"``.
    ema_momentum : float in [0, 1), default=0.0
        The fitted weights are the bias-corrected exponential moving average of the
        weights at the ends of the epochs, as in :class:`UntiedAutoEncoder`; 0: the
        last weights.
    max_epochs : int, default=100
        Epochs of ``fit``.
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
    UntiedAutoEncoder : The same model without the penalty.

    References
    ----------
    .. [1] Im, D. J., Belghazi, M. I. D. and Memisevic, R. "Conservativeness of
       untied auto-encoders", AAAI 2016, eq. (10) and Table 1.
    .. [2] Alain, G. and Bengio, Y. "What regularized auto-encoders learn from the
       data-generating distribution", JMLR 2014.
    .. [3] Rifai, S., Vincent, P., Muller, X., Glorot, X. and Bengio, Y.
       "Contractive auto-encoders: explicit invariance during feature extraction",
       ICML 2011.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sk_consae import ContractiveAutoEncoder
    >>> X = load_digits().data / 16.0
    >>> cae = ContractiveAutoEncoder(n_components=32, contraction=0.1, max_epochs=5,
    ...                              random_state=0).fit(X)
    >>> cae.transform(X).shape
    (1797, 32)
    """

    _parameter_constraints: dict = {
        **_BaseAutoEncoder._parameter_constraints,
        **CONTRACTION_CONSTRAINTS,
    }

    def __init__(
        self,
        n_components=100,
        *,
        hidden_layer_sizes=(),
        activation="relu",
        weight_tying="untied",
        weight_length=None,
        noise="auto",
        asymmetry_penalty=0.0,
        contraction=0.1,
        contraction_target="reconstruction",
        optimizer="adam",
        lr=None,
        momentum=0.9,
        ema_momentum=0.0,
        max_epochs=100,
        max_samples="auto",
        batch_size="auto",
        shuffle=True,
        contamination=0.1,
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
        self.contraction = contraction
        self.contraction_target = contraction_target
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.ema_momentum = ema_momentum
        self.max_epochs = max_epochs
        self.max_samples = max_samples
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.contamination = contamination
        self.energy_quadrature = energy_quadrature
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.validation_fraction = validation_fraction
