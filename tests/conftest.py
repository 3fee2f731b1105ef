"""pytest configuration: hypothesis profile and shared fixtures."""

import pytest
from hypothesis import settings

from ._helpers import SHARED_DATA

settings.register_profile("default", max_examples=40, deadline=None)
settings.load_profile("default")


@pytest.fixture(scope="session")
def shared_data():
    """The project's shared data folder; tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    return SHARED_DATA
