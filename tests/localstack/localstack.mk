# LocalStack for local runs and integration tests (included by the root Makefile).
#
# `make localstack-up` runs localstack/localstack:4.14.0 when a Docker engine answers, otherwise LocalStack
# 4.14.0 on the host in .venv-localstack (Python 3.13, created on first use) with Baton's process-based Lambda
# executor. Overrides (environment): BATON_LOCALSTACK_HOST, BATON_LOCALSTACK_PORT, BATON_LOCALSTACK_MODE
# (auto|docker|host), BATON_LOCALSTACK_SERVICES, BATON_LOCALSTACK_PYTHON, ... (see tests/localstack/README.md).

LOCALSTACK_CTL := $(PYTHON) $(CURDIR)/tests/localstack/localstack_ctl.py --root $(CURDIR)
LOCALSTACK_URL = http://$(if $(filter 0.0.0.0,$(BATON_LOCALSTACK_HOST)),127.0.0.1,$(or $(BATON_LOCALSTACK_HOST),127.0.0.1)):$(or $(BATON_LOCALSTACK_PORT),4566)

.PHONY: localstack-up localstack-down localstack-status test-localstack-executor

localstack-up: ## Start LocalStack 4.14.0 (Docker if an engine answers, else on the host); no-op if running
	@$(LOCALSTACK_CTL) up

localstack-down: ## Stop the LocalStack started by localstack-up (grace period, then kill)
	@$(LOCALSTACK_CTL) down

localstack-status: ## Show whether LocalStack runs, where it listens and where its log is
	@$(LOCALSTACK_CTL) status

test-localstack-executor: install localstack-up ## Tests of the process-based Lambda executor against LocalStack
	AWS_ENDPOINT_URL=$(LOCALSTACK_URL) $(BIN)/pytest tests/localstack/test_process_executor.py -m integration

# ---------------------------------------------------------------------------------------------------------------
# Baton on LocalStack: the stacks applied with terraform, end-to-end tests, and the demo.
# ---------------------------------------------------------------------------------------------------------------

.PHONY: test-integration demo demo-down

test-integration: install package localstack-up ## End-to-end tests: both stacks applied to LocalStack, real uploads
	AWS_ENDPOINT_URL=$(LOCALSTACK_URL) BATON_REQUIRE_LOCALSTACK=1 $(BIN)/pytest tests/integration -m integration

demo: install package localstack-up ## Run the demo pipeline end to end on LocalStack (both variants) and summarise
	AWS_ENDPOINT_URL=$(LOCALSTACK_URL) $(BIN)/python -m consumer.local.demo up

demo-down: ## Destroy the demo stacks and stop LocalStack
	@if [ -d .demo ] && [ -x $(BIN)/python ]; then \
	  AWS_ENDPOINT_URL=$(LOCALSTACK_URL) $(BIN)/python -m consumer.local.demo down || exit 1; fi
	@$(LOCALSTACK_CTL) down
	rm -rf .demo
