"""What terraform init installs is decided by committed lock files: the roots commit theirs with checksums,
nothing lets init bypass them, and the deploy workflow restores no cache another workflow could write."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import TYPE_CHECKING, Any

import pytest

from consumer.local import deploy
from tests.workflows.conftest import ROOT, load_workflow

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.workflows

# Every Terraform root that is applied: the stacks, the bootstrap and the proof harness's bench root.
ROOTS = ("terraform/stacks/relay", "terraform/stacks/fifo", "terraform/bootstrap", "tests/bench/terraform")
# Spelled in two parts so that this file is not itself a hit of the search below.
BYPASS = "TF_PLUGIN_CACHE_MAY_BREAK_" + "DEPENDENCY_LOCK_FILE"
AWS_LOCK = re.compile(
    r'provider "registry\.terraform\.io/hashicorp/aws" \{\s*'
    r'version\s*=\s*"(?P<version>[0-9.]+)"\s*'
    r'constraints\s*=\s*"[^"]+"\s*'
    r"hashes\s*=\s*\[(?P<hashes>[^\]]*)\]"
)


def tracked_files() -> list[str]:
    result = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "ls-files"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def aws_lock(root: str) -> dict[str, Any]:
    match = AWS_LOCK.search((ROOT / root / ".terraform.lock.hcl").read_text(encoding="utf-8"))
    assert match, f"{root}/.terraform.lock.hcl does not lock hashicorp/aws"
    return {"version": match["version"], "hashes": re.findall(r'"([^"]+)"', match["hashes"])}


@pytest.mark.parametrize("root", ROOTS)
def test_each_root_commits_its_lock_file_with_checksums(root: str) -> None:
    assert f"{root}/.terraform.lock.hcl" in tracked_files(), f"{root}/.terraform.lock.hcl is not committed"
    lock = aws_lock(root)
    assert any(h.startswith("h1:") for h in lock["hashes"]), (
        "the lock must carry an h1 checksum (linux_amd64)"
    )


def test_the_roots_lock_one_provider_version() -> None:
    assert len({aws_lock(root)["version"] for root in ROOTS}) == 1


def test_only_the_roots_lock_files_are_committed() -> None:
    locks = sorted(path for path in tracked_files() if path.endswith(".terraform.lock.hcl"))
    assert locks == sorted(f"{root}/.terraform.lock.hcl" for root in ROOTS)


def test_nothing_lets_init_bypass_the_lock_files() -> None:
    this = "tests/workflows/test_supply_chain.py"
    offenders = [
        path
        for path in tracked_files()
        if path != this
        and not path.endswith(".md")  # the docs may say why it is not set
        and (ROOT / path).is_file()
        and BYPASS in (ROOT / path).read_text(encoding="utf-8", errors="replace")
    ]
    assert offenders == []


def test_terraform_init_may_not_change_a_lock_file() -> None:
    assert "-lockfile=readonly" in (ROOT / "terraform" / "terraform.mk").read_text(encoding="utf-8")
    assert "-lockfile=readonly" in (ROOT / ".github" / "scripts" / "deploy.sh").read_text(encoding="utf-8")


def test_the_deploy_workflow_restores_no_cache() -> None:
    """CI runs the code of every branch and writes caches that the default branch may restore: a job that
    holds AWS credentials, or builds what such a job deploys, must not read them."""
    for job_id, job in load_workflow("deploy.yml")["jobs"].items():
        for step in job.get("steps", []):
            uses = step.get("uses", "")
            assert not uses.startswith("actions/cache"), f"deploy.yml:{job_id} restores a cache"
            if uses.startswith("actions/setup-python"):
                assert "cache" not in step.get("with", {}), f"deploy.yml:{job_id} restores the pip cache"
            assert "TF_PLUGIN_CACHE_DIR" not in step.get("env", {}), f"deploy.yml:{job_id}"
        assert "TF_PLUGIN_CACHE_DIR" not in job.get("env", {}), f"deploy.yml:{job_id}"


def test_ci_caches_providers_keyed_on_the_lock_files() -> None:
    for job_id, job in load_workflow("ci.yml")["jobs"].items():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/cache") and "terraform" in step["with"]["path"]:
                assert "hashFiles('terraform/**/.terraform.lock.hcl')" in step["with"]["key"], job_id


# ------------------------------------------------------------------------------------------------------------
# The LocalStack deployments' scratch copies
# ------------------------------------------------------------------------------------------------------------


def test_a_deployment_copy_keeps_the_stack_lock_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "terraform"
    shutil.copytree(ROOT / "terraform", source, ignore=shutil.ignore_patterns(".terraform"))
    # What make test-terraform leaves in a module: a copy of the stacks' lock file, never used by a caller.
    (source / "modules" / "queue" / ".terraform.lock.hcl").write_text("# copied in\n", encoding="utf-8")
    monkeypatch.setattr(deploy, "TERRAFORM", source)

    deployment = deploy.Deployment("relay", "baton-lock-test", tmp_path / "work")
    deployment._refresh_copy()

    copied = deployment.stack_dir / ".terraform.lock.hcl"
    assert copied.read_text(encoding="utf-8") == (
        ROOT / "terraform" / "stacks" / "relay" / ".terraform.lock.hcl"
    ).read_text(encoding="utf-8")
    assert not (tmp_path / "work" / "modules" / "queue" / ".terraform.lock.hcl").exists()
    assert not (deployment.stack_dir / "backend.tf").exists()


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
def test_a_deployment_copy_initialises_offline_with_the_committed_lock_file(tmp_path: Path) -> None:
    mirror = os.environ.get("BATON_TF_PLUGIN_DIR")
    if not mirror:
        pytest.skip("no offline provider mirror (BATON_TF_PLUGIN_DIR)")
    deployment = deploy.Deployment("fifo", "baton-lock-test", tmp_path / "fifo")
    deployment._refresh_copy()
    lock_before = (deployment.stack_dir / ".terraform.lock.hcl").read_text(encoding="utf-8")
    result = subprocess.run(  # noqa: S603
        [  # noqa: S607
            "terraform",
            f"-chdir={deployment.stack_dir}",
            "init",
            "-backend=false",
            "-input=false",
            "-no-color",
            "-lockfile=readonly",
            f"-plugin-dir={mirror}",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "TF_PLUGIN_CACHE_DIR"},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (deployment.stack_dir / ".terraform.lock.hcl").read_text(encoding="utf-8") == lock_before
