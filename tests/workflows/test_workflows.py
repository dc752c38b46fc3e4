"""The GitHub workflows, read as data: they call only make targets that exist, pin their actions, and keep to
least privilege (read-only token by default, OIDC only where AWS is reached, saved plans applied under an
environment, deploys never cancelled, production only after staging succeeded in the same run)."""

from __future__ import annotations

import re
import shlex
import subprocess
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest

from tests.workflows.conftest import ROOT, WORKFLOWS, clean_make_env, load_workflow

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.workflows

WORKFLOW_FILES = sorted(path.name for path in WORKFLOWS.glob("*.yml"))
CONFIGURE_AWS = "aws-actions/configure-aws-credentials"
APPLY_JOBS = ("apply-staging", "apply-production")
SHELL_OPERATORS = {"&&", "||", ";", "|", "&"}
MAKE_OPTIONS_WITH_VALUE = {"-C", "-f", "--file", "--directory", "-j", "--jobs", "-o", "-W"}

# Every third-party action, by the commit of its release (the version is in a comment next to each use).
PINNED_ACTIONS = {
    "actions/checkout": ("11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
    "actions/setup-python": ("a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
    "actions/cache": ("5a3ec84eff668545956fd18022155c47e93e2684", "v4.2.3"),
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
    "actions/download-artifact": ("d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0"),
    "hashicorp/setup-terraform": ("b9cd54a3c349d3f38e8881555d616ced269862dd", "v3.1.2"),
    "aws-actions/configure-aws-credentials": ("b47578312673ae6fa5b5096b330d9fbac3d116df", "v4.2.1"),
    "actions/github-script": ("60a0d83039c74a4aee543508d2ffcb1c3799cdea", "v7.0.1"),
}


# ------------------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------------------


def workflows() -> Iterator[tuple[str, dict[str, Any]]]:
    for name in WORKFLOW_FILES:
        yield name, load_workflow(name)


def jobs(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return workflow["jobs"]


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps", [])


def action(step: dict[str, Any]) -> str | None:
    uses = step.get("uses")
    return uses.split("@", 1)[0] if uses else None


def make_calls(script: str) -> list[list[str]]:
    """The argument lists of every `make` command in a shell script."""
    calls = []
    for raw in script.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        tokens = shlex.split(line, posix=True)
        command: list[str] = []
        for token in [*tokens, ";"]:
            if token in SHELL_OPERATORS:
                if command and command[0] == "make":
                    calls.append(command[1:])
                command = []
            else:
                command.append(token)
    return calls


def make_targets(arguments: list[str]) -> list[str]:
    """The goals of one make command line (options and VAR=value assignments left out)."""
    goals, skip = [], False
    for argument in arguments:
        if skip:
            skip = False
        elif argument in MAKE_OPTIONS_WITH_VALUE:
            skip = True
        elif not argument.startswith("-") and "=" not in argument:
            goals.append(argument)
    return goals


def called_targets(workflow: dict[str, Any]) -> dict[str, set[str]]:
    """job id -> make targets its run steps call."""
    return {
        job_id: {
            target
            for step in steps(job)
            if "run" in step
            for call in make_calls(step["run"])
            for target in make_targets(call)
        }
        for job_id, job in jobs(workflow).items()
    }


@cache
def makefile_targets() -> frozenset[str]:
    """Every target of the root Makefile with its -included fragments, from make's own database."""
    result = subprocess.run(  # noqa: S603
        ["make", "-C", str(ROOT), "--no-print-directory", "-p", "-q", "-r"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
        env=clean_make_env(),
        timeout=120,
    )
    targets: set[str] = set()
    previous = ""
    for line in result.stdout.splitlines():
        match = re.match(r"^([A-Za-z0-9_.%/-]+):(?:\s|$)(.*)$", line)
        if match and not previous.startswith("# Not a target") and not re.search(r"(^|\s)[:+?!]?=", match[2]):
            targets.add(match[1])
        previous = line
    assert "help" in targets, f"make -p gave no usable database: {result.stderr[-2000:]}"
    return frozenset(targets)


def permissions_of(workflow: dict[str, Any], job: dict[str, Any]) -> dict[str, str]:
    return job.get("permissions", workflow.get("permissions", {}))


# ------------------------------------------------------------------------------------------------------------
# make targets
# ------------------------------------------------------------------------------------------------------------


def test_both_workflows_exist() -> None:
    assert {"ci.yml", "deploy.yml"} <= set(WORKFLOW_FILES)


def test_make_calls_are_parsed() -> None:
    calls = make_calls('make tf-plan STACK="$STACK" ENV="$DEPLOY_ENV"\nmake -C . lint test-unit && echo done')
    assert [make_targets(call) for call in calls] == [["tf-plan"], ["lint", "test-unit"]]


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_every_make_target_a_workflow_calls_exists(name: str) -> None:
    called = set().union(*called_targets(load_workflow(name)).values())
    assert called, f"{name} calls no make target"
    missing = called - makefile_targets()
    assert not missing, f"{name} calls make targets the Makefile does not define: {sorted(missing)}"


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_run_steps_only_call_make(name: str) -> None:
    """Nothing is defined only in YAML: every shell step is a make command a developer can run too."""
    for job_id, job in jobs(load_workflow(name)).items():
        for step in steps(job):
            for raw in step.get("run", "").splitlines():
                line = raw.strip()
                if line and not line.startswith("#"):
                    assert line.startswith("make "), f"{name}:{job_id} runs {line!r} outside make"


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_every_job_runs_make_or_posts_the_plan(name: str) -> None:
    for job_id, targets in called_targets(load_workflow(name)).items():
        job = jobs(load_workflow(name))[job_id]
        posts = any(action(step) == "actions/github-script" for step in steps(job))
        assert targets or posts, f"{name}:{job_id} calls no make target"


def test_ci_runs_every_check(ci: dict[str, Any]) -> None:
    called = set().union(*called_targets(ci).values())
    expected = {
        "lint",
        "test-unit",
        "test-package",
        "test-terraform",
        "checkov",
        "test-workflows",
        "test-integration",
    }
    assert expected <= called


def test_ci_tests_python_3_11_to_3_13(ci: dict[str, Any]) -> None:
    unit = jobs(ci)["unit"]
    assert unit["strategy"]["matrix"]["python-version"] == ["3.11", "3.12", "3.13"]
    package_steps = [step for step in steps(unit) if "test-package" in step.get("run", "")]
    assert len(package_steps) == 1
    assert package_steps[0]["if"] == "matrix.python-version == '3.13'"


def test_deploy_runs_terraform_through_make(deploy: dict[str, Any]) -> None:
    targets = called_targets(deploy)
    assert targets["package"] == {"package"}
    assert targets["plan"] == {"tf-plan"}
    assert targets["apply-staging"] == targets["apply-production"] == {"install", "tf-apply", "smoke"}


# ------------------------------------------------------------------------------------------------------------
# Actions and checkout
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_actions_are_pinned_by_commit_sha_with_the_version_in_a_comment(name: str) -> None:
    uses_lines = [
        line.strip()
        for line in (WORKFLOWS / name).read_text(encoding="utf-8").splitlines()
        if re.match(r"^\s*(-\s+)?uses:", line)
    ]
    assert uses_lines
    for line in uses_lines:
        match = re.fullmatch(
            r"(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s+(v\d+\.\d+\.\d+)", line
        )
        assert match, f"{name}: {line!r} is not pinned as owner/repo@<40-hex sha> # vX.Y.Z"
        repo, sha, version = match.groups()
        assert PINNED_ACTIONS.get(repo) == (sha, version), (
            f"{name}: {repo}@{sha} ({version}) is not a known pin"
        )


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_checkout_never_persists_credentials(name: str) -> None:
    for job_id, job in jobs(load_workflow(name)).items():
        for step in steps(job):
            if action(step) == "actions/checkout":
                assert step.get("with", {}).get("persist-credentials") is False, f"{name}:{job_id}"


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_terraform_is_the_tested_version_without_the_wrapper(name: str) -> None:
    for job_id, job in jobs(load_workflow(name)).items():
        for step in steps(job):
            if action(step) == "hashicorp/setup-terraform":
                assert step["with"]["terraform_version"] == "1.11.4", f"{name}:{job_id}"
                assert step["with"]["terraform_wrapper"] is False, f"{name}:{job_id}"


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_no_expression_is_interpolated_into_a_script(name: str) -> None:
    """Untrusted values reach scripts through env only (zizmor's template-injection, made strict)."""
    for job_id, job in jobs(load_workflow(name)).items():
        for step in steps(job):
            assert "${{" not in step.get("run", ""), f"{name}:{job_id} interpolates into run"
            assert "${{" not in step.get("with", {}).get("script", ""), (
                f"{name}:{job_id} interpolates into script"
            )


def test_ci_python_jobs_cache_pip_keyed_on_the_dependencies(ci: dict[str, Any]) -> None:
    """CI only: the deploy workflow restores no cache (test_supply_chain)."""
    for job_id, job in jobs(ci).items():
        for step in steps(job):
            if action(step) == "actions/setup-python":
                assert step["with"]["cache"] == "pip", job_id
                assert "pyproject.toml" in step["with"]["cache-dependency-path"], job_id


def test_ci_terraform_jobs_cache_the_plugins_keyed_on_the_lock_files(ci: dict[str, Any]) -> None:
    for job_id, job in jobs(ci).items():
        if any(action(step) == "hashicorp/setup-terraform" for step in steps(job)):
            caches = [step for step in steps(job) if action(step) == "actions/cache"]
            assert caches, f"ci.yml:{job_id} has no plugin cache"
            assert "hashFiles('terraform/**/.terraform.lock.hcl')" in caches[0]["with"]["key"]
            assert caches[0]["with"]["path"] == "${{ runner.temp }}/terraform-plugin-cache"


# ------------------------------------------------------------------------------------------------------------
# Permissions, timeouts, concurrency
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_the_default_token_is_read_only(name: str) -> None:
    assert load_workflow(name)["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_id_token_only_on_the_jobs_that_assume_an_aws_role(name: str) -> None:
    workflow = load_workflow(name)
    for job_id, job in jobs(workflow).items():
        assumes_role = any(action(step) == CONFIGURE_AWS for step in steps(job))
        has_id_token = permissions_of(workflow, job).get("id-token") == "write"
        assert has_id_token == assumes_role, (
            f"{name}:{job_id}: id-token {has_id_token}, assumes a role {assumes_role}"
        )


def test_ci_never_reaches_aws(ci: dict[str, Any]) -> None:
    for job in jobs(ci).values():
        assert "permissions" not in job
        assert all(action(step) != CONFIGURE_AWS for step in steps(job))


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_write_permissions_are_the_ones_named(name: str) -> None:
    allowed = {
        ("deploy.yml", "plan", "id-token"),
        ("deploy.yml", "apply-staging", "id-token"),
        ("deploy.yml", "apply-production", "id-token"),
        ("deploy.yml", "comment", "pull-requests"),
    }
    workflow = load_workflow(name)
    for job_id, job in jobs(workflow).items():
        permissions = permissions_of(workflow, job)
        assert isinstance(permissions, dict), f"{name}:{job_id} uses a permission shorthand"
        for scope, level in permissions.items():
            assert level in {"read", "write", "none"}
            if level == "write":
                assert (name, job_id, scope) in allowed, f"{name}:{job_id} may write {scope}"


def test_roles_come_from_variables(deploy: dict[str, Any]) -> None:
    roles = {
        job_id: step["with"]
        for job_id, job in jobs(deploy).items()
        for step in steps(job)
        if action(step) == CONFIGURE_AWS
    }
    assert roles["plan"]["role-to-assume"] == "${{ vars.AWS_PLAN_ROLE_ARN }}"
    for job_id in APPLY_JOBS:
        assert roles[job_id]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    assert all(settings["aws-region"] == "${{ vars.AWS_REGION }}" for settings in roles.values())
    assert all("aws-access-key-id" not in settings for settings in roles.values())


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_every_job_has_a_timeout(name: str) -> None:
    for job_id, job in jobs(load_workflow(name)).items():
        assert 0 < job.get("timeout-minutes", 0) <= 60, f"{name}:{job_id}"


def test_ci_cancels_superseded_runs(ci: dict[str, Any]) -> None:
    assert ci["concurrency"] == {
        "group": "${{ github.workflow }}-${{ github.ref }}",
        "cancel-in-progress": True,
    }


def test_ci_runs_on_push_and_pull_request(ci: dict[str, Any]) -> None:
    assert {"push", "pull_request"} <= set(ci["on"])


def test_deploy_cancels_only_pull_request_plans(deploy: dict[str, Any]) -> None:
    assert deploy["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"


@pytest.mark.parametrize("job_id", APPLY_JOBS)
def test_an_apply_in_progress_is_never_cancelled(deploy: dict[str, Any], job_id: str) -> None:
    job = jobs(deploy)[job_id]
    assert job["concurrency"]["cancel-in-progress"] is False
    assert job["environment"]["name"] in job["concurrency"]["group"]
    assert "${{ matrix.stack }}" in job["concurrency"]["group"]
    assert job["strategy"]["fail-fast"] is False


# ------------------------------------------------------------------------------------------------------------
# Deploy flow
# ------------------------------------------------------------------------------------------------------------


def test_deploy_triggers(deploy: dict[str, Any]) -> None:
    on = deploy["on"]
    assert on["push"]["branches"] == ["main"]
    assert "pull_request" in on
    stage = on["workflow_dispatch"]["inputs"]["stage"]
    assert stage["type"] == "choice"
    assert stage["options"] == ["staging", "production"]


def test_the_artifact_is_built_once_and_passed_on(deploy: dict[str, Any]) -> None:
    built = [job_id for job_id, targets in called_targets(deploy).items() if "package" in targets]
    assert built == ["package"]
    upload = next(
        step for step in steps(jobs(deploy)["package"]) if action(step) == "actions/upload-artifact"
    )
    assert upload["with"]["path"] == "dist/baton-lambda.zip"
    for job_id in ("plan", *APPLY_JOBS):
        downloads = [
            step["with"]
            for step in steps(jobs(deploy)[job_id])
            if action(step) == "actions/download-artifact"
        ]
        assert {"name": upload["with"]["name"], "path": "dist"} in downloads, job_id
        assert "package" in jobs(deploy)[job_id]["needs"]


def test_a_repository_without_the_aws_setup_skips_the_deploy(deploy: dict[str, Any]) -> None:
    assert jobs(deploy)["package"]["if"] == "vars.AWS_PLAN_ROLE_ARN != ''"
    assert "needs.plan.result != 'skipped'" in jobs(deploy)["comment"]["if"]


def test_plans_cover_both_stages_and_every_stack(deploy: dict[str, Any]) -> None:
    matrix = jobs(deploy)["plan"]["strategy"]["matrix"]
    assert "vars.STAGING_ENVIRONMENT || 'staging'" in matrix["environment"]
    assert "vars.PRODUCTION_ENVIRONMENT || 'production'" in matrix["environment"]
    assert "inputs.stage == 'staging'" in matrix["environment"]
    assert "vars.DEPLOY_STACKS" in matrix["stack"]
    for job_id in APPLY_JOBS:
        assert jobs(deploy)[job_id]["strategy"]["matrix"] == {"stack": matrix["stack"]}


def test_plan_runs_without_an_environment(deploy: dict[str, Any]) -> None:
    """Plans of pull requests must not wait for environment approvals."""
    assert "environment" not in jobs(deploy)["plan"]


@pytest.mark.parametrize(
    ("job_id", "environment"),
    [
        ("apply-staging", "${{ vars.STAGING_ENVIRONMENT || 'staging' }}"),
        ("apply-production", "${{ vars.PRODUCTION_ENVIRONMENT || 'production' }}"),
    ],
)
def test_apply_runs_under_the_environment_and_applies_the_saved_plan(
    deploy: dict[str, Any], job_id: str, environment: str
) -> None:
    plan, apply = jobs(deploy)["plan"], jobs(deploy)[job_id]
    assert apply["environment"] == {"name": environment}
    assert apply["env"]["DEPLOY_ENV"] == environment
    assert "plan" in apply["needs"]
    uploaded = next(step["with"] for step in steps(plan) if action(step) == "actions/upload-artifact")
    downloaded = [step["with"] for step in steps(apply) if action(step) == "actions/download-artifact"]
    plan_artifact = uploaded["name"].replace("${{ matrix.environment }}", "${{ env.DEPLOY_ENV }}")
    assert {"name": plan_artifact, "path": uploaded["path"].rstrip("/")} in downloaded
    order = [
        "download" if action(step) == "actions/download-artifact" else step.get("run", "").split(" ")[:2]
        for step in steps(apply)
        if action(step) == "actions/download-artifact" or "run" in step
    ]
    assert order.index(["make", "tf-apply"]) > max(i for i, item in enumerate(order) if item == "download")
    assert order.index(["make", "smoke"]) > order.index(["make", "tf-apply"])


@pytest.mark.parametrize("job_id", APPLY_JOBS)
def test_apply_jobs_run_only_for_main(deploy: dict[str, Any], job_id: str) -> None:
    condition = jobs(deploy)[job_id]["if"]
    assert "github.ref == 'refs/heads/main'" in condition
    assert "github.event_name != 'pull_request'" in condition
    assert " || " not in condition, "an alternative would let another ref through"


def test_production_applies_only_after_staging_applied_and_passed_its_smoke_test(
    deploy: dict[str, Any],
) -> None:
    staging, production = jobs(deploy)["apply-staging"], jobs(deploy)["apply-production"]
    assert "apply-staging" in production["needs"]
    # With no status function the job runs only if every need succeeded: each staging apply and smoke test.
    assert not re.search(r"\b(always|failure|cancelled|success)\(", production["if"])
    assert "smoke" in called_targets(deploy)["apply-staging"]
    assert "inputs.stage != 'staging'" in production["if"]
    assert "apply-production" not in str(staging.get("needs", []))


def test_both_stages_apply_with_the_same_steps(deploy: dict[str, Any]) -> None:
    assert steps(jobs(deploy)["apply-staging"]) == steps(jobs(deploy)["apply-production"])


@pytest.mark.parametrize("job_id", APPLY_JOBS)
def test_the_smoke_test_dependencies_are_installed_before_aws_credentials(
    deploy: dict[str, Any], job_id: str
) -> None:
    job_steps = steps(jobs(deploy)[job_id])
    credentials = next(i for i, step in enumerate(job_steps) if action(step) == CONFIGURE_AWS)
    installs = [
        i
        for i, step in enumerate(job_steps)
        if "run" in step and any("install" in make_targets(call) for call in make_calls(step["run"]))
    ]
    assert installs, f"{job_id} installs nothing before the smoke test"
    assert max(installs) < credentials, f"{job_id} installs dependencies while holding AWS credentials"
    after = [
        action(step) or step.get("run", "")
        for step in job_steps[credentials + 1 :]
        if action(step) in {"actions/setup-python", "actions/setup-node"}
    ]
    assert after == []


def test_plans_take_no_state_lock_and_pass_the_boundary(deploy: dict[str, Any]) -> None:
    """The plan role cannot write lock files (pull requests can assume it)."""
    assert jobs(deploy)["plan"]["env"]["BATON_PLAN_LOCK"] == "false"
    assert deploy["env"]["ROLE_PERMISSIONS_BOUNDARY"] == "${{ vars.ROLE_PERMISSIONS_BOUNDARY }}"
    for job_id in APPLY_JOBS:
        assert "BATON_PLAN_LOCK" not in jobs(deploy)[job_id]["env"]


def test_the_plan_comment_is_posted_only_for_pull_requests(deploy: dict[str, Any]) -> None:
    comment = jobs(deploy)["comment"]
    assert "github.event_name == 'pull_request'" in comment["if"]
    assert comment["needs"] == "plan"
    script_step = next(step for step in steps(comment) if action(step) == "actions/github-script")
    assert "plan-comment.js" in script_step["with"]["script"]
    assert {"PLANS_DIR", "RUN_URL", "PLAN_RESULT"} <= set(script_step["env"])
