"""The report's figures, drawn from the experiments' results."""

import numpy as np

from .._optional import pyplot
from ..plotting import VectorFieldDisplay
from .experiments import field_functions

__all__ = ["figure2", "figure3", "figure4", "figure_deep"]


def figure2(result, path):
    """Fig. 2: sym(J) and sym(R W^T) per epoch for the eight models of Table 1."""
    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    for row, activation in enumerate(("sigmoid", "relu")):
        for col, key in enumerate(("jacobian_symmetricity", "weight_symmetricity")):
            ax = axes[row, col]
            for model in ("AE", "CAE"):
                for suffix, style in (("", "-"), ("+wl", "--")):
                    ae = result.estimators[model][activation + suffix]
                    epochs, values = zip(*ae.history_[:, ("epoch", key)])
                    ax.plot(epochs, values, style, label=f"{model}{suffix}")
            quantity = "sym(J)" if col == 0 else "sym(R W$^T$)"
            ax.set_title(f"{activation}: {quantity}")
            ax.set_ylabel("symmetricity")
            ax.grid(alpha=0.3)
            if row == 1:
                ax.set_xlabel("epoch")
            ax.legend(fontsize=8)
    fig.suptitle("Fig. 2: symmetricity during training")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def figure3(result, path):
    """Fig. 3: per toy, the first seed's field before and after training, and the mean
    absolute curl per epoch over all seeds (mean, min-max band, each seed faint)."""
    plt = pyplot()
    fig, axes = plt.subplots(len(result), 3, figsize=(14, 4.3 * len(result)), squeeze=False)
    for row, (name, toy) in enumerate(result.items()):
        X, ae = toy.X, toy.estimators[0]
        limits = {"xlim": (-0.8, 0.8), "ylim": (-0.8, 0.8)}
        initial_values, initial_energy = field_functions(toy.initial_fields[0], X.mean(0))
        VectorFieldDisplay.from_callable(
            initial_values,
            initial_energy,
            ax=axes[row, 0],
            title=f"{name}: initial field",
            **limits,
        )
        VectorFieldDisplay.from_estimator(
            ae, ax=axes[row, 1], title=f"{name}: field after {len(ae.history_)} epochs", **limits
        )
        for ax in axes[row, :2]:
            ax.scatter(*X.T, s=2, c="tab:red", alpha=0.5)
        curve = axes[row, 2]
        epochs = np.arange(toy.curls.shape[1])
        for seed_curve in toy.curls:
            curve.plot(epochs, seed_curve, color="tab:purple", alpha=0.25, lw=0.8)
        curve.fill_between(
            epochs, toy.curls.min(0), toy.curls.max(0), color="tab:purple", alpha=0.2
        )
        curve.plot(
            epochs,
            toy.curls.mean(0),
            color="tab:purple",
            lw=2,
            label=f"mean of {len(toy.curls)} seeds",
        )
        curve.set_title(f"{name}: mean |curl| on the data")
        curve.set_xlabel("epoch (0: before training)")
        curve.set_ylabel("mean |curl|")
        curve.grid(alpha=0.3)
        curve.legend(fontsize=8)
    fig.suptitle("Fig. 3: untied denoising auto-encoders on 2-D toys")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def figure4(result, path):
    """Fig. 4: the spiral sink, the tied and scaled extractors' conservative parts with
    their potentials, and the polynomial L2 projection."""
    plt = pyplot()
    side = int(round(np.sqrt(len(result.X))))
    xx0, xx1 = (result.X[:, i].reshape(side, side) for i in range(2))

    def grid(values):
        return values.reshape(side, side, 2)

    def extractor_panel(tying):
        extractor = result.extractors[tying]
        return (
            grid(extractor.predict(result.X)),
            extractor.score_samples(result.X).reshape(side, side),
            f"{tying} extractor (error {100 * result.error[tying]:.1f}%)",
        )

    panels = [
        (grid(result.V), None, "spiral sink (-x + y, -x - y)"),
        extractor_panel("tied"),
        extractor_panel("scaled"),
        (grid(result.projection), None, "L2 projection (degree-12 polynomials)"),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(11, 10))
    for ax, (field, energy, title) in zip(axes.ravel(), panels):
        VectorFieldDisplay(xx0=xx0, xx1=xx1, field=field, energy=energy).plot(ax=ax, title=title)
        ax.locator_params(nbins=5)
    fig.suptitle("Fig. 4: the conservative part of the spiral sink on [-1, 1]$^2$")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def figure_deep(result, path):
    """The deep section: sym(J) per epoch by depth for AE and CAE, and the asymmetry
    penalty's effect on sym(J) and reconstruction error of the 2-hidden-layer AE."""
    plt = pyplot()
    fig, (curves, penalty) = plt.subplots(1, 2, figsize=(12, 4.3))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for model, style in (("AE", "-"), ("CAE", "--")):
        for depth, curve, colour in zip(result.depths, result.curves[model], colours):
            curves.plot(
                *np.asarray(curve).T,
                style,
                color=colour,
                label=f"{model}, {depth} hidden layer{'s' if depth > 1 else ''}",
            )
    curves.set_xlabel("epoch")
    curves.set_ylabel("mean sym(J) on monitored points")
    curves.set_title("Symmetricity during training, by depth")
    curves.grid(alpha=0.3)
    curves.legend(fontsize=8)
    labels = [f"{value:g}" for value in result.penalties]
    positions = np.arange(len(labels))
    gaps = 1 - np.asarray(result.penalty_symmetricity)
    penalty.bar(
        positions - 0.2,
        gaps,
        0.4,
        color=colours[0],
        label="1 - sym(J)",
    )
    penalty.set_yscale("log")
    penalty.set_ylabel("1 - mean sym(J) (log)")
    penalty.set_xticks(positions, labels)
    penalty.set_xlabel("asymmetry_penalty")
    error = penalty.twinx()
    error.bar(
        positions + 0.2, result.penalty_error, 0.4, color=colours[1], label="reconstruction error"
    )
    error.set_ylabel("mean squared reconstruction error")
    penalty.set_title("2 hidden layers: the asymmetry penalty")
    handles = [*penalty.get_legend_handles_labels()[0], *error.get_legend_handles_labels()[0]]
    # Headroom above the bars for the legend.
    penalty.set_ylim(0.3 * gaps.min(), 20 * gaps.max())
    error.set_ylim(0, 1.5 * max(result.penalty_error))
    penalty.legend(handles, ["1 - sym(J)", "reconstruction error"], fontsize=8, loc="upper center")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
