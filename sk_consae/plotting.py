"""Pictures of 2-D vector fields and of training histories (matplotlib).

:class:`VectorFieldDisplay` follows scikit-learn's display API (as
:class:`~sklearn.inspection.DecisionBoundaryDisplay`): build it with
:meth:`~VectorFieldDisplay.from_estimator` or :meth:`~VectorFieldDisplay.from_callable`,
re-draw it with :meth:`~VectorFieldDisplay.plot`.
"""

from numbers import Integral

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._base import _BaseFieldModel, callable_output
from ._optional import pyplot

__all__ = ["VectorFieldDisplay", "plot_history"]


def _positive_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")


def _grid(xlim, ylim, resolution):
    _positive_int("grid_resolution", resolution, minimum=2)  # contours need a 2 x 2 grid
    for name, limits in (("xlim", xlim), ("ylim", ylim)):
        low, high = (float(v) for v in limits)
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"{name} must be two finite numbers, low < high; got {limits!r}.")
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    xx0, xx1 = np.meshgrid(xs, ys)
    return xx0, xx1, np.c_[xx0.ravel(), xx1.ravel()]


def _limits(X, xlim, ylim, margin):
    if X is None:
        return xlim or (-1.0, 1.0), ylim or (-1.0, 1.0)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X has shape {X.shape}; a 2-D field needs (n_samples, 2).")
    low, high = X.min(0), X.max(0)
    pad = margin * np.maximum(high - low, 1e-12)
    return (
        xlim or (low[0] - pad[0], high[0] + pad[0]),
        ylim or (low[1] - pad[1], high[1] + pad[1]),
    )


class VectorFieldDisplay:
    """A 2-D vector field drawn as arrows over the filled contours of its energy.

    For a conservative field :math:`v = \\nabla F`, the arrows point uphill in
    :math:`F`: across the contours, towards brighter colours.

    Parameters
    ----------
    xx0, xx1 : ndarray of shape (n, n)
        Grid coordinates, as from ``numpy.meshgrid``.
    field : ndarray of shape (n, n, 2)
        The field's components on the grid.
    energy : ndarray of shape (n, n) or None, default=None
        A potential to draw as filled contours.
    xlabel, ylabel : str or None, default=None
        Axis labels; :math:`x_1` and :math:`x_2` when None.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    quiver_ : matplotlib Quiver
    contour_ : matplotlib QuadContourSet or None
    colorbar_ : matplotlib Colorbar or None

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sk_consae.datasets import spiral_sink_field
    >>> from sk_consae.plotting import VectorFieldDisplay
    >>> display = VectorFieldDisplay.from_callable(spiral_sink_field)
    >>> display.field.shape
    (50, 50, 2)
    """

    def __init__(self, *, xx0, xx1, field, energy=None, xlabel=None, ylabel=None):
        self.xx0 = xx0
        self.xx1 = xx1
        self.field = field
        self.energy = energy
        self.xlabel = xlabel
        self.ylabel = ylabel

    def plot(
        self,
        ax=None,
        *,
        n_arrows=20,
        levels=20,
        cmap="viridis",
        colorbar=True,
        title=None,
        quiver_kw=None,
        contour_kw=None,
    ):
        """Draw the arrows (and the energy's filled contours).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            A new figure is made when None.
        n_arrows : int, default=20
            Arrows per axis; the grid is subsampled to about this many.
        levels : int, default=20
            Contour levels of the energy.
        cmap : str, default="viridis"
            Colour map of the energy's contours.
        colorbar : bool, default=True
            Draw a colour bar for the energy.
        title : str, optional
            Title of the axes.
        quiver_kw, contour_kw : dict, optional
            Passed to ``Axes.quiver`` and ``Axes.contourf``.

        Returns
        -------
        self
        """
        _positive_int("n_arrows", n_arrows)
        _positive_int("levels", levels)
        plt = pyplot()
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 4.5))
        self.contour_ = self.colorbar_ = None
        if self.energy is not None:
            self.contour_ = ax.contourf(
                self.xx0,
                self.xx1,
                self.energy,
                levels=levels,
                cmap=cmap,
                **(contour_kw or {}),
            )
            if colorbar:
                self.colorbar_ = ax.figure.colorbar(self.contour_, ax=ax)
                self.colorbar_.set_label("energy F(x)")
        step = max(1, self.xx0.shape[0] // n_arrows)
        sub = (slice(None, None, step), slice(None, None, step))
        arrow_style = {
            "color": "k" if self.energy is not None else "tab:blue",
            "angles": "xy",
            "pivot": "mid",
            "width": 0.004,
        }
        self.quiver_ = ax.quiver(
            self.xx0[sub],
            self.xx1[sub],
            self.field[sub][..., 0],
            self.field[sub][..., 1],
            **{**arrow_style, **(quiver_kw or {})},
        )
        ax.set_xlim(self.xx0.min(), self.xx0.max())
        ax.set_ylim(self.xx1.min(), self.xx1.max())
        ax.set_aspect("equal")
        ax.set_xlabel(self.xlabel or "$x_1$")
        ax.set_ylabel(self.ylabel or "$x_2$")
        if title:
            ax.set_title(title)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_callable(
        cls,
        field,
        potential=None,
        *,
        X=None,
        xlim=None,
        ylim=None,
        grid_resolution=50,
        margin=0.1,
        ax=None,
        plot=True,
        **plot_kw,
    ):
        """Evaluate callables on a grid and draw them.

        Parameters
        ----------
        field : callable
            Maps an array (n, 2) to the field's values (n, 2).
        potential : callable, optional
            Maps an array (n, 2) to energies (n,), drawn as contours.
        X : array-like of shape (n_samples, 2), optional
            Data whose range (plus ``margin``) sets the limits.
        xlim, ylim : (float, float), optional
            Plot limits; (-1, 1) when neither they nor X are given.
        grid_resolution : int, default=50
            Grid points per axis.
        margin : float, default=0.1
            Fraction of X's range added on each side.
        ax : matplotlib Axes, optional
            Axes to draw on; a new figure when None.
        plot : bool, default=True
            Draw now; otherwise call :meth:`plot` later.
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        VectorFieldDisplay
        """
        if plot:
            pyplot()  # fail before any work when matplotlib is missing
        xlim, ylim = _limits(X, xlim, ylim, margin)
        xx0, xx1, points = _grid(xlim, ylim, grid_resolution)
        values = callable_output(field(points), "field")
        if values.shape != points.shape:
            raise ValueError(
                f"field returned shape {values.shape} for points of shape {points.shape}."
            )
        energy = None
        if potential is not None:
            energy = callable_output(potential(points), "potential")
            if energy.shape not in ((len(points),), (len(points), 1)):
                raise ValueError(
                    f"potential returned shape {energy.shape} for points of shape "
                    f"{points.shape}; it must return one number per point, shape "
                    f"({len(points)},)."
                )
            energy = energy.reshape(xx0.shape)
        display = cls(xx0=xx0, xx1=xx1, field=values.reshape(*xx0.shape, 2), energy=energy)
        return display.plot(ax=ax, **plot_kw) if plot else display

    @classmethod
    def from_estimator(cls, estimator, X=None, *, energy=True, **kwargs):
        """Draw a fitted estimator's 2-D field and energy.

        The field is ``vector_field`` (auto-encoders: :math:`r(x) - x`) or ``predict``
        (:class:`~sk_consae.ConservativeFieldExtractor`: the conservative part); the
        energy is ``score_samples``.

        Parameters
        ----------
        estimator : fitted sk_consae estimator on 2 features
            A fitted sk_consae estimator, or a Pipeline ending in one.
        X : array-like of shape (n_samples, 2), optional
            Sets the limits, as in :meth:`from_callable`.
        energy : bool, default=True
            Draw the energy's contours.
        **kwargs
            ``xlim``, ``ylim``, ``grid_resolution``, ``margin``, ``ax``, ``plot`` and
            :meth:`plot`'s options.

        Returns
        -------
        VectorFieldDisplay
        """
        pyplot()  # fail before any work when matplotlib is missing
        final = estimator[-1] if isinstance(estimator, Pipeline) else estimator
        if not isinstance(final, _BaseFieldModel):
            raise TypeError(
                "from_estimator draws a fitted sk_consae estimator (or a Pipeline ending in "
                f"one); got {type(final).__name__}. Use from_callable for other fields."
            )
        check_is_fitted(estimator)
        if getattr(final, "n_features_in_", 2) != 2:
            raise ValueError(
                f"The estimator was fitted on {final.n_features_in_} features; "
                "VectorFieldDisplay draws 2-D fields."
            )
        field = getattr(estimator, "vector_field", None) or estimator.predict
        potential = estimator.score_samples if energy else None
        return cls.from_callable(field, potential, X=X, **kwargs)


def plot_history(estimator, keys="train_loss", *, ax=None, label=None, logy=False):
    """Plot columns of a fitted estimator's ``history_`` against the epoch.

    Epochs where a column was not recorded (e.g. a monitor running every few
    epochs) are skipped.

    Parameters
    ----------
    estimator : fitted sk_consae estimator, or a skorch History
        A fitted sk_consae estimator, or a Pipeline ending in one.
    keys : str or sequence of str, default="train_loss"
        Columns of ``history_`` to plot.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure when None.
    label : str, optional
        Prefix of the legend entries.
    logy : bool, default=False
        Logarithmic vertical axis.

    Returns
    -------
    matplotlib Axes
    """
    from skorch.history import History

    if isinstance(estimator, History):
        history = estimator
    else:
        check_is_fitted(estimator)  # NotFittedError, named, before anything is drawn
        history = estimator.history_
    plt = pyplot()
    keys = [keys] if isinstance(keys, str) else list(keys)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    for key in keys:
        rows = history[:, ("epoch", key)]
        if not rows:
            raise KeyError(f"history_ has no column {key!r}.")
        epochs, values = zip(*rows)
        ax.plot(epochs, values, label=f"{label}: {key}" if label else key)
    ax.set_xlabel("epoch")
    if len(keys) == 1:
        ax.set_ylabel(keys[0])
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax
