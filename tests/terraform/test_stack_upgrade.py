"""A deployment made before modules/pipeline existed keeps every resource when it applies today's stack.

Offline, with Terraform's mocked provider: in a scratch directory, `terraform test` applies the stack as it
was at PRE_PIPELINE (with the modules of that commit) and then plans today's stack against the same state
(`state_key`); the plan must move every resource of the old root modules (module.bucket, module.queue,
module.results, module.function, module.alarms) into module.pipeline and destroy or replace nothing. A
missing `moved` block shows as a destroy and fails the test.

Skipped without terraform, without a provider mirror (BATON_TF_PLUGIN_DIR or an implied local mirror), or in a
shallow clone that lacks PRE_PIPELINE (`git fetch --unshallow`).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from consumer.local.provider_mirror import find_provider_mirror

ROOT = Path(__file__).resolve().parents[2]
PRE_PIPELINE = "9ad7589ff7efb3276657a679d9cf335b0ef7a299"
"""The last commit whose stacks composed the leaf modules themselves (module.bucket, module.queue, ...)."""
MOVED_MODULES = ("bucket", "queue", "results", "function", "alarms")
ACCOUNT = "123456789012"
REGION = "us-east-1"

# Realistic ARNs for the old layout's resources (the modules check some of them against the names they derive,
# and the provider validates ARN-typed arguments), as the old stacks' own tests set them.
NAME = {"relay": "baton-relay", "fifo": "baton-fifo"}


def _queue_values(name: str) -> dict[str, str]:
    return {
        "arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
        "id": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}",
        "url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}",
    }


def old_layout_overrides(variant: str) -> dict[str, dict[str, str]]:
    name = NAME[variant]
    suffix = ".fifo" if variant == "fifo" else ""
    overrides = {
        "module.bucket.aws_s3_bucket.this": {"arn": f"arn:aws:s3:::{name}-ingest-{ACCOUNT}"},
        "module.queue.aws_sqs_queue.this": _queue_values(f"{name}{suffix}"),
        "module.queue.aws_sqs_queue.dlq": _queue_values(f"{name}-dlq{suffix}"),
        "module.results.aws_dynamodb_table.results": {
            "arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}-results"
        },
        "module.results.aws_dynamodb_table.idempotency": {
            "arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}-idempotency"
        },
        "module.function.aws_lambda_function.this": {
            "arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        },
        "module.function.aws_cloudwatch_log_group.this": {
            "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{name}"
        },
    }
    if variant == "relay":
        overrides["module.trigger.aws_cloudwatch_event_rule.schedule"] = {
            "arn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}-schedule"
        }
    else:
        overrides["module.route.aws_cloudwatch_event_rule.this"] = {  # now route["default"] (moved)
            "arn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}-object-created"
        }
    return overrides


# Defaults that changed since PRE_PIPELINE in a way that removes a resource. An old deployment that wants to
# keep it sets the old value (README, "Upgrading"): Powertools idempotency became opt-in, so a deployment on
# the old default keeps its idempotency table only with create_idempotency_table = true.
KEEP_OLD_DEFAULTS = {"create_idempotency_table": "true"}


def upgrade_test(variant: str, old_stack: str, lambda_zip: Path) -> str:
    """A terraform test file: apply the old stack, then plan today's stack on the same state."""
    overrides = "".join(
        f"  override_resource {{\n    target = {target}\n    values = {{\n"
        + "".join(f'      {key} = "{value}"\n' for key, value in values.items())
        + "    }\n  }\n"
        for target, values in old_layout_overrides(variant).items()
    )
    return (
        'mock_provider "aws" {\n  source = "../../tests/mocks/aws"\n}\n\n'
        f'variables {{\n  lambda_zip_path = "{lambda_zip}"\n}}\n\n'
        f'run "old_layout" {{\n  state_key = "upgrade"\n  module {{\n    source = "{old_stack}"\n  }}\n'
        f"{overrides}}}\n\n"
        'run "new_layout" {\n  state_key = "upgrade"\n  command   = plan\n  variables {\n'
        + "".join(f"    {name} = {value}\n" for name, value in KEEP_OLD_DEFAULTS.items())
        + "  }\n}\n"
    )


def terraform(stack: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        ["terraform", f"-chdir={stack}", *args],  # noqa: S607 - terraform from PATH, as users run it
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.fixture(scope="module")
def mirror() -> Path:
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed")
    found = find_provider_mirror()
    if found is None:
        pytest.skip("no offline provider mirror (BATON_TF_PLUGIN_DIR)")
    known = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{PRE_PIPELINE}^{{commit}}"],  # noqa: S607
        capture_output=True,
        check=False,
    )
    if known.returncode != 0:
        pytest.skip(f"commit {PRE_PIPELINE[:7]} is not in this clone (shallow? git fetch --unshallow)")
    return found


def scratch_trees(tmp_path: Path) -> tuple[Path, Path]:
    """terraform/ as at PRE_PIPELINE and as in the working tree (links followed), both without backends."""
    old, new = tmp_path / "old", tmp_path / "new"
    archive = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "archive", "--format=tar", PRE_PIPELINE, "terraform"],  # noqa: S607
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(old, filter="data")
    shutil.copytree(
        ROOT / "terraform", new / "terraform", ignore=shutil.ignore_patterns(".terraform", "*.tfstate*")
    )
    for tree in (old, new):
        for backend in (tree / "terraform" / "stacks").glob("*/backend.tf"):
            backend.unlink()
    return old / "terraform", new / "terraform"


def plan_section(output: str) -> str:
    """What `terraform test -verbose` printed for the run that plans today's stack."""
    start = output.index('run "new_layout"')
    return output[start:]


@pytest.mark.parametrize("variant", ["relay", "fifo"])
def test_an_old_deployment_plans_no_destroy(variant: str, mirror: Path, tmp_path: Path) -> None:
    old, new = scratch_trees(tmp_path)
    stack = new / "stacks" / variant
    old_stack = Path("..", "..", "..", "..", "old", "terraform", "stacks", variant).as_posix()
    assert (stack / old_stack).resolve() == (old / "stacks" / variant).resolve()
    test_file = stack / "tests" / "upgrade.tftest.hcl"
    test_file.write_text(upgrade_test(variant, old_stack, new / "tests" / "fixtures" / "lambda.zip"))

    flags = ("-backend=false", "-input=false", "-no-color", "-lockfile=readonly", f"-plugin-dir={mirror}")
    init = terraform(stack, "init", *flags)
    assert init.returncode == 0, init.stdout + init.stderr
    result = terraform(stack, "test", "-no-color", "-verbose", "-filter=tests/upgrade.tftest.hcl")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert 'run "old_layout"... pass' in output, output[-4000:]

    plan = plan_section(output)
    summary = re.search(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\.", plan)
    assert summary is not None, plan[-4000:]
    destroyed = re.findall(r"^\s*# (\S+) (?:will be destroyed|must be replaced)", plan, re.MULTILINE)
    assert destroyed == [], f"upgrading the {variant} stack would destroy or replace {destroyed}"
    assert summary.group(3) == "0", summary.group(0)
    for module in MOVED_MODULES:
        # A moved resource without changes "has moved to" its new address; one that also changes in place
        # (a new default) is shown at its new address "(moved from ...)".
        moved = (
            rf"^\s*# module\.{module}\.\S+ has moved to module\.pipeline\.module\.{module}\."
            rf"|^\s*# \(moved from module\.{module}\.\S+\)"
        )
        assert re.search(moved, plan, re.MULTILINE), f"nothing of module.{module} moved into module.pipeline"
