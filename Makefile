# The two commands: `make run` starts the bot, `make test` checks everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint types unit model bench crash clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/perevir run

lint: $(STAMP)
	$(BIN)/ruff format --check bot tests benchmarks
	$(BIN)/ruff check bot tests benchmarks

types: $(STAMP)
	$(BIN)/mypy bot

model: $(STAMP)
	$(BIN)/perevir train --if-stale

unit: $(STAMP) model
	$(BIN)/perevir content check --summary
	$(BIN)/python -m pytest -q

test: lint types unit

bench: $(STAMP)
	$(BIN)/python -m benchmarks

crash: $(STAMP)
	$(BIN)/python -m benchmarks.crash --trials 10 --db both

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
