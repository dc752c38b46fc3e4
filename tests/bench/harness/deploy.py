"""Deploying designs: Baton's stacks or the bench root, with `terraform apply` like the end-to-end tests.

`consumer.local.deploy.Deployment` applies a scratch copy of terraform/; `BenchRootDeployment` is the same
with the bench-only root (tests/bench/terraform) copied next to the modules at the path it has in the
repository, so its `../../../terraform/modules/...` sources resolve in the copy as in the source tree.

Every design is deployed with the bench artifact: Baton's artifact (`make package`) plus the bench design
modules (tests/bench/functions/baton_bench), so the designs run the same code and differ only in the handler.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from consumer import packaging
from consumer.local.deploy import (
    _MODULES_COPY_IGNORE,
    _STACK_COPY_IGNORE,
    ARTIFACT,
    ROOT,
    TERRAFORM,
    Deployment,
)

if TYPE_CHECKING:
    from tests.bench.harness.spec import Design

BENCH_ROOT = Path(__file__).resolve().parents[1] / "terraform"
BENCH_FUNCTIONS = Path(__file__).resolve().parents[1] / "functions"
BENCH_ARTIFACT = ROOT / "dist" / "baton-bench-lambda.zip"
DEPLOYMENTS = ROOT / ".localstack" / "bench"
NAME_LIMIT = 32


class BenchRootDeployment(Deployment):
    """A deployment of tests/bench/terraform."""

    @property
    def stack_dir(self) -> Path:
        return self.workdir / BENCH_ROOT.relative_to(ROOT)

    def _refresh_copy(self) -> None:
        for source, target, ignore in (
            (TERRAFORM / "modules", self.workdir / "terraform" / "modules", _MODULES_COPY_IGNORE),
            (BENCH_ROOT, self.stack_dir, _STACK_COPY_IGNORE),
        ):
            if target.exists():
                for path in target.rglob("*.tf"):
                    path.unlink()
            shutil.copytree(source, target, ignore=ignore, dirs_exist_ok=True)


def build_artifact() -> Path:
    """Baton's artifact (rebuilt when a source is newer) plus the bench modules, reproducibly zipped."""
    sources = [path for _, path in packaging.source_files()] + [ROOT / "pyproject.toml"]
    if not ARTIFACT.exists() or max(p.stat().st_mtime for p in sources) > ARTIFACT.stat().st_mtime:
        packaging.build(ARTIFACT)
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as scratch:
        unpacked = Path(scratch)
        with zipfile.ZipFile(ARTIFACT) as archive:
            archive.extractall(unpacked)
        entries = [
            (p.relative_to(unpacked).as_posix(), p) for p in sorted(unpacked.rglob("*")) if p.is_file()
        ]
        entries += [
            (p.relative_to(BENCH_FUNCTIONS).as_posix(), p)
            for p in sorted((BENCH_FUNCTIONS / "baton_bench").rglob("*.py"))
        ]
        packaging.write_zip(entries, BENCH_ARTIFACT)
    return BENCH_ARTIFACT


def deployment_name(run_id: str, slug: str) -> str:
    """`b<run id>-<slug>`, at most 32 characters (the stacks' limit); a longer one is cut and ends in a digest
    of the slug, so two designs that share their first characters (matrix values) keep distinct names."""
    name = f"b{run_id}-{slug}"
    if len(name) <= NAME_LIMIT:
        return name
    digest = hashlib.sha256(slug.encode()).hexdigest()[:5]
    return f"{name[: NAME_LIMIT - len(digest) - 1].rstrip('-')}-{digest}"


def deployment_for(design: Design, run_id: str) -> Deployment:
    """The deployment of one design under a fresh name."""
    name = deployment_name(run_id, design.slug)
    variables = {"lambda_zip_path": str(BENCH_ARTIFACT), **design.variables}
    if design.root == "bench":
        variables.setdefault("design", design.slug)
        return BenchRootDeployment("bench", name, DEPLOYMENTS / name, variables)
    return Deployment(design.root, name, DEPLOYMENTS / name, variables)


def apply_all(deployments: dict[str, Deployment], endpoint: str) -> None:
    """Apply every deployment at once (Terraform mostly waits on the emulator)."""
    with ThreadPoolExecutor(max_workers=max(len(deployments), 1)) as pool:
        for future in [pool.submit(d.apply, endpoint) for d in deployments.values()]:
            future.result()


def destroy_all(deployments: dict[str, Deployment]) -> None:
    """Destroy every deployment (errors are reported, not raised, so the others still go)."""
    with ThreadPoolExecutor(max_workers=max(len(deployments), 1)) as pool:
        futures = {name: pool.submit(d.destroy) for name, d in deployments.items()}
        for name, future in futures.items():
            try:
                future.result()
            except Exception as error:  # noqa: BLE001 - report and go on
                print(f"destroy of {name} failed: {error}")
