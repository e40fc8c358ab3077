# `make test` is the whole test suite, from a fresh machine: it installs what it needs first,
# including the engines' real parser environments (cached in ~/.cache/configlib-engines, so
# only the first run builds them).
PYTHON ?= python3

.PHONY: install install-test chromium engine-envs test lint app bench engine-parsers

# The library, the command line and the app; `pip install -e .` alone is the library and CLI.
install:
	$(PYTHON) -m pip install -q -e '.[app]'

# The tests, and aiconfigurator itself, which checks the exported experiments (CPU only).
install-test:
	$(PYTHON) -m pip install -q -e '.[test,aiconfigurator]'

# Browser tests drive Debian's chromium; never a downloaded browser.
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The real parsers of every supported release (CPU only); builds only what is missing.
engine-envs:
	$(PYTHON) scripts/engine_parsers.py build --missing

test: install-test chromium engine-envs
	$(PYTHON) -m pytest

lint: install-test
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy

app: install
	streamlit run app.py

bench: install
	$(PYTHON) bench/run_all.py

# Only the checks against the engines' real parsers (part of `make test` too).
engine-parsers: install-test engine-envs
	$(PYTHON) -m pytest -m engine_parsers tests/engine_parsers
