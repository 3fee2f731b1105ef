"""Run the paper's experiments and write ``report.md`` with its figures into a folder.

``run(out, quick=True)`` is what ``python -m sk_consae reproduce --quick`` calls:
``load_digits`` and the 2-D toys with small models. Without ``quick`` it uses MNIST
(``mnist=DIR``) and the paper's sizes. Each experiment's result is saved under
``out/results/`` as soon as it finishes, so ``resume=True`` continues an interrupted
run where it stopped, and ``only=`` runs some experiments and reports them together
with the results already saved.
"""

import copy
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import joblib
import numpy as np
from sklearn.utils import check_random_state
from skorch.callbacks import Callback

from .. import __version__
from .._optional import pyplot
from ..datasets import load_mnist
from . import figures
from .experiments import (
    DEPTHS,
    PENALTIES,
    TOYS,
    conservative_recovery,
    depth_table,
    load_default_data,
    spiral_sink_extraction,
    symmetricity_table,
    toy_curl_training,
)
from .report import write_report

__all__ = ["EXPERIMENTS", "Settings", "run"]

EXPERIMENTS = {
    "table1": "Table 1 and Fig. 2: Jacobian symmetricity of AEs and CAEs",
    "fig3": "Fig. 3: curl of untied AEs on the 2-D toys",
    "fig4": "Fig. 4: conservative part of the spiral sink",
    "table2": "Table 2: Algorithm 1, conservative recovery",
    "deep": "Deep auto-encoders: symmetricity by depth and the asymmetry penalty",
}


@dataclass(frozen=True)
class Settings:
    """Sizes of every experiment; ``Settings.quick()`` and ``Settings.paper()``.

    Parameters
    ----------
    table1_components, table1_epochs : int
        Hidden units and Adam epochs of Table 1's eight models.
    toy_components, toy_epochs : int
        Hidden units and epochs of Fig. 3's models.
    toy_optimizer : {"adam", "sgd", "lbfgs"}
        Fig. 3's optimiser.
    toy_lr : float or None
        Its learning rate; the optimiser's default when None.
    toy_seeds : int
        Models per toy in Fig. 3 (the band is over these).
    sink_components, sink_epochs : int
        Hidden units and L-BFGS epochs of Fig. 4's extractors.
    table2_components : int
        Hidden units of Table 2's trained, random and extracting models.
    table2_field_samples : int
        Points where Table 2's blended fields are sampled.
    table2_epochs : int
        Adam epochs of Table 2's trained auto-encoders.
    table2_extractor_epochs : int
        L-BFGS epochs of each of Table 2's twelve extractors.
    deep_components, deep_epochs : int
        Units per layer and Adam epochs of the deep section's nine models (not in
        the paper: Table 1 extended to 2 and 3 hidden layers).
    """

    table1_components: int
    table1_epochs: int
    toy_components: int
    toy_epochs: int
    toy_optimizer: str
    toy_lr: float | None
    toy_seeds: int
    sink_components: int
    sink_epochs: int
    table2_components: int
    table2_field_samples: int
    table2_epochs: int
    table2_extractor_epochs: int
    deep_components: int
    deep_epochs: int

    @classmethod
    def quick(cls):
        return cls(
            table1_components=64,
            table1_epochs=100,
            toy_components=200,
            toy_epochs=200,
            toy_optimizer="adam",
            toy_lr=3e-3,
            toy_seeds=3,
            sink_components=100,
            sink_epochs=50,
            table2_components=64,
            table2_field_samples=5000,
            table2_epochs=50,
            table2_extractor_epochs=30,
            deep_components=64,
            deep_epochs=60,
        )

    @classmethod
    def paper(cls):
        # Table 1: 500 units, 100 epochs. Fig. 3: the paper's own setting, 1000 units and
        # 500 epochs of momentum SGD at 8e-4, batch 32, here with 5 seeds: on the authors'
        # data it made the curl fall to 6-8% of its start on the circle and the spiral
        # (5 of 5 seeds each) but not on the line (measured 2026-11-27, 235 s on 2 cores).
        # Fig. 4: 1000 units, 500 epochs. Table 2: 500 units.
        return cls(
            table1_components=500,
            table1_epochs=100,
            toy_components=1000,
            toy_epochs=500,
            toy_optimizer="sgd",
            toy_lr=8e-4,
            toy_seeds=5,
            sink_components=1000,
            sink_epochs=500,
            table2_components=500,
            table2_field_samples=20000,
            table2_epochs=100,
            table2_extractor_epochs=20,
            deep_components=500,
            deep_epochs=100,
        )

    def epochs(self, experiment):
        """Training epochs of ``experiment`` over all its models (for progress).

        Parameters
        ----------
        experiment : str
            A key of ``EXPERIMENTS``.

        Returns
        -------
        int
        """
        return {
            "table1": 8 * self.table1_epochs,
            "fig3": len(TOYS) * self.toy_seeds * self.toy_epochs,
            "fig4": 2 * self.sink_epochs,
            "table2": 2 * (self.table2_epochs + 6 * self.table2_extractor_epochs),
            "deep": (2 * len(DEPTHS) + len(PENALTIES)) * self.deep_epochs,
        }[experiment]


class _Progress:
    """One line per experiment, then a bar over its training epochs (on stderr)."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.bar = None

    def experiment(self, title, epochs):
        from tqdm.auto import tqdm

        self.close()
        print(f"==> {title}", file=self.stream, flush=True)
        self.bar = tqdm(total=epochs, unit="epoch", file=self.stream, leave=False)

    def __call__(self, description):
        if self.bar is not None:
            self.bar.set_description(description)

    def epoch(self):
        if self.bar is not None:
            self.bar.update()

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class EpochProgress(Callback):
    """Advances the reproduction's progress bar after every training epoch.

    The estimators copy their callbacks at fit; every copy shares this one's bar, and
    a pickled copy (a saved result) drops it.
    """

    def __init__(self, progress):
        self.progress = progress

    def __deepcopy__(self, memo):
        return self

    def __getstate__(self):
        return {**vars(self), "progress": None}

    def on_epoch_end(self, net, **kwargs):
        if self.progress is not None:
            self.progress.epoch()


# The Settings fields each experiment depends on start with its prefix.
_SETTING_PREFIXES = {
    "table1": "table1_",
    "fig3": "toy_",
    "fig4": "sink_",
    "table2": "table2_",
    "deep": "deep_",
}


class _ResultStore:
    """Results saved per experiment with what made them: the data, the seed, the
    version and the experiment's own settings (so that changing one experiment's
    sizes, or adding an experiment, leaves the others' results valid)."""

    def __init__(self, folder, common, settings):
        self.folder = Path(folder)
        self.common = common
        self.settings = asdict(settings)

    def key(self, name):
        prefix = _SETTING_PREFIXES[name.split("-")[0]]
        own = {k: v for k, v in self.settings.items() if k.startswith(prefix)}
        return {**self.common, "settings": own}

    def path(self, name):
        return self.folder / f"{name}.joblib"

    def load(self, name):
        """The saved result of ``name`` if it was made with the same settings."""
        path = self.path(name)
        if not path.is_file():
            return None
        saved = joblib.load(path)
        return saved if saved.get("key") == self.key(name) else None

    def save(self, name, result, seconds):
        self.folder.mkdir(parents=True, exist_ok=True)
        payload = {"key": self.key(name), "result": result, "seconds": seconds}
        temporary = self.path(name).with_suffix(".partial")
        joblib.dump(payload, temporary)
        temporary.replace(self.path(name))  # a run killed while saving leaves no result

    def cells(self, experiment, reuse):
        """Finished parts of ``experiment``, saved one by one as they finish; those of
        an earlier run count only when ``reuse``."""
        return _Cells(self, experiment, reuse)


class _Cells:
    """Dict-like view of one experiment's saved parts (``store`` files ``experiment-part``).

    Each part is saved with its own training time, so an experiment finished over several
    interrupted calls still reports its whole time: ``earlier_seconds`` sums the parts this
    call reused instead of training them."""

    def __init__(self, store, experiment, reuse):
        self.store = store
        self.prefix = experiment + "-"
        self.reuse = reuse
        self.written = set()
        self.earlier = {}
        self._clock = time.perf_counter()

    def _name(self, part):
        return self.prefix + part.replace(" ", "_").replace("+", "_")

    def __contains__(self, part):
        if not (self.reuse or part in self.written):
            return False
        return self.store.load(self._name(part)) is not None

    def __getitem__(self, part):
        saved = self.store.load(self._name(part))
        if saved is None:
            raise KeyError(part)
        if part not in self.written:
            self.earlier[part] = saved["seconds"] or 0.0
            self._clock = time.perf_counter()  # loading is not the next part's training
        return saved["result"]

    def __setitem__(self, part, result):
        now = time.perf_counter()
        self.store.save(self._name(part), result, seconds=now - self._clock)
        self._clock = now
        self.written.add(part)

    @property
    def earlier_seconds(self):
        return float(sum(self.earlier.values()))


def _load_toy_data(folder):
    """``X_train`` of the authors' line, circle and spiral npz files in ``folder``."""
    folder = Path(folder)
    data = {}
    for name in TOYS:
        path = folder / f"{name}.npz"
        if not path.is_file():
            raise FileNotFoundError(f"toy data folder {folder} has no {name}.npz")
        with np.load(path) as arrays:
            if "X_train" not in arrays:
                raise ValueError(f"{path} has no X_train array")
            data[name] = arrays["X_train"]
    return data


def _experiment(name, X, settings, device, random_state, toy_data, callbacks, progress, cells):
    """Run one experiment by name; returns its result. Table 1's models and Table 2's
    rows are kept in ``cells`` as they finish."""
    if name == "table1":
        return symmetricity_table(
            X,
            n_components=settings.table1_components,
            max_epochs=settings.table1_epochs,
            device=device,
            random_state=random_state,
            callbacks=callbacks,
            progress=progress,
            cells=cells,
        )
    if name == "fig3":
        return toy_curl_training(
            data=toy_data,
            n_seeds=settings.toy_seeds,
            n_components=settings.toy_components,
            max_epochs=settings.toy_epochs,
            optimizer=settings.toy_optimizer,
            lr=settings.toy_lr,
            device=device,
            random_state=random_state,
            callbacks=callbacks,
            progress=progress,
        )
    if name == "deep":
        return depth_table(
            X,
            n_components=settings.deep_components,
            max_epochs=settings.deep_epochs,
            device=device,
            random_state=random_state,
            callbacks=callbacks,
            progress=progress,
        )
    if name == "fig4":
        return spiral_sink_extraction(
            n_components=settings.sink_components,
            max_epochs=settings.sink_epochs,
            device=device,
            random_state=random_state,
            callbacks=callbacks,
        )
    rows = {}
    for tying in ("tied", "untied"):
        if tying not in cells:
            cells[tying] = conservative_recovery(
                X,
                trained_tying=tying,
                n_components=settings.table2_components,
                n_field_samples=settings.table2_field_samples,
                autoencoder=_table2_autoencoder(settings, device),
                extractor=_table2_extractor(settings, device),
                random_state=random_state,
                callbacks=callbacks,
                progress=progress,
            )
        rows[tying] = cells[tying]
    return rows


def _table2_autoencoder(settings, device):
    from .._autoencoder import UntiedAutoEncoder

    return UntiedAutoEncoder(
        settings.table2_components,
        activation="sigmoid",
        noise=0.0,
        batch_size=128,
        max_epochs=settings.table2_epochs,
        device=device,
    )


def _table2_extractor(settings, device):
    from .._extractor import ConservativeFieldExtractor

    return ConservativeFieldExtractor(
        settings.table2_components,
        weight_tying="tied",
        max_epochs=settings.table2_extractor_epochs,
        device=device,
    )


_FIGURES = {
    "table1": ("fig2_symmetricity.png", figures.figure2),
    "fig3": ("fig3_curl.png", figures.figure3),
    "fig4": ("fig4_spiral_sink.png", figures.figure4),
    "deep": ("deep_symmetricity.png", figures.figure_deep),
}


def run(
    out="consae-report",
    *,
    quick=True,
    mnist=None,
    toy_data=None,
    device="cpu",
    random_state=0,
    resume=False,
    only=None,
    settings=None,
    stream=sys.stderr,
):
    """Run the experiments and write ``report.md`` and the figures into ``out``.

    Parameters
    ----------
    out : str or path-like, default="consae-report"
        Output folder; created if needed.
    quick : bool, default=True
        ``load_digits``, small models, few epochs. Otherwise MNIST and the paper's
        sizes (about an hour on two CPU cores; ``device="cuda"`` where available).
    mnist : str or path-like, optional
        Folder of MNIST idx files; required when ``quick`` is False.
    toy_data : str or path-like, optional
        Folder with the authors' ``line.npz``, ``circle.npz`` and ``spiral.npz``
        (``X_train`` arrays) for Fig. 3; generated toys when None.
    device : {"cpu", "cuda"}, default="cpu"
        Where the models train and infer.
    random_state : int, default=0
        Seeds every model and every draw.
    resume : bool, default=False
        Reuse the results saved in ``out/results`` by an earlier run with the same
        data, seed, version and experiment settings (each experiment is keyed by its
        own fields of ``Settings``); run only what is missing.
    only : sequence of str, optional
        Run only these experiments (keys of ``EXPERIMENTS``); the report also shows
        the others' saved results, if any.
    settings : Settings, optional
        Overrides ``Settings.quick()`` / ``Settings.paper()``.
    stream : file, default=sys.stderr
        Where progress goes.

    Returns
    -------
    Path
        The report's path.
    """
    pyplot()  # fail now, not after an hour of training, when matplotlib is missing
    import matplotlib

    matplotlib.use("Agg")
    selected = list(EXPERIMENTS) if only is None else list(dict.fromkeys(only))
    unknown = [name for name in selected if name not in EXPERIMENTS]
    if unknown:
        raise ValueError(f"unknown experiments {unknown}; choose from {list(EXPERIMENTS)}")
    if settings is None:
        settings = Settings.quick() if quick else Settings.paper()
    if quick:
        X, data_name = load_default_data(), "load_digits (1,797 x 64, scaled to [0, 1])"
    else:
        if mnist is None:
            raise ValueError("the full reproduction needs MNIST: pass --mnist DIR.")
        X = load_mnist(mnist).data
        data_name = f"MNIST training set ({len(X):,} x 784)"
    toys = None if toy_data is None else _load_toy_data(toy_data)
    toy_name = "the authors' data" if toys is not None else "generated toys"
    check_random_state(random_state)  # a bad seed fails before anything is written
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    common = {"data": data_name, "toys": toy_name, "seed": random_state, "version": __version__}
    store = _ResultStore(out / "results", common, settings)
    progress = _Progress(stream)
    callbacks = [EpochProgress(progress)]
    results, seconds = {}, {}
    start = time.perf_counter()
    for name in EXPERIMENTS:
        saved = store.load(name) if (resume or name not in selected) else None
        if saved is not None:
            results[name], seconds[name] = saved["result"], saved["seconds"]
            if name in selected:
                print(f"==> {EXPERIMENTS[name]}: saved result reused", file=stream)
            continue
        if name not in selected:
            continue
        progress.experiment(EXPERIMENTS[name], settings.epochs(name))
        t = time.perf_counter()
        cells = store.cells(name, reuse=resume)
        result = _experiment(
            name, X, settings, device, random_state, toys, copy.copy(callbacks), progress, cells
        )
        seconds[name] = time.perf_counter() - t + cells.earlier_seconds
        progress.close()
        print(f"    done in {seconds[name]:.1f} s", file=stream, flush=True)
        store.save(name, result, seconds[name])
        results[name] = result
    for name, (filename, draw) in _FIGURES.items():
        if name in results:
            draw(results[name], out / filename)
    report = out / "report.md"
    report.write_text(
        write_report(
            results,
            seconds,
            settings=settings,
            quick=quick,
            data_name=data_name,
            toy_name=toy_name,
            device=device,
            wall=time.perf_counter() - start,
        )
    )
    print(f"==> report written to {report}", file=stream)
    return report
