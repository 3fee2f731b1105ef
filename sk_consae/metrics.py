r"""How conservative is a vector field? Symmetricity, curl and energy ranking.

A field :math:`v` is conservative (a gradient) on a simply connected domain iff its
Jacobian is symmetric everywhere (Im et al. 2016, Prop. 1-2). For an auto-encoder
:math:`J(x) = R\,\mathrm{diag}(h'(u))\,W^\top`.

Functions taking ``(estimator, X, y=None)`` are scikit-learn scorers: pass them as
``GridSearchCV(scoring=jacobian_symmetricity)``. ``estimator`` may be a fitted
sk_consae estimator or a :class:`~sklearn.pipeline.Pipeline` ending in one (the
preceding steps transform X first).

References
----------
.. [1] Im, Belghazi and Memisevic, "Conservativeness of untied auto-encoders",
   AAAI 2016, Table 1, Fig. 2-3 and Table 2.
"""

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_array

from ._base import _BaseFieldModel, final_step, map_field_rows
from ._fields import call_numpy_field, field_of, fitted_field, fitted_model
from ._maths.autodiff import row_probes
from ._maths.function_field import FunctionField, path_dependence
from ._maths.jacobian import (
    asymmetry_from_norms,
    dense_curl,
    dense_symmetricity,
    symmetricity_from_norms,
)
from ._maths.score_matching import hyvarinen_scores
from ._options import AT_LEAST_TWO, QUADRATURE_NODES, validated

__all__ = [
    "symmetricity",
    "jacobian_symmetricity",
    "jacobian_asymmetry",
    "weight_symmetricity",
    "jacobian_norms",
    "curl",
    "field_energy",
    "grid_curl",
    "energy_ranking",
    "outlier_roc_auc",
    "reconstruction_score",
    "hyvarinen_score",
]


def symmetricity(A):
    r"""Symmetricity of a square matrix or a stack of them.

    .. math::

        \mathrm{sym}(A) = \frac{\lVert (A + A^\top)/2 \rVert_F}{\lVert A\rVert_F}
        \in [0, 1]

    1 iff :math:`A` is symmetric, 0 iff antisymmetric, and
    :math:`1/\sqrt 2` on average for a matrix with independent entries. A zero matrix
    scores 1.

    Parameters
    ----------
    A : array-like of shape (D, D) or (n, D, D)
        One square matrix, or a stack of them.

    Returns
    -------
    float or ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from sk_consae.metrics import symmetricity
    >>> symmetricity(np.array([[1.0, 2.0], [2.0, 3.0]]))
    1.0
    >>> symmetricity(np.array([[0.0, 1.0], [-1.0, 0.0]]))
    0.0
    """
    A = check_array(A, dtype=np.float64, allow_nd=True, ensure_2d=True)
    if A.ndim not in (2, 3) or A.shape[-1] != A.shape[-2] or A.shape[-1] == 0:
        raise ValueError(
            f"A has shape {A.shape}; expected a non-empty square matrix (D, D) or a "
            "stack (n, D, D)."
        )
    values = dense_symmetricity(torch.from_numpy(A)).numpy()
    return float(values) if A.ndim == 2 else values


def _require_samples(X, function):
    if X is None:
        raise ValueError(
            f"{function} needs X, the samples (n_samples, n_features) to evaluate the "
            "field at; got None."
        )


def _per_row(function, field, X, n_probes, random_state, row_shape=()):
    """``function(field, chunk, probes)`` over bounded chunks of X, stacked: the
    probes (None when exact) are Hutchinson's for the chunk's rows, drawn per block of
    rows from ``random_state``'s seed, so that no result depends on how X is chunked."""
    seed = None
    if n_probes is not None:
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)

    def rows(field, chunk, start):
        stop = start + chunk.shape[0]
        probes = None if seed is None else row_probes(seed, start, stop, n_probes, X.shape[1])
        return function(field, chunk, probes)

    values = map_field_rows(
        rows, field, X, row_shape, lambda f: f.norm_floats(X.shape[1]), with_start=True
    )
    if not np.isfinite(values).all():
        raise ValueError(
            "The field (or its Jacobian) is NaN or infinite at some rows of X: nothing "
            "can be measured there."
        )
    return values


@validated(n_probes=[AT_LEAST_TWO, None])
def jacobian_symmetricity(estimator, X, y=None, *, n_probes=None, random_state=None, device=None):
    r"""Mean symmetricity of a field's Jacobian over the samples X: an auto-encoder's,
    or any torch or NumPy field's.

    .. math::

        \frac1n \sum_i \mathrm{sym}(J(x_i)), \qquad
        \mathrm{sym}(J) = \sqrt{\tfrac12\big(1 + \operatorname{tr}(JJ) /
        \lVert J\rVert_F^2\big)}

    computed in closed form: :math:`\lVert J\rVert_F^2 = d^\top ((R^\top R)\circ
    (W^\top W)) d` and :math:`\operatorname{tr}(JJ) = d^\top ((W^\top R) \circ
    (W^\top R)^\top) d` with :math:`d = h'(u)`. That is :math:`O(D H^2)` once and
    :math:`O(H^2)` per sample; no :math:`D \times D` Jacobian is formed. Paper
    Table 1 reports this on MNIST (about 0.95-0.99 after training).

    A model with ``hidden_layer_sizes`` has no such closed form. Its two norms are
    computed exactly from :math:`D` Jacobian-vector and :math:`D` vector-Jacobian
    products per sample (forward and reverse mode, ``torch.func``; memory
    :math:`O(D)` per sample and probe, never :math:`D \times D`), or, with
    ``n_probes``, estimated from that many Rademacher probes per sample
    (Hutchinson; :func:`jacobian_norms` returns the standard errors). Tied and
    scaled deep models are symmetric by construction.

    Read more in the :ref:`User Guide <measuring-conservativeness>`.

    Parameters
    ----------
    estimator : fitted estimator, Pipeline, torch module or callable
        A fitted estimator's field, or a user's field :math:`f` mapping points (n, D)
        to (n, D): a ``torch.nn.Module`` or a callable that returns a tensor for a
        tensor is differentiated with autograd (``torch.func``) on its parameters'
        device, in their dtype (a tuple output is read as its first element); a
        callable of arrays, by central finite differences (:math:`2D` calls).
        :math:`J = \partial f / \partial x`; for an auto-encoder's reconstruction
        module that is the estimator's own Jacobian.
    X : array-like of shape (n_samples, n_features)
        Samples, one per row.
    y : Ignored
        Present so the function is a scikit-learn scorer.
    n_probes : int or None, default=None
        Hutchinson probes per sample instead of the exact norms (cheaper when
        :math:`D` is large) for deep models and torch fields; one-hidden-layer models
        are exact in closed form and ignore it.
    random_state : int, RandomState instance or None, default=None
        Draws the probes (per block of rows: the result does not depend on how X is
        chunked).
    device : str or torch.device, optional
        Where a torch callable without parameters computes (default the CPU); a
        module computes where its parameters are.

    Returns
    -------
    float in [0, 1]
        1 for tied and scaled models.

    Examples
    --------
    >>> import torch
    >>> from sk_consae.metrics import jacobian_symmetricity
    >>> rotation = torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=torch.float64)
    >>> X = torch.randn(50, 2, dtype=torch.float64).numpy()
    >>> jacobian_symmetricity(lambda x: -x, X), jacobian_symmetricity(lambda x: x @ rotation, X)
    (1.0, 0.0)
    """
    _require_samples(X, "jacobian_symmetricity")
    field, X = field_of(estimator, X, device)
    if field is None:
        return float(symmetricity_from_norms(*_finite_difference_norms(estimator, X)).mean())
    if field.is_gradient:
        return 1.0

    def rows(field, chunk, probes):
        return field.symmetricity_rows(chunk, n_probes, probes)

    return float(_per_row(rows, field, X, n_probes, random_state).mean())


@validated(n_probes=[AT_LEAST_TWO, None])
def jacobian_asymmetry(
    estimator, X, y=None, *, normalize=False, n_probes=None, random_state=None, device=None
):
    r"""Mean asymmetry of the Jacobian over the samples X, as QCSBM measures it.

    .. math::

        \mathrm{Asym}(x) = \tfrac12 \lVert J - J^\top\rVert_F^2, \qquad
        \mathrm{NAsym}(x) = \frac{\lVert J - J^\top\rVert_F^2}{4 \lVert J\rVert_F^2}
        = 1 - \mathrm{sym}(J)^2

    (Chao et al. 2023), in closed form from :math:`\lVert J\rVert_F^2` and
    :math:`\operatorname{tr}(JJ)` as in :func:`jacobian_symmetricity`; no
    :math:`D \times D` Jacobian is formed. 0 for a conservative field; lower is more
    conservative (negate it to use it as a scorer).

    Deep models: exact or Hutchinson norms as in :func:`jacobian_symmetricity`.

    Read more in the :ref:`User Guide <measuring-conservativeness>`.

    Parameters
    ----------
    estimator : fitted estimator, Pipeline, torch module or callable
        The field, as in :func:`jacobian_symmetricity`.
    X : array-like of shape (n_samples, n_features)
        Samples, one per row.
    y : Ignored
        Present for the scorer signature.
    normalize : bool, default=False
        NAsym (scale-free, in [0, 1]) instead of Asym.
    n_probes : int or None, default=None
        Hutchinson probes per sample instead of the exact norms (cheaper when
        :math:`D` is large) for deep models and torch fields; one-hidden-layer models
        are exact in closed form and ignore it.
    random_state : int, RandomState instance or None, default=None
        Draws the probes (per block of rows: the result does not depend on how X is
        chunked).
    device : str or torch.device, optional
        As in :func:`jacobian_symmetricity`.

    Returns
    -------
    float
        0 for tied and scaled models.

    References
    ----------
    .. [1] Chao, C.-H., Sun, W.-F., Hsu, Y.-C., Kira, Z. and Lee, C.-Y. "On
       investigating the conservative property of score-based generative models",
       ICML 2023.
    """
    _require_samples(X, "jacobian_asymmetry")
    field, X = field_of(estimator, X, device)
    if field is None:
        norms = _finite_difference_norms(estimator, X)
        return float(asymmetry_from_norms(*norms, normalize).mean())
    if field.is_gradient:
        return 0.0

    def rows(field, chunk, probes):
        return field.asymmetry_rows(chunk, normalize, n_probes, probes)

    return float(_per_row(rows, field, X, n_probes, random_state).mean())


def weight_symmetricity(estimator, X=None, y=None):
    r"""Symmetricity of the weight product :math:`R W^\top` (paper Fig. 2b, 2d).

    This is the Jacobian's symmetricity with every :math:`h'` replaced by 1, computed
    from :math:`H \times H` matrices. For a model with ``hidden_layer_sizes`` it is
    the symmetricity of the product of all weight matrices (the network with every
    activation replaced by the identity), a :math:`D \times D` matrix.

    Read more in the :ref:`User Guide <measuring-conservativeness>`.

    Parameters
    ----------
    estimator : fitted sk_consae estimator or Pipeline ending in one
        A fitted sk_consae estimator, or a Pipeline ending in one.
    X, y : Ignored
        Present so the function is a scikit-learn scorer.

    Returns
    -------
    float in [0, 1]
    """
    field, _ = fitted_field(estimator)
    return float(field.linearised_symmetricity())


def _finite_difference_jacobian(field, X):
    """Central differences, step :math:`\\epsilon^{1/3} \\max(1, |x_j|)`: error
    :math:`O(h^2)`, exact for fields linear in x up to rounding."""
    n, D = X.shape
    J = np.empty((n, D, D))
    base_step = np.finfo(np.float64).eps ** (1.0 / 3.0)
    for j in range(D):
        step = base_step * np.maximum(1.0, np.abs(X[:, j]))
        forward, backward = X.copy(), X.copy()
        forward[:, j] += step
        backward[:, j] -= step
        spacing = forward[:, j] - backward[:, j]  # the steps actually representable
        J[:, :, j] = (
            call_numpy_field(field, forward) - call_numpy_field(field, backward)
        ) / spacing[:, None]
    return J


def _finite_difference_norms(field, X):
    r""":math:`\lVert J\rVert_F^2` and :math:`\operatorname{tr}(JJ)` per row of a
    NumPy field, from its finite-difference Jacobians."""
    J = torch.from_numpy(_finite_difference_jacobian(field, X))
    return (J * J).sum((1, 2)), (J * J.transpose(1, 2)).sum((1, 2))


@validated(n_probes=[AT_LEAST_TWO, None])
def jacobian_norms(estimator, X, *, n_probes=None, random_state=None, device=None):
    r""":math:`\lVert J(x)\rVert_F^2` and :math:`\operatorname{tr}(J(x)^2)` per sample,
    from which symmetricity, QCSBM's asymmetry and the curl follow.

    .. math::

        \mathrm{sym}(J) = \sqrt{\tfrac12 (1 + \operatorname{tr}(JJ) /
        \lVert J\rVert_F^2)}, \qquad
        \tfrac12 \lVert J - J^\top\rVert_F^2 = \lVert J\rVert_F^2 -
        \operatorname{tr}(JJ) .

    One hidden layer: closed form. Deep models: exact from :math:`D` products
    :math:`J e_j` and :math:`J^\top e_j` per sample, or Hutchinson's estimate
    :math:`\lVert J\rVert_F^2 \approx \frac1p \sum_q \lVert J z_q\rVert^2`,
    :math:`\operatorname{tr}(JJ) \approx \frac1p \sum_q (J^\top z_q)^\top (J z_q)`
    from ``n_probes`` = :math:`p` Rademacher probes :math:`z_q`, with the standard
    error of each mean.

    Read more in the :ref:`User Guide <measuring-conservativeness>`.

    Parameters
    ----------
    estimator : fitted estimator, Pipeline, torch module or callable
        The field, as in :func:`jacobian_symmetricity`.
    X : array-like of shape (n_samples, n_features)
        Samples, one per row.
    n_probes : int or None, default=None
        Hutchinson probes per sample instead of the exact norms (cheaper when
        :math:`D` is large) for deep models and torch fields; one-hidden-layer models
        are exact in closed form and ignore it.
    random_state : int, RandomState instance or None, default=None
        Draws the probes (per block of rows: the result does not depend on how X is
        chunked).
    device : str or torch.device, optional
        As in :func:`jacobian_symmetricity`.

    Returns
    -------
    Bunch
        ``frobenius_sq`` and ``trace_sq``, ndarrays of shape (n_samples,), and
        ``frobenius_sq_se`` and ``trace_sq_se``: their standard errors, or None when
        exact.

    References
    ----------
    .. [1] Hutchinson, M. F. "A stochastic estimator of the trace of the influence
       matrix for Laplacian smoothing splines", 1989.
    """
    _require_samples(X, "jacobian_norms")
    field, X = field_of(estimator, X, device)
    if field is None:
        frobenius_sq, trace_sq = (n.numpy() for n in _finite_difference_norms(estimator, X))
        return Bunch(
            frobenius_sq=frobenius_sq, trace_sq=trace_sq, frobenius_sq_se=None, trace_sq_se=None
        )

    def rows(field, chunk, probes):
        norms = field.jacobian_norms(chunk, n_probes, probes)
        nan = torch.zeros_like(norms[0])  # no standard error: exact
        return torch.stack([nan if value is None else value for value in norms], 1)

    norms = _per_row(rows, field, X, n_probes, random_state, (4,))
    exact = field.exact_norms(n_probes)
    return Bunch(
        frobenius_sq=norms[:, 0],
        trace_sq=norms[:, 1],
        frobenius_sq_se=None if exact else norms[:, 2],
        trace_sq_se=None if exact else norms[:, 3],
    )


def curl(field, X, *, device=None):
    r"""Curl of a vector field at each sample.

    * 2-D: the signed scalar curl :math:`\partial_1 v_2 - \partial_2 v_1`.
    * D > 2: :math:`\lVert J - J^\top\rVert_F / \sqrt 2`, the norm of the curl vector
      in 3-D and its natural extension beyond; it is 0 iff :math:`J` is symmetric.

    Read more in the :ref:`User Guide <measuring-conservativeness>`.

    Parameters
    ----------
    field : fitted sk_consae estimator, Pipeline ending in one, torch module or callable
        An estimator's field :math:`r(x) - x` is differentiated in closed form (2-D
        exactly; otherwise from :math:`H \times H` matrices, with absolute error about
        :math:`10^{-8} \lVert J\rVert_F` near symmetry). A torch module, or a
        callable that returns a tensor for a tensor, maps points (n, D) to the field's
        values (n, D) and is differentiated with autograd (its :math:`2 \times 2`
        Jacobian in 2-D, exact norms beyond). A callable of arrays is differentiated
        by central finite differences (2 D calls on arrays of X's shape).
    X : array-like of shape (n_samples, n_features)
        Samples, one per row.
    device : str or torch.device, optional
        As in :func:`jacobian_symmetricity`.

    Returns
    -------
    ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from sk_consae.metrics import curl
    >>> spiral_sink = lambda X: np.c_[-X[:, 0] + X[:, 1], -X[:, 0] - X[:, 1]]
    >>> curl(spiral_sink, np.array([[0.5, -0.2], [0.0, 1.0]])).round(6)
    array([-2., -2.])
    """
    _require_samples(X, "curl")
    measured, X = field_of(field, X, device)
    if X.shape[1] < 2:
        raise ValueError(f"X has shape {X.shape}; curl needs at least 2 features.")
    if measured is None:
        return dense_curl(torch.from_numpy(_finite_difference_jacobian(field, X))).numpy()
    return _per_row(lambda field, chunk, _: field.curl_rows(chunk), measured, X, None, None)


@validated(n_nodes=[QUADRATURE_NODES])
def field_energy(field, X, *, origin=None, n_nodes=32, random_state=0, device=None):
    r"""The energy of a vector field at X: its line integral from an origin, and how
    much that depends on the path.

    .. math::

        F(x) = \int_0^1 f(x_0 + t d) \cdot d \, dt, \qquad d = x - x_0,

    by Gauss-Legendre quadrature with ``n_nodes`` nodes (a fitted estimator uses its own
    rule: closed form when tied or scaled, exact per hidden unit when untied). When
    :math:`f = \nabla \log p` (a score network, a denoiser's residual), :math:`F` is
    :math:`\log p(x) - \log p(x_0)`. It is an energy only where :math:`f` is
    conservative; ``path_dependence`` measures how far from that the answer is: the
    energy along the two segments :math:`x_0 \to m \to x`, with the corner
    :math:`m = x_0 + \tfrac12 d + \tfrac12 \lVert d\rVert u` half a length off the
    segment in a direction :math:`u \perp d`, minus the straight one (minus the
    circulation of :math:`f` around that triangle). It is 0 for every gradient field;
    compare its size with the spread of ``energy`` to know how much an energy
    ranking can be trusted. :func:`jacobian_symmetricity` and :func:`curl` say the
    same locally.

    Read more in the :ref:`User Guide <measuring-conservativeness>`.

    Parameters
    ----------
    field : fitted sk_consae estimator, Pipeline ending in one, torch module or callable
        As in :func:`jacobian_symmetricity`; for an estimator :math:`f = r(x) - x`, and
        the energy is ``score_samples`` times ``temperature_`` up to a constant. A
        callable of arrays is called on arrays (no derivative is needed).
    X : array-like of shape (n_samples, n_features)
        The points.
    origin : array-like of shape (n_features,), optional
        :math:`x_0`, where the energy is 0 (in X's units): an estimator's
        ``energy_origin_``, else the mean of X.
    n_nodes : int, default=32
        Gauss-Legendre nodes per segment, 1 to 1000.
    random_state : int, RandomState instance or None, default=0
        Draws the direction :math:`u` of the corner.
    device : str or torch.device, optional
        As in :func:`jacobian_symmetricity`.

    Returns
    -------
    Bunch
        ``energy`` and ``path_dependence``, ndarrays of shape (n_samples,), and the
        ``origin`` used.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_consae.metrics import field_energy
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> result = field_energy(lambda x: -x, X, origin=np.zeros(2))  # grad of -|x|^2/2
    >>> result.energy.round(6), np.abs(result.path_dependence).max() < 1e-12
    (array([-0.5, -2. ]), np.True_)
    """
    _require_samples(X, "field_energy")
    measured, X = field_of(field, X, device)
    if measured is None:  # a NumPy field: evaluated on arrays, on the CPU
        measured = FunctionField(
            lambda points: torch.from_numpy(call_numpy_field(field, points.numpy())),
            X.shape[1],
            torch.float64,
            "cpu",
        )
    steps_before, model = final_step(field)
    if origin is None:
        origin = getattr(model, "energy_origin_", None)
        origin = X.mean(0) if origin is None else origin
    elif steps_before is not None:  # given in X's units: where the last step sees it
        origin = steps_before.transform(np.reshape(origin, (1, -1)))
    origin = check_array(np.reshape(origin, (1, -1)), dtype=np.float64, input_name="origin")[0]
    if origin.shape[0] != X.shape[1]:
        raise ValueError(f"origin has {origin.shape[0]} values for points of {X.shape[1]}.")
    detour = check_random_state(random_state).standard_normal(X.shape[1])
    own_rule = isinstance(model, _BaseFieldModel)

    def rows(field, chunk):
        start = torch.as_tensor(origin, dtype=chunk.dtype, device=chunk.device)
        turn = torch.as_tensor(detour, dtype=chunk.dtype, device=chunk.device)
        energy = field.energy(chunk, start, None if own_rule else n_nodes)
        return torch.stack([energy, path_dependence(field, chunk, start, turn, n_nodes)], 1)

    values = map_field_rows(rows, measured, X, (2,), lambda f: f.segment_floats(X.shape[1]))
    if not np.isfinite(values).all():
        raise ValueError("The field is NaN or infinite on a path from the origin to X.")
    return Bunch(energy=values[:, 0], path_dependence=values[:, 1], origin=origin)


def grid_curl(V, spacing=1.0):
    r"""Curl of a field sampled on a regular 2-D or 3-D grid, by finite differences.

    Second-order central differences inside and second-order one-sided differences
    at the edges (``numpy.gradient(..., edge_order=2)``), so a linear field's curl is
    exact everywhere, edges included.

    Parameters
    ----------
    V : array-like of shape (ny, nx, 2) or (nz, ny, nx, 3)
        Field values; ``V[i, j]`` sits at :math:`(x_j, y_i)`, as produced from
        ``numpy.meshgrid(x, y)`` (``indexing="xy"``); in 3-D ``V[k, i, j]`` sits at
        :math:`(x_j, y_i, z_k)`.
    spacing : float or sequence of float, default=1.0
        Grid step, one for all axes or ``(dx, dy)`` / ``(dx, dy, dz)``.

    Returns
    -------
    ndarray of shape (ny, nx) or (nz, ny, nx, 3)
        2-D: :math:`\partial_x V_y - \partial_y V_x`. 3-D: the curl vector.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_consae.metrics import grid_curl
    >>> x = np.linspace(-1, 1, 5)
    >>> gx, gy = np.meshgrid(x, x)
    >>> V = np.stack([-gx + gy, -gx - gy], axis=-1)
    >>> np.allclose(grid_curl(V, spacing=0.5), -2.0)
    True
    """
    V = check_array(V, dtype=np.float64, allow_nd=True, input_name="V")
    dims = V.ndim - 1
    if dims not in (2, 3) or V.shape[-1] != dims:
        raise ValueError(f"V has shape {V.shape}; expected (ny, nx, 2) or (nz, ny, nx, 3).")
    if min(V.shape[:-1]) < 3:
        raise ValueError(f"V has shape {V.shape}; every grid axis needs 3 points or more.")
    try:
        steps = np.atleast_1d(np.asarray(spacing, dtype=np.float64))
    except (TypeError, ValueError):
        steps = np.empty((0, 0))  # not numbers: refused below
    if steps.ndim != 1 or steps.size not in (1, dims):
        raise ValueError(
            f"spacing must be one number or {dims} numbers (one per axis of a {dims}-D "
            f"grid), got {spacing!r}."
        )
    steps = np.broadcast_to(steps, (dims,))
    if not np.all(np.isfinite(steps) & (steps > 0)):
        raise ValueError(f"spacing must be positive and finite, got {spacing!r}.")

    def d(component, axis_name):
        # Components are in (x, y, z) order; array axes in (z,) y, x order.
        axis = {"x": dims - 1, "y": dims - 2, "z": 0}[axis_name]
        step = steps["xyz".index(axis_name)]
        return np.gradient(V[..., component], step, axis=axis, edge_order=2)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if dims == 2:
            result = d(1, "x") - d(0, "y")
        else:
            result = np.stack(
                [d(2, "y") - d(1, "z"), d(0, "z") - d(2, "x"), d(1, "x") - d(0, "y")], axis=-1
            )
    if not np.all(np.isfinite(result)):
        raise ValueError(
            f"grid_curl overflowed float64: differences of V divided by spacing={spacing!r} "
            "exceed its range; use the grid's actual step."
        )
    return result


def energy_ranking(estimator, X, X_other):
    r"""Fraction of pairs whose first sample has the higher energy (paper Table 2).

    .. math:: \frac1n \sum_i \mathbb{1}\big[F(x_i) > F(\tilde x_i)\big]

    With ``X_other`` a corrupted copy of ``X`` (e.g.
    :func:`sk_consae.datasets.salt_and_pepper`), a good energy model scores near 1.

    Read more in the :ref:`User Guide <energy>`.

    Parameters
    ----------
    estimator : fitted estimator with ``score_samples``
        Including a Pipeline ending in an auto-encoder.
    X : array-like of shape (n_samples, n_features)
        Samples, one per row.
    X_other : array-like of shape (n_samples, n_features)
        Paired with X row by row.

    Returns
    -------
    float in [0, 1]
    """
    if not callable(getattr(estimator, "score_samples", None)):
        raise TypeError(
            "energy_ranking needs a fitted estimator with score_samples (an energy), got "
            f"{type(estimator).__name__}."
        )
    first = np.asarray(estimator.score_samples(X))
    second = np.asarray(estimator.score_samples(X_other))
    if first.shape != second.shape:
        raise ValueError(
            f"X and X_other must pair up row by row: got {first.shape[0]} and "
            f"{second.shape[0]} samples."
        )
    return float(np.mean(first > second))


def _anomaly_indicator(y):
    """1 for anomalies, 0 for normal samples, from either labelling convention."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be one label per sample; got shape {y.shape}.")
    if y.dtype.kind not in "biuf" or not np.all(np.isfinite(y)):
        raise ValueError(
            f"y must hold finite numeric labels, {{0, 1}} with 1 = anomaly or {{-1, 1}} with "
            f"-1 = anomaly (the convention of predict); got dtype {y.dtype}."
        )
    labels = set(np.unique(y).tolist())
    if labels <= {0, 1}:
        indicator = y == 1
    elif labels <= {-1, 1}:
        indicator = y == -1
    else:
        raise ValueError(
            f"y has labels {sorted(labels)}; expected {{0, 1}} with 1 = anomaly, or "
            "{-1, 1} with -1 = anomaly (the convention of predict)."
        )
    if indicator.all() or not indicator.any():
        raise ValueError(
            "y holds a single class; the ROC AUC needs both normal samples and anomalies."
        )
    return indicator.astype(int)


def outlier_roc_auc(estimator, X, y):
    r"""ROC AUC of ``score_samples`` at telling anomalies from normal samples.

    The probability that a random normal sample has a higher score (energy) than a
    random anomaly; 1 is a perfect ranking, 0.5 a random one. A scikit-learn scorer:
    ``GridSearchCV(UntiedAutoEncoder(), param_grid, scoring=outlier_roc_auc)``
    tunes a detector on labelled validation folds (the estimators' ``fit`` ignores
    y, so training stays unsupervised).

    Read more in the :ref:`User Guide <anomaly-scores>`.

    Parameters
    ----------
    estimator : fitted estimator with ``score_samples``
        Higher scores mean more normal, as for every scikit-learn outlier detector;
        a Pipeline ending in one works too.
    X : array-like of shape (n_samples, n_features)
        Samples, one per row.
    y : array-like of shape (n_samples,)
        ``{0, 1}`` with 1 marking an anomaly (ADBench's convention), or ``{-1, 1}``
        with -1 marking an anomaly (the convention of ``predict``). Both classes
        must occur.

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sk_consae.metrics import outlier_roc_auc
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(size=(95, 2)), rng.normal(6, 1, size=(5, 2))]
    >>> y = np.r_[np.zeros(95), np.ones(5)]
    >>> detector = IsolationForest(random_state=0).fit(X)
    >>> outlier_roc_auc(detector, X, y)
    1.0
    """
    if not hasattr(estimator, "score_samples"):
        raise TypeError(
            f"outlier_roc_auc needs an estimator with score_samples; got "
            f"{type(estimator).__name__}."
        )
    anomaly = _anomaly_indicator(y)
    scores = np.asarray(estimator.score_samples(X), dtype=np.float64)
    if scores.shape != anomaly.shape:
        raise ValueError(f"y has {anomaly.shape[0]} labels but X has {scores.shape[0]} samples.")
    return float(roc_auc_score(anomaly, -scores))


def reconstruction_score(estimator, X, y=None):
    r"""Negative mean squared reconstruction error, :math:`-\frac1n \sum_i
    \lVert r(x_i) - x_i\rVert^2`: higher is better.

    A scikit-learn scorer: ``GridSearchCV(UntiedAutoEncoder(), param_grid,
    scoring=reconstruction_score)`` picks the model that reconstructs held-out rows
    best. That is what ``score`` returned up to version 0.2.0.dev0; it now returns a
    denoising score-matching criterion, because the best reconstruction is the identity
    map, whose field and energy carry no information about the density (see the
    :ref:`User Guide <model-selection>`).

    Parameters
    ----------
    estimator : fitted UntiedAutoEncoder or ContractiveAutoEncoder
        Or a Pipeline ending in one (the steps before it transform X).
    X : array-like of shape (n_samples, n_features)
        Samples, one per row.
    y : Ignored
        Not used, present for the scorer signature.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from sk_consae import UntiedAutoEncoder
    >>> from sk_consae.metrics import reconstruction_score
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> ae = UntiedAutoEncoder(8, max_epochs=5, random_state=0).fit(X)
    >>> bool(reconstruction_score(ae, X) < 0)
    True
    """
    _require_samples(X, "reconstruction_score")
    field, X = fitted_field(estimator, X)
    return -float(map_field_rows(lambda f, rows: f.squared_error(rows), field, X).mean())


def hyvarinen_score(estimator, X, y=None):
    r"""Mean Hyvärinen score of the model's log-density at the rows of X: higher is
    better.

    With :math:`\log \hat p = F / T` (``score_samples``, :math:`T` = ``temperature_``)
    and :math:`v = r(x) - x = \nabla F`,

    .. math::

        -\frac1n \sum_i \Big[\frac{\lVert v(x_i)\rVert^2}{2 T^2}
            + \frac{\operatorname{tr} J(x_i) - D}{T}\Big],

    minus the score-matching objective :math:`E[\tfrac12\lVert\nabla\log\hat
    p\rVert^2 + \Delta \log \hat p]`, which is :math:`\tfrac12 E\lVert\nabla\log\hat
    p - \nabla\log p\rVert^2` up to a constant of the data alone (Hyvärinen 2005).
    The trace is exact for one hidden layer and for up to 64 features, otherwise
    Hutchinson's estimate from 16 probes of a fixed seed. It reads the field at the
    rows only: as a scorer for ``GridSearchCV`` it favours models with little noise
    whose field is right at the data and untrained between the rows, which is why the
    estimators' ``score`` is the denoising criterion instead (see the
    :ref:`User Guide <model-selection>`). ``temperature_`` is fitted by minimising this
    objective on the training rows.

    Parameters
    ----------
    estimator : fitted UntiedAutoEncoder or ContractiveAutoEncoder
        Or a Pipeline ending in one (the steps before it transform X).
    X : array-like of shape (n_samples, n_features)
        Samples, one per row.
    y : Ignored
        Not used, present for the scorer signature.

    Returns
    -------
    float

    References
    ----------
    .. [1] Hyvärinen, A. "Estimation of non-normalized statistical models by score
       matching", JMLR 6, 2005.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_consae import UntiedAutoEncoder
    >>> from sk_consae.metrics import hyvarinen_score
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> ae = UntiedAutoEncoder(8, max_epochs=5, random_state=0).fit(X)
    >>> bool(np.isfinite(hyvarinen_score(ae, X)))
    True
    """
    _require_samples(X, "hyvarinen_score")
    estimator, X = fitted_model(estimator, X)
    if not hasattr(estimator, "temperature_"):
        raise TypeError(
            "hyvarinen_score needs an auto-encoder, whose energy is a log-density at "
            f"its temperature_; got {type(estimator).__name__}."
        )
    terms = estimator._hyvarinen_terms(X).astype(np.float64)
    return float(hyvarinen_scores(terms, estimator.temperature_).mean())
