"""Cold start figures (`make bench`): how long importing each handler takes, and the artifact's size.

Each import runs in a fresh interpreter, 7 times, and the median is printed: once as it is (what the INIT
phase pays, boto3 included) and once with boto3 and botocore imported first, which isolates Baton's own import
path (Lambda's runtime has boto3 on disk, not already imported, so the first figure is the honest one; the
second is the target the code is held to). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ("consumer.relay_handler", "consumer.fifo_handler")
PRELOAD = "import boto3, botocore.session, botocore.client"


def import_ms(module: str, *, preload: bool, runs: int) -> float:
    """Median milliseconds to import `module` in a new interpreter."""
    script = (
        f"{PRELOAD if preload else 'pass'}\n"
        "import time\n"
        "started = time.perf_counter()\n"
        f"import {module}\n"
        "print((time.perf_counter() - started) * 1000)\n"
    )
    samples = []
    for _ in range(runs):
        result = subprocess.run(  # noqa: S603 - a fixed interpreter and script
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
        )
        samples.append(float(result.stdout.strip()))
    return statistics.median(samples)


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
    rows = {
        module: {
            "import_ms": round(import_ms(module, preload=False, runs=args.runs), 1),
            "import_ms_boto3_preloaded": round(import_ms(module, preload=True, runs=args.runs), 1),
        }
        for module in HANDLERS
    }
    artifact = artifact_figures(args.artifact)
    if args.json:
        print(json.dumps({"handlers": rows, "artifact": artifact}, indent=2))
        return
    print(f"handler import time (median of {args.runs} fresh interpreters, Python {sys.version.split()[0]})")
    for module, row in rows.items():
        print(
            f"  {module:<24} {row['import_ms']:>7.1f} ms   "
            f"{row['import_ms_boto3_preloaded']:>6.1f} ms with boto3 already imported"
        )
    if artifact is None:
        print(f"artifact: {args.artifact} not built (make package)")
    else:
        print(f"artifact: {args.artifact.name} {artifact['mib']} MiB, {artifact['files']} files")


if __name__ == "__main__":
    main()
