"""What saved models contain, and what they can do once loaded: no training rows in
any format, continued training after every persistence path, clear errors for bad
weights files, bit-identical round trips through every format."""

import copy
import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sk_consae import ConservativeFieldExtractor, ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae.datasets import make_spiral_sink
from sk_consae.persistence import load_weights, save_weights

from ._helpers import AUTOENCODERS

MARKER = 1234.56789  # one training value, to be found in no saved file


def _marked_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    X[17, 2] = MARKER / 1000.0  # unusual but in range: training stays stable
    return X


def _marker_bytes(X):
    value = X[17, 2]
    return [np.float64(value).tobytes(), np.float32(value).tobytes()]


def _models():
    """(name, unfitted model, fit arguments) for every estimator and family."""
    X = _marked_data()
    V = -X + 0.1 * X[:, ::-1]
    small = {"max_epochs": 2, "random_state": 0}
    return [
        ("untied", UntiedAutoEncoder(6, **small), (X,)),
        ("tied", UntiedAutoEncoder(6, weight_tying="tied", **small), (X,)),
        ("deep untied", UntiedAutoEncoder(4, hidden_layer_sizes=(6,), **small), (X,)),
        (
            "deep scaled",
            UntiedAutoEncoder(4, hidden_layer_sizes=(6,), weight_tying="scaled", **small),
            (X,),
        ),
        ("contractive", ContractiveAutoEncoder(6, **small), (X,)),
        ("extractor", ConservativeFieldExtractor(6, **small), (X, V)),
    ]


def _dumps(model, tmp_path):
    """The bytes of every format a fitted model can be written in."""
    import skops.io as sio

    joblib.dump(model, tmp_path / "model.joblib")
    save_weights(model, tmp_path / "model.safetensors")
    return {
        "pickle": pickle.dumps(model),
        "joblib": (tmp_path / "model.joblib").read_bytes(),
        "skops": sio.dumps(model),
        "safetensors": (tmp_path / "model.safetensors").read_bytes(),
    }


@pytest.mark.parametrize("name, model, data", _models(), ids=[m[0] for m in _models()])
def test_no_saved_format_contains_a_training_value(name, model, data, tmp_path):
    model.fit(*data)
    if not isinstance(model, ConservativeFieldExtractor):
        model.partial_fit(data[0])  # the streaming offset_ keeps energies, not rows
    markers = _marker_bytes(data[0])
    for fmt, payload in _dumps(model, tmp_path).items():
        for marker in markers:
            assert marker not in payload, f"{name}: the {fmt} file holds a training value"
    # The check can see rows: a model that holds its data is caught.
    model.leaked_ = data[0].copy()
    assert markers[0] in pickle.dumps(model)


def _round_trips(tmp_path):
    import skops.io as sio

    def via_joblib(model):
        joblib.dump(model, tmp_path / "m.joblib")
        return joblib.load(tmp_path / "m.joblib")

    def via_skops(model):
        payload = sio.dumps(model)
        return sio.loads(payload, trusted=sio.get_untrusted_types(data=payload))

    def via_weights(model):
        save_weights(model, tmp_path / "m.safetensors")
        return load_weights(tmp_path / "m.safetensors")

    return {
        "pickle": lambda model: pickle.loads(pickle.dumps(model)),
        "joblib": via_joblib,
        "skops": via_skops,
        "weights": via_weights,
    }


FORMATS = ["pickle", "joblib", "skops", "weights"]


def _layers(parameter):
    """One array per layer: deep models hold lists, one-layer models an array."""
    return parameter if isinstance(parameter, list) else [parameter]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name, model, data", _models(), ids=[m[0] for m in _models()])
def test_training_continues_after_every_persistence_path(fmt, name, model, data, tmp_path):
    model.fit(*data)
    loaded = _round_trips(tmp_path)[fmt](model)
    uninterrupted = pickle.loads(pickle.dumps(model))
    loaded.set_params(warm_start=True, max_epochs=1).fit(*data)
    uninterrupted.set_params(warm_start=True, max_epochs=1).fit(*data)
    if not isinstance(model, ConservativeFieldExtractor):
        loaded.partial_fit(data[0])
        uninterrupted.partial_fit(data[0])
    got, expected = loaded.field_parameters_, uninterrupted.field_parameters_
    if fmt == "weights":
        # A weights-only file has no optimiser state: training continues from the
        # saved weights with a new optimiser, so it moves, but not as the original.
        epochs_since_loading = 1 if isinstance(model, ConservativeFieldExtractor) else 2
        assert len(loaded.history_) == epochs_since_loading
        assert np.all(np.isfinite(loaded.score_samples(data[0])))
        return
    for key in ("encoder_weight", "encoder_bias", "decoder_bias"):
        for got_layer, expected_layer in zip(_layers(got[key]), _layers(expected[key])):
            np.testing.assert_array_equal(got_layer, expected_layer)
    np.testing.assert_array_equal(
        loaded.score_samples(data[0]), uninterrupted.score_samples(data[0])
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("tying", ["untied", "tied", "scaled"])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_deep_contributions_add_up_after_persistence(fmt, tying, activation, tmp_path):
    X = np.random.default_rng(1).normal(size=(80, 4))
    model = UntiedAutoEncoder(
        3,
        hidden_layer_sizes=(5, 4),
        activation=activation,
        weight_tying=tying,
        max_epochs=3,
        random_state=0,
    ).fit(X)
    loaded = _round_trips(tmp_path)[fmt](model)
    contributions = loaded.energy_contributions(X)
    total = loaded.score_samples(X) - loaded.score_samples(loaded.energy_origin_[None])
    np.testing.assert_allclose(contributions.sum(1), total, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(contributions, model.energy_contributions(X))


# --- bad weights files -------------------------------------------------------------------


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / "model.safetensors"
    X = np.random.default_rng(0).normal(size=(60, 5))
    save_weights(UntiedAutoEncoder(4, max_epochs=1, random_state=0).fit(X), path)
    return path


def test_empty_truncated_and_foreign_files_are_named(weights_file, tmp_path):
    content = weights_file.read_bytes()
    cases = {
        "empty": b"",
        "truncated": content[: len(content) - 40],
        "pickle": pickle.dumps(UntiedAutoEncoder()),
        "text": b"not a model at all\n",
    }
    for case, data in cases.items():
        path = tmp_path / f"{case}.safetensors"
        path.write_bytes(data)
        with pytest.raises(ValueError, match=f"{path.name}.*(not a readable|damaged)"):
            load_weights(path)
    with pytest.raises(FileNotFoundError, match="No weights file at .*missing"):
        load_weights(tmp_path / "missing.safetensors")


def test_a_tensor_of_the_wrong_shape_is_named(weights_file, tmp_path):
    import safetensors.numpy
    from safetensors import safe_open

    with safe_open(str(weights_file), framework="np") as handle:
        metadata = handle.metadata()
    arrays = safetensors.numpy.load_file(str(weights_file))
    arrays["module/encoder_weight"] = np.zeros((5, 7), dtype=np.float32)
    path = tmp_path / "reshaped.safetensors"
    safetensors.numpy.save_file(arrays, str(path), metadata=metadata)
    with pytest.raises(ValueError, match="(?s)reshaped.safetensors.*do not fit.*encoder_weight"):
        load_weights(path)


# --- round trips --------------------------------------------------------------------


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


def test_model_saved_from_a_gpu_loads_on_a_cpu_only_machine(few_digits, no_gpu):
    model = UntiedAutoEncoder(8, max_epochs=2, random_state=0).fit(few_digits)
    expected = model.score_samples(few_digits)
    model.net_.device = "cuda"  # as if fitted with device="cuda"
    payload = pickle.dumps(model)
    with pytest.warns(UserWarning, match="CUDA"):  # skorch's DeviceWarning
        loaded = pickle.loads(payload)
    assert str(loaded.net_.device) == "cpu"
    np.testing.assert_array_equal(loaded.score_samples(few_digits), expected)


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
