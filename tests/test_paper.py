"""The reproduction: the report's prose follows its numbers; runs resume and can be partial."""

import importlib
import io
import shutil
import sys

import joblib
import numpy as np
import pytest
from sklearn.utils import Bunch

from sk_consae import cli
from sk_consae.paper import EXPERIMENTS, Settings, run, toy_curl_training
from sk_consae.paper.report import (
    deep_section,
    describe_curl,
    fig3_section,
    table1_section,
    table2_section,
)

TINY = Settings(
    table1_components=8,
    table1_epochs=2,
    toy_components=20,
    toy_epochs=3,
    toy_activation="sigmoid",
    toy_optimizer="adam",
    toy_lr=None,
    toy_seeds=2,
    sink_components=10,
    sink_epochs=2,
    table2_components=8,
    table2_field_samples=200,
    table2_epochs=2,
    table2_extractor_epochs=2,
    deep_components=6,
    deep_epochs=2,
)


# --- prose from numbers ---------------------------------------------------------------


def rising_then_falling(epochs=60):
    return np.r_[0.01, np.linspace(0.02, 0.1, epochs // 2), np.linspace(0.1, 0.02, epochs // 2)]


def test_a_curl_that_rises_at_the_end_is_never_said_to_fall():
    rising = np.r_[0.01, np.linspace(0.02, 0.3, 60)]
    sentence, fell = describe_curl(rising)
    assert not fell and "never fell" in sentence and "fell to" not in sentence
    # The quick report's case: a fall in the middle, then the largest value at the end.
    late_peak = np.r_[0.05, np.linspace(0.2, 0.05, 30), np.linspace(0.05, 0.3, 30)]
    sentence, fell = describe_curl(late_peak)
    assert not fell and "never fell" in sentence


def test_a_falling_curl_is_said_to_fall_with_its_numbers():
    sentence, fell = describe_curl(rising_then_falling())
    assert fell and "it fell" in sentence
    assert "0.0100 before training" in sentence


def test_a_single_noisy_epoch_decides_neither_peak_nor_end():
    curve = np.r_[0.01, np.full(40, 0.05)]
    curve[20] = 1.0  # one spike
    curve[-1] = 0.0  # and one low final epoch
    sentence, fell = describe_curl(curve)
    assert not fell and "it fell" not in sentence


def toy_result(curves):
    return Bunch(**{name: Bunch(curls=np.asarray(c)[None, :]) for name, c in curves.items()})


def test_fig3_section_counts_only_toys_whose_curl_fell():
    rising = np.r_[0.01, np.linspace(0.02, 0.3, 60)]
    result = toy_result({"line": rising, "circle": rising_then_falling(), "spiral": rising})
    text = fig3_section(result, Settings.quick(), "generated toys")
    assert "holds on 1 of the 3 toys" in text
    assert "- line (mean over seeds)" in text and "never fell" in text


class MonitoredModel:
    """Just what table1_section reads of a fitted model: its sym(J) history."""

    def __init__(self, symmetricity, contraction=0.01):
        self.contraction = contraction
        self.history_ = _History(symmetricity)


class _History:
    def __init__(self, values):
        self.values = list(values)

    def __getitem__(self, key):
        return self.values


def test_quick_fig3_energies_peak_on_the_data_and_fall_to_the_corners():
    # Issue 35: the first picture a user sees. On each toy of the quick Fig. 3 the
    # trained energy's maximum over the figure's box lies within two noise scales of a
    # training point, and every training point's energy is above the box's corners.
    quick = Settings.quick()
    result = toy_curl_training(
        n_components=quick.toy_components,
        max_epochs=quick.toy_epochs,
        activation=quick.toy_activation,
        optimizer=quick.toy_optimizer,
        lr=quick.toy_lr,
    )
    axis = np.linspace(-0.8, 0.8, 41)
    grid = np.array(np.meshgrid(axis, axis)).reshape(2, -1).T
    corners = np.array([[-0.8, -0.8], [-0.8, 0.8], [0.8, -0.8], [0.8, 0.8]])
    for name, toy in result.items():
        ae = toy.estimators[0]
        peak = grid[np.argmax(ae.score_samples(grid))]
        assert np.linalg.norm(toy.X - peak, axis=1).min() <= 2 * ae.noise_, name
        assert ae.score_samples(toy.X).min() > ae.score_samples(corners).max(), name


def test_table1_section_explains_each_miss_with_what_was_measured():
    from sk_consae.paper.report import PAPER_TABLE1

    columns = ("relu", "relu+wl", "sigmoid", "sigmoid+wl")
    table = {model: dict(PAPER_TABLE1[model]) for model in ("AE", "CAE")}
    # AE relu passes the paper's 95.9% at its peak, then declines to 91.1%.
    table["AE"]["relu"] = 0.911
    ae_relu = np.r_[0.86, 0.944, np.linspace(0.94, 0.911, 98)]
    # AE sigmoid ends 3 pp low and is still rising.
    table["AE"]["sigmoid"] = 0.921
    ae_sigmoid = np.linspace(0.85, 0.921, 100)
    # CAE relu ends above the paper, which lies between our AE and our CAE.
    table["CAE"]["relu"] = 0.998
    estimators = {
        model: {column: MonitoredModel(np.full(100, table[model][column])) for column in columns}
        for model in ("AE", "CAE")
    }
    estimators["AE"]["relu"] = MonitoredModel(ae_relu)
    estimators["AE"]["sigmoid"] = MonitoredModel(ae_sigmoid)
    result = Bunch(table=table, estimators=estimators)
    text = table1_section(result, Settings.paper(), quick=False)
    assert "5 of 8 cells are within 2 percentage points" in text
    assert (
        "- AE relu: 91.1% against 95.9% (-4.8 pp). On the monitored points, sym(J) peaked at "
        "94.4% in epoch 2" in text
    )
    assert "the gap is that decline after the peak" in text
    assert "still moving towards the paper's value: longer training would narrow the gap" in text
    assert "our AE (weight 0) reaches 91.1% and our CAE (weight 0.01) 99.8%" in text
    assert "the paper's 95.2% lies between them" in text


def test_table2_section_defines_beta_and_explains_every_large_difference():
    betas = np.array([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    row = Bunch(
        betas=betas,
        ranking=np.array([0.68, 0.74, 0.93, 0.97, 0.996, 0.9968]),
        field_r2=np.full(6, 0.99),
        trained_ranking=0.999,
        quadratic_ranking=0.93,
    )
    text = table2_section({"tied": row, "untied": row}, Settings.quick())
    assert "beta blends a random untied auto-encoder (beta = 0)" in text
    assert "tied, above the paper at beta = 0.0 (0.6800 against 0.5036, +0.1764)" in text
    assert text.count("ranks 0.9300 of the pairs") == 2  # once per row, not per cell
    assert "beta = 0.6: 0.9700 against 0.9884" in text and "R^2 = 0.990" in text
    assert "beta = 0.2" not in text  # within 0.01 of the paper: no sentence needed
    assert "The tied row is monotone in beta" in text


def test_deep_section_states_what_its_numbers_show():
    result = Bunch(
        depths=[1, 2, 3],
        table={"AE": [0.92, 0.95, 0.94], "CAE": [0.96, 0.97, 0.98]},
        curves={},
        penalties=[0.0, 0.1, 1.0],
        penalty_symmetricity=[0.95, 0.99, 0.94],
        penalty_error=[2.0, 2.2, 1.9],
    )
    text = deep_section(result, Settings.quick())
    assert "AE: sym(J) was not monotone with depth, from 92.0%" in text
    assert "CAE: sym(J) rose with depth, from 96.0% (1 hidden layer) to 98.0% (3)" in text
    assert "more symmetric than the AE at 3 of 3 depths" in text
    assert "0.1: raised sym(J) from 0.9500 to 0.9900" in text and "(+10% against" in text
    assert "1: did not raise sym(J)" in text


# --- the run ----------------------------------------------------------------------------


def test_cli_offers_the_registered_experiments(capsys):
    with pytest.raises(SystemExit):
        cli.main(["reproduce", "--help"])
    assert ", ".join(EXPERIMENTS) in " ".join(capsys.readouterr().out.split())


@pytest.fixture
def experiments_run(monkeypatch):
    """The names of the experiments that run() actually runs, in order."""
    import sk_consae.paper.reproduce as reproduce

    ran = []
    real = reproduce._experiment

    def spy(name, *args):
        ran.append(name)
        return real(name, *args)

    monkeypatch.setattr(reproduce, "_experiment", spy)
    return ran


def quiet():
    return io.StringIO()


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    run(out, settings=TINY, stream=quiet())
    return out


def test_run_writes_every_section_and_figure(tiny_run):
    report = (tiny_run / "report.md").read_text()
    headings = ("quick mode gives up", "Table 1", "Fig. 2", "Fig. 3", "Fig. 4", "Table 2", "Deep")
    for heading in headings:
        assert heading in report
    assert "paper 95.9%" in report and "paper 0.9968" in report
    figures = (
        "fig2_symmetricity.png",
        "fig3_curl.png",
        "fig4_spiral_sink.png",
        "deep_symmetricity.png",
    )
    for figure in figures:
        assert (tiny_run / figure).stat().st_size > 10_000
    saved = {p.stem for p in (tiny_run / "results").iterdir()}
    assert set(EXPERIMENTS) <= saved
    # Table 1's eight models and Table 2's two rows are also saved one by one.
    assert len(saved) == len(EXPERIMENTS) + 8 + 2


def test_an_interrupted_table1_continues_from_its_last_model(tiny_run, tmp_path, monkeypatch):
    import sk_consae.paper.experiments as experiments

    fits = []
    real_fit = experiments.ContractiveAutoEncoder.fit

    def failing_fit(self, X, y=None):
        fits.append(self.activation)
        if len(fits) == 3:
            raise KeyboardInterrupt  # the run stops during the third CAE
        return real_fit(self, X, y)

    monkeypatch.setattr(experiments.ContractiveAutoEncoder, "fit", failing_fit)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, settings=TINY, only=["table1"], stream=quiet())
    assert not (tmp_path / "results" / "table1.joblib").exists()
    fits.clear()
    run(tmp_path, settings=TINY, only=["table1"], resume=True, stream=quiet())
    assert fits == ["sigmoid", "sigmoid"]  # only the two models left
    # Same seeds as an uninterrupted run, so the same table.
    resumed = (tmp_path / "report.md").read_text().split("## Table 1")[1].split("## Fig. 2")[0]
    whole = (tiny_run / "report.md").read_text().split("## Table 1")[1].split("## Fig. 2")[0]
    assert resumed == whole
    # The experiment's time counts the models trained before the interruption too.
    results = tmp_path / "results"
    cell_seconds = [joblib.load(p)["seconds"] for p in results.glob("table1-*.joblib")]
    assert len(cell_seconds) == 8 and min(cell_seconds) > 0
    assert joblib.load(results / "table1.joblib")["seconds"] >= sum(cell_seconds)


def test_resume_skips_finished_experiments(tiny_run, monkeypatch, capsys):
    import sk_consae.paper.reproduce as reproduce

    def must_not_run(name, *args):
        raise AssertionError(f"{name} ran again")

    monkeypatch.setattr(reproduce, "_experiment", must_not_run)
    run(tiny_run, settings=TINY, resume=True, stream=sys.stderr)
    assert capsys.readouterr().err.count("saved result reused") == len(EXPERIMENTS)


def test_resume_reruns_only_results_made_with_other_settings(tiny_run, tmp_path, experiments_run):
    shutil.copytree(tiny_run / "results", tmp_path / "results")
    other = Settings(**{**vars(TINY), "sink_epochs": 3})  # Fig. 4's setting only
    run(tmp_path, settings=other, resume=True, stream=quiet())
    assert experiments_run == ["fig4"]
    run(tmp_path, settings=other, resume=True, stream=quiet(), random_state=1)
    assert experiments_run == ["fig4", *EXPERIMENTS]  # another seed: everything again


def test_only_runs_one_experiment_and_reports_the_saved_rest(tiny_run, tmp_path, experiments_run):
    run(tmp_path, settings=TINY, only=["fig4"], stream=quiet())
    assert experiments_run == ["fig4"]
    report = (tmp_path / "report.md").read_text()
    assert "## Fig. 4" in report and "## Table 1" not in report and "Not run" in report
    shutil.copytree(tiny_run / "results", tmp_path / "results", dirs_exist_ok=True)
    run(tmp_path, settings=TINY, only=["fig3"], stream=quiet())
    assert experiments_run == ["fig4", "fig3"]
    assert "## Table 1" in (tmp_path / "report.md").read_text()  # saved, not rerun


def test_unknown_experiment_is_named(tmp_path):
    with pytest.raises(ValueError, match="unknown experiments \\['fig9'\\]"):
        run(tmp_path, settings=TINY, only=["fig9"])


def test_progress_advances_once_per_training_epoch_and_ends_full(tmp_path, monkeypatch):
    import sk_consae.paper.reproduce as reproduce

    bars = []

    class Recorder(reproduce._Progress):
        def experiment(self, title, epochs):
            bars.append({"total": epochs, "ticks": 0})

        def epoch(self):
            bars[-1]["ticks"] += 1

    monkeypatch.setattr(reproduce, "_Progress", Recorder)
    run(tmp_path, settings=TINY, only=["table1", "fig4", "table2"])
    # Totals are the epochs actually trained: the bar reaches 100% with the last epoch.
    assert bars == [
        {"total": TINY.epochs(n), "ticks": TINY.epochs(n)} for n in ("table1", "fig4", "table2")
    ]


# --- the install ------------------------------------------------------------------------


def test_without_matplotlib_reproduce_and_plots_name_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    assert cli.main(["reproduce", "--quick", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'pip install "sk_consae[plot]"' in err[0]
    from sk_consae.plotting import VectorFieldDisplay

    with pytest.raises(ImportError, match=r"sk_consae\[plot\]"):
        VectorFieldDisplay.from_callable(lambda X: -X, X=np.zeros((3, 2)))


def test_version_flag(capsys):
    from sk_consae import __version__

    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"sk-consae {__version__}"


@pytest.mark.parametrize("old", ["experiments", "reproduce"])
def test_the_unreleased_aliases_are_gone(old):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"sk_consae.{old}")


_IMPORT_EACH_ALONE = """
import importlib, pkgutil, sys
import sk_consae
modules = pkgutil.walk_packages(sk_consae.__path__, "sk_consae.")
names = sorted(m.name for m in modules if not m.name.endswith("__main__"))  # it runs the CLI
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m == "sk_consae" or m.startswith("sk_consae.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except ImportError as error:
        if "pip install" not in str(error):  # not an optional extra's named absence
            failed.append(f"{name}: {type(error).__name__}: {error}")
    except Exception as error:
        failed.append(f"{name}: {type(error).__name__}: {error}")
print(len(names))
print("\\n".join(failed))
"""


def test_every_module_imports_first_without_a_cycle():
    """Each module of the package imported first, with no other sk_consae module loaded
    (third-party packages stay loaded, for speed): an import cycle fails whichever
    module starts it."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH_ALONE], capture_output=True, text=True, check=True
    )
    count, *failed = done.stdout.strip().split("\n")
    assert int(count) >= 30 and not [line for line in failed if line], failed


def _module_imports():
    """Every sk_consae module and the sk_consae modules it imports anywhere in its body
    (inside functions too), from its source."""
    import ast
    from pathlib import Path

    import sk_consae

    root = Path(sk_consae.__file__).parent
    modules = _all_module_names(root)
    graph = {}
    for path in root.rglob("*.py"):
        parts = ("sk_consae", *path.relative_to(root).with_suffix("").parts)
        package = parts[:-1]
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        edges = set()
        for node in _runtime_nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else ()
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
                for alias in node.names:  # `from . import figures` names a module
                    candidate = f"{target}.{alias.name}"
                    edges.add(candidate if candidate in modules else target)
            elif isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names)
        graph[name] = {e for e in edges if e.startswith("sk_consae") and e != name}
    return graph


def _runtime_nodes(tree):
    """The tree's nodes, less ``if TYPE_CHECKING:`` blocks (never run)."""
    import ast

    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _all_module_names(root):
    names = set()
    for path in root.rglob("*.py"):
        parts = ("sk_consae", *path.relative_to(root).with_suffix("").parts)
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_no_module_imports_itself_through_others():
    """No import cycle between modules, counting imports inside functions (a deferred
    import hides a cycle from the import test above, not from the reader)."""
    graph = _module_imports()
    state = {}

    def visit(name, path):
        state[name] = "open"
        for target in graph.get(name, ()):
            if state.get(target) == "open":
                raise AssertionError("import cycle: " + " -> ".join([*path, name, target]))
            if target not in state:
                visit(target, [*path, name])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
