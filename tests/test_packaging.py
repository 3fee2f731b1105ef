"""The supported versions of skorch and scikit-learn are a tested range: the lower bounds
of pyproject.toml are the versions `make test-oldest` installs, and the installed
versions lie in the range."""

import re
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).parents[1]
BOUNDED = ("skorch", "scikit-learn")


def _requirements():
    text = (ROOT / "pyproject.toml").read_text()
    block = re.search(r"^dependencies = \[(.*?)\]", text, re.MULTILINE | re.DOTALL).group(1)
    requirements = [Requirement(item) for item in re.findall(r'"([^"]+)"', block)]
    return {requirement.name: requirement for requirement in requirements}


@pytest.mark.parametrize("name", BOUNDED)
def test_the_range_is_bounded_on_both_sides(name):
    operators = {spec.operator for spec in _requirements()[name].specifier}
    assert operators == {">=", "<"}


@pytest.mark.parametrize("name", BOUNDED)
def test_the_oldest_tested_versions_are_the_lower_bounds(name):
    pins = dict(
        line.split("==")
        for line in (ROOT / "constraints-oldest.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    lower = next(s.version for s in _requirements()[name].specifier if s.operator == ">=")
    assert Version(pins[name]) == Version(lower)


@pytest.mark.parametrize("name", BOUNDED)
def test_the_installed_version_is_in_the_range(name):
    assert _requirements()[name].specifier.contains(version(name))


def test_a_missing_optional_extra_is_named():
    from sk_consae._optional import require

    with pytest.raises(ImportError, match='pip install "sk_consae\\[pyod\\]"'):
        require("a_package_that_is_not_installed.models", "pyod")


def test_every_optional_extra_in_pyproject_has_its_requirement():
    text = (ROOT / "pyproject.toml").read_text()
    for extra, package in (("pyod", "pyod"), ("plot", "matplotlib"), ("weights", "safetensors")):
        line = re.search(rf"^{extra} = \[(.*)\]", text, re.MULTILINE)
        assert line and package in line.group(1), extra
