"""Deploy Baton's Terraform stacks to LocalStack with `terraform apply`, as a user would.

Each deployment works on its own scratch copy of `terraform/` (modules plus the one stack with its
committed `.terraform.lock.hcl`, without `backend.tf`), so its state is local, never touches the source tree,
and several deployments of one stack can coexist. The provider comes from an offline mirror when there is one
(`BATON_TF_PLUGIN_DIR`, else Terraform's implied local mirror directories: `provider_mirror`), else from the
registry through a shared plugin cache so it is downloaded once; either way init checks it against the lock
file and may not change it. Without registry and mirror, apply fails with ProviderMirrorError, one line that
says what to set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consumer.local.provider_mirror import (
    ProviderMirrorError,
    find_provider_mirror,
    missing_provider_message,
    searched_dirs,
)

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
ARTIFACT = ROOT / "dist" / "baton-lambda.zip"
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
_COPY_IGNORE = ("tests", ".terraform", "backend.tf", "*.tfstate*", "terraform.tfvars.json")
_STACK_COPY_IGNORE = shutil.ignore_patterns(*_COPY_IGNORE)
"""The stack keeps its lock file: it decides the provider version and checksums, as in the repository."""
_MODULES_COPY_IGNORE = shutil.ignore_patterns(*_COPY_IGNORE, ".terraform.lock.hcl")


_INIT_LOCK = threading.Lock()
"""terraform init writes a shared plugin cache, which is not safe for concurrent writers."""
# What terraform init prints when it cannot reach the registry for a provider.
_REGISTRY_FAILURES = (
    "could not connect to registry.terraform.io",
    "Failed to query available provider packages",
    "Failed to install provider",
)


class DeployError(RuntimeError):
    """A terraform command failed; the message carries the end of its output."""


@dataclass
class Deployment:
    """One applied stack: where its copy lives, what it was given, what it created."""

    variant: str
    name: str
    workdir: Path
    variables: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def stack_dir(self) -> Path:
        """The stack's directory in the scratch copy (where `terraform output` works)."""
        return self.workdir / "stacks" / self.variant

    def apply(self, endpoint: str) -> Deployment:
        """Copy the tree, write the variables, init and apply; reads the outputs."""
        self._refresh_copy()
        variables = {
            "name": self.name,
            "aws_endpoint_url": endpoint,
            "lambda_zip_path": str(ARTIFACT),
            "bucket_force_destroy": True,
            # Throw-away deployments: the stacks protect their tables by default, which would block destroy.
            "table_deletion_protection": False,
            # Local runs keep versioning but skip the lifecycle rule the provider takes a minute to settle.
            "noncurrent_version_expiration_days": None,
            **self.variables,
        }
        (self.stack_dir / "terraform.tfvars.json").write_text(json.dumps(variables, indent=2))
        self._init()
        self._terraform("apply", "-auto-approve", "-input=false", "-no-color")
        raw = json.loads(self._terraform("output", "-json"))
        self.outputs = {key: value["value"] for key, value in raw.items()}
        return self

    def _init(self) -> None:
        """terraform init from a provider mirror if there is one, else from the registry."""
        mirror = find_provider_mirror()
        init = ["init", "-input=false", "-no-color", "-lockfile=readonly"]
        if mirror is not None:
            init.append(f"-plugin-dir={mirror}")
        with _INIT_LOCK:
            try:
                self._terraform(*init, plugin_cache=mirror is None)
            except DeployError as error:
                if mirror is None and any(failure in str(error) for failure in _REGISTRY_FAILURES):
                    raise ProviderMirrorError(missing_provider_message(searched_dirs())) from error
                raise

    def destroy(self) -> None:
        """Destroy everything the deployment created and remove its copy."""
        if (self.stack_dir / "terraform.tfstate").exists():
            self._terraform("destroy", "-auto-approve", "-input=false", "-no-color")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _refresh_copy(self) -> None:
        """Bring the copy's .tf files up to date, keeping its state and provider installation."""
        parts = (("modules", _MODULES_COPY_IGNORE), (f"stacks/{self.variant}", _STACK_COPY_IGNORE))
        for part, ignore in parts:
            target = self.workdir / part
            if target.exists():
                for path in target.rglob("*.tf"):
                    path.unlink()
            shutil.copytree(TERRAFORM / part, target, ignore=ignore, dirs_exist_ok=True)

    def _terraform(self, *args: str, plugin_cache: bool = False) -> str:
        env = {**os.environ, **LOCAL_CREDENTIALS, "TF_IN_AUTOMATION": "1"}
        cli_config = env.get("TF_CLI_CONFIG_FILE")
        if cli_config and not Path(cli_config).exists():
            env.pop("TF_CLI_CONFIG_FILE")  # a dangling setting only makes terraform warn on every command
        if plugin_cache:  # a registry install, downloaded once for every deployment
            cache = ROOT / ".localstack" / "terraform-plugin-cache"
            cache.mkdir(parents=True, exist_ok=True)
            env.setdefault("TF_PLUGIN_CACHE_DIR", str(cache))
        result = subprocess.run(  # noqa: S603
            ["terraform", f"-chdir={self.stack_dir}", *args],  # noqa: S607 - terraform from PATH, as users run it
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-40:])
            raise DeployError(f"terraform {args[0]} failed for {self.name}:\n{tail}")
        return result.stdout
