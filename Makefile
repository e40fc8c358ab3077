# `make test` is the whole test suite, from a fresh machine: it installs what it needs first.
PYTHON ?= python3

.PHONY: install install-test chromium test lint app bench engine-parsers

install:
	$(PYTHON) -m pip install -q -e .

install-test:
	$(PYTHON) -m pip install -q -e '.[test]'

# Browser tests drive Debian's chromium; never a downloaded browser.
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install-test chromium
	$(PYTHON) -m pytest

lint: install-test
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy

app: install
	streamlit run app.py

bench: install
	$(PYTHON) bench/run_all.py

# Opt-in: build the engines' parser environments (outside the repo) and check against them.
engine-parsers: install-test
	$(PYTHON) scripts/engine_parsers.py build --all
	$(PYTHON) -m pytest -m engine_parsers tests/engine_parsers
