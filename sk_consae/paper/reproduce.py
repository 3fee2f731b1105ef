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
from dataclasses import asdict
from pathlib import Path

import joblib
import numpy as np
from sklearn.utils import check_random_state
from skorch.callbacks import Callback

from .. import __version__
from .._optional import pyplot
from ..datasets import load_mnist
from .experiments import TOYS, load_default_data
from .registry import _REGISTRY, EXPERIMENTS, REGISTRY, Context, Settings
from .report import write_report

__all__ = ["EXPERIMENTS", "Settings", "run"]


class _Progress:
    """One line per experiment, then, on a terminal, a bar over its training epochs (on
    stderr)."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.bar = None

    def experiment(self, title, epochs):
        from tqdm.auto import tqdm

        self.close()
        print(f"==> {title}", file=self.stream, flush=True)
        # disable=None: a bar on a terminal only; a log file gets the experiment lines.
        self.bar = tqdm(total=epochs, unit="epoch", file=self.stream, leave=False, disable=None)

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


class _ResultStore:
    """Results saved per experiment with what made them: the data, the seed, the
    version and the experiment's own settings (so that changing one experiment's
    sizes, or adding an experiment, leaves the others' results valid)."""

    def __init__(self, folder, common, settings):
        self.folder = Path(folder)
        self.common = common
        self.settings = asdict(settings)

    def key(self, name):
        prefix = _REGISTRY[name.split("-")[0]].settings_prefix
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


def _experiment(name, context):
    """Run the experiment ``name`` (a key of ``EXPERIMENTS``); returns its result."""
    return _REGISTRY[name].run(context)


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

    def context_for(cells, callbacks):
        return Context(
            X, settings, device, random_state, toys, toy_name, quick, callbacks, progress, cells
        )

    progress = _Progress(stream)
    callbacks = [EpochProgress(progress)]
    results, seconds = {}, {}
    start = time.perf_counter()
    for experiment in REGISTRY:
        name = experiment.key
        saved = store.load(name) if (resume or name not in selected) else None
        if saved is not None:
            results[name], seconds[name] = saved["result"], saved["seconds"]
            if name in selected:
                print(f"==> {experiment.title}: saved result reused", file=stream)
            continue
        if name not in selected:
            continue
        progress.experiment(experiment.title, experiment.epochs(settings))
        t = time.perf_counter()
        context = context_for(store.cells(name, reuse=resume), copy.copy(callbacks))
        result = _experiment(name, context)
        seconds[name] = time.perf_counter() - t + context.cells.earlier_seconds
        progress.close()
        print(f"    done in {seconds[name]:.1f} s", file=stream, flush=True)
        store.save(name, result, seconds[name])
        results[name] = result
    for experiment in REGISTRY:
        if experiment.figure is not None and experiment.key in results:
            filename, draw = experiment.figure
            draw(results[experiment.key], out / filename)
    report = out / "report.md"
    report.write_text(
        write_report(
            results,
            seconds,
            REGISTRY,
            context_for(None, []),
            data_name=data_name,
            device=device,
            wall=time.perf_counter() - start,
        )
    )
    print(f"==> report written to {report}", file=stream)
    return report
