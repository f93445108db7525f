# One entry point for set-up, tests, benchmarks and the app. Everything installs from scratch.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export QT_QPA_PLATFORM ?= offscreen

.PHONY: install run test lint unit bench installer clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	QT_QPA_PLATFORM=$${DISPLAY:+xcb} $(PY) -m heritage_desk gui --demo

lint: install
	$(VENV)/bin/ruff check heritage_desk training tests benchmarks
	$(VENV)/bin/ruff format --check heritage_desk training tests benchmarks
	$(VENV)/bin/mypy heritage_desk/core heritage_desk/storage heritage_desk/ml heritage_desk/services
	$(VENV)/bin/lint-imports

# pytest exits 5 when it collects nothing: make treats that as a failure, as it should.
test: lint
	$(PY) -m pytest -q

unit: install
	$(PY) -m pytest -q tests/unit

bench: install
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
