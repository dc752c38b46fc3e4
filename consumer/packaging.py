"""Build the Lambda artifact: Baton's code plus the dependencies the runtime lacks, as a reproducible zip.

Usage: `python -m consumer.packaging --out dist/baton-lambda.zip` (what `make package` runs).

The dependencies and their exact pins come from `[tool.baton.lambda]` in pyproject.toml and are installed for
the target runtime (`pip install --target ... --platform manylinux2014_x86_64 --only-binary=:all:
--python-version 3.13`), without their own dependencies: the pin list is the whole closure minus what the
python3.13 runtime already ships (boto3, botocore, jmespath, s3transfer, urllib3, dateutil, six).

The zip is reproducible: entries sorted, every timestamp 1980-01-01, permissions 0644, no bytecode, so two
builds from the same source are byte-identical. This module and the operator CLI are not part of the artifact.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("relay_common", "consumer")
EXCLUDED = ("consumer/packaging.py", "consumer/cli")
"""Build and operator tooling that does not belong in the function."""
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
SKIP_PARTS = {"__pycache__", "bin"}
SKIP_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True, slots=True)
class LambdaTarget:
    """What the artifact is built for, read from pyproject.toml."""

    python_version: str
    platform: str
    requirements: tuple[str, ...]

    @classmethod
    def from_pyproject(cls, path: Path = ROOT / "pyproject.toml") -> LambdaTarget:
        """Read `[tool.baton.lambda]`."""
        table = tomllib.loads(path.read_text())["tool"]["baton"]["lambda"]
        return cls(table["python-version"], table["platform"], tuple(table["requirements"]))


def install_dependencies(target: LambdaTarget, into: Path) -> None:
    """pip-install the pinned runtime dependencies for the Lambda platform into `into`."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--no-compile",
        "--target",
        str(into),
        "--platform",
        target.platform,
        "--implementation",
        "cp",
        "--python-version",
        target.python_version,
        "--only-binary=:all:",
        *target.requirements,
    ]
    subprocess.run(command, check=True)  # noqa: S603 - a fixed pip command line


def source_files(root: Path = ROOT) -> Iterator[tuple[str, Path]]:
    """(archive name, path) of Baton's own code that goes into the function."""
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            name = path.relative_to(root).as_posix()
            if not path.is_file() or not (path.suffix == ".py" or path.name == "py.typed"):
                continue
            if any(name == excluded or name.startswith(excluded + "/") for excluded in EXCLUDED):
                continue
            if SKIP_PARTS.intersection(path.relative_to(root).parts):
                continue
            yield name, path


def dependency_files(directory: Path) -> Iterator[tuple[str, Path]]:
    """(archive name, path) of everything pip installed, minus bytecode and console scripts."""
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if not path.is_file() or SKIP_PARTS.intersection(relative.parts) or path.name.endswith(SKIP_SUFFIXES):
            continue
        yield relative.as_posix(), path


def write_zip(entries: Iterable[tuple[str, Path]], out: Path) -> int:
    """Write a deterministic zip of `entries`; returns the number of files."""
    ordered = sorted(entries)
    names = [name for name, _ in ordered]
    if len(names) != len(set(names)):
        duplicates = sorted({name for name in names if names.count(name) > 1})
        raise ValueError(f"two files map to the same archive name: {duplicates}")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name, path in ordered:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = FILE_MODE << 16
            info.create_system = 3  # Unix, so the permission bits are honoured
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    partial.replace(out)
    return len(ordered)


def build(out: Path, target: LambdaTarget | None = None) -> int:
    """Build the artifact at `out`; returns the number of files in it."""
    target = target or LambdaTarget.from_pyproject()
    with tempfile.TemporaryDirectory(prefix="baton-lambda-deps-") as scratch:
        deps = Path(scratch)
        install_dependencies(target, deps)
        return write_zip([*source_files(), *dependency_files(deps)], out)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m consumer.packaging", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "baton-lambda.zip", help="artifact path")
    args = parser.parse_args(argv)
    files = build(args.out)
    size = args.out.stat().st_size
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"{os.path.relpath(args.out)}: {size / 1024 / 1024:.2f} MiB ({size} bytes), {files} files")
    print(f"sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
