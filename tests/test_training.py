"""Training: divergence, interruption, determinism across thread counts, continued
training (warm start, partial_fit, after pickling) and held-out validation."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from skorch.callbacks import Callback

from sk_consae import ConservativeFieldExtractor, ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae.datasets import make_spiral_sink
from sk_consae.exceptions import TrainingDivergedError

from ._helpers import AUTOENCODERS


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
    # The model of the epochs run: what an uninterrupted fit of that many epochs gives.
    two_epochs = UntiedAutoEncoder(8, max_epochs=2, random_state=0).fit(few_digits)
    np.testing.assert_array_equal(model.encoder_weights_, two_epochs.encoder_weights_)
    np.testing.assert_array_equal(
        model.score_samples(few_digits), two_epochs.score_samples(few_digits)
    )
    assert model.offset_ == two_epochs.offset_


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


@pytest.mark.parametrize("continue_by", ["warm_start", "partial_fit", "after_pickle"])
def test_lbfgs_training_continues_as_if_uninterrupted(continue_by, few_digits):
    """Continued training (warm start, partial_fit, or partial_fit after pickling)
    gives the model of one fit with as many epochs: the optimiser's state (L-BFGS's
    curvature pairs) and the per-epoch randomness are carried over."""
    params = dict(n_components=8, optimizer="lbfgs", max_epochs=2, random_state=0)
    model = UntiedAutoEncoder(**params).fit(few_digits)
    if continue_by == "after_pickle":
        model = pickle.loads(pickle.dumps(model))
    if continue_by == "warm_start":
        model.set_params(warm_start=True).fit(few_digits)
    else:
        model.partial_fit(few_digits)
    epochs = len(model.history_)
    assert epochs == (4 if continue_by == "warm_start" else 3)
    whole = UntiedAutoEncoder(**{**params, "max_epochs": epochs}).fit(few_digits)
    np.testing.assert_array_equal(model.encoder_weights_, whole.encoder_weights_)
    np.testing.assert_array_equal(model.decoder_weights_, whole.decoder_weights_)
    assert model.history_[:, "train_loss"] == whole.history_[:, "train_loss"]


def test_lbfgs_extractor_continues_with_warm_start_as_if_uninterrupted():
    X, V = make_spiral_sink(10)
    extractor = ConservativeFieldExtractor(8, max_epochs=2, warm_start=True, random_state=0)
    extractor.fit(X, V).fit(X, V)
    assert len(extractor.history_) == 4
    whole = ConservativeFieldExtractor(8, max_epochs=4, random_state=0).fit(X, V)
    np.testing.assert_array_equal(extractor.predict(X), whole.predict(X))


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


def test_extractor_divergence_advice_keeps_the_model_family(monkeypatch):
    X, V = make_spiral_sink(10)
    extractor = ConservativeFieldExtractor(8, optimizer="sgd", lr=1e12, max_epochs=3)
    with pytest.raises(TrainingDivergedError) as error:
        extractor.fit(X, V * 1e6)
    assert "StandardScaler" not in str(error.value) and "common factor" in str(error.value)


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


# --- rows per epoch (max_samples) ---------------------------------------------------


@pytest.fixture(scope="module")
def many_rows():
    return np.random.default_rng(0).normal(size=(3000, 5)).astype(np.float32)


def test_data_within_max_samples_train_as_with_every_row(few_digits):
    params = dict(n_components=8, max_epochs=3, random_state=0)
    default = UntiedAutoEncoder(**params).fit(few_digits)  # 300 rows < 8,192
    every_row = UntiedAutoEncoder(max_samples=None, **params).fit(few_digits)
    np.testing.assert_array_equal(default.encoder_weights_, every_row.encoder_weights_)
    assert default.net_.max_samples is None  # resolved: no subset needed


@pytest.mark.parametrize(
    "max_samples, rows",
    [(1000, 1000), (0.25, 750), (np.float32(0.25), 750), (np.int64(600), 600), (5000, 3000)],
)
def test_each_epoch_trains_on_a_fresh_subset(many_rows, max_samples, rows):
    model = UntiedAutoEncoder(
        8, batch_size=100, max_epochs=2, max_samples=max_samples, random_state=0
    ).fit(many_rows)
    assert model.history_[:, "train_batch_count"] == [int(np.ceil(rows / 100))] * 2
    assert model.n_samples_seen_ == 3000  # offset_ and energy_origin_ still use every row
    whole = UntiedAutoEncoder(8, batch_size=100, max_epochs=2, max_samples=None, random_state=0)
    changed = not np.array_equal(whole.fit(many_rows).encoder_weights_, model.encoder_weights_)
    assert changed == (rows < 3000)


def test_subsets_differ_between_epochs_and_continue_as_if_uninterrupted(many_rows):
    params = dict(n_components=8, batch_size=100, max_samples=500, random_state=0)
    model = UntiedAutoEncoder(max_epochs=1, **params).fit(many_rows)
    model.partial_fit(many_rows)
    whole = UntiedAutoEncoder(max_epochs=2, **params).fit(many_rows)
    np.testing.assert_array_equal(model.encoder_weights_, whole.encoder_weights_)


def test_without_shuffling_every_row_trains_in_order(many_rows):
    model = UntiedAutoEncoder(
        8, batch_size=100, max_epochs=1, max_samples=100, shuffle=False, random_state=0
    ).fit(many_rows)
    assert model.history_[-1, "train_batch_count"] == 30


@pytest.mark.parametrize("bad", [0, -5, 1.5, 0.0, "all", True])
def test_bad_max_samples_are_named(bad, few_digits):
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="max_samples"):
        UntiedAutoEncoder(4, max_epochs=1, max_samples=bad).fit(few_digits)
