"""explain_outliers: the lowest-energy rows and the features that lower their energy."""

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from sk_consae import ConservativeFieldExtractor, UntiedAutoEncoder
from sk_consae.inspection import explain_outliers, named_contributions


@pytest.fixture(scope="module")
def shifted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    X[[11, 42], 1] = [7.0, -7.0]  # two rows unusual in feature 1
    return X


@pytest.fixture(scope="module")
def model(shifted):
    return UntiedAutoEncoder(16, max_epochs=40, random_state=0).fit(shifted)


def test_rows_by_energy_and_features_by_contribution(model, shifted):
    table = explain_outliers(model, shifted, n_rows=2, n_features=4)
    assert sorted(table.index) == [11, 42]
    energies = model.score_samples(shifted)
    np.testing.assert_allclose(table["energy"], np.sort(energies)[:2])
    assert list(table["feature_1"]) == ["x1", "x1"]
    contributions = model.energy_contributions(shifted[table.index])
    for k in range(1, 5):  # ascending: most negative first
        np.testing.assert_allclose(table[f"contribution_{k}"], np.sort(contributions)[:, k - 1])
    np.testing.assert_array_equal(table["value_1"], shifted[table.index, 1])
    np.testing.assert_array_equal(table["outlier"], model.predict(shifted[table.index]) == -1)


def test_dataframe_names_and_every_row(model, shifted):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(shifted, columns=["w", "x", "y", "z"])
    named = UntiedAutoEncoder(16, max_epochs=40, random_state=0).fit(frame)
    table = explain_outliers(named, frame, n_rows=None, n_features=9)
    assert len(table) == len(frame) and table["feature_1"].iloc[0] == "x"
    assert "feature_4" in table and "feature_5" not in table  # capped at the features


def test_pipelines_keep_names_and_raw_values_when_steps_keep_features(shifted):
    scaled = make_pipeline(StandardScaler(), UntiedAutoEncoder(16, max_epochs=40, random_state=0))
    table = explain_outliers(scaled.fit(shifted), shifted, n_rows=2)
    assert list(table["feature_1"]) == ["x1", "x1"]
    np.testing.assert_array_equal(table["value_1"], shifted[table.index, 1])
    expanded = make_pipeline(
        PolynomialFeatures(2, include_bias=False),
        UntiedAutoEncoder(8, max_epochs=5, random_state=0),
    ).fit(shifted)
    contributions, names, values = named_contributions(expanded, shifted)
    assert contributions.shape == values.shape == (300, 14) and names[-1] == "x3^2"


def test_without_pandas_a_bunch_of_arrays(model, shifted, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("no pandas")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    table = explain_outliers(model, shifted, n_rows=3)
    assert sorted(table["row"][:2]) == [11, 42] and table["energy"].shape == (3,)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_rows": 0}, "'n_rows' parameter of explain_outliers must be an int .* or None"),
        ({"n_features": True}, "'n_features' parameter of explain_outliers must be an int"),
    ],
)
def test_bad_arguments_are_named(model, shifted, kwargs, message):
    with pytest.raises(ValueError, match=message):
        explain_outliers(model, shifted, **kwargs)


def test_only_fitted_auto_encoders(shifted):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(TypeError, match="auto-encoder"):
        explain_outliers(ConservativeFieldExtractor(), shifted)
    with pytest.raises(NotFittedError):
        explain_outliers(UntiedAutoEncoder(), shifted)


def test_the_input_is_not_modified(model, shifted):
    copy = shifted.copy()
    explain_outliers(model, shifted)
    np.testing.assert_array_equal(shifted, copy)
