"""Bad arguments to every public function: each gets a specific error that names it.

Together with the bad-data matrices of ``test_reliability.py`` (all marked
``bad_input``) this is the package's bad-input battery; ``pytest -m bad_input
--collect-only -q`` counts its cases. Each case states the exception type and a
pattern of the message, which must name the parameter, shape, dtype or value.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sk_consae import (
    ConservativeFieldExtractor,
    ContractiveAutoEncoder,
    UntiedAutoEncoder,
    cli,
    datasets,
    metrics,
)
from sk_consae.exceptions import TrainingDivergedError
from sk_consae.paper import polynomial_gradient_projection

pytestmark = pytest.mark.bad_input

ESTIMATORS = [UntiedAutoEncoder, ContractiveAutoEncoder, ConservativeFieldExtractor]

# Parameter -> values that must be refused; shared by every estimator that has it.
BAD_PARAMETERS = {
    "n_components": [0, -1, 1.5, True, "8", None],
    "activation": ["elu", 1, None],
    "weight_tying": ["both", 0, None],
    "weight_length": [0.0, -1.0, "1"],
    "noise": [-0.1, "loud", [0.1]],
    "optimizer": ["rmsprop", None, 1],
    "lr": [0.0, -1e-3, "fast"],
    "momentum": [-0.1, 1.0, 2.0, "high"],
    "max_epochs": [0, -5, 2.5, False],
    "batch_size": [0, -1, 1.5, "big"],
    "shuffle": ["yes", 1.0, None],
    "contamination": [0.0, 0.6, -0.1, "some"],
    "energy_quadrature": [0, 1001, 2.5, "gauss"],
    "device": ["tpu", "meta", 3],
    "random_state": ["seed", 1.5],
    "verbose": ["loud", 1.5],
    "callbacks": ["print", 3],
    "warm_start": ["yes", None],
    "validation_fraction": [0.0, 1.0, -0.2, "tenth"],
    "contraction": [-1.0, "strong"],
    "asymmetry_penalty": [-0.5, "strong", None],
    "contraction_target": ["hidden", None],
    "standardize": ["yes", None],
}


def _parameter_cases():
    for cls in ESTIMATORS:
        names = set(cls().get_params())
        for name, values in BAD_PARAMETERS.items():
            if name in names:
                for value in values:
                    yield pytest.param(cls, name, value, id=f"{cls.__name__}-{name}={value!r}")


def _fit(model, X):
    return model.fit(X, -X) if isinstance(model, ConservativeFieldExtractor) else model.fit(X)


@pytest.mark.parametrize("cls, name, value", list(_parameter_cases()))
def test_bad_parameter_is_named_at_fit(cls, name, value):
    X = np.random.RandomState(0).rand(20, 3)
    model = cls(**{"max_epochs": 1, name: value} if name != "max_epochs" else {name: value})
    with pytest.raises((InvalidParameterError, ValueError), match=name):
        _fit(model, X)
    assert not hasattr(model, "net_")


@pytest.fixture(scope="module")
def model():
    return UntiedAutoEncoder(4, max_epochs=1, random_state=0).fit(
        np.random.RandomState(0).rand(30, 3)
    )


X3 = np.random.RandomState(1).rand(5, 3)


def _deep(model):
    """A deep model fitted on the same data as ``model``."""
    return UntiedAutoEncoder(4, hidden_layer_sizes=(3,), max_epochs=1, random_state=0).fit(
        np.random.RandomState(0).rand(30, 3)
    )


# (call, exception, message pattern) for the functions beyond the estimators' data.
FUNCTION_CASES = {
    "make_line n_samples=0": (lambda m: datasets.make_line(0), ValueError, "n_samples"),
    "make_line n_samples=-3": (lambda m: datasets.make_line(-3), ValueError, "n_samples"),
    "make_line n_samples=2.5": (lambda m: datasets.make_line(2.5), ValueError, "n_samples"),
    "make_line noise=-1": (lambda m: datasets.make_line(5, noise=-1), ValueError, "noise"),
    "make_line noise=nan": (lambda m: datasets.make_line(5, noise=np.nan), ValueError, "noise"),
    "make_line length=0": (lambda m: datasets.make_line(5, length=0), ValueError, "length"),
    "make_line length='1'": (lambda m: datasets.make_line(5, length="1"), ValueError, "length"),
    "make_line noise='low'": (lambda m: datasets.make_line(5, noise="low"), ValueError, "noise"),
    "salt_and_pepper p='half'": (
        lambda m: datasets.salt_and_pepper(X3, "half"),
        ValueError,
        "p must",
    ),
    "salt_and_pepper high='max'": (
        lambda m: datasets.salt_and_pepper(X3, high="max"),
        ValueError,
        "high",
    ),
    "make_spiral_sink bounds strings": (
        lambda m: datasets.make_spiral_sink(5, bounds=("a", "b")),
        ValueError,
        "bounds",
    ),
    "make_line length=inf": (lambda m: datasets.make_line(5, length=np.inf), ValueError, "length"),
    "make_circle n_samples=0": (lambda m: datasets.make_circle(0), ValueError, "n_samples"),
    "make_circle radius=-1": (lambda m: datasets.make_circle(5, radius=-1), ValueError, "radius"),
    "make_circle radius=inf": (
        lambda m: datasets.make_circle(5, radius=np.inf),
        ValueError,
        "radius",
    ),
    "make_circle noise=inf": (lambda m: datasets.make_circle(5, noise=np.inf), ValueError, "noise"),
    "make_spiral n_samples=0": (lambda m: datasets.make_spiral(0), ValueError, "n_samples"),
    "make_spiral turns=-1": (lambda m: datasets.make_spiral(5, turns=-1), ValueError, "turns"),
    "make_spiral turns=nan": (lambda m: datasets.make_spiral(5, turns=np.nan), ValueError, "turns"),
    "make_spiral inner_radius=0": (
        lambda m: datasets.make_spiral(5, inner_radius=0),
        ValueError,
        "inner_radius",
    ),
    "make_spiral noise=-0.1": (lambda m: datasets.make_spiral(5, noise=-0.1), ValueError, "noise"),
    "make_spiral_sink n=1": (lambda m: datasets.make_spiral_sink(1), ValueError, "n_points"),
    "make_spiral_sink bounds reversed": (
        lambda m: datasets.make_spiral_sink(5, bounds=(1, -1)),
        ValueError,
        "bounds",
    ),
    "make_spiral_sink bounds nan": (
        lambda m: datasets.make_spiral_sink(5, bounds=(0, np.nan)),
        ValueError,
        "bounds",
    ),
    "spiral_sink_field 3-D points": (
        lambda m: datasets.spiral_sink_field(X3),
        ValueError,
        r"\(5, 3\)",
    ),
    "salt_and_pepper p=1.5": (lambda m: datasets.salt_and_pepper(X3, 1.5), ValueError, "p must"),
    "salt_and_pepper p=-0.1": (lambda m: datasets.salt_and_pepper(X3, -0.1), ValueError, "p must"),
    "salt_and_pepper low=inf": (
        lambda m: datasets.salt_and_pepper(X3, low=np.inf),
        ValueError,
        "low",
    ),
    "load_mnist subset": (
        lambda m: datasets.load_mnist("/nowhere", subset="dev"),
        ValueError,
        "subset",
    ),
    "load_mnist missing folder": (
        lambda m: datasets.load_mnist("/nowhere/at/all"),
        FileNotFoundError,
        "not a folder",
    ),
    "symmetricity non-square": (
        lambda m: metrics.symmetricity(np.ones((2, 3))),
        ValueError,
        "square",
    ),
    "jacobian_symmetricity X=None": (
        lambda m: metrics.jacobian_symmetricity(m, None),
        ValueError,
        "needs X",
    ),
    "jacobian_symmetricity foreign estimator": (
        lambda m: metrics.jacobian_symmetricity(object(), X3),
        TypeError,
        "sk_consae estimator",
    ),
    "jacobian_symmetricity unfitted": (
        lambda m: metrics.jacobian_symmetricity(UntiedAutoEncoder(), X3),
        NotFittedError,
        "is not fitted yet",
    ),
    "weight_symmetricity foreign estimator": (
        lambda m: metrics.weight_symmetricity("model"),
        TypeError,
        "sk_consae estimator",
    ),
    "weight_symmetricity unfitted": (
        lambda m: metrics.weight_symmetricity(UntiedAutoEncoder()),
        NotFittedError,
        "is not fitted yet",
    ),
    "jacobian_norms X=None": (lambda m: metrics.jacobian_norms(m, None), ValueError, "needs X"),
    "jacobian_norms unfitted": (
        lambda m: metrics.jacobian_norms(UntiedAutoEncoder(), X3),
        NotFittedError,
        "not fitted",
    ),
    "jacobian_symmetricity n_probes": (
        lambda m: metrics.jacobian_symmetricity(_deep(m), X3, n_probes=0),
        ValueError,
        "n_probes",
    ),
    "jacobian_symmetricity n_probes, one layer": (
        lambda m: metrics.jacobian_symmetricity(m, X3, n_probes=-1),
        ValueError,
        "n_probes",
    ),
    "jacobian_norms n_probes not an int": (
        lambda m: metrics.jacobian_norms(_deep(m), X3, n_probes=2.5),
        ValueError,
        "n_probes",
    ),
    "curl X=None": (lambda m: metrics.curl(m, None), ValueError, "needs X"),
    "curl not callable": (lambda m: metrics.curl(3, X3), TypeError, "callable"),
    "curl one feature": (lambda m: metrics.curl(lambda Z: Z, X3[:, :1]), ValueError, "2 features"),
    "curl field of the wrong shape": (
        lambda m: metrics.curl(lambda Z: Z[:, :1], X3),
        ValueError,
        "field returned",
    ),
    "curl wrong feature count": (lambda m: metrics.curl(m, X3[:, :2]), ValueError, "2 features"),
    "grid_curl 1-D": (lambda m: metrics.grid_curl(np.zeros(5)), ValueError, "Expected 2D array"),
    "grid_curl 2 components on 3-D": (
        lambda m: metrics.grid_curl(np.zeros((4, 4, 4, 2))),
        ValueError,
        "V has shape",
    ),
    "grid_curl spacing wrong length": (
        lambda m: metrics.grid_curl(np.zeros((4, 4, 2)), (1, 2, 3)),
        ValueError,
        "spacing",
    ),
    "grid_curl spacing negative": (
        lambda m: metrics.grid_curl(np.zeros((4, 4, 2)), -1.0),
        ValueError,
        "spacing",
    ),
    "energy_ranking plain function": (
        lambda m: metrics.energy_ranking(len, X3, X3),
        TypeError,
        "score_samples",
    ),
    "energy_ranking unpaired": (
        lambda m: metrics.energy_ranking(m, X3, X3[:2]),
        ValueError,
        "pair up",
    ),
    "outlier_roc_auc labels 0..2": (
        lambda m: metrics.outlier_roc_auc(m, X3, [0, 1, 2, 0, 1]),
        ValueError,
        "y",
    ),
    "outlier_roc_auc one class": (
        lambda m: metrics.outlier_roc_auc(m, X3, [0, 0, 0, 0, 0]),
        ValueError,
        "y",
    ),
    "outlier_roc_auc label count": (
        lambda m: metrics.outlier_roc_auc(m, X3, [0, 1]),
        ValueError,
        "labels",
    ),
    "outlier_roc_auc 2-D labels": (
        lambda m: metrics.outlier_roc_auc(m, X3, np.ones((5, 2))),
        ValueError,
        "y must",
    ),
    "polynomial projection 3-D": (
        lambda m: polynomial_gradient_projection(X3, X3),
        ValueError,
        r"\(n_samples, 2\)",
    ),
    "polynomial projection V shape": (
        lambda m: polynomial_gradient_projection(X3[:, :2], X3),
        ValueError,
        r"\(5, 3\)",
    ),
    "inverse_transform wrong width": (
        lambda m: m.inverse_transform(np.ones((2, 3))),
        ValueError,
        "n_components=4",
    ),
    "energy_contributions NaN": (
        lambda m: m.energy_contributions(np.full((2, 3), np.nan)),
        ValueError,
        "NaN",
    ),
    "energy_contributions wrong features": (
        lambda m: m.energy_contributions(np.ones((2, 5))),
        ValueError,
        "5 features",
    ),
    "partial_fit changed activation": (
        lambda m: _continued(m, activation="sigmoid"),
        ValueError,
        "activation changed",
    ),
    "partial_fit changed n_components": (
        lambda m: _continued(m, n_components=5),
        ValueError,
        "n_components changed",
    ),
    "partial_fit changed tying": (
        lambda m: _continued(m, weight_tying="tied"),
        ValueError,
        "weight_tying changed",
    ),
    "partial_fit changed optimizer": (
        lambda m: _continued(m, optimizer="sgd"),
        ValueError,
        "optimizer changed",
    ),
    "partial_fit other features": (
        lambda m: _continued(m, X=np.ones((4, 2))),
        ValueError,
        "2 features",
    ),
    "curl of a field returning strings": (
        lambda m: metrics.curl(lambda Z: np.full(Z.shape, "a"), np.ones((3, 2))),
        TypeError,
        "field must return numbers",
    ),
    "potential of the wrong shape": (
        lambda m: _vector_field_display(potential=lambda Z: np.ones((len(Z), 2))),
        ValueError,
        "potential returned shape .* one number per point",
    ),
    "EarlyStopping without a validation split": (
        lambda m: UntiedAutoEncoder(3, max_epochs=2, callbacks=[_early_stopping()]).fit(X3),
        ValueError,
        "callbacks\\[0\\] \\(EarlyStopping\\) monitors 'valid_loss'.*validation_fraction",
    ),
    "first partial_fit chunk of one row with noise='auto'": (
        lambda m: UntiedAutoEncoder(3).partial_fit(X3[:1]),
        ValueError,
        "noise='auto'.*1 sample",
    ),
}


def _vector_field_display(**kwargs):
    from sk_consae.plotting import VectorFieldDisplay

    return VectorFieldDisplay.from_callable(
        lambda Z: -Z, xlim=(0, 1), ylim=(0, 1), plot=False, **kwargs
    )


def _early_stopping():
    from skorch.callbacks import EarlyStopping

    return EarlyStopping()


def _continued(model, X=None, **params):
    from sklearn.base import clone

    twin = clone(model).partial_fit(np.random.RandomState(0).rand(30, 3))
    return twin.set_params(**params).partial_fit(X if X is not None else np.ones((4, 3)))


@pytest.mark.parametrize("case", list(FUNCTION_CASES))
def test_bad_arguments_to_functions_are_named(case, model):
    call, error, message = FUNCTION_CASES[case]
    with pytest.raises(error, match=message):
        call(model)


CLI_CASES = {
    "unknown experiment": (["reproduce", "--quick", "--only", "fig9"], "invalid choice"),
    "bad seed": (["reproduce", "--quick", "--seed", "one"], "invalid int value"),
    "negative seed": (["reproduce", "--quick", "--seed", "-1"], "--seed: must be between"),
    "seed too large": (["reproduce", "--quick", "--seed", str(2**32)], "--seed: must be between"),
    "bad device": (["reproduce", "--quick", "--device", "tpu"], "invalid choice"),
    "unknown command": (["train"], "invalid choice"),
    "no command": ([], "required"),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_bad_command_lines_exit_2_naming_the_argument(case, capsys, tmp_path):
    argv, message = CLI_CASES[case]
    out = tmp_path / "report"
    with pytest.raises(SystemExit) as exit_:
        cli.main([*argv, "--out", str(out)] if argv[:1] == ["reproduce"] else argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err
    assert not out.exists()  # checked before anything is written


def test_cli_runtime_errors_exit_1_in_one_line(tmp_path, capsys):
    missing = ["reproduce", "--mnist", str(tmp_path / "none"), "--out", str(tmp_path)]
    assert cli.main(missing) == 1
    assert capsys.readouterr().err.count("\n") == 1
    assert (
        cli.main(["reproduce", "--quick", "--toy-data", str(tmp_path), "--out", str(tmp_path)]) == 1
    )
    assert "line.npz" in capsys.readouterr().err


# --- fuzzing the functions beyond the estimators ----------------------------------------

DOCUMENTED = (ValueError, TypeError, NotFittedError)
numbers = st.one_of(
    st.integers(-3, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.text(max_size=2),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(n=numbers, value=numbers, which=st.sampled_from(["line", "circle", "spiral"]))
def test_fuzz_toy_generators(n, value, which):
    make = {
        "line": datasets.make_line,
        "circle": datasets.make_circle,
        "spiral": datasets.make_spiral,
    }[which]
    keyword = {"line": "length", "circle": "radius", "spiral": "turns"}[which]
    try:
        X = make(n, **{keyword: value}, random_state=0)
    except ValueError as error:  # the package's own check, naming the argument
        assert "n_samples" in str(error) or keyword in str(error)
        return
    assert X.shape == (n, 2) and np.isfinite(X).all()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(p=numbers, low=numbers, high=numbers)
def test_fuzz_salt_and_pepper(p, low, high):
    X = np.random.RandomState(0).rand(4, 3)
    try:
        out = datasets.salt_and_pepper(X, p, low=low, high=high, random_state=0)
    except ValueError as error:
        assert any(name in str(error) for name in ("p must", "low", "high"))
        return
    assert out.shape == X.shape and np.isfinite(out).all()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(spacing=st.one_of(numbers, st.lists(st.floats(allow_nan=True), max_size=4)))
def test_fuzz_grid_curl_spacing(spacing):
    try:
        out = metrics.grid_curl(np.random.RandomState(0).rand(4, 4, 2), spacing)
    except ValueError as error:
        assert "spacing" in str(error)
        return
    assert out.shape == (4, 4) and np.isfinite(out).all()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    name=st.sampled_from(sorted(BAD_PARAMETERS)),
    value=st.one_of(numbers, st.booleans(), st.lists(st.integers(), max_size=2)),
)
def test_fuzz_estimator_parameters(name, value):
    """Any value is refused with an error naming the parameter, or training stops with
    the documented TrainingDivergedError (e.g. weight_length=4.5e9), or it trains a model
    whose energies are finite."""
    X = np.random.RandomState(0).rand(16, 3)
    cls = ContractiveAutoEncoder if name.startswith("contraction") else UntiedAutoEncoder
    if name == "standardize":
        cls = ConservativeFieldExtractor
    params = {"n_components": 3, "max_epochs": 1, name: value}
    try:
        model = _fit(cls(**params), X)
    except TrainingDivergedError:
        return
    except DOCUMENTED as error:
        assert name in str(error) or "features" in str(error)
        return
    assert np.isfinite(model.score_samples(X)).all()


def test_an_optimiser_step_that_overflows_is_divergence():
    # Found by the fuzzing above: Adam's step size lr / (1 - beta1) overflows float32
    # inside torch's single-tensor Adam before any parameter becomes non-finite (the
    # fused Adam the estimators use makes the loss non-finite instead).
    X = np.random.RandomState(0).rand(16, 3)
    model = UntiedAutoEncoder(n_components=3, max_epochs=1, lr=3.402823466385288e37)
    with pytest.raises(TrainingDivergedError, match="Lower the learning rate `lr`"):
        model.fit(X)
    sgd = UntiedAutoEncoder(n_components=3, max_epochs=1, optimizer="sgd", lr=1e300)
    with pytest.raises(TrainingDivergedError, match="optimiser's step overflowed"):
        sgd.fit(X)
    assert not hasattr(model, "net_")


def test_a_spiral_with_more_turns_than_floats_hold_is_refused():
    with pytest.raises(ValueError, match="turns must be at most"):
        datasets.make_spiral(1, turns=2.8611174857570283e307, random_state=0)
