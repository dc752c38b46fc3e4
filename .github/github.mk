# GitHub Actions: offline checks of the workflows, and the deploy steps the workflows run (included by the root
# Makefile, which provides PYTHON, VENV, BIN, CURDIR and ARTIFACT).
#
# check-jsonschema and zizmor live in their own virtual environment (.venv-ghtools), outside the project's
# dev dependencies; bump the pins here.

GHTOOLS_VENV             ?= .venv-ghtools
CHECK_JSONSCHEMA_VERSION ?= 0.39.0
ZIZMOR_VERSION           ?= 1.32.0
GHTOOLS_STAMP            := $(GHTOOLS_VENV)/.installed-$(CHECK_JSONSCHEMA_VERSION)-$(ZIZMOR_VERSION)
GH_WORKFLOWS             := $(wildcard .github/workflows/*.yml)

.PHONY: test-workflows tf-plugin-cache tf-init tf-plan tf-apply smoke

test-workflows: install $(GHTOOLS_STAMP) ## GitHub workflows: JSON schema, zizmor (offline, nothing above low), workflow tests
	$(GHTOOLS_VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows $(GH_WORKFLOWS)
	$(GHTOOLS_VENV)/bin/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(GHTOOLS_VENV)/bin/zizmor --offline --min-severity medium --no-progress --color never \
	  --collect=workflows --collect=dependabot .github
	$(BIN)/pytest -m workflows tests/workflows

$(GHTOOLS_STAMP):
	rm -rf $(GHTOOLS_VENV)
	$(PYTHON) -m venv $(GHTOOLS_VENV)
	$(GHTOOLS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(GHTOOLS_VENV)/bin/python -m pip install --quiet 'check-jsonschema==$(CHECK_JSONSCHEMA_VERSION)' 'zizmor==$(ZIZMOR_VERSION)'
	touch $@

# CI sets TF_PLUGIN_CACHE_DIR (restored by actions/cache). One serial init fills it, so the parallel inits of
# test-terraform and the LocalStack suite only read from it (the cache is not safe for concurrent writers).
# Every init checks a cached provider against the committed lock file before linking it.
tf-plugin-cache: ## Fill TF_PLUGIN_CACHE_DIR with the stacks' providers (run before parallel terraform inits)
	@if [ -z "$${TF_PLUGIN_CACHE_DIR:-}" ]; then echo "tf-plugin-cache: TF_PLUGIN_CACHE_DIR is not set, nothing to do"; exit 0; fi; \
	mkdir -p "$$TF_PLUGIN_CACHE_DIR"; \
	data=$$(mktemp -d); trap 'rm -rf "$$data"' EXIT; \
	TF_DATA_DIR="$$data" terraform -chdir=terraform/stacks/relay init -backend=false -input=false -no-color -lockfile=readonly \
	  $${BATON_TF_PLUGIN_DIR:+"-plugin-dir=$$BATON_TF_PLUGIN_DIR"} >/dev/null; \
	echo "tf-plugin-cache: $$(du -sh "$$TF_PLUGIN_CACHE_DIR" | cut -f1) in $$TF_PLUGIN_CACHE_DIR"

# ---------------------------------------------------------------------------------------------------------------
# Deploy steps (.github/workflows/deploy.yml), also runnable from a workstation with AWS credentials:
#   make package && make tf-plan STACK=relay ENV=staging && make tf-apply STACK=relay ENV=staging
# Values reach .github/scripts/deploy.sh through the environment, never through the command text.
# ---------------------------------------------------------------------------------------------------------------

DEPLOY_SH := bash $(CURDIR)/.github/scripts/deploy.sh

tf-init tf-plan tf-apply smoke: export BATON_STACK = $(STACK)
tf-init tf-plan tf-apply smoke: export BATON_ENV = $(ENV)
tf-init tf-plan tf-apply smoke: export BATON_ARTIFACT = $(CURDIR)/$(ARTIFACT)
tf-init tf-plan tf-apply smoke: export BATON_PYTHON = $(BIN)/python

tf-init: ## Deploy: terraform init of STACK=relay|fifo with the remote state of ENV=<environment>
	@$(DEPLOY_SH) init

tf-plan: tf-init ## Deploy: plan STACK for ENV, saved with -out to build/deploy/STACK-ENV/tfplan (+ plan.txt)
	@$(DEPLOY_SH) plan

tf-apply: tf-init ## Deploy: apply the saved plan of STACK for ENV (make tf-plan, or the plan job's artifact)
	@$(DEPLOY_SH) apply

smoke: install tf-init ## Deploy: upload an object to STACK's bucket in ENV and wait for its result record
	@$(DEPLOY_SH) smoke
