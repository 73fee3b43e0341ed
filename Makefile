# gpu-platform developer commands. Everything runs from a local .venv created on demand (Python ≥ 3.11).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install plan test bench validate clean controlplane verify

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

## The verification control plane (tests/controlplane): kube-apiserver, kube-controller-manager, KServe, KEDA and
## KubeRay built from their Go modules at pinned versions. Cold: ~15 min on 2 cores; warm: seconds.
controlplane:
	@if command -v go >/dev/null 2>&1; then bash tests/controlplane/build.sh >/dev/null; \
	elif [ "$$CI" = true ]; then echo "error: CI=true but Go is not installed: the control-plane tests cannot run" >&2; exit 1; \
	else echo "WARNING: Go is not installed: the control-plane verification tests will be skipped" >&2; fi

## Unit, component, stack, control-plane and integration tests
test: install controlplane
	$(BIN)/python -m pytest

## Verify every stack against the real control plane (writes out/<stack>/derived/)
verify: install controlplane
	@for s in stacks/Pulumi.*.yaml; do n=$${s#stacks/Pulumi.}; n=$${n%.yaml}; \
	$(BIN)/python -m gpu_platform verify --stack $$n --out out/$$n || exit 1; done

## Benchmarks: plan wall time against a floor measured in the same run
bench: install
	$(BIN)/python benchmarks/bench_plan.py
	$(BIN)/python benchmarks/bench_models.py

clean:
	rm -rf out .pytest_cache .hypothesis
