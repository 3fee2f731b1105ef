import numpy as np
import pytest
from sklearn.datasets import load_digits

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
