# Baton: every task a developer or CI runs goes through this file.
#
#   make demo     run the whole pipeline on a local LocalStack (installs what it needs)
#   make test     everything CI checks: lint, unit tests, Terraform, checkov, workflows, integration
#
# Area-specific targets live next to what they build and are included below.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
DIST ?= dist
ARTIFACT := $(DIST)/baton-lambda.zip

.PHONY: help install lint fmt test test-unit test-package package bench bench-core bench-suite soak clean

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-26s %s\n", $$1, $$2}'

install: $(VENV)/.installed ## Create .venv and install Baton with its dev tools

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

lint: install ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: install ## Format Python and Terraform sources
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	terraform fmt -recursive terraform

test-unit: install ## Unit tests (pytest + moto, no network)
	$(BIN)/pytest -m "not integration and not packaging"

test-package: install ## Build the artifact twice: byte-identical, and it imports on python3.13
	$(BIN)/pytest -m packaging -s

# Your processor in the artifact (space-separated lists; paths relative to this directory or absolute):
#   EXTRA_REQUIREMENTS  requirements files of exact name==version pins its third-party packages need
#   PROCESSOR_SRC       source folders whose top-level packages and modules are added
#   PROCESSOR_DIST      installed pure-Python distributions (in $(VENV)) whose files are added
EXTRA_REQUIREMENTS ?=
PROCESSOR_SRC ?=
PROCESSOR_DIST ?=

package: install ## Build dist/baton-lambda.zip (+ EXTRA_REQUIREMENTS=file PROCESSOR_SRC=dir PROCESSOR_DIST=name)
	$(BIN)/python -m consumer.packaging --out $(ARTIFACT) \
		$(foreach file,$(EXTRA_REQUIREMENTS),--extra-requirements $(file)) \
		$(foreach dir,$(PROCESSOR_SRC),--processor-src $(dir)) \
		$(foreach name,$(PROCESSOR_DIST),--processor-dist $(name))

bench-core: install package ## Benchmarks without a cloud: digest throughput and memory, engine overhead, handler import time
	$(BIN)/python -m tests.bench.bench_core
	$(BIN)/python -m tests.bench.bench_cold_start

# The proof harness (tests/bench/harness) on LocalStack: prints figures and writes tests/bench/results/; it
# asserts no timing. BENCH_ARGS go to the relay suite (e.g. BENCH_ARGS="--sizes 200" for a short run);
# `make bench-suite SUITE=workers` runs one suite of tests/bench/suites.toml (SUITE_ARGS for its options).
bench: bench-core package localstack-up ## bench-core, then the relay designs, workers, rate cap, FIFO groups and FIFO stall on LocalStack (about 2.5 h)
	AWS_ENDPOINT_URL=$(LOCALSTACK_URL) $(BIN)/python -m tests.bench.harness run relay $(BENCH_ARGS)
	AWS_ENDPOINT_URL=$(LOCALSTACK_URL) $(BIN)/python -m tests.bench.harness run workers
	AWS_ENDPOINT_URL=$(LOCALSTACK_URL) $(BIN)/python -m tests.bench.harness run rate-cap
	AWS_ENDPOINT_URL=$(LOCALSTACK_URL) $(BIN)/python -m tests.bench.harness run fifo-groups
	AWS_ENDPOINT_URL=$(LOCALSTACK_URL) $(BIN)/python -m tests.bench.harness run fifo-stall
	$(BIN)/python -m tests.bench.harness chart

bench-suite: install package localstack-up ## One harness suite on LocalStack: SUITE=workers|rate-cap|fifo-groups|relay|fifo-stall [SUITE_ARGS=...]
	AWS_ENDPOINT_URL=$(LOCALSTACK_URL) $(BIN)/python -m tests.bench.harness run $(SUITE) $(SUITE_ARGS)

soak: install package localstack-up ## Fault soak of both variants on LocalStack (seeded; SOAK_ARGS="--seed N"); fails unless the accounting balances
	AWS_ENDPOINT_URL=$(LOCALSTACK_URL) $(BIN)/python -m tests.bench.harness run soak $(SOAK_ARGS)

clean: ## Remove build output and caches (keeps the virtual environments)
	rm -rf $(DIST) build .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Area targets: Terraform checks, LocalStack and the demo, GitHub workflow checks.
-include terraform/terraform.mk
-include tests/localstack/localstack.mk
-include .github/github.mk

test: lint test-unit test-package test-terraform checkov test-workflows test-localstack-executor test-integration ## Everything CI checks
