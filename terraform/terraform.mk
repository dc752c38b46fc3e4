# Terraform checks, included by the root Makefile (which provides PYTHON, VENV, BIN and CURDIR).
#
# Everything here runs offline. When BATON_TF_PLUGIN_DIR names a provider mirror (a directory laid out as
# registry.terraform.io/hashicorp/aws/<version>/<os_arch>/...), terraform init takes hashicorp/aws from it
# instead of the registry. Working directories stay in each module's and stack's .terraform/ (gitignored).
#
# The roots (stacks, bootstrap) commit their .terraform.lock.hcl: init may not change it (-lockfile=readonly), so
# a provider that does not match its checksums, or a constraint change without a new lock file, fails the check.
# Modules commit none (a module's lock file is never used by its callers): each is tested with the provider the
# stacks lock, copied in before init, so module tests and stacks run the same version.

TERRAFORM       ?= terraform
TF_ROOT         := terraform
# Every directory with a versions.tf: root configurations (stacks, and any other root such as terraform/bootstrap)
# first, as they take longest, then the modules.
TF_ROOT_DIRS    := $(sort $(patsubst %/versions.tf,%,$(wildcard $(TF_ROOT)/stacks/*/versions.tf $(TF_ROOT)/*/versions.tf)))
TF_MODULE_DIRS  := $(sort $(patsubst %/versions.tf,%,$(wildcard $(TF_ROOT)/modules/*/versions.tf)))
TF_DIRS         := $(TF_ROOT_DIRS) $(TF_MODULE_DIRS)
TF_INIT_FLAGS   := -backend=false -input=false -no-color -lockfile=readonly$(if $(BATON_TF_PLUGIN_DIR), -plugin-dir="$(BATON_TF_PLUGIN_DIR)")
TF_MODULE_LOCK  := $(TF_ROOT)/stacks/relay/.terraform.lock.hcl
TF_JOBS         ?= $(shell nproc 2>/dev/null || echo 2)
# Run the directories in parallel, unless the caller already chose a job count (make -jN shares its jobserver).
TF_JOBS_FLAG     = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(TF_JOBS))

# checkov pins dependencies (an old boto3 among them) that conflict with the project's: own virtual environment.
CHECKOV_VENV    ?= .venv-checkov
CHECKOV_VERSION ?= 3.3.30
CHECKOV_STAMP   := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

.PHONY: test-terraform checkov clean-terraform tf-force

test-terraform: ## Terraform: fmt check, init + validate every module and stack, terraform test suites (offline)
	$(TERRAFORM) fmt -check -recursive -diff $(TF_ROOT)
	$(MAKE) $(TF_JOBS_FLAG) --output-sync=target $(addprefix tf-check/,$(TF_DIRS))

# One module or stack: init (no backend), validate, then its tests/*.tftest.hcl with the mocked provider.
tf-check/%: tf-force
	@echo "== $*"
	$(if $(filter $(TF_MODULE_DIRS),$*),@cp $(TF_MODULE_LOCK) $*/.terraform.lock.hcl)
	@cd $* && out=$$($(TERRAFORM) init $(TF_INIT_FLAGS) 2>&1) || { echo "$$out"; exit 1; }
	cd $* && $(TERRAFORM) validate -no-color
	cd $* && if ls tests/*.tftest.hcl >/dev/null 2>&1; then $(TERRAFORM) test -no-color; fi

tf-force: ;

checkov: $(CHECKOV_STAMP) ## Static security checks of terraform/ with checkov (isolated venv .venv-checkov)
	$(CHECKOV_VENV)/bin/checkov --directory $(TF_ROOT) --framework terraform --skip-download --quiet --compact

$(CHECKOV_STAMP):
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	touch $@

clean-terraform: ## Remove Terraform working directories (.terraform/) and the modules' copied lock files
	find $(TF_ROOT) -name .terraform -type d -prune -exec rm -rf {} +
	find $(TF_ROOT)/modules -name .terraform.lock.hcl -type f -delete
