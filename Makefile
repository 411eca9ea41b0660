# The two commands: `make run` starts the bot, `make test` checks everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint types unit model bench crash clean lock install-prod

# Locked, hash-checked installs. requirements.lock is the runtime (what is deployed);
# requirements-dev.lock is the same pins plus the [dev] extra. Both also pin the build
# backend (setuptools, wheel), so the project itself is installed with --no-build-isolation
# and nothing is fetched without a hash. After editing the dependencies in pyproject.toml,
# `make lock` regenerates both: existing pins are kept unless pyproject.toml needs others;
# `make lock LOCK_FLAGS=--upgrade` moves everything to the newest allowed versions.
LOCK_TOOLS := $(VENV)/lock-tools
LOCK_TOOLS_PINS := pip==26.3 pip-tools==7.6.2
LOCK_FLAGS ?=
LOCK_ARGS := --generate-hashes --strip-extras --allow-unsafe --all-build-deps \
	--no-emit-index-url --no-emit-find-links
LOCK_CMD := pip-compile $(LOCK_ARGS) -o requirements.lock pyproject.toml
LOCK_DEV_CMD := pip-compile $(LOCK_ARGS) --extra dev -c requirements.lock \
	-o requirements-dev.lock pyproject.toml

$(STAMP): pyproject.toml requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP) model
	$(BIN)/perevir run

lint: $(STAMP)
	$(BIN)/ruff format --check bot tests benchmarks
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/lint-imports

types: $(STAMP)
	$(BIN)/mypy bot

model: $(STAMP)
	$(BIN)/perevir train --if-stale
	$(BIN)/perevir content index --if-stale

unit: $(STAMP) model
	$(BIN)/perevir content check --summary --strict
	$(BIN)/python -m pytest -q -n auto --durations=10

test: lint types unit

bench: $(STAMP)
	$(BIN)/python -m benchmarks

crash: $(STAMP)
	$(BIN)/python -m benchmarks.crash --trials 10 --db both

lock: $(LOCK_TOOLS)/bin/pip-compile
	CUSTOM_COMPILE_COMMAND='make lock, i.e. ($(LOCK_TOOLS_PINS)) $(LOCK_CMD)' \
		$(LOCK_TOOLS)/bin/$(LOCK_CMD) --quiet $(LOCK_FLAGS)
	CUSTOM_COMPILE_COMMAND='make lock, i.e. ($(LOCK_TOOLS_PINS)) $(LOCK_DEV_CMD)' \
		$(LOCK_TOOLS)/bin/$(LOCK_DEV_CMD) --quiet $(LOCK_FLAGS)

$(LOCK_TOOLS)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet $(LOCK_TOOLS_PINS)

# The deployed install: the runtime lock only (no pytest, ruff, mypy) into PROD_VENV, then
# this checkout (editable: the bot reads content/ and models/ beside bot/), e.g.
# `make install-prod PROD_VENV=/srv/perevir/venv`.
PROD_VENV ?= /tmp/perevir-prod
install-prod:
	$(PYTHON) -m venv $(PROD_VENV)
	$(PROD_VENV)/bin/python -m pip install --quiet --require-hashes -r requirements.lock
	$(PROD_VENV)/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
