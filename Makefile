# Two commands set up a fresh machine: `make demo` (the main job) and `make test`.
# Each creates its own virtualenv in .venv with nothing but Python and the package registry.
PYTHON ?= python3
VENV ?= .venv
PY = $(VENV)/bin/python

.PHONY: demo test bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(PY) examples/demo.py

test: $(VENV)/.installed
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) bench/bench_inference.py
	$(PY) bench/bench_training.py
	$(PY) bench/bench_step.py
