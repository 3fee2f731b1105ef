"""Promises at the edges: Pipelines through every public function and display,
``score`` that depends on the model and the data only, streams that match fits,
weights files that refuse what they are not, ``set_output`` through every persistence
format, NumPy scalars where numbers are expected, and ``sample_weight`` as repeated
rows."""

import io
import json
import pickle
import threading
import warnings

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_consae import ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae._outliers import weighted_percentile

RNG = np.random.default_rng(0)
X3 = RNG.normal(size=(120, 3))
X2 = RNG.normal(size=(150, 2)) * [1.0, 3.0] + [0.0, 5.0]


def _model(**params):
    return UntiedAutoEncoder(**{"n_components": 4, "max_epochs": 2, "random_state": 0, **params})


@pytest.fixture(scope="module")
def pipeline_2d():
    return make_pipeline(StandardScaler(), _model()).fit(X2)


# --- Pipelines everywhere -----------------------------------------------------------------


def test_vector_field_display_draws_a_pipeline_in_the_inputs_units(pipeline_2d):
    pytest.importorskip("matplotlib")
    from sk_consae.plotting import VectorFieldDisplay

    display = VectorFieldDisplay.from_estimator(pipeline_2d, X2, grid_resolution=6)
    points = np.c_[display.xx0.ravel(), display.xx1.ravel()]
    scaler, model = pipeline_2d[0], pipeline_2d[-1]
    # The displacement r(x) - x of the auto-encoder, mapped back to X's units.
    expected = scaler.inverse_transform(model.reconstruct(scaler.transform(points))) - points
    assert_allclose(display.field.reshape(-1, 2), expected, atol=1e-12)
    assert_allclose(display.energy.ravel(), pipeline_2d.score_samples(points), atol=1e-12)


def test_vector_field_display_names_a_pipeline_it_cannot_invert():
    pytest.importorskip("matplotlib")
    from sklearn.preprocessing import PolynomialFeatures

    from sk_consae.plotting import VectorFieldDisplay

    pipeline = make_pipeline(PolynomialFeatures(2, include_bias=False), _model()).fit(X2)
    with pytest.raises(TypeError, match="inverse_transform"):
        VectorFieldDisplay.from_estimator(pipeline, X2, grid_resolution=4)


def test_every_display_and_plot_history_take_a_pipeline(pipeline_2d):
    pytest.importorskip("matplotlib")
    from sk_consae.plotting import ContributionDisplay, EnergyDisplay, plot_history

    model = pipeline_2d[-1]
    ax = plot_history(pipeline_2d)
    assert_allclose(ax.lines[0].get_ydata(), model.history_[:, "train_loss"])
    energies = EnergyDisplay.from_estimator(pipeline_2d, X2)
    assert energies.offset == model.offset_
    contributions = ContributionDisplay.from_estimator(pipeline_2d, X2, n_rows=2)
    assert contributions.contributions.shape == (2, 2)
    with pytest.raises(TypeError, match="Pipeline"):
        plot_history(make_pipeline(StandardScaler()).fit(X2))


def test_every_public_function_takes_a_pipeline(pipeline_2d):
    """The sweep: each public function of metrics and inspection given a Pipeline
    answers as its last step does on the transformed data."""
    from sk_consae import inspection, metrics

    seen = pipeline_2d[0].transform(X2)
    model = pipeline_2d[-1]
    for name in (
        "jacobian_symmetricity",
        "jacobian_asymmetry",
        "weight_symmetricity",
        "jacobian_norms",
        "curl",
        "reconstruction_score",
        "hyvarinen_score",
    ):
        function = getattr(metrics, name)
        args = () if name == "weight_symmetricity" else (X2,)
        through, direct = function(pipeline_2d, *args), function(model, *((seen,) if args else ()))
        if isinstance(direct, dict):
            for key in direct:
                if direct[key] is not None:
                    assert_allclose(through[key], direct[key], err_msg=f"{name}[{key}]")
        else:
            assert_allclose(through, direct, err_msg=name)
    y = np.r_[np.zeros(len(X2) - 5), np.ones(5)]
    assert metrics.outlier_roc_auc(pipeline_2d, X2, y) == metrics.outlier_roc_auc(model, seen, y)
    table = inspection.explain_outliers(pipeline_2d, X2, n_rows=3)
    assert len(table["energy"]) == 3


def test_grid_points_keep_the_fitted_feature_names():
    pytest.importorskip("matplotlib")
    pd = pytest.importorskip("pandas")
    from sk_consae.plotting import VectorFieldDisplay

    frame = pd.DataFrame(X2, columns=["a", "b"])
    for estimator in (_model().fit(frame), make_pipeline(StandardScaler(), _model()).fit(frame)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            VectorFieldDisplay.from_estimator(estimator, frame, grid_resolution=4)


def test_energy_display_warns_when_the_labels_look_inverted():
    pytest.importorskip("matplotlib")
    from sk_consae.plotting import EnergyDisplay

    energies = np.r_[np.zeros(95), -np.arange(1.0, 6.0)]
    normal_is_one = np.r_[np.zeros(95), np.ones(5)] == 0  # 1 = normal, as a benign label
    with pytest.warns(UserWarning, match="1 .or\\s+-1. for anomalies"):
        EnergyDisplay.from_predictions(energies, y=normal_is_one.astype(int))
    with pytest.raises(ValueError, match="1 = anomaly"):
        EnergyDisplay.from_predictions(energies, y=np.array(["benign"] * 100))


# --- score depends on the model and X only ------------------------------------------------


def test_score_does_not_depend_on_working_memory_threads_or_dtype():
    model = _model().fit(X3)
    X = RNG.normal(size=(700, 3))
    reference = model.score(X)
    with sklearn.config_context(working_memory=0.001):
        assert model.score(X) == reference
    answers = []

    def score_in_a_thread(memory):
        with sklearn.config_context(working_memory=memory):
            answers.append(model.score(X))

    threads = [threading.Thread(target=score_in_a_thread, args=(m,)) for m in (0.0005, 64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [reference, reference]
    assert model.score(X.astype(np.float32)) == pytest.approx(reference, abs=1e-5)


# --- streams ------------------------------------------------------------------------------


def test_chunks_train_as_one_pass_with_noise():
    params = {"shuffle": False, "noise": 0.1, "batch_size": 10, "max_epochs": 1}
    whole = _model(**params).fit(X3)
    stream = _model(**params)
    for start in range(0, 120, 40):
        stream.partial_fit(X3[start : start + 40])
    assert_array_equal(stream.encoder_weights_, whole.encoder_weights_)
    assert_array_equal(stream.decoder_weights_, whole.decoder_weights_)


def test_a_stream_after_pickling_draws_the_noise_of_an_uninterrupted_one():
    whole = _model(noise=0.1, max_epochs=2).fit(X3)
    resumed = pickle.loads(pickle.dumps(_model(noise=0.1, max_epochs=1).fit(X3)))
    resumed.partial_fit(X3)
    assert_array_equal(resumed.encoder_weights_, whole.encoder_weights_)


def test_a_stream_and_a_fit_with_the_same_weights_rank_alike():
    # Documented: temperature_ and offset_ are measured differently over a stream;
    # the energy F agrees, so score_samples differ by a constant factor.
    fitted = _model(max_epochs=3).fit(X3)
    stream = _model()
    for _ in range(3):
        stream.partial_fit(X3)
    assert_array_equal(stream.encoder_weights_, fitted.encoder_weights_)
    ratio = stream.score_samples(X3) / fitted.score_samples(X3)
    assert_allclose(ratio, fitted.temperature_ / stream.temperature_, rtol=1e-6)


def test_a_first_chunk_of_one_row_needs_a_fixed_noise():
    with pytest.raises(ValueError, match="at least 2 .* or a float"):
        _model().partial_fit(X3[:1])
    stream = _model(noise=0.2)
    for row in X3[:5]:
        stream.partial_fit(row[None])
    assert stream.n_samples_seen_ == 5 and np.isfinite(stream.offset_)


def test_progress_bars_stay_out_of_logs():
    from sk_consae.paper.reproduce import _Progress

    log = io.StringIO()  # not a terminal
    progress = _Progress(log)
    progress.experiment("Table 1", epochs=50)
    for _ in range(50):
        progress.epoch()
    progress.close()
    assert log.getvalue() == "==> Table 1\n"


def test_a_monitor_given_one_metric_name_records_it_alone():
    from sk_consae.callbacks import ConservativenessMonitor

    model = _model(callbacks=[ConservativenessMonitor(X3[:20], metrics="curl")]).fit(X3)
    assert set(model.history_[-1]) >= {"curl"}
    assert "jacobian_symmetricity" not in model.history_[-1]
    with pytest.raises(ValueError, match="Unknown metrics"):
        _model(callbacks=[ConservativenessMonitor(X3[:20], metrics="curls")]).fit(X3)


# --- persistence --------------------------------------------------------------------------


def _relabelled(model, class_name, path):
    pytest.importorskip("safetensors")
    import safetensors.numpy
    from safetensors import safe_open

    from sk_consae.persistence import save_weights

    save_weights(model, path)
    with safe_open(path, framework="np") as handle:
        header = json.loads(handle.metadata()["sk_consae"])
    arrays = safetensors.numpy.load_file(path)
    header["class"] = class_name
    safetensors.numpy.save_file(arrays, path, metadata={"sk_consae": json.dumps(header)})
    return path


@pytest.mark.parametrize(
    "written, named",
    [
        ("ConservativeFieldExtractor", "UntiedAutoEncoder"),
        ("UntiedAutoEncoder", "ContractiveAutoEncoder"),
        ("ContractiveAutoEncoder", "UntiedAutoEncoder"),
        ("UntiedAutoEncoder", "ConservativeFieldExtractor"),
    ],
)
def test_a_weights_file_naming_another_class_is_refused(tmp_path, written, named):
    import sk_consae
    from sk_consae.persistence import load_weights

    model = getattr(sk_consae, written)(n_components=4, max_epochs=1, random_state=0)
    model.fit(X3, -X3) if written == "ConservativeFieldExtractor" else model.fit(X3)
    path = _relabelled(model, named, tmp_path / "model.safetensors")
    with pytest.raises(ValueError, match=f"names the class {named}.*another class"):
        load_weights(path)


def _through(model, how, tmp_path):
    if how == "pickle":
        return pickle.loads(pickle.dumps(model))
    if how == "skops":
        sio = pytest.importorskip("skops.io")
        path = tmp_path / "model.skops"
        sio.dump(model, path)
        return sio.load(path, trusted=sio.get_untrusted_types(file=path))
    pytest.importorskip("safetensors")
    from sk_consae.persistence import load_weights, save_weights

    save_weights(model, tmp_path / "model.safetensors")
    return load_weights(tmp_path / "model.safetensors")


@pytest.mark.parametrize("how", ["pickle", "skops", "weights"])
@pytest.mark.parametrize("estimator", [UntiedAutoEncoder, ContractiveAutoEncoder])
def test_every_format_keeps_every_fitted_attribute_and_set_output(tmp_path, how, estimator):
    pd = pytest.importorskip("pandas")
    model = estimator(4, hidden_layer_sizes=(5,), max_epochs=1, random_state=0)
    model.set_output(transform="pandas").partial_fit(X3[:60]).partial_fit(X3[60:])
    loaded = _through(model, how, tmp_path)
    for key, value in vars(model).items():
        if key == "net_":
            continue
        other = vars(loaded)[key]
        assert type(other) is type(value), key
        if isinstance(value, np.ndarray):
            assert_array_equal(other, value, err_msg=key)
        else:
            assert other == value, key
    assert isinstance(loaded.transform(X3), pd.DataFrame)
    assert_allclose(loaded.score_samples(X3), model.score_samples(X3))
    loaded.set_params(warm_start=True).fit(X3)  # a loaded model trains on


# --- NumPy scalars ------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [np.float32(0.1), np.float16(0.1), np.float64(0.1)])
def test_the_pyod_adapter_takes_numpy_scalar_rates(rate):
    pytest.importorskip("pyod")
    from sklearn.base import clone

    from sk_consae.pyod import EnergyDetector

    detector = EnergyDetector(_model(), contamination=rate).fit(X3)
    reference = EnergyDetector(_model(), contamination=float(rate)).fit(X3)
    assert detector.contamination is rate  # the parameter is kept as given
    assert_array_equal(detector.labels_, reference.labels_)
    assert_array_equal(detector.predict(X3), reference.predict(X3))
    assert_allclose(detector.predict_confidence(X3), reference.predict_confidence(X3))
    assert_allclose(
        detector.predict_proba(X3, method="unify"), reference.predict_proba(X3, "unify")
    )
    clone(detector)


def test_estimators_take_numpy_scalar_parameters():
    params = {
        "n_components": np.int64(4),
        "max_epochs": np.int32(2),
        "lr": np.float32(1e-3),
        "noise": np.float64(0.2),
        "contamination": np.float32(0.05),
        "batch_size": np.int64(16),
        "max_samples": np.float32(0.5),
    }
    model = UntiedAutoEncoder(random_state=0, **params).fit(X3)
    reference = UntiedAutoEncoder(random_state=0, **{k: v.item() for k, v in params.items()})
    assert_allclose(model.score_samples(X3), reference.fit(X3).score_samples(X3))


# --- sample_weight ------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=30),
    data=st.data(),
    q=st.floats(0.0, 100.0),
)
def test_weighted_percentiles_are_those_of_repeated_values(values, data, q):
    weights = data.draw(st.lists(st.integers(1, 5), min_size=len(values), max_size=len(values)))
    expected = np.percentile(np.repeat(values, weights), q)
    assert weighted_percentile(np.asarray(values), q, np.asarray(weights)) == pytest.approx(
        expected, rel=1e-12, abs=1e-9
    )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"contamination": "auto"},
        {"weight_tying": "tied", "max_samples": 16},
        {"hidden_layer_sizes": (5,)},
        {"optimizer": "lbfgs"},
    ],
)
@pytest.mark.parametrize("estimator", [UntiedAutoEncoder, ContractiveAutoEncoder])
def test_integer_weights_equal_repeated_rows(estimator, params):
    weights = RNG.integers(0, 4, size=len(X3))
    order = RNG.permutation(len(X3))  # and the rows' order does not matter
    repeated = estimator(4, max_epochs=3, random_state=0, **params).fit(X3.repeat(weights, 0))
    weighted = estimator(4, max_epochs=3, random_state=0, **params)
    weighted.fit(X3[order], sample_weight=weights[order])
    assert_allclose(weighted.score_samples(X3), repeated.score_samples(X3), rtol=1e-9)
    assert weighted.offset_ == pytest.approx(repeated.offset_, rel=1e-9)
    for name in ("noise_", "temperature_", "n_samples_seen_"):
        assert getattr(weighted, name) == pytest.approx(getattr(repeated, name), rel=1e-9), name
    assert_allclose(weighted.energy_origin_, repeated.energy_origin_, rtol=1e-9)


def test_integer_weights_equal_repeated_rows_over_a_stream():
    weights = RNG.integers(1, 3, size=len(X3))
    repeated, weighted = _model(noise=0.3), _model(noise=0.3)
    for start in range(0, 120, 60):
        rows = slice(start, start + 60)
        repeated.partial_fit(X3[rows].repeat(weights[rows], 0))
        weighted.partial_fit(X3[rows], sample_weight=weights[rows])
    assert_allclose(weighted.score_samples(X3), repeated.score_samples(X3), rtol=1e-6)
    assert weighted.offset_ == pytest.approx(repeated.offset_, rel=1e-6)


def test_fractional_weights_count_as_expected_copies():
    # A weight of 0.5 on every row visits half the rows an epoch, in expectation:
    # the model equals neither, but trains and thresholds as a weighted data set.
    half = _model(max_epochs=5).fit(X3, sample_weight=np.full(len(X3), 0.5))
    assert half.n_samples_seen_ == 60
    assert np.isfinite(half.score_samples(X3)).all()
    heavy_row = np.r_[np.full(119, 1.0), 1e3]  # one row weighing as a thousand copies
    model = _model(max_epochs=5).fit(X3, sample_weight=heavy_row)
    assert model.score_samples(X3[-1:])[0] > np.median(model.score_samples(X3))


def test_bad_sample_weights_are_named():
    with pytest.raises(ValueError, match="zero"):
        _model().fit(X3, sample_weight=np.zeros(len(X3)))
    with pytest.raises(ValueError, match="[Nn]egative"):
        _model().fit(X3, sample_weight=-np.ones(len(X3)))
    with pytest.raises(ValueError, match="sample_weight"):
        _model().fit(X3, sample_weight=np.ones(len(X3) + 1))
    weights = np.ones(len(X3))
    _model().fit(X3, sample_weight=weights)
    assert_array_equal(weights, np.ones(len(X3)))  # not modified


def test_every_public_function_takes_dataframes_without_feature_name_warnings():
    """The sweep: models fitted on a DataFrame (bare, in a Pipeline, the extractor),
    every public function and method given a DataFrame: no error, and no scikit-learn
    warning about feature names caused by the package itself."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    from sk_consae import ConservativeFieldExtractor, inspection, metrics, plotting

    frame = pd.DataFrame(X2, columns=["a", "b"])
    y = np.r_[np.zeros(len(X2) - 5), np.ones(5)]
    models = {
        "auto-encoder": _model().fit(frame),
        "pipeline": make_pipeline(StandardScaler(), _model()).fit(frame),
        "extractor": ConservativeFieldExtractor(n_components=4, max_epochs=1).fit(frame, -X2),
    }
    calls = 0
    for name, model in models.items():
        checks = [
            lambda m: metrics.jacobian_symmetricity(m, frame),
            lambda m: metrics.jacobian_asymmetry(m, frame),
            lambda m: metrics.jacobian_norms(m, frame),
            lambda m: metrics.curl(m, frame),
            lambda m: metrics.field_energy(m, frame),
            lambda m: metrics.weight_symmetricity(m),
            lambda m: metrics.outlier_roc_auc(m, frame, y),
            lambda m: metrics.energy_ranking(m, frame, frame.iloc[::-1]),
            lambda m: plotting.EnergyDisplay.from_estimator(m, frame, y=y),
            lambda m: plotting.VectorFieldDisplay.from_estimator(m, frame, grid_resolution=4),
            lambda m: plotting.plot_history(m),
        ]
        if name != "extractor":
            checks += [
                lambda m: metrics.reconstruction_score(m, frame),
                lambda m: metrics.hyvarinen_score(m, frame),
                lambda m: inspection.explain_outliers(m, frame),
                lambda m: plotting.ContributionDisplay.from_estimator(m, frame),
            ]
        for check in checks:
            with warnings.catch_warnings():
                warnings.filterwarnings("error", message=".*feature names.*")
                check(model)
            calls += 1
    assert calls == 41
