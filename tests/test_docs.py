"""The API reference lists every public name."""

import importlib
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
MODULES = [
    "sk_consae",
    "sk_consae.metrics",
    "sk_consae.callbacks",
    "sk_consae.plotting",
    "sk_consae.datasets",
    "sk_consae.exceptions",
    "sk_consae.paper",
]


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_is_in_the_api_reference(module_name):
    listed = API.read_text()
    module = importlib.import_module(module_name)
    names = [
        name for name in module.__all__ if not name.startswith("__") and not name.isupper()
    ]  # constants are documented in their functions
    missing = [name for name in names if f"   {name}\n" not in listed]
    assert not missing, f"{module_name}: {missing} missing from docs/api.rst"
