"""Bad input everywhere, a fuzz test, divergence, interruption, persistence and
determinism across thread counts."""

import copy
import pickle
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

from sk_consae import ConservativeFieldExtractor, ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae.datasets import make_spiral_sink, salt_and_pepper
from sk_consae.exceptions import TrainingDivergedError
from sk_consae.metrics import (
    curl,
    energy_ranking,
    grid_curl,
    jacobian_symmetricity,
    symmetricity,
    weight_symmetricity,
)

AUTOENCODERS = [UntiedAutoEncoder, ContractiveAutoEncoder]
AE_METHODS = [
    "transform",
    "score_samples",
    "decision_function",
    "predict",
    "vector_field",
    "jacobian",
    "reconstruct",
    "score",
]


@pytest.fixture(scope="module")
def fitted(few_digits):
    return {cls: cls(8, max_epochs=2, random_state=0).fit(few_digits) for cls in AUTOENCODERS}


@pytest.fixture(scope="module")
def extractor():
    X, V = make_spiral_sink(10)
    return ConservativeFieldExtractor(8, max_epochs=2, random_state=0).fit(X, V)


# --- the bad-input matrix ----------------------------------------------------------------


def bad_inputs(n_features):
    """(case name, array, expected exception, message pattern)."""
    good = np.random.RandomState(0).rand(6, n_features)
    nan, inf = good.copy(), good.copy()
    nan[1, 0], inf[2, 0] = np.nan, np.inf
    strings = good.astype(str).astype(object)
    strings[0, 0] = "pixel"
    return [
        ("NaN", nan, ValueError, "NaN"),
        ("infinity", inf, ValueError, "infinity"),
        ("1-D", good[0], ValueError, "Expected 2D array, got 1D array"),
        ("3-D", good[None], ValueError, "Found array with dim 3"),
        ("empty", good[:0], ValueError, "0 sample"),
        ("strings", strings, ValueError, "could not convert|Unable to convert"),
        ("complex", good.astype(complex), ValueError, "Complex data not supported"),
        ("sparse", sp.csr_matrix(good), TypeError, "dense data is required.*toarray"),
        (
            "wrong feature count",
            good[:, :-1],
            ValueError,
            f"has {n_features - 1} features, but \\w+ is expecting {n_features}",
        ),
    ]


CASES = [c[0] for c in bad_inputs(3)]


def unchanged(X, original):
    if sp.issparse(X):
        return (X != original).nnz == 0
    return np.array_equal(X, original, equal_nan=X.dtype != object)


@pytest.mark.bad_input
@pytest.mark.parametrize("cls", AUTOENCODERS)
@pytest.mark.parametrize("case", CASES)
def test_fit_rejects_bad_input_with_a_specific_message(cls, case, few_digits):
    name, X, error, message = next(c for c in bad_inputs(64) if c[0] == case)
    if name == "wrong feature count":
        pytest.skip("fit defines the feature count")
    original = X.copy()
    model = cls(4, max_epochs=1)
    with pytest.raises(error, match=message):
        model.fit(X)
    assert not hasattr(model, "net_") and not hasattr(model, "n_features_in_")
    with pytest.raises(error, match=message):
        cls(4, max_epochs=1).partial_fit(X)
    assert unchanged(X, original)


@pytest.mark.bad_input
@pytest.mark.parametrize("cls", AUTOENCODERS)
@pytest.mark.parametrize("method", AE_METHODS)
@pytest.mark.parametrize("case", CASES)
def test_inference_rejects_bad_input_with_a_specific_message(cls, method, case, fitted):
    name, X, error, message = next(c for c in bad_inputs(64) if c[0] == case)
    with pytest.raises(error, match=message):
        getattr(fitted[cls], method)(X)


@pytest.mark.bad_input
@pytest.mark.parametrize("method", ["predict", "score_samples", "transform"])
@pytest.mark.parametrize("case", CASES)
def test_extractor_rejects_bad_input(method, case, extractor):
    name, X, error, message = next(c for c in bad_inputs(2) if c[0] == case)
    with pytest.raises(error, match=message):
        getattr(extractor, method)(X)
    if name != "wrong feature count":
        V = np.zeros(np.shape(X)) if not sp.issparse(X) else X
        with pytest.raises((error, ValueError), match=message):
            ConservativeFieldExtractor(4, max_epochs=1).fit(X, V)


@pytest.mark.bad_input
@pytest.mark.parametrize("case", ["NaN", "infinity", "strings", "complex", "sparse"])
def test_extractor_rejects_bad_field_values(case):
    X = np.random.RandomState(0).rand(6, 3)
    name, V, error, message = next(c for c in bad_inputs(3) if c[0] == case)
    with pytest.raises(error, match=message):
        ConservativeFieldExtractor(4, max_epochs=1).fit(X, V)


@pytest.mark.bad_input
@pytest.mark.parametrize("case", CASES)
def test_metrics_reject_bad_input(case, fitted):
    model = fitted[UntiedAutoEncoder]
    name, X, error, message = next(c for c in bad_inputs(64) if c[0] == case)
    for metric in (jacobian_symmetricity, curl):
        with pytest.raises(error, match=message):
            metric(model, X)
    if name not in ("wrong feature count", "1-D", "3-D"):
        with pytest.raises(error, match=message):
            curl(lambda Z: -Z, X[:, :3] if not sp.issparse(X) else X)


@pytest.mark.bad_input
@pytest.mark.parametrize("case", ["NaN", "infinity", "strings", "complex", "sparse"])
def test_array_functions_reject_bad_input(case):
    name, X, error, message = next(c for c in bad_inputs(3) if c[0] == case)
    with pytest.raises(error, match=message):
        salt_and_pepper(X)
    square = X[:3] if not sp.issparse(X) else X[:3]
    with pytest.raises(error, match=message):
        symmetricity(square)


def test_grid_curl_rejects_bad_grids():
    with pytest.raises(ValueError, match="NaN"):
        grid_curl(np.full((4, 4, 2), np.nan))
    with pytest.raises(ValueError, match="expected"):
        grid_curl(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="3 points"):
        grid_curl(np.zeros((2, 4, 2)))
    with pytest.raises(ValueError, match="spacing"):
        grid_curl(np.zeros((4, 4, 2)), spacing=0.0)


def test_field_callable_returning_non_finite_values_is_named():
    with pytest.raises(ValueError, match="NaN or infinite"):
        curl(lambda Z: Z / 0.0, np.ones((3, 2)))


@pytest.mark.parametrize("cls", AUTOENCODERS)
def test_good_input_variants_work(cls, few_digits):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(few_digits, columns=[f"p{i}" for i in range(64)])
    model = cls(4, max_epochs=1, random_state=0).fit(frame)
    assert list(model.feature_names_in_) == list(frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        model.transform(few_digits)  # names missing at transform: scikit-learn's warning
    lists = cls(4, max_epochs=1, random_state=0).fit(few_digits.tolist())
    np.testing.assert_array_equal(lists.transform(few_digits.tolist()), lists.transform(few_digits))
    one = cls(4, noise=0.1, max_epochs=1, random_state=0).fit(few_digits[:1])
    assert one.score_samples(few_digits[:1]).shape == (1,)
    # noise="auto" has no spread to measure in one sample: named, not a silent 0.
    with pytest.raises(ValueError, match="noise='auto'.*1 sample"):
        cls(4, max_epochs=1).fit(few_digits[:1])
    with pytest.raises(ValueError, match="first chunk fixes noise_"):
        cls(4).partial_fit(few_digits[:1])
    ints = cls(4, max_epochs=1, random_state=0).fit((few_digits * 16).astype(int))
    assert ints.transform((few_digits * 16).astype(int)).dtype == np.float64
    assert model.transform(frame.astype(np.float32)).dtype == np.float32
    assert model.score_samples(frame).dtype == np.float64


def test_unfitted_extractor_and_metrics_raise_not_fitted(few_digits):
    with pytest.raises(NotFittedError):
        ConservativeFieldExtractor().predict(np.ones((2, 2)))
    with pytest.raises(NotFittedError):
        jacobian_symmetricity(UntiedAutoEncoder(), few_digits)
    with pytest.raises(NotFittedError):
        weight_symmetricity(UntiedAutoEncoder())
    with pytest.raises(NotFittedError):
        energy_ranking(UntiedAutoEncoder(), few_digits, few_digits)


# --- fuzzing the public API --------------------------------------------------------------

DOCUMENTED = (ValueError, TypeError, NotFittedError)

arrays = st.one_of(
    hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.complex128]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
    ),  # hypothesis's default elements include NaN, infinities and extremes
    hnp.arrays(
        dtype=np.float64,
        shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5),
        elements=st.floats(allow_nan=True, allow_infinity=True, width=64),
    ),
    st.lists(
        st.lists(st.one_of(st.floats(-1e6, 1e6), st.text(max_size=2)), max_size=4), max_size=4
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(X=arrays, method=st.sampled_from(AE_METHODS + ["fit", "partial_fit"]))
def test_fuzz_autoencoder_api(X, method, fitted):
    model = fitted[UntiedAutoEncoder]
    target = UntiedAutoEncoder(3, max_epochs=1, random_state=0) if "fit" in method else model
    snapshot = copy.deepcopy(X)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = getattr(target, method)(X)
    except DOCUMENTED:
        return
    finally:
        if isinstance(X, np.ndarray):
            np.testing.assert_array_equal(X, snapshot)  # NaNs compare equal here
        else:
            assert X == snapshot
    if method in ("fit", "partial_fit"):
        assert result is target and np.isfinite(result.score_samples(np.asarray(X, float))).all()
    else:
        assert np.all(np.isfinite(np.asarray(result, dtype=float)))


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(X=arrays, V=arrays)
def test_fuzz_extractor_and_metrics(X, V, extractor):
    for call in (
        lambda: ConservativeFieldExtractor(3, max_epochs=1, random_state=0).fit(X, V),
        lambda: extractor.decompose(X, V),
        lambda: symmetricity(X),
        lambda: grid_curl(X),
        lambda: curl(lambda Z: -Z, X),
        lambda: salt_and_pepper(X, 0.3, random_state=0),
    ):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = call()
        except DOCUMENTED:
            continue
        values = result if isinstance(result, tuple) else (result,)
        for value in values:
            if isinstance(value, (np.ndarray, float)):
                assert np.all(np.isfinite(value))


# --- divergence and interruption --------------------------------------------------------


@pytest.mark.parametrize("cls", AUTOENCODERS)
def test_huge_learning_rate_raises_naming_lr_and_leaves_no_fitted_state(cls, few_digits):
    model = cls(16, optimizer="sgd", lr=1e8, max_epochs=3, random_state=0)
    with pytest.raises(TrainingDivergedError, match=r"learning rate `lr` \(it is 100000000.0\)"):
        model.fit(few_digits * 50)
    assert not hasattr(model, "net_") and not hasattr(model, "offset_")


def test_divergence_in_the_last_step_is_caught_at_epoch_end(few_digits):
    class PoisonLastBatch(Callback):
        def on_batch_end(self, net, batch=None, training=False, **kwargs):
            with torch.no_grad():
                net.module_.encoder_bias[0] = float("nan")

    model = UntiedAutoEncoder(8, max_epochs=1, batch_size=1000, callbacks=[PoisonLastBatch()])
    with pytest.raises(TrainingDivergedError, match="encoder_bias"):
        model.fit(few_digits)


def test_diverging_partial_fit_keeps_the_previous_state(few_digits):
    model = UntiedAutoEncoder(8, optimizer="sgd", lr=1e-2, random_state=0).partial_fit(few_digits)
    weights = model.encoder_weights_
    model.set_params(lr=1e8)
    with pytest.raises(TrainingDivergedError):
        model.partial_fit(few_digits * 50)
    np.testing.assert_array_equal(model.encoder_weights_, weights)
    assert len(model.history_) == 1


def test_continued_training_takes_new_training_params_but_not_a_new_architecture(few_digits):
    model = UntiedAutoEncoder(8, lr=1e-3, random_state=0).partial_fit(few_digits)
    model.set_params(lr=0.05, noise=0.1, batch_size=50)
    model.partial_fit(few_digits)
    net = model.net_
    assert net.optimizer_.param_groups[0]["lr"] == 0.05 and net.noise == 0.1
    assert net.history[-1, "train_batch_count"] == 6  # 300 rows in batches of 50
    assert "exp_avg" in net.optimizer_.state[net.module_.encoder_weight]  # Adam kept state
    for change in ({"n_components": 9}, {"activation": "sigmoid"}, {"optimizer": "sgd"}):
        with pytest.raises(ValueError, match=f"{next(iter(change))} changed"):
            UntiedAutoEncoder(8, warm_start=True, max_epochs=1).fit(few_digits).set_params(
                **change
            ).fit(few_digits)


def test_keyboard_interrupt_stops_training_with_a_consistent_estimator(few_digits):
    class InterruptAtEpoch2(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise KeyboardInterrupt

    model = UntiedAutoEncoder(8, max_epochs=10, random_state=0, callbacks=[InterruptAtEpoch2()])
    model.fit(few_digits)
    assert len(model.history_) == 2
    assert np.isfinite(model.score_samples(few_digits)).all()
    assert np.mean(model.predict(few_digits) == -1) == pytest.approx(0.1, abs=0.01)


# --- persistence --------------------------------------------------------------------------


@pytest.mark.parametrize("cls", AUTOENCODERS)
@pytest.mark.parametrize("tying", ["untied", "tied", "scaled"])
def test_joblib_and_pickle_round_trips_are_bit_identical(cls, tying, few_digits, tmp_path):
    model = cls(8, weight_tying=tying, max_epochs=2, random_state=0).fit(few_digits)
    joblib.dump(model, tmp_path / "model.joblib")
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # e.g. torch.load without weights_only
        loaded = joblib.load(tmp_path / "model.joblib")
        unpickled = pickle.loads(pickle.dumps(model))
    for other in (loaded, unpickled):
        np.testing.assert_array_equal(other.transform(few_digits), model.transform(few_digits))
        np.testing.assert_array_equal(
            other.score_samples(few_digits), model.score_samples(few_digits)
        )
        assert other.get_params() == model.get_params()
    unpickled.partial_fit(few_digits)  # the training state survives too
    copy.deepcopy(model).partial_fit(few_digits)


def test_extractor_round_trip(extractor, tmp_path):
    X, _ = make_spiral_sink(10)
    joblib.dump(extractor, tmp_path / "extractor.joblib")
    loaded = joblib.load(tmp_path / "extractor.joblib")
    np.testing.assert_array_equal(loaded.predict(X), extractor.predict(X))
    np.testing.assert_array_equal(loaded.score_samples(X), extractor.score_samples(X))


def test_model_saved_from_a_gpu_loads_on_a_cpu_only_machine(few_digits):
    if torch.cuda.is_available():
        pytest.skip("this simulates a machine without a GPU")
    model = UntiedAutoEncoder(8, max_epochs=2, random_state=0).fit(few_digits)
    expected = model.score_samples(few_digits)
    model.net_.device = "cuda"  # as if fitted with device="cuda"
    payload = pickle.dumps(model)
    with pytest.warns(UserWarning, match="CUDA"):  # skorch's DeviceWarning
        loaded = pickle.loads(payload)
    assert str(loaded.net_.device) == "cpu"
    np.testing.assert_array_equal(loaded.score_samples(few_digits), expected)


# --- determinism ------------------------------------------------------------------------------


@pytest.fixture
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("cls", AUTOENCODERS)
def test_same_seed_gives_identical_results_for_any_thread_count(cls, restore_threads):
    X = load_digits().data / 16.0  # 1797 rows: a final batch of 5 rows
    results = []
    for threads in (1, 2, 4):
        torch.set_num_threads(threads)
        model = cls(32, noise=0.1, max_epochs=3, random_state=0).fit(X)
        results.append((model.encoder_weights_, model.score_samples(X[:7])))
    for weights, energies in results[1:]:
        np.testing.assert_array_equal(weights, results[0][0])
        np.testing.assert_array_equal(energies, results[0][1])
    other = cls(32, noise=0.1, max_epochs=3, random_state=1).fit(X)
    assert not np.array_equal(other.encoder_weights_, results[0][0])


# --- fitted state and continued training -------------------------------------------------


@pytest.mark.parametrize("continue_by", ["warm_start", "partial_fit", "after_pickle"])
def test_lbfgs_training_continues(continue_by, few_digits):
    model = UntiedAutoEncoder(8, optimizer="lbfgs", max_epochs=2, random_state=0).fit(few_digits)
    if continue_by == "after_pickle":
        model = pickle.loads(pickle.dumps(model))
    if continue_by == "warm_start":
        model.set_params(warm_start=True).fit(few_digits)
    else:
        model.partial_fit(few_digits)
    assert len(model.history_) > 2


def test_lbfgs_extractor_continues_with_warm_start():
    X, V = make_spiral_sink(10)
    extractor = ConservativeFieldExtractor(8, max_epochs=2, warm_start=True, random_state=0)
    extractor.fit(X, V).fit(X, V)
    assert len(extractor.history_) == 4


def test_parameters_set_after_fit_do_not_change_the_fitted_model(few_digits):
    model = UntiedAutoEncoder(3, weight_tying="tied", max_epochs=2, random_state=0).fit(few_digits)
    energies, labels = model.score_samples(few_digits), model.predict(few_digits)
    hidden = model.transform(few_digits)
    model.set_params(weight_tying="untied", n_components=4, energy_quadrature=2, contamination=0.4)
    np.testing.assert_array_equal(model.score_samples(few_digits), energies)
    np.testing.assert_array_equal(model.predict(few_digits), labels)
    np.testing.assert_array_equal(model.transform(few_digits), hidden)
    assert model.get_feature_names_out().shape == (3,)
    untied = UntiedAutoEncoder(3, max_epochs=2, random_state=0).fit(few_digits)
    before = untied.score_samples(few_digits)
    untied.set_params(weight_tying="tied", energy_quadrature=1)
    np.testing.assert_array_equal(untied.score_samples(few_digits), before)


def test_continued_training_uses_the_new_momentum_and_callbacks(few_digits):
    class CountEpochs(Callback):
        def on_epoch_end(self, net, **kwargs):
            net.history.record("counted", True)

    model = UntiedAutoEncoder(8, optimizer="sgd", momentum=0.5, max_epochs=1, random_state=0)
    model.fit(few_digits)
    model.set_params(momentum=0.0, callbacks=[CountEpochs()]).partial_fit(few_digits)
    assert model.net_.optimizer_.param_groups[0]["momentum"] == 0.0
    assert model.history_[-1, "counted"] is True


@pytest.mark.parametrize("cls", [UntiedAutoEncoder, ConservativeFieldExtractor])
def test_warm_start_on_other_features_gives_scikit_learns_message(cls, few_digits):
    X = few_digits[:, :4]
    model = cls(4, max_epochs=1, warm_start=True, random_state=0)
    model.fit(X, X) if cls is ConservativeFieldExtractor else model.fit(X)
    with pytest.raises(ValueError, match="X has 3 features, but \\w+ is expecting 4 features"):
        model.fit(X[:, :3], X[:, :3]) if cls is ConservativeFieldExtractor else model.fit(X[:, :3])
    assert model.n_features_in_ == 4


def test_float64_default_dtype_in_the_session_does_not_break_training(few_digits):
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        model = UntiedAutoEncoder(8, max_epochs=2, random_state=0).fit(few_digits)
        X, V = make_spiral_sink(10)
        ConservativeFieldExtractor(8, max_epochs=2, random_state=0).fit(X, V).predict(X)
    finally:
        torch.set_default_dtype(default)
    assert np.isfinite(model.score_samples(few_digits)).all()


@pytest.mark.parametrize("cls", AUTOENCODERS)
def test_data_beyond_float32_are_named_as_such(cls, few_digits):
    model = cls(4, max_epochs=1)
    with pytest.raises(ValueError, match="X has values beyond the float32 range"):
        model.fit(few_digits * 1e39)
    assert not hasattr(model, "net_")


def test_extractor_divergence_advice_keeps_the_model_family(monkeypatch):
    X, V = make_spiral_sink(10)
    extractor = ConservativeFieldExtractor(8, optimizer="sgd", lr=1e12, max_epochs=3)
    with pytest.raises(TrainingDivergedError) as error:
        extractor.fit(X, V * 1e6)
    assert "StandardScaler" not in str(error.value) and "common factor" in str(error.value)


# --- public functions beyond the estimators ---------------------------------------------


def test_metrics_need_samples_and_an_energy_model(fitted):
    model = fitted[UntiedAutoEncoder]
    with pytest.raises(ValueError, match="curl needs X"):
        curl(model, None)
    with pytest.raises(ValueError, match="jacobian_symmetricity needs X"):
        jacobian_symmetricity(model, None)
    with pytest.raises(TypeError, match="energy_ranking needs a fitted estimator"):
        energy_ranking(lambda X: X, np.ones((3, 2)), np.ones((3, 2)))


@pytest.mark.parametrize(
    "spacing, message",
    [
        ((1.0, 2.0, 3.0), "one number or 2 numbers"),
        (np.inf, "positive and finite"),
        (np.nan, "positive and finite"),
        (0.0, "positive and finite"),
        ([[1.0]], "one number"),
    ],
)
def test_grid_curl_checks_spacing(spacing, message):
    with pytest.raises(ValueError, match=message):
        grid_curl(np.zeros((4, 4, 2)), spacing)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"metrics": ()}, "metrics is empty"),
        ({"metrics": "div"}, "Unknown metrics \\['div'\\]"),
        ({"every": 0}, "every must be a positive integer"),
        ({"every": "2"}, "every must be a positive integer"),
        ({"every": True}, "every must be a positive integer"),
    ],
)
def test_monitor_checks_its_arguments(kwargs, message, few_digits):
    from sk_consae.callbacks import ConservativenessMonitor

    monitor = ConservativenessMonitor(few_digits[:10], **kwargs)
    with pytest.raises(ValueError, match=message):
        UntiedAutoEncoder(4, max_epochs=1, callbacks=[monitor]).fit(few_digits)


def test_monitor_takes_one_metric_by_name_and_pickles_its_points_once(few_digits):
    from sk_consae.callbacks import ConservativenessMonitor

    monitor = ConservativenessMonitor(few_digits, metrics="curl")
    model = UntiedAutoEncoder(4, max_epochs=2, callbacks=[monitor], random_state=0)
    model.fit(few_digits)
    assert len(model.history_[:, "curl"]) == 2
    plain = UntiedAutoEncoder(4, max_epochs=2, random_state=0).fit(few_digits)
    extra = len(pickle.dumps(model)) - len(pickle.dumps(plain))
    assert extra < 1.5 * few_digits.nbytes  # X once, not X and a float64 copy


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_arrows": 0}, "n_arrows must be an integer >= 1"),
        ({"grid_resolution": 1}, "grid_resolution must be an integer >= 2"),
        ({"xlim": (1.0, -1.0)}, "xlim must be two finite numbers"),
        ({"ylim": (0.0, np.nan)}, "ylim must be two finite numbers"),
    ],
)
def test_vector_field_display_checks_its_arguments(kwargs, message):
    import matplotlib

    matplotlib.use("Agg")
    from sk_consae.plotting import VectorFieldDisplay

    with pytest.raises(ValueError, match=message):
        VectorFieldDisplay.from_callable(lambda X: -X, **kwargs)


def test_plotting_needs_a_fitted_package_estimator():
    import matplotlib

    matplotlib.use("Agg")
    from sklearn.ensemble import IsolationForest

    from sk_consae.plotting import VectorFieldDisplay, plot_history

    with pytest.raises(NotFittedError):
        VectorFieldDisplay.from_estimator(UntiedAutoEncoder(2))
    with pytest.raises(TypeError, match="got IsolationForest"):
        VectorFieldDisplay.from_estimator(IsolationForest())
    with pytest.raises(NotFittedError):
        plot_history(UntiedAutoEncoder(2))


@pytest.mark.parametrize(
    "make, kwargs, message",
    [
        ("make_spiral", {"turns": 0}, "turns must be a finite number > 0"),
        ("make_spiral", {"outer_radius": np.inf}, "outer_radius must be"),
        ("make_circle", {"radius": np.nan}, "radius must be a finite number > 0"),
        ("make_line", {"length": -1.0}, "length must be a finite number > 0"),
    ],
)
def test_toy_generators_refuse_values_that_would_give_nan_data(make, kwargs, message):
    from sk_consae import datasets

    with pytest.raises(ValueError, match=message):
        getattr(datasets, make)(10, **kwargs)


@pytest.mark.parametrize("kwargs", [{"low": np.nan}, {"high": np.inf}, {"p": True}])
def test_salt_and_pepper_refuses_non_finite_values(kwargs):
    with pytest.raises(ValueError, match="must be"):
        salt_and_pepper(np.ones((3, 2)), **kwargs)


def _idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_load_mnist_checks_that_images_and_labels_pair_up(tmp_path):
    from sk_consae.datasets import load_mnist

    _idx(tmp_path / "train-images-idx3-ubyte", np.zeros((10, 28, 28)))
    _idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5))
    with pytest.raises(ValueError, match="holds 10 images but .* holds 5 labels"):
        load_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"")
    with pytest.raises(ValueError, match="is not an idx file: it has 0 bytes"):
        load_mnist(tmp_path)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n_components": True}, "n_components"),
        ({"max_epochs": False}, "max_epochs"),
        ({"energy_quadrature": 100_000}, "energy_quadrature"),
        ({"device": "meta"}, "must be 'cpu', 'cuda' or 'cuda:N'.*got device='meta'"),
        ({"device": torch.device("meta")}, "got device=device\\(type='meta'\\)"),
    ],
)
def test_parameters_that_used_to_reach_torch_are_named(params, message, few_digits):
    model = UntiedAutoEncoder(**{"n_components": 4, "max_epochs": 1, **params})
    with pytest.raises(ValueError, match=message):
        model.fit(few_digits)
    assert not hasattr(model, "net_")


def test_a_missing_cuda_device_is_named(few_digits):
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match="device='cuda:1' was requested but torch sees no CUDA"):
        UntiedAutoEncoder(4, max_epochs=1, device="cuda:1").fit(few_digits)


def test_partial_fit_validates_parameters_on_every_call(few_digits):
    from sklearn.utils._param_validation import InvalidParameterError

    model = UntiedAutoEncoder(4, random_state=0)
    with pytest.raises(InvalidParameterError, match="lr"):
        model.set_params(lr=-1.0).partial_fit(few_digits)
    model.set_params(lr=None).partial_fit(few_digits)
    with pytest.raises(InvalidParameterError, match="lr"):
        model.set_params(lr=-1.0).partial_fit(few_digits)
    assert len(model.history_) == 1


@pytest.mark.parametrize("cls", [UntiedAutoEncoder, ContractiveAutoEncoder])
def test_early_stopping_on_a_held_out_fraction(cls, digits):
    from skorch.callbacks import EarlyStopping

    model = cls(
        16,
        max_epochs=200,
        validation_fraction=0.2,
        random_state=0,
        callbacks=[EarlyStopping(patience=3, threshold=1e-3)],
    ).fit(digits)
    epochs = len(model.history_)
    assert epochs < 200  # stopped by the held-out loss
    valid = model.history_[:, "valid_loss"]
    assert len(valid) == epochs and np.isfinite(valid).all()
    again = cls(16, max_epochs=3, validation_fraction=0.2, random_state=0).fit(digits)
    np.testing.assert_array_equal(again.history_[:, "valid_loss"], valid[:3])  # seeded split


def test_extractor_records_valid_loss():
    X, V = make_spiral_sink(20)
    extractor = ConservativeFieldExtractor(8, max_epochs=2, validation_fraction=0.25).fit(X, V)
    assert len(extractor.history_[:, "valid_loss"]) == 2


def test_validation_fraction_leaving_nothing_to_train_is_named(few_digits):
    with pytest.raises(ValueError, match="validation_fraction=0.9 of 3 samples"):
        UntiedAutoEncoder(4, max_epochs=1, validation_fraction=0.9).fit(few_digits[:3])


def test_inference_chunks_follow_scikit_learns_working_memory(fitted, few_digits, monkeypatch):
    import sklearn

    import sk_consae._base as base

    model = fitted[UntiedAutoEncoder]
    expected = model.score_samples(few_digits)
    sizes = []
    real = base.as_tensor

    def record(array, device, dtype=None):
        sizes.append(len(array))
        return real(array, device, dtype)

    monkeypatch.setattr(base, "as_tensor", record)
    with sklearn.config_context(working_memory=0.01):  # 10 KiB: a few rows per chunk
        np.testing.assert_allclose(model.score_samples(few_digits), expected, rtol=1e-6)
    assert max(sizes) < len(few_digits) and len(sizes) > 10


@pytest.mark.parametrize("tying", ["untied", "tied", "scaled"])
def test_field_parameters_are_plain_values_that_rebuild_the_field(tying, few_digits):
    from sk_consae._maths.one_layer import OneLayerField, vector_field

    model = UntiedAutoEncoder(6, weight_tying=tying, max_epochs=2, random_state=0)
    params = model.fit(few_digits).field_parameters_
    assert params.weight_tying == tying and params.activation == "relu"
    assert all(v is None or isinstance(v, (np.ndarray, str)) for v in params.values())
    field = OneLayerField.from_parameters(params, torch.float64)
    with torch.no_grad():
        rebuilt = vector_field(field, torch.as_tensor(few_digits)).numpy()
    np.testing.assert_allclose(rebuilt, model.vector_field(few_digits), rtol=1e-5, atol=1e-6)
    model.set_params(weight_tying="untied" if tying != "untied" else "tied")
    assert model.field_parameters_.weight_tying == tying  # the fitted state


# --- skops and weights-only files -------------------------------------------------------


def _every_estimator(few_digits):
    X, V = make_spiral_sink(10)
    for cls in AUTOENCODERS:
        for tying in ("untied", "tied", "scaled"):
            yield (
                cls(6, weight_tying=tying, max_epochs=2, random_state=0).fit(few_digits),
                few_digits,
            )
    for tying in ("tied", "scaled"):
        yield (
            ConservativeFieldExtractor(6, weight_tying=tying, max_epochs=2, random_state=0).fit(
                X, V
            ),
            X,
        )


def _outputs(model, X):
    if isinstance(model, ConservativeFieldExtractor):
        return model.predict(X), model.score_samples(X)
    return model.transform(X), model.score_samples(X), model.predict(X)


def test_skops_round_trip_asks_to_trust_only_the_estimator_class(few_digits):
    import skops.io as sio

    for model, X in _every_estimator(few_digits):
        payload = sio.dumps(model)
        untrusted = sio.get_untrusted_types(data=payload)
        assert untrusted == [f"{type(model).__module__}.{type(model).__name__}"]
        loaded = sio.loads(payload, trusted=untrusted)
        for got, expected in zip(_outputs(loaded, X), _outputs(model, X)):
            np.testing.assert_array_equal(got, expected)


def test_skops_round_trip_keeps_the_training_state(few_digits):
    import skops.io as sio

    model = UntiedAutoEncoder(6, optimizer="sgd", max_epochs=2, random_state=0).fit(few_digits)
    payload = sio.dumps(model)
    loaded = sio.loads(payload, trusted=sio.get_untrusted_types(data=payload))
    model.partial_fit(few_digits)
    loaded.partial_fit(few_digits)
    np.testing.assert_array_equal(loaded.encoder_weights_, model.encoder_weights_)
    assert loaded.history_[:, "train_loss"] == model.history_[:, "train_loss"]


def test_weights_only_files_load_for_inference(few_digits, tmp_path):
    import pandas as pd

    from sk_consae.persistence import load_weights, save_weights

    frame = pd.DataFrame(few_digits, columns=[f"p{i}" for i in range(64)])
    named = UntiedAutoEncoder(6, max_epochs=2, random_state=0).fit(frame)
    for model, X in [*_every_estimator(few_digits), (named, frame)]:
        save_weights(model, tmp_path / "model.safetensors")
        loaded = load_weights(tmp_path / "model.safetensors")
        assert type(loaded) is type(model) and loaded.get_params()["n_components"] == 6
        for got, expected in zip(_outputs(loaded, X), _outputs(model, X)):
            np.testing.assert_array_equal(got, expected)
    assert list(loaded.feature_names_in_) == list(frame.columns)
    assert len(loaded.history_) == 0
    loaded.partial_fit(frame)  # a new optimiser, the saved weights
    assert len(loaded.history_) == 1


def test_weights_only_loading_checks_the_file(tmp_path):
    import safetensors.numpy

    from sk_consae.persistence import load_weights, save_weights

    safetensors.numpy.save_file({"w": np.ones(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(ValueError, match="not a sk_consae weights file"):
        load_weights(tmp_path / "other.safetensors")
    with pytest.raises(TypeError, match="saves sk_consae estimators, got list"):
        save_weights([], tmp_path / "x.safetensors")
    with pytest.raises(NotFittedError):
        save_weights(UntiedAutoEncoder(), tmp_path / "x.safetensors")
