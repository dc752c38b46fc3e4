"""The pull request plan comment (.github/scripts/plan-comment.js), run with node against a stand-in GitHub
API: one comment per pull request, updated in place, long plans truncated under GitHub's size limit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import TYPE_CHECKING, Any

import pytest

from tests.workflows.conftest import ROOT

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [
    pytest.mark.workflows,
    pytest.mark.skipif(shutil.which("node") is None, reason="node runs the github-script code"),
]

SCRIPT = ROOT / ".github" / "scripts" / "plan-comment.js"
GITHUB_COMMENT_LIMIT = 65536

HARNESS = r"""
const postPlans = require(process.env.SCRIPT);
const existing = JSON.parse(process.env.EXISTING_COMMENTS);
const calls = [];
const github = {
  paginate: async (method, params) => { calls.push({ method: 'list', params }); return existing; },
  rest: {
    issues: {
      listComments: 'listComments',
      createComment: async (params) => {
        calls.push({ method: 'create', params });
        return { data: { id: 99 } };
      },
      updateComment: async (params) => { calls.push({ method: 'update', params }); return { data: {} }; },
    },
  },
};
const context = { repo: { owner: 'octo-org', repo: 'baton' }, issue: { number: 7 } };
const core = { info: () => {} };
postPlans({ github, context, core, env: process.env })
  .then(() => process.stdout.write(JSON.stringify(calls)))
  .catch((error) => { console.error(error); process.exit(1); });
"""


def post(
    tmp_path: Path, plans: dict[str, str], existing: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    plans_dir = tmp_path / "plans"
    for name, text in plans.items():
        (plans_dir / name).mkdir(parents=True)
        (plans_dir / name / "plan.txt").write_text(text, encoding="utf-8")
    plans_dir.mkdir(exist_ok=True)
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS, encoding="utf-8")
    env = {
        "PATH": os.environ["PATH"],
        "SCRIPT": str(SCRIPT),
        "EXISTING_COMMENTS": json.dumps(existing or []),
        "PLANS_DIR": str(plans_dir),
        "PLAN_ENVIRONMENTS": '["staging","production"]',
        "PLAN_STACKS": '["relay","fifo"]',
        "PLAN_RESULT": "success",
        "RUN_URL": "https://github.com/octo-org/baton/actions/runs/1",
        "HEAD_SHA": "0123456789abcdef0123456789abcdef01234567",
    }
    node = shutil.which("node")
    assert node
    result = subprocess.run(  # noqa: S603
        [node, str(harness)], capture_output=True, text=True, check=False, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


PLAN = """Terraform will perform the following actions:

  # module.queue.aws_sqs_queue.this will be created
  + resource "aws_sqs_queue" "this" {
      + name = "baton-relay-staging"
    }

  # module.function.aws_lambda_function.this will be updated in-place
  ~ resource "aws_lambda_function" "this" {
      ~ memory_size = 256 -> 512
    }

Plan: 1 to add, 1 to change, 0 to destroy.
"""


def test_a_first_run_creates_one_comment_with_every_plan(tmp_path: Path) -> None:
    calls = post(
        tmp_path, {"relay-staging": PLAN, "fifo-staging": "No changes. Your infrastructure matches.\n"}
    )
    assert [call["method"] for call in calls] == ["list", "create"]
    create = calls[1]["params"]
    assert (create["owner"], create["repo"], create["issue_number"]) == ("octo-org", "baton", 7)
    body = create["body"]
    assert body.startswith("<!-- baton-terraform-plan -->")
    assert "<code>relay</code> · <code>staging</code>: Plan: 1 to add, 1 to change, 0 to destroy." in body
    assert "<code>fifo</code> · <code>staging</code>: No changes." in body
    # Diff rendering: the change markers move to the start of the line.
    assert '+   resource "aws_sqs_queue" "this" {' in body
    assert '!   resource "aws_lambda_function" "this" {' in body
    # Plans that did not finish are named, not silently left out.
    assert body.count("No plan: the plan job did not finish") == 2
    assert "`0123456789ab`" in body


def test_a_later_run_updates_the_bots_comment(tmp_path: Path) -> None:
    existing = [
        {"id": 1, "user": {"type": "User"}, "body": "<!-- baton-terraform-plan --> quoted by a person"},
        {"id": 2, "user": {"type": "Bot"}, "body": "an unrelated bot comment"},
        {"id": 3, "user": {"type": "Bot"}, "body": "<!-- baton-terraform-plan -->\nold plans"},
    ]
    calls = post(tmp_path, {"relay-staging": PLAN}, existing)
    assert [call["method"] for call in calls] == ["list", "update"]
    assert calls[1]["params"]["comment_id"] == 3
    assert "Plan: 1 to add" in calls[1]["params"]["body"]


def test_long_plans_are_truncated_below_the_comment_limit(tmp_path: Path) -> None:
    huge = (
        "".join(f'  + resource "aws_sqs_queue" "q{i}" {{}}\n' for i in range(20000)) + "Plan: 20000 to add.\n"
    )
    plans = {f"{stack}-{env}": huge for stack in ("relay", "fifo") for env in ("staging", "production")}
    body = post(tmp_path, plans)[1]["params"]["body"]
    assert len(body) < GITHUB_COMMENT_LIMIT
    assert body.count("more characters: the full plan is in the run's plan artifact") == 4
    assert body.count("Plan: 20000 to add.") == 4, "the summary line survives truncation"


def test_backticks_in_a_plan_cannot_close_the_code_block(tmp_path: Path) -> None:
    plan = '  + description = "```\\n## injected heading"\n\nPlan: 1 to add, 0 to change, 0 to destroy.\n'
    body = post(tmp_path, {"relay-staging": plan})[1]["params"]["body"]
    assert "````diff" in body
