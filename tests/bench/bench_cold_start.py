"""Cold start figures (`make bench`): how long importing each handler takes, and the artifact's size.

Each import runs in a fresh interpreter, 7 times, and the median is printed: once as it is (what the INIT
phase pays, boto3 included) and once with boto3 and botocore imported first, which isolates Baton's own import
path (Lambda's runtime has boto3 on disk, not already imported, so the first figure is the honest one; the
second is the target the code is held to). When the artifact is built and a Python 3.13 is installed, the
same two figures are taken from the unpacked artifact on 3.13 with only the runtime's own libraries beside it
(tests/packaging/lambda_runtime.py, those compiled as Lambda ships them) and no bytecode written, since
/var/task is read-only: what Lambda's python3.13 INIT imports. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.packaging.lambda_runtime import python313, run_python, unpack

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ("consumer.relay_handler", "consumer.fifo_handler")
PRELOAD = "import boto3, botocore.session, botocore.client"


def import_ms(module: str, *, preload: bool, runs: int, runtime: Runtime | None = None) -> float:
    """Median milliseconds to import `module` in a new interpreter (this one's, or the artifact's)."""
    script = (
        f"{PRELOAD if preload else 'pass'}\n"
        "import time\n"
        "started = time.perf_counter()\n"
        f"import {module}\n"
        "print((time.perf_counter() - started) * 1000)\n"
    )
    samples = []
    for _ in range(runs):
        if runtime is None:
            result = subprocess.run(  # noqa: S603 - a fixed interpreter and script
                [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
            )
        else:
            # /var/task is read-only on Lambda: no bytecode is cached there between cold starts.
            result = run_python(
                runtime.python,
                script,
                runtime.task,
                runtime.libraries,
                runtime.task,
                PYTHONDONTWRITEBYTECODE="1",
            )
            result.check_returncode()
        samples.append(float(result.stdout.strip()))
    return statistics.median(samples)


@dataclass(frozen=True)
class Runtime:
    """The unpacked artifact and a Python 3.13 standing in for Lambda's runtime."""

    python: str
    task: Path
    libraries: Path


def handler_figures(runs: int, runtime: Runtime | None = None) -> dict[str, dict[str, float]]:
    """Both import times of each handler."""
    return {
        module: {
            "import_ms": round(import_ms(module, preload=False, runs=runs, runtime=runtime), 1),
            "import_ms_boto3_preloaded": round(
                import_ms(module, preload=True, runs=runs, runtime=runtime), 1
            ),
        }
        for module in HANDLERS
    }


def artifact_figures(path: Path) -> dict[str, float | int] | None:
    """Size and file count of the Lambda zip, when it has been built."""
    if not path.exists():
        return None
    with zipfile.ZipFile(path) as archive:
        files = len(archive.namelist())
    return {"mib": round(path.stat().st_size / 1024 / 1024, 2), "files": files}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--artifact", type=Path, default=ROOT / "dist" / "baton-lambda.zip")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = handler_figures(args.runs)
    artifact = artifact_figures(args.artifact)
    python = python313() if artifact is not None else None
    in_runtime = None
    if python is not None:
        with tempfile.TemporaryDirectory() as scratch:
            task, linked = unpack(args.artifact, Path(scratch))
            # Lambda's runtime ships its boto3 compiled; the stand-in's copy is compiled for 3.13 once, here.
            libraries = Path(scratch) / "runtime-compiled"
            shutil.copytree(linked, libraries)
            subprocess.run(  # noqa: S603 - compileall of the found Python 3.13
                [python, "-m", "compileall", "-q", "-j", "0", str(libraries)],
                capture_output=True,
                check=False,
            )
            in_runtime = handler_figures(args.runs, Runtime(python, task, libraries))
    if args.json:
        print(
            json.dumps(
                {"handlers": rows, "artifact": artifact, "artifact_on_python3.13": in_runtime}, indent=2
            )
        )
        return
    print(f"handler import time (median of {args.runs} fresh interpreters, Python {sys.version.split()[0]})")
    _print(rows)
    if in_runtime is not None:
        print("the same from the unpacked artifact on Python 3.13, only the runtime's libraries beside it")
        _print(in_runtime)
    if artifact is None:
        print(f"artifact: {args.artifact} not built (make package)")
    else:
        print(f"artifact: {args.artifact.name} {artifact['mib']} MiB, {artifact['files']} files")


def _print(rows: dict[str, dict[str, float]]) -> None:
    for module, row in rows.items():
        print(
            f"  {module:<24} {row['import_ms']:>7.1f} ms   "
            f"{row['import_ms_boto3_preloaded']:>6.1f} ms with boto3 already imported"
        )


if __name__ == "__main__":
    main()
