# Two commands do everything on a fresh machine with Python 3.10+:
#   make demo   - install, then reproduce the paper in quick mode (load_digits + 2-D toys)
#   make test   - install, then run the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install install-check test test-slow test-oldest demo docs bench lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml constraints-cpu.txt
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -c constraints-cpu.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

test: install
	$(PY) -m pytest

# The large checks the default run leaves out (marked slow).
test-slow: install
	$(PY) -m pytest -m slow

# The suite against the oldest skorch and scikit-learn that pyproject.toml allows.
OLDEST ?= .venv-oldest
test-oldest:
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --upgrade pip
	$(OLDEST)/bin/python -m pip install -c constraints-cpu.txt -c constraints-oldest.txt -e ".[test]"
	$(OLDEST)/bin/python -m pytest

# The README's user install: a wheel built from the clone, installed with the plot
# extra in a fresh environment (CPU torch), then a fit and a figure.
CHECK ?= .venv-install-check
install-check:
	rm -rf $(CHECK) dist
	$(PYTHON) -m venv $(CHECK)
	$(CHECK)/bin/python -m pip install --upgrade pip
	$(CHECK)/bin/python -m pip wheel --no-deps -w dist .
	$(CHECK)/bin/python -m pip install -c constraints-cpu.txt "$$(ls dist/sk_consae-*.whl)[plot]"
	cd /tmp && $(abspath $(CHECK))/bin/python -c "import matplotlib; matplotlib.use('Agg'); \
	import numpy as np, sk_consae; from sk_consae.plotting import EnergyDisplay; \
	X = np.random.default_rng(0).normal(size=(200, 3)); \
	ae = sk_consae.UntiedAutoEncoder(8, max_epochs=2, random_state=0).fit(X); \
	EnergyDisplay.from_estimator(ae, X); print('installed', sk_consae.__version__, 'from', sk_consae.__file__)"

demo: install
	$(PY) -m sk_consae reproduce --quick --out consae-report

docs: install
	$(MAKE) -C docs html SPHINXBUILD="$(abspath $(VENV))/bin/sphinx-build"

# Every benchmark, each alone on the machine (hours); QUICK=1 checks they all run (minutes).
bench: install
	$(PY) -m pip install -c constraints-cpu.txt -e ".[bench]"
	cd benchmarks && ../$(PY) run_all.py $(if $(QUICK),--quick)

lint: install
	$(PY) -m ruff check sk_consae tests benchmarks examples research

clean:
	rm -rf $(VENV) $(OLDEST) $(CHECK) dist build docs/_build docs/auto_examples docs/generated consae-report
