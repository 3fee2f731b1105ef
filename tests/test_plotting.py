import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from sk_consae import ConservativeFieldExtractor, UntiedAutoEncoder  # noqa: E402
from sk_consae.datasets import make_circle, make_spiral_sink, spiral_sink_field  # noqa: E402
from sk_consae.plotting import (  # noqa: E402
    ContributionDisplay,
    EnergyDisplay,
    VectorFieldDisplay,
    plot_history,
)


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


# --- energies and contributions ------------------------------------------------------


@pytest.fixture(scope="module")
def labelled_frame():
    """A DataFrame of 300 normal rows and 15 anomalies shifted in column "c"."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(315, 4))
    X[300:, 2] += 6.0
    y = np.r_[np.zeros(300, int), np.ones(15, int)]
    return pd.DataFrame(X, columns=["a", "b", "c", "d"]), y


@pytest.fixture(scope="module")
def frame_model(labelled_frame):
    return UntiedAutoEncoder(16, max_epochs=40, random_state=0).fit(labelled_frame[0][:300])


def test_energy_display_marks_the_offset_and_the_classes(frame_model, labelled_frame, tmp_path):
    X, y = labelled_frame
    display = EnergyDisplay.from_estimator(frame_model, X, y)
    energies = frame_model.score_samples(X)
    assert display.flagged_fraction_ == pytest.approx(np.mean(energies < frame_model.offset_))
    assert display.offset_line_.get_xdata()[0] == frame_model.offset_
    assert display.roc_auc_ > 0.95 and display.roc_ax_ is not None
    assert [t.get_text() for t in display.ax_.get_legend().get_texts()][:2] == [
        "normal (300)",
        "anomaly (15)",
    ]
    display.figure_.savefig(tmp_path / "energy.png")
    assert (tmp_path / "energy.png").stat().st_size > 0


def test_energy_display_without_labels_and_as_an_ecdf(frame_model, labelled_frame):
    X = labelled_frame[0]
    display = EnergyDisplay.from_estimator(frame_model, X, kind="ecdf")
    assert display.roc_auc_ is None and display.roc_ax_ is None
    (line,) = [l for l in display.ax_.get_lines() if l is not display.offset_line_]
    assert line.get_ydata()[-1] == 1.0  # an ECDF ends at 1
    _, ax = plt.subplots()
    again = display.plot(ax=ax, kind="hist", bins=10)
    assert again.ax_ is ax


def test_energy_display_from_predictions_checks_its_input():
    with pytest.raises(ValueError, match="finite"):
        EnergyDisplay.from_predictions([0.0, np.nan])
    with pytest.raises(ValueError, match="3 labels for 2 energies"):
        EnergyDisplay.from_predictions([0.0, 1.0], y=[0, 1, 1])
    with pytest.raises(ValueError, match="kind must be"):
        EnergyDisplay.from_predictions([0.0, 1.0], kind="violin")
    with pytest.raises(TypeError, match="score_samples"):
        EnergyDisplay.from_estimator(object(), np.zeros((2, 2)))


def test_contribution_display_shows_the_feature_that_lowers_the_energy(
    frame_model, labelled_frame, tmp_path
):
    X = labelled_frame[0]
    display = ContributionDisplay.from_estimator(frame_model, X, n_rows=2)
    energies = frame_model.score_samples(X)
    assert list(display.rows) == list(np.argsort(energies)[:2])
    assert all(rows >= 300 for rows in display.rows)  # the shifted rows
    assert [names[0] for names in display.shown_features_] == ["c", "c"]  # named by column
    bar = display.bars_[0].patches
    contributions = frame_model.energy_contributions(X.iloc[display.rows[:1]])[0]
    assert sorted(p.get_width() for p in bar) == pytest.approx(sorted(contributions), rel=1e-6)
    assert len(display.axes_) == 2
    display.figure_.savefig(tmp_path / "contributions.png")


def test_contribution_display_takes_rows_and_axes_and_checks_them(frame_model, labelled_frame):
    X = labelled_frame[0]
    _, axes = plt.subplots(1, 2)
    display = ContributionDisplay.from_estimator(frame_model, X, rows=[0, 5], ax=axes)
    assert list(display.rows) == [0, 5] and display.axes_[1] is axes[1]
    with pytest.raises(ValueError, match="rows must index"):
        ContributionDisplay.from_estimator(frame_model, X, rows=[400])
    with pytest.raises(ValueError, match="one per row"):
        ContributionDisplay.from_estimator(frame_model, X, rows=[0, 1, 2], ax=axes)
    with pytest.raises(TypeError, match="auto-encoder"):
        ContributionDisplay.from_estimator(ConservativeFieldExtractor(), X)
