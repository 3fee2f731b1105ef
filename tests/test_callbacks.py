import numpy as np
import pytest
from sklearn.datasets import load_digits
from skorch.callbacks import Callback

from sk_consae import ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae.callbacks import ConservativenessMonitor
from sk_consae.datasets import make_spiral
from sk_consae.metrics import curl, jacobian_symmetricity, weight_symmetricity


def test_monitor_records_every_n_epochs_and_the_last_one():
    X = load_digits().data / 16.0
    monitor = ConservativenessMonitor(X[:100], every=3)
    ae = UntiedAutoEncoder(n_components=16, max_epochs=7, random_state=0, callbacks=[monitor]).fit(
        X
    )
    epochs = [e for e, _ in ae.history_[:, ("epoch", "jacobian_symmetricity")]]
    assert epochs == [3, 6, 7]
    assert ae.history_[-1, "jacobian_symmetricity"] == pytest.approx(
        jacobian_symmetricity(ae, X[:100]), abs=1e-6
    )
    assert ae.history_[-1, "weight_symmetricity"] == pytest.approx(
        weight_symmetricity(ae), abs=1e-6
    )
    assert ae.history_[-1, "curl"] == pytest.approx(np.abs(curl(ae, X[:100])).mean(), rel=1e-5)


def test_monitor_shows_untied_2d_field_becoming_less_curly():
    X = make_spiral(500, random_state=0)
    monitor = ConservativenessMonitor(X, metrics=("curl",))
    ae = ContractiveAutoEncoder(
        n_components=200,
        contraction=0.01,
        noise=0.05,
        lr=3e-3,
        max_epochs=60,
        batch_size=32,
        random_state=0,
        callbacks=[monitor],
    ).fit(X)
    curls = ae.history_[:, "curl"]
    assert len(curls) == 60
    assert min(curls[-5:]) < 0.5 * max(curls[:10])


def test_monitor_validates_its_arguments():
    X = load_digits().data / 16.0
    with pytest.raises(ValueError, match="Unknown metrics"):
        UntiedAutoEncoder(
            4, max_epochs=1, callbacks=[ConservativenessMonitor(X, metrics=("div",))]
        ).fit(X)
    with pytest.raises(ValueError, match="every"):
        UntiedAutoEncoder(4, max_epochs=1, callbacks=[ConservativenessMonitor(X, every=0)]).fit(X)
    with pytest.raises(ValueError, match="3 features, but the model has 64"):
        UntiedAutoEncoder(4, max_epochs=1, callbacks=[ConservativenessMonitor(X[:, :3])]).fit(X)


class CountBatches(Callback):
    """A per-batch callback: training must notify it (skorch's full per-batch loop)."""

    def on_batch_end(self, net, **kwargs):
        net.history.record_batch("seen", True)


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_per_batch_callbacks_run_and_training_is_the_same_without_them(optimizer, digits):
    params = dict(n_components=8, optimizer=optimizer, max_epochs=3, random_state=0)
    lean = UntiedAutoEncoder(**params).fit(digits)
    hooked = UntiedAutoEncoder(**params, callbacks=[CountBatches()]).fit(digits)
    np.testing.assert_array_equal(lean.encoder_weights_, hooked.encoder_weights_)
    steps = 1 if optimizer == "lbfgs" else -(-len(digits) // hooked.net_.batch_size)
    assert [len(epoch["batches"]) for epoch in hooked.history_] == [steps] * 3
    assert all(batch["seen"] for batch in hooked.history_[-1, "batches"])
    # Without per-batch callbacks an epoch records one batch row: the mean loss.
    assert [len(epoch["batches"]) for epoch in lean.history_] == [1] * 3
    np.testing.assert_allclose(
        lean.history_[:, "train_loss"], hooked.history_[:, "train_loss"], rtol=1e-6
    )


def test_verbose_table_has_no_colour_codes_outside_a_terminal(digits, capsys):
    # capsys replaces stdout with a pipe-like object, as a log file or CI would.
    UntiedAutoEncoder(n_components=4, max_epochs=2, verbose=1, random_state=0).fit(digits)
    out = capsys.readouterr().out
    assert "train_loss" in out and "\x1b[" not in out


def test_monitor_reads_a_dataframe_without_torch_warnings(few_digits):
    import warnings

    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(few_digits[:50])
    monitor = ConservativenessMonitor(frame, metrics=["curl"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns on non-writable arrays
        UntiedAutoEncoder(4, max_epochs=1, callbacks=[monitor], random_state=0).fit(few_digits)
