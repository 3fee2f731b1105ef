"""The API reference lists every public name."""

import importlib
import importlib.util
import inspect
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
MODULES = [
    "sk_consae",
    "sk_consae.metrics",
    "sk_consae.callbacks",
    "sk_consae.plotting",
    "sk_consae.inspection",
    "sk_consae.pyod",
    "sk_consae.datasets",
    "sk_consae.exceptions",
    "sk_consae.persistence",
    "sk_consae.paper",
]
# Modules that need an optional extra: checked where it is installed.
OPTIONAL = {"sk_consae.pyod": "pyod"}


def _installed(module_name):
    extra = OPTIONAL.get(module_name)
    return extra is None or importlib.util.find_spec(extra) is not None


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_is_in_the_api_reference(module_name):
    if not _installed(module_name):
        pytest.skip(f"{module_name} needs the {OPTIONAL[module_name]!r} extra")
    listed = API.read_text()
    module = importlib.import_module(module_name)
    names = [
        name for name in module.__all__ if not name.startswith("__") and not name.isupper()
    ]  # constants are documented in their functions
    missing = [name for name in names if f"   {name}\n" not in listed]
    assert not missing, f"{module_name}: {missing} missing from docs/api.rst"


def _public_callables():
    """Every public function, class and public method (inherited ones included)."""
    for module_name in filter(_installed, MODULES):
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
        # undocumented, unknown, out of order, no description
        if code in ("PR01", "PR02", "PR03", "PR07")
    ]
    assert not problems, "\n".join(problems)


def test_docstrings_link_the_user_guide_rather_than_name_it():
    """scikit-learn's form, ``Read more in the :ref:`User Guide <label>`.``: a plain
    "see the user guide" gives the reader nothing to click."""
    import re
    from pathlib import Path

    import sk_consae

    plain = []
    for path in Path(sk_consae.__file__).parent.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"see the user guide|\(user guide\)", line, re.IGNORECASE):
                plain.append(f"{path.name}:{number}: {line.strip()}")
    assert not plain, "\n".join(plain)


def test_user_guide_labels_exist_for_every_reference():
    import re
    from pathlib import Path

    import sk_consae

    guide = (Path(__file__).parents[1] / "docs" / "user_guide.rst").read_text()
    labels = set(re.findall(r"^\.\. _([\w-]+):", guide, re.MULTILINE))
    used = set()
    for path in Path(sk_consae.__file__).parent.rglob("*.py"):
        used |= set(re.findall(r":ref:`(?:[^`<]*<)?([\w-]+)>?`", path.read_text()))
    missing = {label for label in used if not label.startswith("sphx_glr")} - labels
    assert not missing, missing
