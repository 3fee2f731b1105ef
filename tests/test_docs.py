"""The API reference lists every public name."""

import importlib
import inspect
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
    "sk_consae.persistence",
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


def _public_callables():
    """Every public function, class and public method (inherited ones included)."""
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if name.startswith("__") or name.isupper():
                continue
            obj = getattr(module, name)
            yield f"{module_name}.{name}"
            if inspect.isclass(obj) and obj.__module__.startswith("sk_consae"):
                for attribute in dir(obj):
                    member = getattr(obj, attribute)
                    owner = getattr(member, "__module__", "") or ""
                    if attribute.startswith("_") or not callable(member):
                        continue
                    if owner.startswith("sk_consae"):
                        yield f"{module_name}.{name}.{attribute}"


def test_every_public_parameter_is_described():
    from numpydoc.validate import validate

    problems = [
        f"{name}: {message}"
        for name in _public_callables()
        for code, message in validate(name)["errors"]
        if code in ("PR01", "PR02", "PR07")  # undocumented, unknown, no description
    ]
    assert not problems, "\n".join(problems)
