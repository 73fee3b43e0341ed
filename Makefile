# gpu-platform developer commands. Everything runs from a local .venv created on demand (Python ≥ 3.11).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check
# A venv is healthy when its interpreter runs and the installed dependencies import; a stamp alone proves neither
# (a moved repository or an upgraded system Python leaves a venv whose interpreter no longer starts).
HEALTHY = $(BIN)/python -c 'import pulumi, pydantic, rich, pytest' >/dev/null 2>&1

.PHONY: install plan test bench validate clean controlplane verify docs golden schema-args wheel-test mutate

install:
	@if [ -f $(STAMP) ] && ! $(HEALTHY); then echo "install: $(VENV) is broken; recreating it"; rm -rf $(VENV); fi
	@$(MAKE) --no-print-directory --silent $(STAMP)

# pip is not --quiet on purpose: a cold install downloads the provider SDKs for minutes, and silence looks hung.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "install: creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	@echo "install: upgrading pip"
	$(PIP) install --progress-bar off --upgrade pip
	@echo "install: installing gpu-platform (editable) with its dev extras"
	$(PIP) install --progress-bar off -e '.[dev]'
	@touch $(STAMP)
	@echo "install: done"

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

## Maintainer commands (python -m gpu_platform.dev): regenerate committed files after a spec or resource change
docs: install
	$(BIN)/python -m gpu_platform.dev docs

golden: install
	$(BIN)/python -m gpu_platform.dev golden --update

schema-args: install
	$(BIN)/python -m gpu_platform.dev schema --write-args

## Mutation testing (mutmut) of the pure layers against the fast suite; not part of CI (slow: see the README).
## Report in out/mutate/report.md; narrow it with e.g. `make mutate MODULES=gpu_platform/sizing/memory.py`.
## After adding tests, `make mutate MUTATE_ARGS=--rerun-survivors` re-tests only the last run's survivors.
## The whole scope takes most of a day on 2 cores; `make mutate MUTATE_ARGS="--sample 150"` estimates each
## package's score from 150 random mutants of it (seed 15; --seed N for another draw).
MODULES ?= gpu_platform/spec gpu_platform/resolve gpu_platform/sizing gpu_platform/render gpu_platform/policy
mutate: install
	$(BIN)/python tools/mutate/run.py --modules $(MODULES) $(MUTATE_ARGS)

## The release artifact: build the wheel, install it into a fresh venv, plan a stack outside the repository
wheel-test: install
	$(BIN)/python -m gpu_platform.dev wheel-test

## Build outputs and caches; the venv too when it is broken (a healthy one is kept: reinstalling takes minutes)
clean:
	rm -rf out .pytest_cache .hypothesis build dist *.egg-info
	@if [ -d $(VENV) ] && ! $(HEALTHY); then echo "clean: removing broken $(VENV)"; rm -rf $(VENV); fi
