"""The deploy steps (make tf-init / tf-plan / tf-apply / smoke, .github/scripts/deploy.sh) against a stand-in
`terraform` that records its calls: the remote state of each environment comes from -backend-config with
use_lockfile, the plan is saved with -out, and apply applies exactly that file with the plan's lock file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.workflows.conftest import ROOT, clean_make_env

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.workflows

FAKE_TERRAFORM = f"""#!{sys.executable}
# Records each call (working directory, TF_DATA_DIR, arguments) and imitates what the deploy steps rely on.
import json, os, sys
chdir, args = ".", []
for arg in sys.argv[1:]:
    if arg.startswith("-chdir="):
        chdir = arg.removeprefix("-chdir=")
    else:
        args.append(arg)
with open(os.environ["FAKE_TERRAFORM_LOG"], "a") as log:
    log.write(json.dumps({{"dir": chdir, "data": os.environ.get("TF_DATA_DIR", ""), "args": args}}) + "\\n")
lock = os.path.join(chdir, ".terraform.lock.hcl")
if args[0] == "init" and not os.path.exists(lock):
    open(lock, "w").write("# lock written by init\\n")
elif args[0] == "plan":
    for arg in args:
        if arg.startswith("-out="):
            open(arg.removeprefix("-out="), "w").write("binary plan\\n")
elif args[0] == "show":
    print('  + resource "aws_sqs_queue" "this" {{}}')
    print("Plan: 1 to add, 0 to change, 0 to destroy.")
elif args[0] == "output":
    print(json.dumps({{"variant": {{"value": "relay"}}}}))
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A scratch repository tree for deploy.sh: the stacks (empty) and a Lambda artifact."""
    for stack in ("relay", "fifo"):
        (tmp_path / "terraform" / "stacks" / stack / "environments").mkdir(parents=True)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "baton-lambda.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "terraform"
    fake.write_text(FAKE_TERRAFORM, encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    return tmp_path


def run_make(tree: Path, *goals: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = clean_make_env(
        PATH=f"{tree / 'bin'}{os.pathsep}{os.environ['PATH']}",
        FAKE_TERRAFORM_LOG=str(tree / "terraform.log"),
        BATON_DEPLOY_ROOT=str(tree),
        AWS_REGION="eu-west-1",
        TF_STATE_BUCKET="tfstate-baton-123456789012-eu-west-1",
        GITHUB_STEP_SUMMARY=str(tree / "summary.md"),
    )
    for name in (
        "TF_STATE_KEY_PREFIX",
        "BATON_TF_PLUGIN_DIR",
        "ROLE_PERMISSIONS_BOUNDARY",
        "BATON_PLAN_LOCK",
    ):
        env.pop(name, None)
    env.pop("GITHUB_ACTIONS", None)
    arguments = [f"{name}={value}" for name, value in overrides.items()]
    return subprocess.run(  # noqa: S603
        ["make", "-C", str(ROOT), "--no-print-directory", *goals, *arguments],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )


def calls(tree: Path) -> list[dict[str, object]]:
    log = tree / "terraform.log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def artifact(tree: Path) -> str:
    return str(tree / "dist" / "baton-lambda.zip")


def test_plan_initialises_the_environment_state_and_saves_the_plan(tree: Path) -> None:
    result = run_make(tree, "tf-plan", STACK="relay", ENV="staging", BATON_ARTIFACT=artifact(tree))
    assert result.returncode == 0, result.stdout + result.stderr

    work = tree / "build" / "deploy" / "relay-staging"
    data = str(tree / "build" / "terraform-data" / "relay-staging")
    init, plan, show = calls(tree)
    assert init == {
        "dir": str(tree / "terraform" / "stacks" / "relay"),
        "data": data,
        "args": [
            "init",
            "-input=false",
            "-reconfigure",
            "-lockfile=readonly",
            f"-backend-config={work}/backend.s3.tfbackend",
        ],
    }
    assert (work / "backend.s3.tfbackend").read_text(encoding="utf-8").split("\n") == [
        'bucket       = "tfstate-baton-123456789012-eu-west-1"',
        'key          = "baton/relay/staging.tfstate"',
        'region       = "eu-west-1"',
        "encrypt      = true",
        "use_lockfile = true",
        "",
    ]
    assert plan["data"] == data
    assert plan["args"] == [
        "plan",
        "-input=false",
        f"-out={work}/tfplan",
        "-lock-timeout=5m",
        "-var",
        "name=baton-relay-staging",
        "-var",
        "aws_region=eu-west-1",
        "-var",
        f"lambda_zip_path={artifact(tree)}",
    ]
    assert show["args"] == ["show", "-no-color", f"{work}/tfplan"]
    assert (work / "tfplan").read_text(encoding="utf-8") == "binary plan\n"
    assert "Plan: 1 to add" in (work / "plan.txt").read_text(encoding="utf-8")
    assert (work / "terraform.lock.hcl").exists(), "the lock file travels with the plan"
    assert "### Terraform plan: relay / staging" in (tree / "summary.md").read_text(encoding="utf-8")


def test_apply_applies_exactly_the_saved_plan_with_its_lock_file(tree: Path) -> None:
    assert (
        run_make(tree, "tf-plan", STACK="fifo", ENV="production", BATON_ARTIFACT=artifact(tree)).returncode
        == 0
    )
    work = tree / "build" / "deploy" / "fifo-production"
    # A fresh apply job: the checkout has no lock file; the plan artifact brings the plan's.
    stack_lock = tree / "terraform" / "stacks" / "fifo" / ".terraform.lock.hcl"
    stack_lock.unlink()
    (work / "terraform.lock.hcl").write_text("# lock of the plan\n", encoding="utf-8")
    (tree / "terraform.log").unlink()

    result = run_make(tree, "tf-apply", STACK="fifo", ENV="production", BATON_ARTIFACT=artifact(tree))
    assert result.returncode == 0, result.stdout + result.stderr

    init, apply = calls(tree)
    assert init["args"][0] == "init"
    assert stack_lock.read_text(encoding="utf-8") == "# lock of the plan\n"
    assert apply == {
        "dir": str(tree / "terraform" / "stacks" / "fifo"),
        "data": str(tree / "build" / "terraform-data" / "fifo-production"),
        "args": ["apply", "-input=false", "-lock-timeout=5m", f"{work}/tfplan"],
    }


BOUNDARY = "arn:aws:iam::123456789012:policy/github-baton-function-boundary"


def test_a_plan_without_the_lock_passes_the_permissions_boundary(tree: Path) -> None:
    """What the plan job runs: the plan role writes no lock file; the stacks get the bootstrap's boundary."""
    result = run_make(
        tree,
        "tf-plan",
        STACK="relay",
        ENV="staging",
        BATON_ARTIFACT=artifact(tree),
        BATON_PLAN_LOCK="false",
        ROLE_PERMISSIONS_BOUNDARY=BOUNDARY,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    plan = calls(tree)[1]["args"]
    assert "-lock=false" in plan
    assert not any(arg.startswith("-lock-timeout") for arg in plan)
    assert plan[plan.index(f"role_permissions_boundary={BOUNDARY}") - 1] == "-var"


def test_without_a_boundary_no_variable_is_passed_and_ci_is_warned(tree: Path) -> None:
    result = run_make(
        tree, "tf-plan", STACK="fifo", ENV="staging", BATON_ARTIFACT=artifact(tree), GITHUB_ACTIONS="true"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not any("role_permissions_boundary" in arg for arg in calls(tree)[1]["args"])
    assert "::warning::ROLE_PERMISSIONS_BOUNDARY is not set" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "ROLE_PERMISSIONS_BOUNDARY",
            "arn:aws:iam::123456789012:role/not-a-policy",
            "ROLE_PERMISSIONS_BOUNDARY must be",
        ),
        ("ROLE_PERMISSIONS_BOUNDARY", f"{BOUNDARY} -destroy", "ROLE_PERMISSIONS_BOUNDARY must be"),
        ("BATON_PLAN_LOCK", "no", "BATON_PLAN_LOCK must be true or false"),
    ],
)
def test_plan_settings_are_validated(tree: Path, variable: str, value: str, message: str) -> None:
    result = run_make(
        tree, "tf-plan", STACK="relay", ENV="staging", BATON_ARTIFACT=artifact(tree), **{variable: value}
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert [call["args"][0] for call in calls(tree)] == ["init"]


def test_apply_without_a_saved_plan_fails(tree: Path) -> None:
    result = run_make(tree, "tf-apply", STACK="relay", ENV="staging", BATON_ARTIFACT=artifact(tree))
    assert result.returncode != 0
    assert "no saved plan" in result.stderr
    assert [call["args"][0] for call in calls(tree)] == ["init"]


def test_a_committed_backend_file_and_tfvars_of_the_environment_win(tree: Path) -> None:
    environments = tree / "terraform" / "stacks" / "relay" / "environments"
    (environments / "qa.s3.tfbackend").write_text(
        'bucket = "pinned"\nuse_lockfile = true\n', encoding="utf-8"
    )
    (environments / "qa.tfvars").write_text('name = "baton-relay-qa-eu"\n', encoding="utf-8")

    result = run_make(tree, "tf-plan", STACK="relay", ENV="qa", BATON_ARTIFACT=artifact(tree))
    assert result.returncode == 0, result.stdout + result.stderr
    init, plan, _ = calls(tree)
    assert init["args"][-1] == f"-backend-config={environments / 'qa.s3.tfbackend'}"
    assert plan["args"][-1] == "-var-file=environments/qa.tfvars"


def test_the_smoke_step_reads_the_stack_outputs(tree: Path) -> None:
    fake_python = tree / "bin" / "fake-python"
    fake_python.write_text(
        '#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$FAKE_TERRAFORM_LOG.smoke"\n', encoding="utf-8"
    )
    fake_python.chmod(0o755)
    env = clean_make_env(
        PATH=f"{tree / 'bin'}{os.pathsep}{os.environ['PATH']}",
        FAKE_TERRAFORM_LOG=str(tree / "terraform.log"),
        BATON_DEPLOY_ROOT=str(tree),
        BATON_STACK="relay",
        BATON_ENV="staging",
        BATON_PYTHON=str(fake_python),
        BATON_SMOKE_TIMEOUT="120",
        AWS_REGION="eu-west-1",
        TF_STATE_BUCKET="tfstate-baton-123456789012-eu-west-1",
    )
    result = subprocess.run(  # noqa: S603
        ["bash", str(ROOT / ".github" / "scripts" / "deploy.sh"), "smoke"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    outputs = tree / "build" / "deploy" / "relay-staging" / "outputs.json"
    assert json.loads(outputs.read_text(encoding="utf-8")) == {"variant": {"value": "relay"}}
    assert calls(tree)[-1]["args"] == ["output", "-json"]
    smoke_args = (tree / "terraform.log.smoke").read_text(encoding="utf-8").split()
    assert smoke_args == [
        "-m",
        "consumer.cli",
        "smoke",
        "--outputs",
        str(outputs),
        "--wait",
        "120",
    ]


@pytest.mark.parametrize(
    ("stack", "env", "message"),
    [
        ("queue", "staging", "STACK must be relay or fifo"),
        ("relay", "", "ENV must be the name of a GitHub environment"),
        ("relay", "../prod", "ENV must be the name of a GitHub environment"),
        ("relay", "staging; rm -rf ~", "ENV must be the name of a GitHub environment"),
    ],
)
def test_stack_and_environment_are_validated_before_terraform_runs(
    tree: Path, stack: str, env: str, message: str
) -> None:
    result = run_make(tree, "tf-plan", STACK=stack, ENV=env, BATON_ARTIFACT=artifact(tree))
    assert result.returncode != 0
    assert message in result.stderr
    assert calls(tree) == []


def test_the_state_bucket_is_required_without_a_committed_backend(tree: Path) -> None:
    result = run_make(tree, "tf-init", STACK="relay", ENV="staging", TF_STATE_BUCKET="")
    assert result.returncode != 0
    assert "TF_STATE_BUCKET must name the state bucket" in result.stderr
    assert calls(tree) == []


def test_plan_needs_the_artifact(tree: Path) -> None:
    result = run_make(tree, "tf-plan", STACK="relay", ENV="staging", BATON_ARTIFACT=str(tree / "missing.zip"))
    assert result.returncode != 0
    assert "run make package first" in result.stderr
