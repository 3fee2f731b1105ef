"""Bad input to every public estimator method and function gets a clear error that
names the problem, inputs are never modified, and a fuzz test of the public API."""

import copy
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.exceptions import NotFittedError

from sk_consae import ConservativeFieldExtractor, UntiedAutoEncoder
from sk_consae.datasets import salt_and_pepper
from sk_consae.metrics import (
    curl,
    energy_ranking,
    grid_curl,
    jacobian_symmetricity,
    symmetricity,
    weight_symmetricity,
)

from ._helpers import AE_METHODS, AUTOENCODERS


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


@pytest.mark.parametrize("cls", AUTOENCODERS)
def test_data_beyond_float32_are_named_as_such(cls, few_digits):
    model = cls(4, max_epochs=1)
    with pytest.raises(ValueError, match="X has values beyond the float32 range"):
        model.fit(few_digits * 1e39)
    assert not hasattr(model, "net_")


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
        ({"every": 0}, "'every' parameter of ConservativenessMonitor must be an int"),
        ({"every": "2"}, "'every' parameter of ConservativenessMonitor must be an int"),
        ({"every": True}, "'every' parameter of ConservativenessMonitor must be an int"),
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
        ({"n_arrows": 0}, "'n_arrows' parameter of VectorFieldDisplay.plot must be an int"),
        ({"grid_resolution": 1}, "'grid_resolution' parameter of .*from_callable must be an int"),
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


def test_a_missing_cuda_device_is_named(few_digits, no_gpu):
    with pytest.raises(ValueError, match="device='cuda:1' was requested but torch sees no CUDA"):
        UntiedAutoEncoder(4, max_epochs=1, device="cuda:1").fit(few_digits)


def test_a_cuda_index_beyond_the_devices_present_is_named(few_digits, one_gpu):
    model = UntiedAutoEncoder(4, max_epochs=1, device="cuda:1")
    with pytest.raises(ValueError, match="torch sees 1 CUDA device\\(s\\), cuda:0 to cuda:0"):
        model.fit(few_digits)
    assert not hasattr(model, "net_")


def test_partial_fit_validates_parameters_on_every_call(few_digits):
    from sklearn.utils._param_validation import InvalidParameterError

    model = UntiedAutoEncoder(4, random_state=0)
    with pytest.raises(InvalidParameterError, match="lr"):
        model.set_params(lr=-1.0).partial_fit(few_digits)
    model.set_params(lr=None).partial_fit(few_digits)
    with pytest.raises(InvalidParameterError, match="lr"):
        model.set_params(lr=-1.0).partial_fit(few_digits)
    assert len(model.history_) == 1
