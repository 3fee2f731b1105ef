"""The repository's layout promises: benchmarks and studies use the public API only,
``make bench`` runs every benchmark, and the benchmark page stays a page."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted([*ROOT.glob("benchmarks/*.py"), *ROOT.glob("research/*.py")])

pytestmark = pytest.mark.skipif(not SCRIPTS, reason="benchmarks/ and research/ not here")


@pytest.mark.parametrize("path", SCRIPTS, ids=[f"{p.parent.name}/{p.name}" for p in SCRIPTS])
def test_scripts_use_the_public_api_only(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert not re.match(r"sk_consae(\.\w+)*\._", node.module), node.module
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert not re.match(r"sk_consae(\.\w+)*\._", alias.name), alias.name
        if isinstance(node, ast.Assign):  # no patching of the package's classes
            for target in node.targets:
                assert (
                    not isinstance(target, ast.Attribute)
                    or not isinstance(target.value, ast.Name)
                    or not target.value.id[:1].isupper()
                ), ast.unparse(target)


def test_make_bench_runs_every_benchmark():
    tree = ast.parse((ROOT / "benchmarks" / "run_all.py").read_text())
    listed = next(
        ast.literal_eval(node.value).keys()
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "BENCHMARKS"
    )
    assert set(listed) == {p.name for p in ROOT.glob("benchmarks/bench_*.py")}
    assert not list(ROOT.glob("benchmarks/study_*.py"))


def test_the_benchmark_page_is_current_figures_only():
    assert len((ROOT / "benchmarks" / "README.md").read_text().splitlines()) <= 150
