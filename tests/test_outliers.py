"""Energies as anomaly scores: noise="auto", contamination="auto", the streaming
offset, per-feature energy contributions and the outlier scorer."""

from functools import cache

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.model_selection import GridSearchCV

from sk_consae import ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae._outliers import (
    SAMPLE_CAPACITY,
    carry_energies,
    extend_sample,
    reference_noise,
    resolve_noise,
    start_sample,
    tukey_lower_fence,
)
from sk_consae.metrics import outlier_roc_auc

from ._helpers import ACTIVATION_NAMES, TYINGS

# --- the pure pieces -------------------------------------------------------------------


def test_auto_noise_is_scotts_bandwidth_and_follows_the_units():
    X = np.random.default_rng(0).normal(size=(500, 4)) * [1.0, 2.0, 3.0, 4.0]
    expected = 500 ** (-1 / 8) * np.sqrt(X.var(0).mean())  # n^(-1/(D+4)) x RMS spread
    assert resolve_noise("auto", X) == pytest.approx(expected)
    assert resolve_noise("auto", 10 * X) == pytest.approx(10 * expected)
    assert resolve_noise(0.25, X) == 0.25


@pytest.mark.parametrize("n_features", [1, 3, 10])
def test_auto_noise_narrows_with_the_rows_as_scotts_rule(n_features):
    X = np.random.default_rng(0).normal(size=(40_000, n_features))
    # Four times the rows: the bandwidth shrinks by 4^(-1/(D+4)), the spread unchanged.
    ratio = resolve_noise("auto", X) / resolve_noise("auto", X[:10_000])
    assert ratio == pytest.approx(4 ** (-1 / (n_features + 4)), rel=0.02)


def test_score_reference_noise_is_half_the_spread_whatever_the_rows():
    X = np.random.default_rng(0).normal(size=(8_000, 3)) * 2.0
    for rows in (100, 8_000):
        assert reference_noise(X[:rows]) == pytest.approx(0.5 * np.sqrt(X[:rows].var(0).mean()))


def test_tukey_lower_fence_of_a_gaussian():
    scores = np.random.default_rng(0).normal(size=200_000)
    # Q1 - k IQR = -0.6745 - k * 1.349 for N(0, 1).
    assert tukey_lower_fence(scores, k=1.5) == pytest.approx(-2.698, abs=0.02)
    assert tukey_lower_fence(scores) == pytest.approx(-4.722, abs=0.03)


def test_auto_noise_needs_two_samples():
    with pytest.raises(ValueError, match="noise='auto'.*X has 1 sample.*noise=0.1"):
        resolve_noise("auto", np.ones((1, 3)))


def test_carried_energies_follow_an_affine_change_of_the_model():
    rng = np.random.default_rng(0)
    earlier, chunk = rng.gumbel(size=500), rng.gumbel(size=200)
    carried = carry_energies(earlier, chunk, 3.0 * chunk - 7.0)
    np.testing.assert_allclose(carried, 3.0 * earlier - 7.0)
    # One row (no spread): the shift alone.
    np.testing.assert_allclose(carry_energies(earlier, chunk[:1], chunk[:1] + 2.0), earlier + 2.0)


def test_reservoir_is_bounded_uniform_and_leaves_its_inputs_alone():
    capacity = SAMPLE_CAPACITY
    stream = np.arange(3 * capacity, dtype=np.float64)[:, None]
    chunks = np.array_split(stream, 7)
    sample = start_sample(chunks[0], seed=3)
    seen = len(chunks[0])
    for chunk in chunks[1:]:
        sample_before, chunk_before = sample.copy(), chunk.copy()
        extended = extend_sample(sample, chunk, seen, seed=3)
        np.testing.assert_array_equal(sample, sample_before)
        np.testing.assert_array_equal(chunk, chunk_before)
        sample = extended
        seen += len(chunk)
    assert sample.shape == (capacity, 1)
    assert len(np.unique(sample)) == capacity  # rows are distinct stream rows
    # Each third of the stream is represented about equally (1/3 each).
    thirds = np.bincount((sample[:, 0] // capacity).astype(int), minlength=3) / capacity
    np.testing.assert_allclose(thirds, 1 / 3, atol=0.02)
    # Stateless draws: replaying the stream gives the same sample.
    replay = start_sample(chunks[0], seed=3)
    seen = len(chunks[0])
    for chunk in chunks[1:]:
        replay = extend_sample(replay, chunk, seen, seed=3)
        seen += len(chunk)
    np.testing.assert_array_equal(replay, sample)


# --- thresholds ------------------------------------------------------------------------


def test_streaming_offset_reflects_all_rows_seen():
    # The case: chunks of 100, 100, 100, 100 and 1 rows at contamination=0.1
    # used to flag between 19% and 87% of the 401 rows.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(401, 4)) * [1.0, 0.5, 2.0, 1.0] + rng.normal(size=4)
    ae = UntiedAutoEncoder(16, contamination=0.1, random_state=0)
    for chunk in np.split(X, [100, 200, 300, 400]):
        ae.partial_fit(chunk)
    # No rows are kept: earlier chunks' energies are carried to each new model's
    # scale, so over five early epochs the fraction drifts a little (0.112 measured).
    assert abs(np.mean(ae.predict(X) == -1) - 0.10) <= 0.02


def test_streaming_offset_beyond_the_sample_capacity():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30_000, 3))
    ae = UntiedAutoEncoder(8, contamination=0.05, batch_size=512, random_state=0)
    for chunk in np.array_split(X, 6):
        ae.partial_fit(chunk)
    assert len(ae._energy_sample) == SAMPLE_CAPACITY < len(X)
    assert abs(np.mean(ae.predict(X) == -1) - 0.05) <= 0.01


def test_auto_contamination_flags_few_clean_points_and_catches_gross_outliers():
    rng = np.random.default_rng(0)
    clean = rng.normal(size=(2000, 5))
    ae = UntiedAutoEncoder(16, contamination="auto", max_epochs=20, random_state=0).fit(clean)
    assert np.mean(ae.predict(clean) == -1) < 0.01
    gross = rng.normal(size=(20, 5)) + 8.0 * rng.choice([-1.0, 1.0], size=(20, 5))
    assert np.all(ae.predict(gross) == -1)
    assert ae.offset_ == pytest.approx(tukey_lower_fence(ae.score_samples(clean)))


# --- explanations ----------------------------------------------------------------------


@cache
def _small_model(kind, tying, activation):
    X = np.random.default_rng(0).normal(size=(64, 3))
    estimator = (ContractiveAutoEncoder if kind == "cae" else UntiedAutoEncoder)(
        6, activation=activation, weight_tying=tying, max_epochs=2, random_state=0
    )
    return estimator.fit(X)


points = arrays(np.float64, (4, 3), elements=st.floats(-5, 5, allow_nan=False))


@pytest.mark.parametrize("kind", ["ae", "cae"])
@pytest.mark.parametrize("tying", TYINGS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@given(X=points)
def test_contributions_sum_to_the_energy_drop(kind, tying, activation, X):
    model = _small_model(kind, tying, activation)
    parts = model.energy_contributions(X)
    assert parts.shape == X.shape and parts.dtype == np.float64
    drop = model.score_samples(X) - model.score_samples(model.energy_origin_[None])
    np.testing.assert_allclose(parts.sum(1), drop, rtol=1e-8, atol=1e-8)


def test_contributions_with_quadrature_sum_to_its_energy():
    X = np.random.default_rng(0).normal(size=(50, 3))
    ae = UntiedAutoEncoder(6, energy_quadrature=5, max_epochs=2, random_state=0).fit(X)
    np.testing.assert_allclose(ae.energy_contributions(X).sum(1), ae.score_samples(X))


def test_contributions_point_at_the_planted_anomalous_feature():
    rng = np.random.default_rng(0)
    D = 8
    mixing = rng.normal(size=(D, D)) / np.sqrt(D)
    normal = rng.normal(size=(3000, D)) @ mixing + 0.3 * rng.normal(size=(3000, D))
    spread = normal.std(0)
    anomalies = rng.normal(size=(200, D)) @ mixing + 0.3 * rng.normal(size=(200, D))
    planted = rng.integers(D, size=200)
    sign = rng.choice([-1.0, 1.0], size=200)
    anomalies[np.arange(200), planted] += sign * 5.0 * spread[planted]
    train = np.vstack([normal, anomalies[:30]])  # contaminated, as in practice
    ae = UntiedAutoEncoder(max_epochs=30, random_state=0).fit(train)
    most_negative = ae.energy_contributions(anomalies).argmin(1)
    assert np.mean(most_negative == planted) >= 0.9


def test_contributions_validate_input_and_fitted_state():
    ae = UntiedAutoEncoder(4, max_epochs=1, random_state=0)
    with pytest.raises(Exception, match="not fitted"):
        ae.energy_contributions(np.zeros((2, 3)))
    ae.fit(np.random.default_rng(0).normal(size=(20, 3)))
    with pytest.raises(ValueError, match="3 features"):
        ae.energy_contributions(np.zeros((2, 4)))
    X32 = np.ones((2, 3), dtype=np.float32)
    assert ae.energy_contributions(X32).dtype == np.float32


# --- the scorer ------------------------------------------------------------------------


def _labelled_data(seed=0):
    rng = np.random.default_rng(seed)
    X = np.r_[rng.normal(size=(300, 4)), rng.normal(size=(30, 4)) + 4.0]
    y = np.r_[np.zeros(300, int), np.ones(30, int)]
    order = rng.permutation(len(X))
    return X[order], y[order]


def test_outlier_roc_auc_reads_both_label_conventions():
    X, y = _labelled_data()
    ae = UntiedAutoEncoder(8, max_epochs=10, random_state=0).fit(X)
    auc = outlier_roc_auc(ae, X, y)
    assert auc > 0.9
    assert outlier_roc_auc(ae, X, np.where(y == 1, -1, 1)) == auc


@pytest.mark.parametrize(
    "y, message",
    [
        (np.full(330, 2), "labels"),
        (np.zeros(330), "single class"),
        (np.zeros((330, 1)), "one label per sample"),
        (np.r_[np.zeros(329), np.nan], "finite"),
        (np.r_[np.zeros(300), np.ones(20)], "330 samples"),
    ],
)
def test_outlier_roc_auc_rejects_bad_labels(y, message):
    X, _ = _labelled_data()
    ae = UntiedAutoEncoder(4, max_epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match=message):
        outlier_roc_auc(ae, X, y)


def test_outlier_roc_auc_needs_score_samples():
    with pytest.raises(TypeError, match="score_samples"):
        outlier_roc_auc(object(), np.zeros((2, 2)), [0, 1])


def test_outlier_roc_auc_tunes_a_detector_in_grid_search():
    X, y = _labelled_data()
    search = GridSearchCV(
        UntiedAutoEncoder(8, max_epochs=5, random_state=0),
        {"noise": [0.0, "auto"]},
        scoring=outlier_roc_auc,
        cv=3,
    ).fit(X, y)
    assert 0.5 < search.best_score_ <= 1.0
    assert search.best_params_["noise"] in (0.0, "auto")


def test_fit_sets_the_offset_from_every_training_row():
    # More rows than the sample of energies holds: fit still uses them all.
    X = np.random.default_rng(2).normal(size=(12_000, 3))
    ae = UntiedAutoEncoder(4, max_epochs=1, batch_size=512, random_state=0).fit(X)
    assert len(ae._energy_sample) < len(X)
    assert ae.offset_ == pytest.approx(np.percentile(ae.score_samples(X), 10.0))


# --- extreme but finite inputs -----------------------------------------------------------


@cache
def _fitted_for_extremes(cls, activation, tying, depth):
    X = np.random.default_rng(0).normal(size=(120, 4))
    hidden = (5,) * depth
    return cls(
        3,
        hidden_layer_sizes=hidden,
        activation=activation,
        weight_tying=tying,
        max_epochs=2,
        random_state=0,
    ).fit(X)


@pytest.mark.filterwarnings("ignore:invalid value encountered in reduce:RuntimeWarning")
@given(
    cls=st.sampled_from([UntiedAutoEncoder, ContractiveAutoEncoder]),
    activation=st.sampled_from(ACTIVATION_NAMES),
    tying=st.sampled_from(TYINGS),
    depth=st.sampled_from([0, 1, 2]),
    dtype=st.sampled_from([np.float32, np.float64]),
    fraction_of_range=st.floats(-40.0, 0.0),
    seed=st.integers(0, 2**16),
)
def test_energies_are_finite_and_labels_right_up_to_the_dtype_range(
    cls, activation, tying, depth, dtype, fraction_of_range, seed
):
    model = _fitted_for_extremes(cls, activation, tying, depth)
    directions = np.random.default_rng(seed).normal(size=(6, 4))
    directions /= np.abs(directions).max(1, keepdims=True)
    # |x| from 10**-40 of the dtype's largest value up to the largest value itself.
    X = (directions * np.finfo(dtype).max * 10.0**fraction_of_range).astype(dtype)
    X[0] = np.finfo(dtype).max * np.sign(directions[0])  # the very top of the range
    energies = model.score_samples(X)
    assert energies.dtype == dtype and np.all(np.isfinite(energies))
    labels = model.predict(X)
    np.testing.assert_array_equal(labels, np.where(energies >= model.offset_, 1, -1))
    # An energy beyond the dtype's range is the lowest finite one: always an outlier.
    overflowed = energies == np.finfo(dtype).min
    assert overflowed[0] and np.all(labels[overflowed] == -1)
    contributions = model.energy_contributions(X)
    assert np.all(np.isfinite(contributions))


def test_column_variances_in_blocks_equal_numpys():
    from sk_consae._outliers import column_variances

    X = np.random.default_rng(0).normal(3.0, 2.0, size=(1000, 7)).astype(np.float32)
    np.testing.assert_allclose(
        column_variances(X, rows=64), np.var(X, axis=0, dtype=np.float64), rtol=1e-12
    )
