# gpu-platform developer commands. Everything runs from a local .venv created on demand (Python ≥ 3.11).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install plan test bench validate clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

## Plan the dev stack offline (no cloud credentials) into ./out/dev
plan: install
	$(BIN)/python -m gpu_platform plan --stack dev --out out/dev

## Validate every stack's configuration
validate: install
	@for s in stacks/Pulumi.*.yaml; do $(BIN)/python -m gpu_platform validate --stack $$s || exit 1; done

## Unit, component, stack and integration tests
test: install
	$(BIN)/python -m pytest

## Benchmarks: plan wall time against a floor measured in the same run
bench: install
	$(BIN)/python benchmarks/bench_plan.py
	$(BIN)/python benchmarks/bench_models.py

clean:
	rm -rf out .pytest_cache .hypothesis
