# One entry point for set-up, tests, benchmarks and the app. Everything installs from scratch.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export QT_QPA_PLATFORM ?= offscreen

.PHONY: install run test test-slow lint unit bench installer clean

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
	$(VENV)/bin/mypy heritage_desk
	$(VENV)/bin/lint-imports

# pytest exits 5 when it collects nothing: make treats that as a failure, as it should.
test: lint
	$(PY) -m pytest -q -m "not slow"

# Tests marked slow (DDP, screenshots, kill-at-many-points, load): minutes; CI runs them too.
test-slow: install
	$(PY) -m pytest -q -m slow

unit: install
	$(PY) -m pytest -q tests/unit

bench: install
	$(PY) -m benchmarks.run

# Long fault, load and fuzz runs (docs/reliability.md): every test of tests/reliability with 12
# kill points per operation and 2,000 examples per property, plus those marked slow (the
# 100k-asset / 1M-decision catalogue, memory over 10,000 images, retrain kills). ~10 min.
.PHONY: reliability
reliability: install
	HERITAGE_KILL_POINTS=12 HERITAGE_FUZZ_EXAMPLES=2000 $(PY) -m pytest -q tests/reliability

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache

# Desktop bundles (installer/README.md): dist/heritage-desk/ and dist/heritage-desk_VERSION_ARCH.deb.
# HERITAGE_BUNDLE_CUDA=0|1 overrides the GPU detection; HERITAGE_DEB_COMPRESS=xz for a smaller .deb.
.PHONY: installer-check
installer: install
	$(PY) -c 'import PyInstaller' 2>/dev/null || $(PY) -m pip install -q 'pyinstaller>=6.10,<7'
	bash installer/build_linux.sh

# Minutes, so not part of `make test`: dpkg -x the .deb into a clean folder, start its program
# offscreen on the demo catalogue with --screenshot and check that suggestions appear.
installer-check:
	bash installer/check_bundle.sh --deb
