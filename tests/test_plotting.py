import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from sk_consae import ConservativeFieldExtractor, UntiedAutoEncoder  # noqa: E402
from sk_consae.datasets import make_circle, make_spiral_sink, spiral_sink_field  # noqa: E402
from sk_consae.plotting import VectorFieldDisplay, plot_history  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_display_from_estimator_draws_field_and_energy(tmp_path):
    X = make_circle(200, noise=0.05, random_state=0)
    ae = UntiedAutoEncoder(20, weight_tying="tied", max_epochs=3, random_state=0).fit(X)
    display = VectorFieldDisplay.from_estimator(ae, X, grid_resolution=30, n_arrows=10)
    assert display.field.shape == (30, 30, 2) and display.energy.shape == (30, 30)
    grid = np.c_[display.xx0.ravel(), display.xx1.ravel()]
    np.testing.assert_allclose(display.field.reshape(-1, 2), ae.vector_field(grid))
    assert display.contour_ is not None and display.colorbar_ is not None
    assert display.xx0.min() < X[:, 0].min() and display.xx0.max() > X[:, 0].max()
    display.figure_.savefig(tmp_path / "field.png")
    assert (tmp_path / "field.png").stat().st_size > 1000


def test_energy_increases_along_the_arrows_of_a_conservative_field():
    X, V = make_spiral_sink(20)
    extractor = ConservativeFieldExtractor(30, max_epochs=20, random_state=0).fit(X, V)
    display = VectorFieldDisplay.from_estimator(extractor, plot=False, grid_resolution=40)
    step = 1e-3 * display.field / np.linalg.norm(display.field, axis=-1, keepdims=True)
    points = np.c_[display.xx0.ravel(), display.xx1.ravel()]
    ahead = extractor.score_samples(points + step.reshape(-1, 2))
    assert np.mean(ahead > extractor.score_samples(points)) > 0.99


def test_display_from_callable_and_redraw_on_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    display = VectorFieldDisplay.from_callable(
        spiral_sink_field, xlim=(-2, 2), ylim=(-1, 1), ax=left
    )
    assert display.ax_ is left and display.energy is None
    display.plot(ax=right, title="again")
    assert display.ax_ is right and right.get_title() == "again"
    with pytest.raises(ValueError, match="field returned shape"):
        VectorFieldDisplay.from_callable(lambda X: X[:, 0])


def test_display_refuses_estimators_on_more_than_two_features():
    X = load_digits().data / 16.0
    ae = UntiedAutoEncoder(4, max_epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="64 features"):
        VectorFieldDisplay.from_estimator(ae)


def test_plot_history_draws_recorded_columns():
    X = make_circle(100, random_state=0)
    ae = UntiedAutoEncoder(8, max_epochs=4, random_state=0).fit(X)
    ax = plot_history(ae, ["train_loss"], label="ae", logy=True)
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), ae.history_[:, "train_loss"])
    with pytest.raises(KeyError, match="curl"):
        plot_history(ae, "curl")
