"""ContractiveAutoEncoder: the auto-encoder with a closed-form contractive penalty."""

from ._autoencoder import _BaseAutoEncoder, _shared_docstring
from ._options import declare_options

__all__ = ["ContractiveAutoEncoder"]


_CONTRACTION_DOC = r"""
    contraction : float, default=0.1
        The penalty weight :math:`\lambda`.
    contraction_target : {"reconstruction", "encoder"}, default="reconstruction"
        Penalise the Jacobian of the reconstruction :math:`r` or of the encoder
        :math:`h`."""


@declare_options()
@_shared_docstring(_CONTRACTION_DOC)
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
    ----------$parameters

    Attributes
    ----------$attributes

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
