# Two commands do all the set-up on a fresh machine:
#   make run    resync the bundled example into ./ocean.db and print a summary
#   make test   run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/ocean resync --config ocean.yaml
	$(BIN)/ocean status --config ocean.yaml

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check ocean_core integrations tests benchmarks
	$(BIN)/mypy ocean_core

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench

clean:
	rm -rf $(VENV) ocean.db ocean.db-wal ocean.db-shm ocean.db-locks
