"""The paper's experiments as functions returning numbers (plots live elsewhere).

Each function works on the embedded ``load_digits`` by default and on MNIST (or any
data) when given, and is what ``python -m sk_consae reproduce`` runs.
"""

import numpy as np
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.utils import Bunch, check_random_state
from skorch.callbacks import Callback

from .._autoencoder import UntiedAutoEncoder
from .._contractive import ContractiveAutoEncoder
from .._extractor import ConservativeFieldExtractor
from .._maths.one_layer import OneLayerField
from ..callbacks import ConservativenessMonitor
from ..datasets import make_circle, make_line, make_spiral, make_spiral_sink, salt_and_pepper
from ..metrics import (
    curl,
    energy_ranking,
    jacobian_symmetricity,
    reconstruction_score,
    weight_symmetricity,
)

__all__ = [
    "PAPER_TABLE1",
    "PAPER_TABLE2",
    "load_default_data",
    "symmetricity_table",
    "depth_table",
    "toy_curl_training",
    "polynomial_gradient_projection",
    "spiral_sink_extraction",
    "conservative_recovery",
]

# Im et al. 2016, Table 1 (MNIST, 500 units, 100 epochs): mean sym(J) after training.
PAPER_TABLE1 = {
    "AE": {"relu": 0.959, "relu+wl": 0.987, "sigmoid": 0.951, "sigmoid+wl": 0.991},
    "CAE": {"relu": 0.952, "relu+wl": 0.986, "sigmoid": 0.974, "sigmoid+wl": 0.991},
}

BETAS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)

# Im et al. 2016, Table 2 (MNIST): fraction of pairs with E(x) > E(x corrupted).
PAPER_TABLE2 = {
    "tied": (0.5036, 0.7357, 0.9338, 0.98838, 0.9960, 0.9968),
    "untied": (0.5072, 0.7496, 0.9373, 0.98595, 0.9958, 0.9968),
}


def load_default_data():
    """``load_digits`` pixels scaled to [0, 1]: the embedded default dataset."""
    return load_digits().data / 16.0


def symmetricity_table(
    X=None,
    *,
    n_components=64,
    max_epochs=100,
    batch_size=128,
    weight_length=1.0,
    contraction=0.01,
    n_monitor_points=500,
    device="cpu",
    random_state=0,
    callbacks=(),
    progress=None,
    cells=None,
):
    r"""Table 1 and Fig. 2: Jacobian symmetricity of AEs and CAEs after training.

    Trains eight untied models (AE / CAE x ReLU / sigmoid x without / with weight
    length) with Adam and records, every epoch, the Jacobian and weight
    symmetricity on ``n_monitor_points`` training samples
    (:class:`~sk_consae.callbacks.ConservativenessMonitor`).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), optional
        ``load_digits`` in [0, 1] when None; the paper used MNIST.
    n_components, max_epochs, batch_size : int
        The paper: 500 units, 100 epochs.
    weight_length : float, default=1.0
        :math:`\alpha` for the "+wl" columns.
    contraction : float, default=0.01
        :math:`\lambda` of the CAE (reconstruction target).
    n_monitor_points : int, default=500
        Training samples on which sym(J) and sym(R W^T) are recorded every epoch.
    device : str, default="cpu"
        Where the models train and infer.
    random_state : int, default=0
        Seeds every model and every draw.
    callbacks : sequence of skorch callbacks, default=()
        Added to every model trained (e.g. a progress bar).
    progress : callable, optional
        Called with a short description before each model is trained.
    cells : dict-like, optional
        Finished models by name (``"AE relu"``, ...): a model found there is not
        trained again, and each model trained is stored there as soon as it is done,
        so a long run that stops can continue (the seeds stay the same).

    Returns
    -------
    Bunch with ``table`` (``{"AE": {"relu": value, ...}, "CAE": {...}}``, mean
    sym(J) on all of X), ``weight_table`` (sym(R W^T), same layout) and
    ``estimators`` (same layout, the fitted models with their ``history_``).
    """
    X = load_default_data() if X is None else np.asarray(X, dtype=np.float32)
    rng = check_random_state(random_state)
    monitor_points = X[rng.permutation(len(X))[:n_monitor_points]]
    models = {
        "AE": (UntiedAutoEncoder, {}),
        "CAE": (ContractiveAutoEncoder, {"contraction": contraction}),
    }
    table, weight_table, estimators = {}, {}, {}
    for model, (cls, extra) in models.items():
        table[model], weight_table[model], estimators[model] = {}, {}, {}
        for activation in ("relu", "sigmoid"):
            for length in (None, weight_length):
                column = activation + ("+wl" if length else "")
                seed = rng.randint(2**31)  # drawn also for a stored model: same seeds
                name = f"{model} {column}"
                if cells is not None and name in cells:
                    ae = cells[name]
                else:
                    if progress:
                        progress(name)
                    monitor = ConservativenessMonitor(
                        monitor_points, metrics=("jacobian_symmetricity", "weight_symmetricity")
                    )
                    ae = cls(
                        n_components,
                        activation=activation,
                        weight_length=length,
                        noise=0.0,  # the paper's plain (non-denoising) auto-encoders
                        max_epochs=max_epochs,
                        batch_size=batch_size,
                        device=device,
                        random_state=seed,
                        callbacks=[monitor, *callbacks],
                        **extra,
                    ).fit(X)
                    if cells is not None:
                        cells[name] = ae
                table[model][column] = jacobian_symmetricity(ae, X)
                weight_table[model][column] = weight_symmetricity(ae)
                estimators[model][column] = ae
    return Bunch(table=table, weight_table=weight_table, estimators=estimators)


DEPTHS = (1, 2, 3)
PENALTIES = (0.0, 0.1, 1.0)


def depth_table(
    X=None,
    *,
    depths=DEPTHS,
    penalties=PENALTIES,
    n_components=64,
    max_epochs=100,
    batch_size=128,
    activation="sigmoid",
    contraction=0.01,
    n_monitor_points=300,
    monitor_every=5,
    device="cpu",
    random_state=0,
    callbacks=(),
    progress=None,
):
    r"""Table 1 extended in depth, and the asymmetry penalty on a deep untied model.

    Trains untied AEs and CAEs with 1, 2 and 3 hidden layers (``hidden_layer_sizes``
    of ``depth - 1`` layers of ``n_components`` units before a code of
    ``n_components``), as in :func:`symmetricity_table` otherwise (Adam, no noise,
    CAE :math:`\lambda` = ``contraction``), and records sym(J) every
    ``monitor_every`` epochs on ``n_monitor_points`` samples. Then trains the
    2-hidden-layer AE with each ``asymmetry_penalty`` in ``penalties`` (Hutchinson
    estimate of :math:`\tfrac12 \lVert J - J^\top\rVert_F^2`, one probe per sample and
    step).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), optional
        ``load_digits`` in [0, 1] when None.
    depths : sequence of int, default=(1, 2, 3)
        Hidden layers of the encoder, code layer included.
    penalties : sequence of float, default=(0, 0.1, 1)
        ``asymmetry_penalty`` values for the 2-hidden-layer AE.
    n_components, max_epochs, batch_size : int
        Units per layer, Adam epochs, batch size.
    activation : str, default="sigmoid"
        Activation of every layer.
    contraction : float, default=0.01
        The CAEs' penalty weight.
    n_monitor_points : int, default=300
        Training samples on which sym(J) is recorded during training.
    monitor_every : int, default=5
        Record sym(J) every this many epochs (and after the last).
    device : str, default="cpu"
        Where the models train and infer.
    random_state : int, default=0
        Seeds every model and every draw.
    callbacks : sequence of skorch callbacks, default=()
        Added to every model trained.
    progress : callable, optional
        Called with a short description before each model is trained.

    Returns
    -------
    Bunch with ``depths``, ``table`` (``{"AE": [sym per depth], "CAE": [...]}``, mean
    sym(J) on all of X), ``curves`` (same layout, arrays of (epoch, sym(J) on the
    monitored points) rows), ``penalties``, ``penalty_symmetricity`` and
    ``penalty_error`` (mean squared reconstruction error on X per penalty).
    """
    X = load_default_data() if X is None else np.asarray(X, dtype=np.float32)
    rng = check_random_state(random_state)
    monitor_points = X[rng.permutation(len(X))[:n_monitor_points]]

    def fitted(cls, depth, name, **params):
        if progress:
            progress(name)
        monitor = ConservativenessMonitor(
            monitor_points, every=monitor_every, metrics="jacobian_symmetricity"
        )
        return cls(
            n_components,
            hidden_layer_sizes=(n_components,) * (depth - 1),
            activation=activation,
            noise=0.0,
            max_epochs=max_epochs,
            batch_size=batch_size,
            device=device,
            random_state=rng.randint(2**31),
            callbacks=[monitor, *callbacks],
            **params,
        ).fit(X)

    models = {
        "AE": (UntiedAutoEncoder, {}),
        "CAE": (ContractiveAutoEncoder, {"contraction": contraction}),
    }
    table, curves = {}, {}
    for model, (cls, params) in models.items():
        table[model], curves[model] = [], []
        for depth in depths:
            ae = fitted(cls, depth, f"{model}, {depth} hidden layer(s)", **params)
            table[model].append(jacobian_symmetricity(ae, X))
            curves[model].append(np.asarray(ae.history_[:, ("epoch", "jacobian_symmetricity")]))
    symmetric, error = [], []
    for penalty in penalties:
        ae = fitted(
            UntiedAutoEncoder, 2, f"AE, asymmetry_penalty={penalty}", asymmetry_penalty=penalty
        )
        symmetric.append(jacobian_symmetricity(ae, X))
        error.append(-reconstruction_score(ae, X))
    return Bunch(
        depths=list(depths),
        table=table,
        curves=curves,
        penalties=list(penalties),
        penalty_symmetricity=symmetric,
        penalty_error=error,
    )


class _InitialField(Callback):
    """Keeps a float64 copy of the module's field as it was before training."""

    def on_train_begin(self, net, **kwargs):
        if not len(net.history):
            with torch.no_grad():
                self.field_ = net.module_.field().to(dtype=torch.float64, device="cpu")


def field_functions(field, origin):
    """NumPy callables ``(vector_field, energy)`` of a :class:`OneLayerField`; the
    energy is the line integral from ``origin``."""
    origin = torch.as_tensor(np.asarray(origin, dtype=np.float64))

    def values(X):
        with torch.no_grad():
            return field.vector_field(torch.as_tensor(np.asarray(X, dtype=np.float64))).numpy()

    def energy(X):
        with torch.no_grad():
            points = torch.as_tensor(np.asarray(X, dtype=np.float64))
            return field.segment_energy(points, origin).numpy()

    return values, energy


TOYS = {"line": make_line, "circle": make_circle, "spiral": make_spiral}


def toy_curl_training(
    *,
    data=None,
    n_samples=500,
    n_seeds=1,
    n_components=1000,
    max_epochs=100,
    batch_size=32,
    noise=0.05,
    activation="sigmoid",
    optimizer="adam",
    lr=None,
    momentum=0.9,
    device="cpu",
    random_state=0,
    callbacks=(),
    progress=None,
):
    """Fig. 3: the curl of untied denoising auto-encoders trained on 2-D toys.

    For each toy (:func:`~sk_consae.datasets.make_line`, ``make_circle`` and
    ``make_spiral``, or the arrays in ``data``) trains ``n_seeds`` untied
    auto-encoders (different initial weights, shuffling and noise) and records the
    mean absolute curl of each field on the training points after every epoch. The
    paper used the authors' data, 1000 units, batch 32, denoising noise 0.05 and 500
    epochs of momentum SGD with learning rate 8e-4 (``optimizer="sgd", lr=8e-4,
    max_epochs=500``).

    Parameters
    ----------
    data : dict of str to ndarray of shape (n_samples, 2), optional
        Training points per toy name; generated with ``n_samples`` points when None.
    n_samples : int, default=500
        Points per generated toy.
    n_seeds : int, default=1
        Models per toy, for a band over seeds.
    n_components : int, default=1000
        Hidden units.
    max_epochs : int, default=100
        Training epochs of each model.
    batch_size : int, default=32
        Ignored by ``"lbfgs"``.
    noise : float or "auto", default=0.05
        Denoising noise (``"auto"``: Scott's bandwidth, as ``UntiedAutoEncoder``).
    activation : str, default="sigmoid"
        Hidden units (the paper's are sigmoid; one-layer ``"relu"`` units saturate at
        their largest training activation, so the energy falls away from the data).
    optimizer : {"adam", "sgd", "lbfgs"}, default="adam"
    lr : float or None, default=None
        Learning rate; the optimiser's default when None.
    momentum : float, default=0.9
        Momentum of ``"sgd"``.
    device : str, default="cpu"
        Where the models train.
    random_state : int, default=0
        Seeds the toys and every model.
    callbacks : sequence of skorch callbacks, default=()
        Added to every model trained.
    progress : callable, optional
        Called with a short description before each model is trained.

    Returns
    -------
    Bunch with, per toy name, a Bunch of ``X`` (the data), ``estimators`` (one fitted
    model per seed, with ``history_[:, "curl"]``), ``curls`` (ndarray of shape
    (n_seeds, max_epochs + 1): the mean absolute curl before training and after each
    epoch) and ``initial_fields`` (one
    :class:`~sk_consae._maths.one_layer.OneLayerField` per seed, before training).
    """
    rng = check_random_state(random_state)
    if data is None:
        data = {
            name: make(n_samples, random_state=rng.randint(2**31)) for name, make in TOYS.items()
        }
    results = Bunch()
    for name, X in data.items():
        X = np.asarray(X, dtype=np.float64)
        estimators, initial_fields, curls = [], [], []
        for seed in range(n_seeds):
            if progress:
                progress(f"{name}, seed {seed}")
            ae = UntiedAutoEncoder(
                n_components,
                activation=activation,
                noise=noise,
                batch_size=batch_size,
                max_epochs=max_epochs,
                optimizer=optimizer,
                lr=lr,
                momentum=momentum,
                device=device,
                random_state=rng.randint(2**31),
                callbacks=[
                    ("initial", _InitialField()),
                    ConservativenessMonitor(X, metrics=("curl",)),
                    *callbacks,
                ],
            ).fit(X)
            initial_field = dict(ae.net_.callbacks_)["initial"].field_
            initial_values, _ = field_functions(initial_field, X.mean(0))
            initial_curl = float(np.abs(curl(initial_values, X)).mean())
            estimators.append(ae)
            initial_fields.append(initial_field)
            curls.append([initial_curl, *ae.history_[:, "curl"]])
        results[name] = Bunch(
            X=X, estimators=estimators, initial_fields=initial_fields, curls=np.asarray(curls)
        )
    return results


def polynomial_gradient_projection(X, V, degree=12):
    r"""L2 projection of a 2-D field sampled at X onto gradients of polynomials.

    Least squares over the gradients of the monomials :math:`x^i y^j`,
    :math:`1 \le i + j \le` ``degree``: the discrete :math:`L^2` projection onto
    that subspace of gradient fields, which converges to the projection onto all
    gradients as the degree grows.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
        Samples, one per row.
    V : ndarray of shape (n_samples, 2)
        The field's values at X.
    degree : int, default=12
        Largest total degree of the polynomials.

    Returns
    -------
    ndarray of shape (n_samples, 2)
    """
    X, V = np.asarray(X, dtype=np.float64), np.asarray(V, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or V.shape != X.shape:
        raise ValueError(
            f"X and V must both have shape (n_samples, 2); got {X.shape} and {V.shape}."
        )
    x, y = X[:, 0], X[:, 1]
    columns = []
    for i in range(degree + 1):
        for j in range(degree + 1 - i):
            if i + j:
                d_dx = i * x ** max(i - 1, 0) * y**j
                d_dy = j * x**i * y ** max(j - 1, 0)
                columns.append(np.r_[d_dx, d_dy])
    basis = np.array(columns).T
    coef, *_ = np.linalg.lstsq(basis, np.r_[V[:, 0], V[:, 1]], rcond=None)
    return (basis @ coef).reshape(2, -1).T


def spiral_sink_extraction(
    n_points_per_axis=100,
    *,
    n_components=100,
    max_epochs=50,
    device="cpu",
    random_state=0,
    callbacks=(),
):
    r"""Fig. 4: the conservative part of the spiral sink :math:`(-x + y, -x - y)`.

    Fits tied and scaled :class:`~sk_consae.ConservativeFieldExtractor` models on the
    grid and compares them with the :func:`polynomial_gradient_projection` (degree
    12) and with the free-space gradient part :math:`(-x, -y)`. On the square the
    projection is *not* :math:`(-x, -y)`: it also takes a harmonic gradient from the
    rotation (relative distance about 0.40), see
    :class:`~sk_consae.ConservativeFieldExtractor`.

    Parameters
    ----------
    n_points_per_axis : int, default=100
        The grid over :math:`[-1, 1]^2` has this many points per axis.
    n_components : int, default=100
        Hidden units of each extractor.
    max_epochs : int, default=50
        L-BFGS epochs of each extractor.
    device : str, default="cpu"
        Where the extractors train.
    random_state : int, default=0
        Seeds both extractors.
    callbacks : sequence of skorch callbacks, default=()
        Added to both extractors.

    Returns
    -------
    Bunch with ``X``, ``V``, ``projection``, ``extractors`` (keyed by ``"tied"`` and
    ``"scaled"``), ``error`` (relative L2 error against the projection, per tying),
    ``distance_from_free_space`` (per tying, and ``"projection"``),
    ``unexplained`` (share of :math:`\lVert V\rVert^2` left by the projection) and
    ``projection_min_eigenvalue`` (per grid point, the smallest eigenvalue of the
    projection's symmetrised Jacobian, by finite differences). A tied model's field
    has Jacobian :math:`-I + W\,\mathrm{diag}(h')\,W^\top`, whose eigenvalues are
    at least -1 for non-decreasing :math:`h`: where the projection's go below -1
    the tied extractor cannot follow it.
    """
    X, V = make_spiral_sink(n_points_per_axis)
    projection = polynomial_gradient_projection(X, V)
    free_space = -X

    def distance(field, reference):
        return float(np.linalg.norm(field - reference) / np.linalg.norm(reference))

    extractors, error, distances = {}, {}, {"projection": distance(projection, free_space)}
    for tying in ("tied", "scaled"):
        extractor = ConservativeFieldExtractor(
            n_components,
            weight_tying=tying,
            max_epochs=max_epochs,
            device=device,
            random_state=random_state,
            callbacks=list(callbacks),
        ).fit(X, V)
        conservative = extractor.predict(X)
        extractors[tying] = extractor
        error[tying] = distance(conservative, projection)
        distances[tying] = distance(conservative, free_space)
    return Bunch(
        X=X,
        V=V,
        projection=projection,
        projection_min_eigenvalue=_grid_min_jacobian_eigenvalue(projection, n_points_per_axis),
        extractors=extractors,
        error=error,
        distance_from_free_space=distances,
        unexplained=float(np.sum((V - projection) ** 2) / np.sum(V**2)),
    )


def _grid_min_jacobian_eigenvalue(field, side):
    """Smallest eigenvalue of the symmetrised Jacobian of a 2-D field sampled on the
    ``side`` x ``side`` grid of :func:`~sk_consae.datasets.make_spiral_sink` (row
    index = second coordinate), by central differences."""
    values = field.reshape(side, side, 2)
    spacing = 2.0 / (side - 1)
    jacobian = np.empty((side, side, 2, 2))
    for component in range(2):
        d_row, d_col = np.gradient(values[..., component], spacing)
        jacobian[..., component, 0], jacobian[..., component, 1] = d_col, d_row
    symmetric = (jacobian + np.swapaxes(jacobian, -1, -2)) / 2
    return np.linalg.eigvalsh(symmetric)[..., 0].ravel()


def _random_untied_field(n_features, n_components, activation, scale, rng):
    """An untied model with weights uniform in +-scale * sqrt(6 / (D + H)), zero biases."""
    bound = scale * np.sqrt(6.0 / (n_features + n_components))
    W, R = (rng.uniform(-bound, bound, (n_features, n_components)) for _ in range(2))
    return OneLayerField(
        torch.as_tensor(W),
        torch.zeros(n_components, dtype=torch.float64),
        torch.as_tensor(R),
        torch.zeros(n_features, dtype=torch.float64),
        activation,
    )


def _blend(random, trained, beta):
    """Parameters (1 - beta) * random + beta * trained; beta = 1 is the trained model."""
    mix = [(1 - beta) * a + beta * b for a, b in zip(random[:4], trained[:4])]
    return OneLayerField(*mix, trained.activation)


def conservative_recovery(
    X=None,
    *,
    betas=BETAS,
    trained_tying="tied",
    n_components=64,
    n_field_samples=5000,
    corruption=0.2,
    autoencoder=None,
    extractor=None,
    random_weight_scale=1.0,
    random_state=0,
    callbacks=(),
    progress=None,
):
    r"""Algorithm 1 of the paper: recover a conservative field from a blend (Table 2).

    1. Train an auto-encoder on X (tied weights by default): parameters
       :math:`\theta_K`.
    2. Draw a random untied auto-encoder :math:`\theta_0`.
    3. For each :math:`\beta`, take the blended model
       :math:`(1 - \beta)\,\theta_0 + \beta\,\theta_K`, sample ``n_field_samples``
       points uniformly in X's bounding box, and fit a
       :class:`ConservativeFieldExtractor` (tied, as in the paper) to the blended
       field there.
    4. Report the fraction of samples :math:`x` whose extracted potential exceeds
       that of their salt-and-pepper corruption :math:`\tilde x`.

    At :math:`\beta = 1` the field is conservative and the extracted potential ranks
    data above corruptions; at :math:`\beta = 0` it is a random field. The paper's
    text writes the blend the other way round, but its table only makes sense with
    :math:`\beta = 1` being the trained model.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), optional
        Data in [0, 1]; ``load_digits`` scaled to [0, 1] when None.
    betas : sequence of float, default=(0, 0.2, 0.4, 0.6, 0.8, 1)
        Blend weights; 1 is the trained model, 0 the random one.
    trained_tying : {"tied", "untied"}, default="tied"
        How the model :math:`\theta_K` is trained (the paper's "CVF=Tied AE" and
        "CVF=Untied AE" rows).
    n_components : int, default=64
        Hidden units of the trained, random and extracting models.
    n_field_samples : int, default=5000
        Points where the blended field is sampled.
    corruption : float, default=0.2
        Salt-and-pepper probability.
    autoencoder : UntiedAutoEncoder, optional
        Template for step 1 (cloned; its ``weight_tying`` is set to
        ``trained_tying``). Default: sigmoid units, 50 epochs of Adam.
    extractor : ConservativeFieldExtractor, optional
        Template for step 3 (cloned). Default: tied sigmoid units, 50 L-BFGS epochs.
    random_weight_scale : float, default=1.0
        The random model's weights are uniform in
        :math:`\pm\,\mathrm{scale}\,\sqrt{6/(D + H)}`; 1 is this package's own
        initialisation. Small random weights leave the blended field dominated by its
        :math:`-x` term, whose potential :math:`-\frac12\lVert x\rVert^2` already
        ranks clean digits above salted ones, so at :math:`\beta = 0` the ranking
        starts above 0.5 (about 0.68 on digits); 4 (the classic sigmoid
        initialisation) makes the random part dominate and the ranking rise later.
    random_state : int, default=0
        Seeds every model and every draw.
    callbacks : sequence of skorch callbacks, default=()
        Added to every model trained.
    progress : callable, optional
        Called with a short description before each model is trained.

    Returns
    -------
    Bunch with
        ``betas`` (ndarray), ``ranking`` (ndarray, one fraction per beta),
        ``field_r2`` (ndarray, the extractor's :math:`R^2` on its samples),
        ``trained_ranking`` (float, the trained model's own energy ranking),
        ``quadratic_ranking`` (float, the ranking by :math:`-\frac12\lVert x\rVert^2`
        alone, the potential of the blend's :math:`-x` term) and ``paper`` (the
        paper's row for ``trained_tying``).
    """
    X = load_default_data() if X is None else np.asarray(X, dtype=np.float64)
    rng = check_random_state(random_state)
    corrupted = salt_and_pepper(X, corruption, random_state=rng)

    if autoencoder is None:
        autoencoder = UntiedAutoEncoder(
            n_components, activation="sigmoid", noise=0.0, batch_size=128, max_epochs=50
        )

    def with_callbacks(template):
        return clone(template).set_params(
            callbacks=[*(template.callbacks or []), *callbacks], random_state=rng.randint(2**31)
        )

    if progress:
        progress(f"{trained_tying} AE")
    trained = with_callbacks(autoencoder).set_params(weight_tying=trained_tying).fit(X)
    trained_field = trained._field(torch.float64, "cpu")
    n_features, n_hidden = trained_field.encoder_weight.shape
    random_field = _random_untied_field(
        n_features, n_hidden, trained_field.activation, random_weight_scale, rng
    )

    if extractor is None:
        extractor = ConservativeFieldExtractor(n_components, weight_tying="tied", max_epochs=50)
    low, high = X.min(0), X.max(0)
    ranking, field_r2 = [], []
    for beta in betas:
        field = _blend(random_field, trained_field, beta)
        points = rng.uniform(low, high, (n_field_samples, n_features))
        with torch.no_grad():
            values = field.vector_field(torch.as_tensor(points)).numpy()
        if progress:
            progress(f"{trained_tying} beta={beta:.1f}")
        fitted = with_callbacks(extractor).fit(points, values)
        ranking.append(energy_ranking(fitted, X, corrupted))
        field_r2.append(fitted.score(points, values))
    return Bunch(
        betas=np.asarray(betas, dtype=float),
        ranking=np.asarray(ranking),
        field_r2=np.asarray(field_r2),
        trained_ranking=energy_ranking(trained, X, corrupted),
        quadratic_ranking=float(np.mean((X**2).sum(1) < (corrupted**2).sum(1))),
        paper=PAPER_TABLE2.get(trained_tying),
    )
