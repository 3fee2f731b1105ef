"""Scale-out through existing engines: joblib's loky and Dask backends, dask-ml."""

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sk_consae import UntiedAutoEncoder
from sk_consae.metrics import jacobian_symmetricity

distributed = pytest.importorskip("distributed")
dask_array = pytest.importorskip("dask.array")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes on the loopback interface, started and closed here."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


def search():
    return GridSearchCV(
        UntiedAutoEncoder(8, max_epochs=2, random_state=0),
        {"weight_tying": ["untied", "tied"], "activation": ["sigmoid", "relu"]},
        scoring={"mse": None, "symmetricity": jacobian_symmetricity},
        refit="mse",
        cv=2,
    )


@pytest.mark.slow
def test_grid_search_on_a_dask_cluster_matches_loky(cluster, digits):
    on_dask = search()
    with joblib.parallel_backend("dask"):
        on_dask.fit(digits)
    on_loky = search().set_params(n_jobs=2).fit(digits)
    for key in ("mean_test_mse", "mean_test_symmetricity"):
        np.testing.assert_allclose(on_dask.cv_results_[key], on_loky.cv_results_[key])
    assert on_dask.best_params_ == on_loky.best_params_
    assert on_dask.best_estimator_.transform(digits[:3]).shape == (3, 8)
    assert len(cluster.scheduler_info()["workers"]) == 2


def test_incremental_partial_fit_over_a_chunked_dask_array(cluster, digits):
    chunks = dask_array.from_array(digits[:1536], chunks=(512, 64))
    incremental = dask_ml_wrappers.Incremental(
        UntiedAutoEncoder(8, shuffle=False, random_state=0), shuffle_blocks=False
    ).fit(chunks)
    model = incremental.estimator_
    assert len(model.history_) == 3 and model.n_samples_seen_ == 1536
    np.testing.assert_allclose(model.energy_origin_, digits[:1536].mean(0))
    # The same as partial_fit over the chunks by hand.
    by_hand = UntiedAutoEncoder(8, shuffle=False, random_state=0)
    for chunk in np.split(digits[:1536], 3):
        by_hand.partial_fit(chunk)
    np.testing.assert_allclose(model.encoder_weights_, by_hand.encoder_weights_, atol=1e-6)
