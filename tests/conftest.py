"""pytest configuration: hypothesis profile and shared fixtures."""

import pytest
from hypothesis import settings
from sklearn.datasets import load_digits

from ._helpers import SHARED_DATA

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
