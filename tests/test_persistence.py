"""What saved models contain, and what they can do once loaded: no training rows in
any format, continued training after every persistence path, clear errors for bad
weights files."""

import pickle

import joblib
import numpy as np
import pytest

from sk_consae import ConservativeFieldExtractor, ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae.persistence import load_weights, save_weights

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
