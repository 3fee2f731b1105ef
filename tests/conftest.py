"""pytest configuration: hypothesis profile and shared fixtures."""

import pytest
import torch
from hypothesis import settings
from sklearn.datasets import load_digits

from sk_consae import ConservativeFieldExtractor
from sk_consae.datasets import make_spiral_sink

from ._helpers import AUTOENCODERS, SHARED_DATA

settings.register_profile("default", max_examples=40, deadline=None)
settings.load_profile("default")


@pytest.fixture(scope="session")
def shared_data():
    """The project's shared data folder; tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    return SHARED_DATA


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 1,797 digit images, scaled to [0, 1]."""
    return load_digits().data / 16.0


@pytest.fixture(scope="session")
def few_digits(digits):
    """The first 300 digit images: for tests that only need some real data."""
    return digits[:300]


@pytest.fixture(scope="session", autouse=True)
def one_thread_per_test_process():
    """Run the suite on one torch thread and one BLAS thread.

    The suite's problems are small, where a second thread gains little; on a machine
    whose cores are busy with other work, torch's and OpenBLAS's spinning threads wait
    on each other and the suite slows several-fold. Tests of the thread policy set
    their own counts and restore this one.
    """
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def fitted(few_digits):
    return {cls: cls(8, max_epochs=2, random_state=0).fit(few_digits) for cls in AUTOENCODERS}


@pytest.fixture(scope="session")
def extractor():
    X, V = make_spiral_sink(10)
    return ConservativeFieldExtractor(8, max_epochs=2, random_state=0).fit(X, V)


def _simulate_gpus(monkeypatch, count):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)


@pytest.fixture
def no_gpu(monkeypatch):
    """torch sees no CUDA device, whatever the machine has: the GPU-absent paths run
    everywhere."""
    _simulate_gpus(monkeypatch, 0)


@pytest.fixture
def one_gpu(monkeypatch):
    """torch reports one CUDA device (none is used): the GPU-present checks run on
    machines without one."""
    _simulate_gpus(monkeypatch, 1)
