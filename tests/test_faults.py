"""Fault injection (``pytest -m faults``): a fit stopped at a random epoch by Ctrl-C, an
exception in a callback or a NaN step leaves the estimator as it was or resumable; a
weights file that cannot be written leaves nothing at its path; models saved by earlier
versions load and answer as they did."""

import errno
import os
import pickle
from pathlib import Path

import joblib
import numpy as np
import pytest
from skorch.callbacks import Callback

from sk_consae import ConservativeFieldExtractor, ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae.exceptions import TrainingDivergedError
from sk_consae.persistence import load_weights, save_weights

pytestmark = pytest.mark.faults

FIXTURES = Path(__file__).parent / "fixtures"
EPOCHS = 6


class FailAt(Callback):
    """Raise ``error`` at the end of epoch ``epoch`` (1-based), or poison a weight at
    the start of that epoch's second batch (``error=None``: the step's loss is NaN)."""

    def __init__(self, epoch, error=None):
        self.epoch = epoch
        self.error = error

    def on_epoch_end(self, net, **kwargs):
        if self.error is not None and len(net.history) == self.epoch:
            raise self.error

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if self.error is None and training and len(net.history) == self.epoch:
            if len(net.history[-1]["batches"]) == 1:
                next(net.module_.parameters()).data[0] = float("nan")


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(120, 4))


def _random_epochs(seed, count=2):
    return np.random.default_rng(seed).integers(1, EPOCHS, size=count).tolist()


def _state(model):
    """Everything a fitted estimator answers from, comparable with ==."""
    return pickle.dumps(model) if model.__sklearn_is_fitted__() else None


AUTOENCODERS = [UntiedAutoEncoder, ContractiveAutoEncoder]
FAMILIES = [{}, {"hidden_layer_sizes": (5,)}, {"weight_tying": "scaled"}]


@pytest.mark.parametrize("epoch", _random_epochs(0))
@pytest.mark.parametrize("cls", AUTOENCODERS)
@pytest.mark.parametrize("family", FAMILIES, ids=["one-layer", "deep", "scaled"])
def test_ctrl_c_at_a_random_epoch_leaves_a_model_that_resumes_exactly(epoch, cls, family):
    X = _data()
    settings = {"n_components": 3, "batch_size": 32, "random_state": 0, **family}
    uninterrupted = cls(max_epochs=EPOCHS, **settings).fit(X)
    stopped = cls(max_epochs=EPOCHS, callbacks=[FailAt(epoch, KeyboardInterrupt())], **settings)
    stopped.fit(X)  # skorch ends the loop; the estimator is fitted with what it reached
    assert len(stopped.history_) == epoch
    assert np.all(np.isfinite(stopped.score_samples(X)))
    stopped.set_params(callbacks=None, warm_start=True, max_epochs=EPOCHS - epoch).fit(X)
    np.testing.assert_array_equal(stopped.score_samples(X), uninterrupted.score_samples(X))
    assert stopped.offset_ == uninterrupted.offset_


@pytest.mark.parametrize("error", [RuntimeError("callback failed"), None], ids=["raise", "nan"])
@pytest.mark.parametrize("epoch", _random_epochs(1))
@pytest.mark.parametrize("cls", AUTOENCODERS)
@pytest.mark.parametrize("family", FAMILIES, ids=["one-layer", "deep", "scaled"])
def test_a_failing_fit_leaves_the_estimator_as_it_was(error, epoch, cls, family):
    X = _data()
    settings = {"n_components": 3, "batch_size": 32, "random_state": 0, **family}
    expected = RuntimeError if error is not None else TrainingDivergedError
    fresh = cls(max_epochs=EPOCHS, callbacks=[FailAt(epoch, error)], **settings)
    with pytest.raises(expected):
        fresh.fit(X)
    assert not fresh.__sklearn_is_fitted__() and "noise_" not in vars(fresh)
    # A fitted model whose continued training fails keeps its fitted state.
    fitted = cls(max_epochs=2, **settings).fit(X)
    before, answers = _state(fitted), fitted.score_samples(X)
    fitted.set_params(warm_start=True, max_epochs=EPOCHS, callbacks=[FailAt(epoch + 2, error)])
    with pytest.raises(expected):
        fitted.fit(X)
    fitted.set_params(warm_start=False, max_epochs=2, callbacks=None)
    assert _state(fitted) == before
    np.testing.assert_array_equal(fitted.score_samples(X), answers)
    with pytest.raises(expected):
        fitted.set_params(callbacks=[FailAt(3, error)]).partial_fit(X)
    np.testing.assert_array_equal(fitted.score_samples(X), answers)


def test_a_failing_extractor_fit_leaves_it_as_it_was():
    X = _data()
    V = -X
    model = ConservativeFieldExtractor(3, optimizer="adam", max_epochs=2, random_state=0)
    model.fit(X, V)
    before = _state(model)
    model.set_params(warm_start=True, callbacks=[FailAt(3, RuntimeError("stop"))])
    with pytest.raises(RuntimeError, match="stop"):
        model.fit(X, V)
    model.set_params(warm_start=False, callbacks=None)
    assert _state(model) == before


# --- writing files ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def model():
    return UntiedAutoEncoder(3, max_epochs=1, random_state=0).fit(_data())


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_full_disk_leaves_no_partial_file_and_keeps_the_old_one(model, tmp_path, monkeypatch):
    target = tmp_path / "model.safetensors"
    target.write_bytes(b"the previous model")
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, handle):
            self.file = real_fdopen(handle, "wb")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, content):
            self.file.write(content[: len(content) // 2])  # part of it lands, then:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda handle, mode="r": FullDisk(handle))
    with pytest.raises(OSError, match="No space left"):
        save_weights(model, target)
    assert _leftovers(tmp_path) == ["model.safetensors"]
    assert target.read_bytes() == b"the previous model"


def test_a_read_only_location_fails_cleanly(model, tmp_path, monkeypatch):
    def read_only(source, destination):
        raise PermissionError(errno.EROFS, "Read-only file system", str(destination))

    monkeypatch.setattr(os, "replace", read_only)
    with pytest.raises(PermissionError):
        save_weights(model, tmp_path / "model.safetensors")
    assert _leftovers(tmp_path) == []


def test_a_missing_folder_fails_cleanly(model, tmp_path):
    with pytest.raises(FileNotFoundError):
        save_weights(model, tmp_path / "nowhere" / "model.safetensors")
    assert _leftovers(tmp_path) == []


def test_a_successful_write_replaces_the_old_file(model, tmp_path):
    target = tmp_path / "model.safetensors"
    target.write_bytes(b"the previous model")
    save_weights(model, target)
    assert _leftovers(tmp_path) == ["model.safetensors"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # as a plain open makes it
    loaded = load_weights(target)
    np.testing.assert_array_equal(loaded.score_samples(_data()), model.score_samples(_data()))


# --- files written by earlier versions ---------------------------------------------------


def _load(path):
    import skops.io as sio

    if path.suffix == ".pkl":
        with open(path, "rb") as handle:
            return pickle.load(handle)
    if path.suffix == ".joblib":
        return joblib.load(path)
    if path.suffix == ".skops":
        return sio.load(path, trusted=sio.get_untrusted_types(file=path))
    return load_weights(path)


SAVED = sorted(p for p in FIXTURES.glob("v*/*") if p.suffix != ".npz" and p.suffix != ".py")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.InconsistentVersionWarning")
@pytest.mark.parametrize("path", SAVED, ids=[f"{p.parent.name}/{p.name}" for p in SAVED])
def test_models_saved_by_earlier_versions_load_and_answer_as_they_did(path):
    expected = np.load(path.parent / "expected.npz")
    model = _load(path)
    name = path.stem
    method = "predict" if isinstance(model, ConservativeFieldExtractor) else "score_samples"
    np.testing.assert_allclose(
        getattr(model, method)(expected["probe"]), expected[name], rtol=1e-6, atol=1e-6
    )
    if not isinstance(model, ConservativeFieldExtractor):
        model.partial_fit(expected["probe"])
        assert np.all(np.isfinite(model.score_samples(expected["probe"])))


def test_there_are_fixtures_for_every_format():
    formats = {p.suffix for p in SAVED}
    assert formats == {".pkl", ".joblib", ".skops", ".safetensors"}
