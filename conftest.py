"""Collection for the whole repository (doctests of the package, README, tests)."""

import importlib.util

# sk_consae.pyod needs the optional PyOD (extra "pyod"); without it, its doctests are
# not collected (tests/test_pyod.py skips itself).
collect_ignore = [] if importlib.util.find_spec("pyod") else ["sk_consae/pyod.py"]
