"""Reproduce the paper's tables and figures into a folder: ``report.md`` and PNGs.

``run(out, quick=True)`` is what ``python -m sk_consae reproduce --quick`` calls:
``load_digits`` and the 2-D toys, a few minutes on two CPU cores. Without ``quick``
it uses MNIST (``mnist=DIR``) and the paper's sizes.
"""

import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import __version__
from .datasets import load_mnist
from .experiments import (
    PAPER_TABLE1,
    PAPER_TABLE2,
    conservative_recovery,
    field_functions,
    load_default_data,
    spiral_sink_extraction,
    symmetricity_table,
    toy_curl_training,
)

__all__ = ["Settings", "run"]


@dataclass
class Settings:
    """Sizes of every experiment; ``Settings.quick()`` and ``Settings.paper()``."""

    table1_components: int
    table1_epochs: int
    toy_components: int
    toy_epochs: int
    toy_optimizer: str
    toy_lr: float
    sink_components: int
    sink_epochs: int
    table2_components: int
    table2_field_samples: int
    table2_epochs: int

    @classmethod
    def quick(cls):
        return cls(64, 100, 1000, 300, "lbfgs", None, 100, 50, 64, 5000, 50)

    @classmethod
    def paper(cls):
        # Table 1: 500 units, 100 epochs. Fig. 3: 1000 units, 500 epochs (the paper's
        # momentum SGD at 8e-4 does not leave the near-identity map from Glorot weights
        # on data of radius 0.4; full-batch L-BFGS reaches the denoising optimum).
        # Fig. 4: 1000 units, 500 epochs. Table 2: 500 units.
        return cls(500, 100, 1000, 500, "lbfgs", None, 1000, 500, 500, 20000, 100)


class _Progress:
    """One line per experiment and a progress bar over its steps (on stderr)."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.bar = None

    def experiment(self, title, steps):
        from tqdm.auto import tqdm

        self.close()
        print(f"==> {title}", file=self.stream, flush=True)
        self.bar = tqdm(total=steps, file=self.stream, leave=False)

    def __call__(self, description):
        self.bar.set_description(description)
        self.bar.update()

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _percent(value):
    return f"{100 * value:.1f}%"


def _table1_markdown(result):
    columns = ["relu", "relu+wl", "sigmoid", "sigmoid+wl"]
    lines = [
        "| model | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for model in ("AE", "CAE"):
        cells = [
            f"{_percent(result.table[model][c])} (paper {_percent(PAPER_TABLE1[model][c])})"
            for c in columns
        ]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _figure2(result, path):
    import matplotlib.pyplot as plt

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


def _figure3(result, path):
    import matplotlib.pyplot as plt

    from .plotting import VectorFieldDisplay

    fig, axes = plt.subplots(3, 3, figsize=(14, 13))
    for row, (name, toy) in enumerate(result.items()):
        X, ae = toy.X, toy.estimator
        limits = {"xlim": (-0.8, 0.8), "ylim": (-0.8, 0.8)}
        initial_values, initial_energy = field_functions(toy.initial_field, X.mean(0))
        VectorFieldDisplay.from_callable(
            initial_values,
            initial_energy,
            ax=axes[row, 0],
            title=f"{name}: initial field",
            **limits,
        )
        VectorFieldDisplay.from_estimator(
            ae,
            ax=axes[row, 1],
            title=f"{name}: field after {len(ae.history_)} epochs",
            **limits,
        )
        for ax in axes[row, :2]:
            ax.scatter(*X.T, s=2, c="tab:red", alpha=0.5)
        epochs, curls = zip(*ae.history_[:, ("epoch", "curl")])
        curve = axes[row, 2]
        curve.plot((0, *epochs), (toy.initial_curl, *curls), color="tab:purple")
        curve.set_title(f"{name}: mean |curl| on the data")
        curve.set_xlabel("epoch")
        curve.set_ylabel("mean |curl|")
        curve.grid(alpha=0.3)
    fig.suptitle("Fig. 3: untied denoising auto-encoders on 2-D toys")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _figure4(result, path):
    import matplotlib.pyplot as plt

    from .plotting import VectorFieldDisplay

    side = int(round(np.sqrt(len(result.X))))
    xx0, xx1 = (result.X[:, i].reshape(side, side) for i in range(2))

    def grid(values):
        return values.reshape(side, side, 2)

    fig, axes = plt.subplots(1, 4, figsize=(22, 5))
    panels = [
        (grid(result.V), None, "spiral sink (-x + y, -x - y)"),
        (
            grid(result.extractors["tied"].predict(result.X)),
            result.extractors["tied"].score_samples(result.X).reshape(side, side),
            f"tied extractor (error {_percent(result.error['tied'])})",
        ),
        (
            grid(result.extractors["scaled"].predict(result.X)),
            result.extractors["scaled"].score_samples(result.X).reshape(side, side),
            f"scaled extractor (error {_percent(result.error['scaled'])})",
        ),
        (grid(result.projection), None, "L2 projection (degree-12 polynomials)"),
    ]
    for ax, (field, energy, title) in zip(axes, panels):
        VectorFieldDisplay(xx0=xx0, xx1=xx1, field=field, energy=energy).plot(ax=ax, title=title)
    fig.suptitle("Fig. 4: the conservative part of the spiral sink on [-1, 1]$^2$")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _table2_markdown(rows):
    betas = rows["tied"].betas
    lines = [
        "| conservative field from | " + " | ".join(f"beta={b:.1f}" for b in betas) + " |",
        "|---|" + "---|" * len(betas),
    ]
    for tying, result in rows.items():
        cells = [f"{r:.4f} (paper {p:.4f})" for r, p in zip(result.ranking, PAPER_TABLE2[tying])]
        lines.append(f"| {tying} AE | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(out="consae-report", *, quick=True, mnist=None, device="cpu", random_state=0):
    """Run every experiment and write ``report.md`` and the figures into ``out``.

    Parameters
    ----------
    out : str or path-like, default="consae-report"
    quick : bool, default=True
        ``load_digits``, small models, few epochs. Otherwise MNIST and the paper's
        sizes (hours on a CPU; use ``device="cuda"`` where available).
    mnist : str or path-like, optional
        Folder of MNIST idx files; required when ``quick`` is False.
    device : {"cpu", "cuda"}, default="cpu"
    random_state : int, default=0

    Returns
    -------
    Path
        The report's path.
    """
    import matplotlib

    matplotlib.use("Agg")
    start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    settings = Settings.quick() if quick else Settings.paper()
    if quick:
        X, data_name = load_default_data(), "load_digits (1,797 x 64, scaled to [0, 1])"
    else:
        if mnist is None:
            raise ValueError("the full reproduction needs MNIST: pass --mnist DIR.")
        X = load_mnist(mnist).data
        data_name = f"MNIST training set ({len(X):,} x 784) from {mnist}"
    progress = _Progress()
    timings = {}

    def timed(name, fn):
        t = time.perf_counter()
        value = fn()
        timings[name] = time.perf_counter() - t
        progress.close()
        print(f"    done in {timings[name]:.1f} s", file=sys.stderr, flush=True)
        return value

    progress.experiment("Table 1 and Fig. 2: Jacobian symmetricity of AEs and CAEs", 8)
    table1 = timed(
        "Table 1",
        lambda: symmetricity_table(
            X,
            n_components=settings.table1_components,
            max_epochs=settings.table1_epochs,
            device=device,
            random_state=random_state,
            progress=progress,
        ),
    )
    _figure2(table1, out / "fig2_symmetricity.png")

    progress.experiment("Fig. 3: curl of untied AEs on the 2-D toys", 3)
    toys = timed(
        "Fig. 3",
        lambda: toy_curl_training(
            n_components=settings.toy_components,
            max_epochs=settings.toy_epochs,
            optimizer=settings.toy_optimizer,
            lr=settings.toy_lr,
            device=device,
            random_state=random_state,
            progress=progress,
        ),
    )
    _figure3(toys, out / "fig3_curl.png")

    progress.experiment("Fig. 4: conservative part of the spiral sink", 1)
    sink = timed(
        "Fig. 4",
        lambda: spiral_sink_extraction(
            n_components=settings.sink_components,
            max_epochs=settings.sink_epochs,
            device=device,
            random_state=random_state,
        ),
    )
    _figure4(sink, out / "fig4_spiral_sink.png")

    progress.experiment("Table 2: Algorithm 1, conservative recovery", 12)
    table2 = timed(
        "Table 2",
        lambda: {
            tying: conservative_recovery(
                X,
                trained_tying=tying,
                n_components=settings.table2_components,
                n_field_samples=settings.table2_field_samples,
                autoencoder=_table2_autoencoder(settings, device),
                extractor=_table2_extractor(settings, device),
                random_state=random_state,
                progress=progress,
            )
            for tying in ("tied", "untied")
        },
    )

    total = time.perf_counter() - start
    report = out / "report.md"
    report.write_text(
        _report(
            settings,
            quick,
            data_name,
            device,
            table1,
            toys,
            sink,
            table2,
            timings,
            total,
        )
    )
    print(f"==> report written to {report} ({total:.0f} s)", file=sys.stderr)
    return report


def _table2_autoencoder(settings, device):
    from ._autoencoder import UntiedAutoEncoder

    return UntiedAutoEncoder(
        settings.table2_components,
        activation="sigmoid",
        noise=0.0,
        batch_size=128,
        max_epochs=settings.table2_epochs,
        device=device,
    )


def _table2_extractor(settings, device):
    from ._extractor import ConservativeFieldExtractor

    return ConservativeFieldExtractor(
        settings.table2_components,
        weight_tying="tied",
        max_epochs=settings.table2_epochs,
        device=device,
    )


def _report(settings, quick, data_name, device, table1, toys, sink, table2, timings, total):
    toy_lines = "\n".join(
        f"| {name} | {toy.initial_curl:.4f} | {max(toy.estimator.history_[:, 'curl']):.4f} "
        f"| {toy.estimator.history_[-1, 'curl']:.4f} |"
        for name, toy in toys.items()
    )
    timing_lines = "\n".join(f"| {name} | {seconds:.1f} |" for name, seconds in timings.items())
    return f"""# Conservativeness of untied auto-encoders: reproduction report

Generated by `python -m sk_consae reproduce{" --quick" if quick else ""}` with sk_consae
{__version__}, Python {platform.python_version()}, on {device}, in {total:.0f} s.
Data: {data_name}. Paper: Im, Belghazi & Memisevic, AAAI 2016 (numbers on MNIST).

## Table 1: mean Jacobian symmetricity after training

{settings.table1_components} hidden units, {settings.table1_epochs} epochs of Adam, batch 128;
"+wl" keeps every hidden unit's weight vectors at Euclidean norm 1; CAE penalises
`0.01 ||dr/dx||_F^2`. Symmetricity `||(J + J^T)/2||_F / ||J||_F`, averaged over the data.

{_table1_markdown(table1)}

## Fig. 2: symmetricity of J and of R W^T during training

![Fig. 2](fig2_symmetricity.png)

## Fig. 3: curl of untied denoising auto-encoders on 2-D toys

{settings.toy_components} sigmoid units, denoising noise 0.05, {settings.toy_epochs} epochs of
{settings.toy_optimizer} (the paper: 500 epochs of momentum SGD at learning rate 8e-4, batch 32,
which here stays near the identity map for hundreds of epochs: Glorot weights are tiny against
data of radius 0.4). Mean `|curl|` of the field on the 500 training points:

| data | before training | largest during training | final |
|---|---|---|---|
{toy_lines}

![Fig. 3](fig3_curl.png)

The freshly initialised field is nearly constant (small Glorot weights), so its curl starts
small. It grows while the field acquires the data's non-linear structure and falls again as
training goes on (final value against the largest, in the table): the field near the data
becomes more conservative. The curves are noisy because the denoising noise is redrawn at
every step.

## Fig. 4: conservative part of the spiral sink

The field `(-x + y, -x - y)` on a 100 x 100 grid over `[-1, 1]^2`. Its L2 projection onto
gradients (degree-12 polynomial least squares) is not the free-space part `(-x, -y)`:
relative distance {sink.distance_from_free_space["projection"]:.3f}, leaving
{_percent(sink.unexplained)} of `||V||^2` unexplained.

| extractor | error against the projection | distance from (-x, -y) |
|---|---|---|
| tied | {_percent(sink.error["tied"])} | {sink.distance_from_free_space["tied"]:.3f} |
| scaled | {_percent(sink.error["scaled"])} | {sink.distance_from_free_space["scaled"]:.3f} |

![Fig. 4](fig4_spiral_sink.png)

## Table 2: Algorithm 1, fraction of pairs with E(x) > E(x corrupted)

{settings.table2_components} hidden units; fields sampled at
{settings.table2_field_samples:,} uniform points of the data box; tied extractor; 20%
salt-and-pepper corruption.

{_table2_markdown(table2)}

## Run time

| experiment | seconds |
|---|---|
{timing_lines}
| total | {total:.1f} |
"""
