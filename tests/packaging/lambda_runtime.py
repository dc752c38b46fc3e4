"""A stand-in for Lambda's python3.13 runtime: the extracted artifact plus only what the runtime ships."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from consumer.packaging import source_of_bytecode, target_interpreter

RUNTIME_PROVIDED = ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "urllib3", "six.py")
"""What Lambda's python3.13 runtime ships: the artifact may rely on these and nothing else."""


def python313() -> str | None:
    """A Python 3.13 interpreter: the one the build compiles bytecode with, found the same way."""
    return target_interpreter("3.13")


def unpack(artifact: Path, into: Path) -> tuple[Path, Path]:
    """(task, runtime): the artifact extracted as /var/task, and a folder holding the runtime's libraries."""
    task = into / "task"
    with zipfile.ZipFile(artifact) as archive:
        archive.extractall(task)
    runtime = into / "runtime"  # stands in for the runtime's own site-packages
    runtime.mkdir()
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    for name in RUNTIME_PROVIDED:
        (runtime / name).symlink_to(site / name)
    return task, runtime


def run_python(
    interpreter: str, script: str, task: Path, runtime: Path, cwd: Path, **environment: str
) -> subprocess.CompletedProcess[str]:
    """Run `script` with -S (no site-packages) and PYTHONPATH task:runtime, from `cwd` (not this checkout,
    whose own `consumer` package would otherwise shadow the artifact's)."""
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": f"{task}:{runtime}",
        "PYTHONNOUSERSITE": "1",
        "AWS_DEFAULT_REGION": "us-east-1",
        **environment,
    }
    return subprocess.run(  # noqa: S603
        [interpreter, "-S", "-c", script], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )


def foreign_bytecode(names: list[str]) -> list[str]:
    """Bytecode in an artifact that the build did not make: only `__pycache__/<module>.cpython-313.pyc` of a
    shipped `.py` belongs there (never a pyc of the machine that built it, or one without its source)."""
    shipped = set(names)
    return [
        name
        for name in names
        if (name.endswith((".pyc", ".pyo")) or "/__pycache__/" in f"/{name}")
        and (not name.endswith(".cpython-313.pyc") or source_of_bytecode(name) not in shipped)
    ]
