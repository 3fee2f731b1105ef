"""Pictures of 2-D vector fields, energies, their per-feature contributions and
training histories (matplotlib).

The displays follow scikit-learn's display API (as
:class:`~sklearn.metrics.RocCurveDisplay`): build one with ``from_estimator`` (or
``from_predictions`` / ``from_callable``), re-draw it with ``plot(ax=...)``; what was
drawn stays in its attributes.
"""

import warnings

import numpy as np
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_is_fitted

from ._base import _BaseFieldModel, callable_output, final_step
from ._optional import pyplot
from ._options import AT_LEAST_TWO, COUNT, validated
from .inspection import _energy_model, named_contributions

__all__ = ["VectorFieldDisplay", "EnergyDisplay", "ContributionDisplay", "plot_history"]


def _grid(xlim, ylim, resolution):
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

    @validated(n_arrows=[COUNT], levels=[COUNT])
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
    @validated(grid_resolution=[AT_LEAST_TWO])  # contours need a 2 x 2 grid
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
        energy is ``score_samples``. For a Pipeline ending in an auto-encoder, points
        are drawn in X's own units: the arrow at :math:`x` is
        :math:`T^{-1}(r(T(x))) - x` for the steps before it, :math:`T` (they need
        ``inverse_transform``, as scalers have), and the energy is the Pipeline's
        ``score_samples``.

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
        steps_before, final = final_step(estimator)
        if not isinstance(final, _BaseFieldModel):
            raise TypeError(
                "from_estimator draws a fitted sk_consae estimator (or a Pipeline ending in "
                f"one); got {type(final).__name__}. Use from_callable for other fields."
            )
        check_is_fitted(final)
        n_features = getattr(estimator, "n_features_in_", final.n_features_in_)
        if n_features != 2:
            raise ValueError(
                f"The estimator was fitted on {n_features} features; "
                "VectorFieldDisplay draws 2-D fields."
            )
        inputs = _as_fitted_input(estimator)
        if not hasattr(final, "vector_field"):
            field = estimator.predict  # the extractor: its prediction is the field
        elif steps_before is None:
            field = final.vector_field
        else:
            if not hasattr(steps_before, "inverse_transform"):
                raise TypeError(
                    "VectorFieldDisplay draws a Pipeline's field in X's units through the "
                    "inverse_transform of the steps before its auto-encoder; "
                    f"{steps_before!r} has none."
                )

            def field(points):
                seen = steps_before.transform(points)
                moved = np.asarray(steps_before.inverse_transform(final.reconstruct(seen)))
                return moved - np.asarray(points)

        potential = (lambda points: estimator.score_samples(inputs(points))) if energy else None
        return cls.from_callable(lambda points: field(inputs(points)), potential, X=X, **kwargs)


def _as_fitted_input(estimator):
    """A function turning grid points into what ``estimator`` was fitted on: a
    DataFrame with its feature names when it was fitted on one (scikit-learn warns
    otherwise), the points themselves else."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        return lambda points: points
    import pandas as pd

    return lambda points: pd.DataFrame(points, columns=names)


class EnergyDisplay:
    """The distribution of energies, the threshold of :meth:`predict` and, with labels,
    the two classes apart and the ROC curve beside.

    Parameters
    ----------
    energies : ndarray of shape (n_samples,)
        :meth:`score_samples` values: higher means more typical.
    offset : float or None, default=None
        The threshold (``offset_``): energies below it are flagged.
    y : ndarray of shape (n_samples,) or None, default=None
        Labels, 1 (or -1 in ``predict``'s convention) for anomalies.

    Attributes
    ----------
    flagged_fraction_ : float or None
        Fraction of energies below ``offset`` (None without ``offset``).
    roc_auc_ : float or None
        ROC AUC of the negated energies against ``y`` (None without labels).
    ax_ : matplotlib Axes
        The distribution's axes.
    roc_ax_ : matplotlib Axes or None
        The ROC curve's axes, when labels are given and two axes are drawn on.
    figure_ : matplotlib Figure
    offset_line_ : matplotlib Line2D or None

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sk_consae.plotting import EnergyDisplay
    >>> energies = np.r_[np.random.default_rng(0).normal(size=95), [-6, -7, -5, -8, -9]]
    >>> y = np.r_[np.zeros(95), np.ones(5)]
    >>> display = EnergyDisplay.from_predictions(energies, offset=-2.0, y=y)
    >>> display.flagged_fraction_, round(display.roc_auc_, 2)
    (0.07, 1.0)
    """

    def __init__(self, *, energies, offset=None, y=None):
        self.energies = energies
        self.offset = offset
        self.y = y

    @classmethod
    def from_predictions(cls, energies, *, offset=None, y=None, ax=None, **kwargs):
        """Draw energies already computed.

        Parameters
        ----------
        energies : array-like of shape (n_samples,)
            :meth:`score_samples` values.
        offset : float, optional
            The threshold of :meth:`predict`.
        y : array-like of shape (n_samples,), optional
            Labels, 1 (or -1) for anomalies.
        ax : matplotlib Axes or pair of Axes, optional
            Where to draw; with labels, a pair draws the ROC curve in the second.
        **kwargs
            :meth:`plot`'s options.

        Returns
        -------
        EnergyDisplay
        """
        energies = np.asarray(energies, dtype=np.float64)
        if energies.ndim != 1 or energies.size == 0 or not np.isfinite(energies).all():
            raise ValueError(
                f"energies must be a non-empty 1-D array of finite numbers; got shape "
                f"{energies.shape}."
            )
        if offset is not None and not np.isfinite(float(offset)):
            raise ValueError(f"offset must be a finite number, got {offset!r}.")
        if y is not None:
            from .metrics import _anomaly_indicator

            y = _anomaly_indicator(y)
            if y.shape != energies.shape:
                raise ValueError(f"y has {y.shape[0]} labels for {energies.shape[0]} energies.")
        display = cls(energies=energies, offset=None if offset is None else float(offset), y=y)
        return display.plot(ax=ax, **kwargs)

    @classmethod
    def from_estimator(cls, estimator, X, y=None, *, ax=None, **kwargs):
        """Draw a fitted energy model's energies of X with its ``offset_``.

        Parameters
        ----------
        estimator : fitted sk_consae estimator or Pipeline ending in one
            Anything with ``score_samples``; its last step's ``offset_`` is drawn
            when it has one.
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.
        y : array-like of shape (n_samples,), optional
            Labels, 1 (or -1) for anomalies.
        ax : matplotlib Axes or pair of Axes, optional
            Where to draw; with labels, a pair draws the ROC curve in the second.
        **kwargs
            :meth:`plot`'s options.

        Returns
        -------
        EnergyDisplay
        """
        if not hasattr(estimator, "score_samples"):
            raise TypeError(
                f"EnergyDisplay needs an estimator with score_samples; got "
                f"{type(estimator).__name__}."
            )
        _, final = final_step(estimator)
        energies = estimator.score_samples(X)
        offset = getattr(final, "offset_", None)
        return cls.from_predictions(energies, offset=offset, y=y, ax=ax, **kwargs)

    @validated(bins=[COUNT])
    def plot(self, ax=None, *, kind="hist", bins=50, title=None):
        """Draw the distribution (and the ROC curve).

        Parameters
        ----------
        ax : matplotlib Axes or pair of Axes, optional
            A new figure (two panels with labels) when None.
        kind : {"hist", "ecdf"}, default="hist"
            Histogram (densities, one per class with labels) or empirical CDF.
        bins : int, default=50
            Histogram bins.
        title : str, optional
            Title of the distribution's panel.

        Returns
        -------
        self
        """
        plt = pyplot()
        if kind not in ("hist", "ecdf"):
            raise ValueError(f"kind must be 'hist' or 'ecdf', got {kind!r}.")
        labelled = self.y is not None
        if ax is None:
            columns = 2 if labelled else 1
            _, axes = plt.subplots(1, columns, figsize=(5 * columns, 3.6), squeeze=False)
            axes = list(axes[0])
        else:
            axes = list(np.ravel(ax))
        self.ax_, self.roc_ax_ = axes[0], (axes[1] if labelled and len(axes) > 1 else None)
        self.figure_ = self.ax_.figure
        groups = (
            [("normal", self.y == 0), ("anomaly", self.y == 1)]
            if labelled
            else [("all", np.ones(self.energies.shape, bool))]
        )
        edges = np.histogram_bin_edges(self.energies, bins=bins)
        for name, mask in groups:
            values = self.energies[mask]
            label = f"{name} ({mask.sum()})"
            if kind == "hist":
                self.ax_.hist(values, bins=edges, density=True, alpha=0.55, label=label)
            else:
                ordered = np.sort(values)
                self.ax_.step(ordered, np.arange(1, len(ordered) + 1) / len(ordered), label=label)
        self.flagged_fraction_ = None
        self.offset_line_ = None
        if self.offset is not None:
            self.flagged_fraction_ = float(np.mean(self.energies < self.offset))
            self.offset_line_ = self.ax_.axvline(
                self.offset,
                color="black",
                linestyle="--",
                label=f"offset_: {100 * self.flagged_fraction_:.1f}% flagged below",
            )
        self.ax_.set_xlabel("energy (score_samples; higher = more typical)")
        self.ax_.set_ylabel("density" if kind == "hist" else "fraction of samples")
        self.ax_.legend(fontsize="small")
        if title is not None:
            self.ax_.set_title(title)
        self.roc_auc_ = None
        if labelled:
            from sklearn.metrics import roc_auc_score, roc_curve

            self.roc_auc_ = float(roc_auc_score(self.y, -self.energies))
            if self.roc_auc_ < 0.5:
                warnings.warn(
                    f"The energies rank the labelled anomalies as more typical than the "
                    f"normal samples (ROC AUC {self.roc_auc_:.3f} < 0.5). y must be 1 (or "
                    "-1) for anomalies and 0 (or 1) for normal samples; labels where 1 "
                    "means normal (as load_breast_cancer's target, 1 = benign) need "
                    "inverting: y = 1 - y.",
                    UserWarning,
                    stacklevel=3,
                )
            if self.roc_ax_ is not None:
                false_positive, true_positive, _ = roc_curve(self.y, -self.energies)
                self.roc_ax_.plot(false_positive, true_positive, label=f"AUC {self.roc_auc_:.3f}")
                self.roc_ax_.plot([0, 1], [0, 1], color="grey", linewidth=0.8, linestyle=":")
                self.roc_ax_.set_xlabel("false positive rate")
                self.roc_ax_.set_ylabel("true positive rate")
                self.roc_ax_.set_title("ROC of the negated energy")
                self.roc_ax_.legend(loc="lower right")
        if ax is None:
            self.figure_.tight_layout()
        return self


class ContributionDisplay:
    """For chosen rows, the features that lower their energy most, as bar charts.

    Each row gets a panel of its ``n_features`` largest contributions in magnitude
    (:meth:`~sk_consae.UntiedAutoEncoder.energy_contributions`, which add up to the
    row's energy minus the typical point's), most negative on top; a bar is labelled
    with the feature's name and the row's value.

    Parameters
    ----------
    contributions : ndarray of shape (n_rows, n_features)
        The chosen rows' contributions.
    feature_names : ndarray of str of shape (n_features,)
        The features' names.
    values : ndarray of shape (n_rows, n_features)
        The chosen rows' feature values.
    rows : ndarray of int of shape (n_rows,)
        Their positions in X.
    energies : ndarray of shape (n_rows,) or None, default=None
        Their energies, for the panel titles.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        One panel per row.
    figure_ : matplotlib Figure
    bars_ : list of matplotlib BarContainer
    shown_features_ : list of ndarray of str
        The features drawn in each panel, top to bottom.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sk_consae import UntiedAutoEncoder
    >>> from sk_consae.plotting import ContributionDisplay
    >>> X = np.random.default_rng(0).normal(size=(300, 4))
    >>> X[7, 2] = 8.0
    >>> ae = UntiedAutoEncoder(16, max_epochs=30, random_state=0).fit(X)
    >>> display = ContributionDisplay.from_estimator(ae, X, n_rows=1, n_features=2)
    >>> int(display.rows[0]), display.shown_features_[0][0]
    (7, 'x2')
    """

    def __init__(self, *, contributions, feature_names, values, rows, energies=None):
        self.contributions = contributions
        self.feature_names = feature_names
        self.values = values
        self.rows = rows
        self.energies = energies

    @classmethod
    @validated(n_rows=[COUNT])
    def from_estimator(cls, estimator, X, *, rows=None, n_rows=3, ax=None, **kwargs):
        """Draw a fitted auto-encoder's contributions for some rows of X.

        Parameters
        ----------
        estimator : fitted UntiedAutoEncoder, ContractiveAutoEncoder or Pipeline ending in one
            The energy model (see :func:`sk_consae.inspection.explain_outliers` for
            Pipelines).
        X : array-like or DataFrame of shape (n_samples, n_features)
            Samples; a DataFrame's columns name the features.
        rows : sequence of int, optional
            Positions in X to draw; the ``n_rows`` rows of lowest energy when None.
        n_rows : int, default=3
            How many lowest-energy rows, when ``rows`` is None.
        ax : matplotlib Axes or array of Axes, optional
            One per row; a new figure when None.
        **kwargs
            :meth:`plot`'s options.

        Returns
        -------
        ContributionDisplay
        """
        _energy_model(estimator)  # a fitted auto-encoder, named otherwise
        energies = np.asarray(estimator.score_samples(X))
        if rows is None:
            rows = np.argsort(energies, kind="stable")[:n_rows]
        rows = np.asarray(rows)
        if rows.ndim != 1 or rows.size == 0 or rows.dtype.kind not in "iu":
            raise ValueError(f"rows must be a non-empty sequence of integers, got {rows!r}.")
        if rows.min() < -len(energies) or rows.max() >= len(energies):
            raise ValueError(f"rows must index X's {len(energies)} samples, got {rows.tolist()}.")
        # Contributions of the drawn rows only: they cost about an energy per row.
        contributions, names, values = named_contributions(estimator, _safe_indexing(X, rows))
        display = cls(
            contributions=contributions,
            feature_names=names,
            values=np.asarray(values, dtype=float),
            rows=rows,
            energies=energies[rows],
        )
        return display.plot(ax=ax, **kwargs)

    @validated(n_features=[COUNT])
    def plot(self, ax=None, *, n_features=8):
        """Draw one panel per row.

        Parameters
        ----------
        ax : matplotlib Axes or array of Axes, optional
            One per row; a new figure when None.
        n_features : int, default=8
            Bars per panel: the contributions largest in magnitude.

        Returns
        -------
        self
        """
        plt = pyplot()
        n_rows = len(self.rows)
        if ax is None:
            _, axes = plt.subplots(
                1, n_rows, figsize=(4.2 * n_rows, 0.45 * min(n_features, 12) + 1.6), squeeze=False
            )
            axes = axes[0]
        axes = np.ravel(ax if ax is not None else axes)
        if len(axes) != n_rows:
            raise ValueError(f"ax has {len(axes)} axes for {n_rows} rows; give one per row.")
        self.axes_, self.figure_ = axes, axes[0].figure
        self.bars_, self.shown_features_ = [], []
        shown = min(n_features, self.contributions.shape[1])
        for panel, (ax_, row) in enumerate(zip(axes, self.rows)):
            contributions = self.contributions[panel]
            # The largest in magnitude, then most negative at the top.
            chosen = np.argsort(-np.abs(contributions), kind="stable")[:shown]
            chosen = chosen[np.argsort(contributions[chosen], kind="stable")]
            names = self.feature_names[chosen]
            labels = [f"{n} = {v:.3g}" for n, v in zip(names, self.values[panel, chosen])]
            colours = ["tab:red" if c < 0 else "tab:blue" for c in contributions[chosen]]
            positions = np.arange(shown)[::-1]
            self.bars_.append(ax_.barh(positions, contributions[chosen], color=colours))
            ax_.set_yticks(positions, labels)
            ax_.axvline(0, color="black", linewidth=0.8)
            ax_.set_xlabel("contribution to the energy")
            energy = "" if self.energies is None else f", energy {self.energies[panel]:.3g}"
            ax_.set_title(f"row {int(row)}{energy}", fontsize="medium")
            self.shown_features_.append(np.asarray(names))
        self.figure_.tight_layout()
        return self


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
        _, final = final_step(estimator)
        if not isinstance(final, _BaseFieldModel):
            raise TypeError(
                "plot_history draws a fitted sk_consae estimator's history_ (or a "
                f"Pipeline ending in one, or a skorch History); got {type(final).__name__}."
            )
        check_is_fitted(final)  # NotFittedError, named, before anything is drawn
        history = final.history_
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
