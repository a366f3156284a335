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

# On both cores, then alone the tests that assert a timing bound (marked serial).
test: $(STAMP)
	$(BIN)/pytest -n 2 -m "not serial"
	$(BIN)/pytest -m serial

lint: $(STAMP)
	$(BIN)/ruff check ocean_core integrations tests benchmarks
	$(BIN)/mypy ocean_core

# The reliability tests with bigger numbers (5,000 model sequences, 100 kills, 5,000 triggers);
# their figures go to $(OCEAN_FIGURES) for docs/guarantees.md.
OCEAN_FIGURES ?= /tmp/ocean-soak-figures.json
.PHONY: soak
soak: $(STAMP)
	OCEAN_SOAK=1 OCEAN_FIGURES=$(OCEAN_FIGURES) $(BIN)/pytest tests/reliability -o timeout=3600
	@cat $(OCEAN_FIGURES)

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench

clean:
	rm -rf $(VENV) ocean.db ocean.db-wal ocean.db-shm ocean.db-locks
