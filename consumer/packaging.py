"""Build the Lambda artifact: Baton's code, your processor and the dependencies the runtime lacks, as one zip.

Usage: `python -m consumer.packaging --out dist/baton-lambda.zip` (what `make package` runs), with optionally

* `--extra-requirements FILE` (`make package EXTRA_REQUIREMENTS=FILE`): third-party packages your processor
  imports, one exact `name==version` pin per line;
* `--processor-src DIR` (`PROCESSOR_SRC=DIR`): processor code kept outside this repository, a source folder
  whose top-level packages and modules become top-level imports in the artifact;
* `--processor-dist NAME` (`PROCESSOR_DIST=NAME`): an installed, pure-Python distribution whose files are
  copied from the environment the build runs in.

The dependencies and their exact pins come from `[tool.baton.lambda]` in pyproject.toml plus the extra
requirements, and are installed for the target runtime (`pip install --target ... --platform
manylinux2014_x86_64 --only-binary=:all: --python-version 3.13`) without their own dependencies: the pins are
the whole closure minus what the python3.13 runtime already ships (boto3, botocore, jmespath, s3transfer,
urllib3, dateutil, six). Because pip is not asked to resolve, the build checks the closure itself: a package
whose requirement is neither pinned nor provided by the runtime fails the build instead of an import in
production. Every input is checked before pip runs, and every problem is reported at once; a name claimed by
two sources (a processor package called `consumer`, a vendored copy of a pinned library) fails the build.

Bytecode: Lambda's /var/task is read-only, so a Python there cannot cache what it compiles, and an artifact
of sources alone is compiled afresh at every cold start (140-170 ms more of Baton's import path on 3.13).
The build therefore compiles every module with an interpreter of the target's version
(`$BATON_BYTECODE_PYTHON`, this one, `python3.13` on PATH, or one under pyenv) into `__pycache__` as
unchecked-hash pycs, which Python loads without comparing them to the source (nothing on /var/task changes),
their paths taken relative to /var/task rather than the build's scratch folder. Without such an interpreter
the artifact ships sources only, and the build says so.

The zip is reproducible: entries sorted, every timestamp 1980-01-01, permissions 0644, bytecode that depends
on the sources alone (hashes, not times), no machine-specific install records, so two builds from the same
inputs are byte-identical. This module, the operator CLI and the local demo tooling (`consumer/local`) are
not part of the artifact.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("relay_common", "consumer")
EXCLUDED = ("consumer/packaging.py", "consumer/cli", "consumer/local")
"""Build, operator and local-cloud tooling that does not belong in the function."""
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
SKIP_PARTS = {"__pycache__", "bin"}
SKIP_SUFFIXES = (".pyc", ".pyo")
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "jmespath", "s3transfer", "urllib3", "python-dateutil", "six", "baton"}
)
"""Distributions a requirement may name without a pin: what the python3.13 runtime ships, and Baton itself
(whose code is the artifact)."""
COMPILED_SUFFIXES = (".so", ".pyd", ".dylib", ".dll")
LOCAL_RECORDS = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
"""Files of an installed distribution's `.dist-info` that describe that one installation (paths, hashes of
bytecode, the installer): left out so the artifact does not depend on the machine that built it."""
NOT_PROCESSOR_CODE = frozenset({"setup.py", "conftest.py", "noxfile.py"})
BYTECODE_PYTHON = "BATON_BYTECODE_PYTHON"
"""Environment variable naming the interpreter (of the target's Python version) that compiles the bytecode."""
TASK_ROOT = "/var/task"
"""Where Lambda unpacks the artifact: the path recorded in the bytecode in place of the build's scratch folder
(Python puts the path it loaded a module from into its code objects anyway)."""


class PackagingError(Exception):
    """A build input is wrong; the message names it and says what to do."""


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

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 marker values of the Lambda runtime, to tell which requirements apply there."""
        machine = "aarch64" if "aarch64" in self.platform else "x86_64"
        environment = {str(name): str(value) for name, value in default_environment().items()}
        environment.update(
            python_version=self.python_version,
            python_full_version=f"{self.python_version}.0",
            implementation_name="cpython",
            platform_python_implementation="CPython",
            sys_platform="linux",
            platform_system="Linux",
            os_name="posix",
            platform_machine=machine,
            extra="",
        )
        return environment


@dataclass(frozen=True, slots=True)
class Source:
    """Files that go into the artifact from one place, with the import names they claim."""

    label: str
    """Where the files come from, for error messages (`Baton`, `PROCESSOR_SRC=...`)."""
    entries: tuple[tuple[str, Path], ...]
    provides: tuple[tuple[str, str], ...] = field(default=())
    """(name, version) of the distributions this source installs."""
    requires: tuple[tuple[str, str, str], ...] = field(default=())
    """(distribution, version, requirement) for each requirement of those distributions."""

    def top_level(self) -> set[str]:
        """The top-level names this source puts in the zip (`slugify`, `acme.py` counts as `acme`)."""
        return {top_level_name(name) for name, _ in self.entries}


def top_level_name(archive_name: str) -> str:
    """The import (or metadata) name an archive entry lives under."""
    first = archive_name.split("/", 1)[0]
    return first.removesuffix(".py") if "/" not in archive_name else first


# -- pins -------------------------------------------------------------------------------------------------


def read_pins(path: Path) -> tuple[str, ...]:
    """The exact `name==version` pins of a requirements file; a `PackagingError` lists every bad line.

    Only exact pins are accepted because the artifact must be reproducible and pip installs them without
    resolving: a range, an extra, a marker, a URL or a pip option would make the zip depend on the day or the
    machine it was built on."""
    try:
        lines = path.read_text().splitlines()
    except OSError as error:
        raise PackagingError(f"EXTRA_REQUIREMENTS={path}: cannot read it ({error.strerror})") from None
    pins: dict[str, str] = {}
    problems: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        problem = pin_problem(line)
        if problem is not None:
            problems.append(f"{path}:{number}: {line!r} {problem}")
            continue
        name = canonicalize_name(Requirement(line).name)
        if name in pins:
            problems.append(f"{path}:{number}: {name} is pinned twice")
        pins[name] = line
    if problems:
        raise PackagingError("\n".join(problems))
    return tuple(pins.values())


def pin_problem(line: str) -> str | None:  # noqa: PLR0911 - one answer per kind of bad line
    """Why `line` is not an exact `name==version` pin, or None when it is one."""
    if line.startswith("-"):
        return "is a pip option: list exact name==version pins only"
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return "is not a requirement: write name==version, e.g. python-slugify==8.0.4"
    if requirement.url:
        return "is a URL: pin a released version (name==version)"
    if requirement.extras:
        return "names extras: pins are installed without their dependencies, so pin the extra's packages"
    if requirement.marker:
        return "has an environment marker: the artifact is built for one platform, pin what it needs"
    specifiers = list(requirement.specifier)
    if len(specifiers) != 1 or specifiers[0].operator != "==" or "*" in specifiers[0].version:
        return "is not an exact pin: write name==version"
    try:
        Version(specifiers[0].version)
    except InvalidVersion:
        return "has an invalid version"
    return None


def merge_pins(own: Iterable[str], extra: Iterable[str], origin: str) -> tuple[str, ...]:
    """Baton's pins plus the extra ones; an extra pin of one of Baton's packages must be the same version."""
    merged = {canonicalize_name(Requirement(pin).name): pin for pin in own}
    conflicts = []
    for pin in extra:
        name = canonicalize_name(Requirement(pin).name)
        if name not in merged:
            merged[name] = pin
        elif Requirement(merged[name]).specifier != Requirement(pin).specifier:
            conflicts.append(f"{origin}: {pin} conflicts with Baton's own {merged[name]} (pyproject.toml)")
    if conflicts:
        raise PackagingError("\n".join(conflicts))
    return tuple(merged.values())


# -- sources ----------------------------------------------------------------------------------------------


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


def dependency_source(directory: Path) -> Source:
    """What pip installed, with every installed distribution's requirements."""
    dists = sorted(metadata.distributions(path=[str(directory)]), key=lambda dist: dist.metadata["Name"])
    return Source(
        "the pinned requirements",
        tuple(dependency_files(directory)),
        provides=tuple((dist.metadata["Name"], dist.version) for dist in dists),
        requires=tuple(
            (dist.metadata["Name"], dist.version, requirement)
            for dist in dists
            for requirement in dist.requires or ()
        ),
    )


def folder_source(folder: Path) -> Source:
    """`PROCESSOR_SRC`: every package (a folder holding Python files) and module at the top of `folder`.

    The folder is what would be on `sys.path` for the processor to import: a src-layout project's `src/`, or
    a project root whose packages sit at the top. Packaging tooling (`setup.py`, `conftest.py`), hidden
    folders, metadata folders and anything that is not Python at the top (README, requirements) stay out."""
    label = f"PROCESSOR_SRC={folder}"
    if not folder.is_dir():
        raise PackagingError(f"{label}: not a folder")
    if (folder / "__init__.py").is_file():
        raise PackagingError(
            f"{label} is itself a package: give the folder that contains it (PROCESSOR_SRC={folder.parent})"
        )
    entries: list[tuple[str, Path]] = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or child.name in SKIP_PARTS or child.name in NOT_PROCESSOR_CODE:
            continue
        if child.is_file() and child.suffix == ".py":
            entries.append((child.name, child))
        elif child.is_dir() and not child.name.endswith((".egg-info", ".dist-info")):
            files = [path for path in sorted(child.rglob("*")) if _shipped(path, folder)]
            if any(path.suffix == ".py" for path in files):
                entries.extend((path.relative_to(folder).as_posix(), path) for path in files)
    if not entries:
        raise PackagingError(f"{label}: no Python packages or modules at its top")
    return Source(label, tuple(entries))


def _shipped(path: Path, folder: Path) -> bool:
    """A file of a processor package that belongs in the artifact (not bytecode, caches or hidden files)."""
    parts = path.relative_to(folder).parts
    return (
        path.is_file()
        and not path.name.endswith(SKIP_SUFFIXES)
        and "__pycache__" not in parts
        and not any(part.startswith(".") for part in parts)
    )


def distribution_source(name: str, path: Sequence[str] | None = None) -> Source:
    """`PROCESSOR_DIST`: the files of an installed distribution, read from its install record.

    Only a pure-Python distribution is copied: compiled files were built for the Python that runs the build,
    not for Lambda's; pin such a package in the extra requirements so pip fetches the build for Lambda. An
    editable install has no code in the environment to copy. `path` searches other folders than `sys.path`."""
    label = f"PROCESSOR_DIST={name}"
    found = (
        metadata.distributions(name=name)
        if path is None
        else metadata.distributions(name=name, path=list(path))
    )
    dist = next(iter(found), None)
    if dist is None:
        raise PackagingError(
            f"{label}: no such distribution is installed in {sys.prefix}; install it there first "
            f"({sys.executable} -m pip install ...)"
        )
    canonical = canonicalize_name(dist.metadata["Name"])
    if canonical == "baton":
        raise PackagingError(f"{label}: Baton's own code is always in the artifact")
    if _editable(dist):
        raise PackagingError(
            f"{label} is an editable install, so its code is not in the environment: give its source folder "
            "as PROCESSOR_SRC instead, or install it without -e"
        )
    if dist.files is None:
        raise PackagingError(f"{label} has no install record (RECORD), so its files are unknown")
    wheel = dist.read_text("WHEEL") or ""
    compiled = sorted(str(file) for file in dist.files if str(file).endswith(COMPILED_SUFFIXES))
    if compiled or "root-is-purelib: false" in wheel.lower():
        example = f" (e.g. {compiled[0]})" if compiled else ""
        raise PackagingError(
            f"{label} is not pure Python{example}: its compiled files were built for this machine's "
            f"Python, not Lambda's; pin it in EXTRA_REQUIREMENTS so pip fetches its Lambda build"
        )
    entries: list[tuple[str, Path]] = []
    missing: list[str] = []
    for file in sorted(dist.files, key=str):
        archive_name = file.as_posix()
        parts = archive_name.split("/")
        if ".." in parts or "__pycache__" in parts or archive_name.endswith((*SKIP_SUFFIXES, ".pth")):
            continue  # console scripts and data outside site-packages, bytecode, path hooks
        if parts[0].endswith(".dist-info") and parts[-1] in LOCAL_RECORDS:
            continue
        located = Path(str(file.locate()))
        if not located.is_file():
            missing.append(archive_name)
            continue
        entries.append((archive_name, located))
    if missing:
        raise PackagingError(f"{label}: files of its install record are missing: {', '.join(missing[:5])}")
    name_version = (dist.metadata["Name"], dist.version)
    return Source(
        f"{label} ({dist.version})",
        tuple(entries),
        provides=(name_version,),
        requires=tuple((*name_version, item) for item in dist.requires or ()),
    )


def _editable(dist: metadata.Distribution) -> bool:
    raw = dist.read_text("direct_url.json")
    if not raw:
        return False
    try:
        return bool(json.loads(raw).get("dir_info", {}).get("editable"))
    except (ValueError, AttributeError):
        return False


# -- checks -----------------------------------------------------------------------------------------------


def collisions(sources: Sequence[Source]) -> list[str]:
    """Top-level names claimed by two sources: one would silently shadow or merge into the other."""
    owner: dict[str, str] = {}
    found = []
    for source in sources:
        for name in sorted(source.top_level()):
            if name in owner:
                found.append(f"{source.label}: {name!r} is also in {owner[name]}")
            else:
                owner[name] = source.label
    return found


def unmet_requirements(sources: Sequence[Source], target: LambdaTarget) -> list[str]:
    """Requirements of the artifact's distributions that neither a pin nor the runtime meets.

    Needed because pins are installed with `--no-deps`: pip does not check the closure, and a missing package
    would otherwise surface as an ImportError in production."""
    installed = {canonicalize_name(dist): version for source in sources for dist, version in source.provides}
    environment = target.marker_environment()
    problems = []
    for source in sources:
        for dist, version, text in source.requires:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            name = canonicalize_name(requirement.name)
            if name in RUNTIME_PROVIDED:
                continue
            have = installed.get(name)
            if have is None:
                problems.append(
                    f"{dist} {version} needs {requirement}, which is neither pinned nor provided by the "
                    "runtime: add an exact pin to EXTRA_REQUIREMENTS"
                )
            elif not requirement.specifier.contains(have, prereleases=True):
                problems.append(f"{dist} {version} needs {requirement}, but {name}=={have} is pinned")
    return problems


# -- build ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Additions:
    """What a user adds to Baton's artifact: pins, processor folders, installed processor distributions."""

    extra_requirements: tuple[Path, ...] = ()
    processor_src: tuple[Path, ...] = ()
    processor_dist: tuple[str, ...] = ()


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


def prepare(target: LambdaTarget, additions: Additions) -> tuple[LambdaTarget, list[Source]]:
    """Check every addition before anything is installed: the target with all pins, and the processor
    sources after Baton's own; a `PackagingError` reports every problem found."""
    problems: list[str] = []
    requirements = target.requirements
    for path in additions.extra_requirements:
        try:
            requirements = merge_pins(requirements, read_pins(path), f"EXTRA_REQUIREMENTS={path}")
        except PackagingError as error:
            problems.append(str(error))
    sources = [Source("Baton's own code", tuple(source_files()))]
    for folder in additions.processor_src:
        try:
            sources.append(folder_source(folder))
        except PackagingError as error:
            problems.append(str(error))
    for name in additions.processor_dist:
        try:
            sources.append(distribution_source(name))
        except PackagingError as error:
            problems.append(str(error))
    problems.extend(collisions(sources))
    if problems:
        raise PackagingError("\n".join(problems))
    return LambdaTarget(target.python_version, target.platform, requirements), sources


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


def target_interpreter(version: str) -> str | None:
    """An interpreter of Python `version` ("3.13"): `$BATON_BYTECODE_PYTHON`, this one, `pythonX.Y` on PATH,
    or one under pyenv; None when there is none. A `$BATON_BYTECODE_PYTHON` of another version is refused."""
    named = os.environ.get(BYTECODE_PYTHON)
    if named:
        if _version_of(named) != version:
            raise PackagingError(f"{BYTECODE_PYTHON}={named} is not a Python {version}")
        return named
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates += sorted(str(p) for p in Path(pyenv_root).glob(f"versions/{version}*/bin/python{version}"))
    return next((c for c in filter(None, candidates) if _version_of(c) == version), None)


def _version_of(interpreter: str) -> str | None:
    try:
        probe = subprocess.run(  # noqa: S603 - an interpreter the user or this machine names
            [interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return probe.stdout.strip() if probe.returncode == 0 else None


@dataclass(frozen=True, slots=True)
class Bytecode:
    """The compiled modules of a build, and the sources that did not compile."""

    entries: list[tuple[str, Path]]
    failed: list[str]


def compile_bytecode(entries: Sequence[tuple[str, Path]], interpreter: str, scratch: Path) -> Bytecode:
    """Compile every `.py` of `entries` with `interpreter` into `__pycache__` entries (unchecked-hash pycs
    whose paths name /var/task, never the scratch folder, so two builds are identical). A file that does not
    compile (a dependency's Python 2 example, say) is listed, not fatal: it ships as source, and would fail
    the same way if it were ever imported."""
    tree = scratch / "bytecode"
    for name, path in entries:
        if name.endswith(".py"):
            destination = tree / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    subprocess.run(  # noqa: S603 - compileall of the target's interpreter, on the build's own copy
        [
            interpreter,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            "-s",
            str(tree),
            "-p",
            TASK_ROOT,
            str(tree),
        ],
        capture_output=True,
        check=False,
    )
    compiled = sorted(tree.rglob("*.pyc"))
    made = {source_of_bytecode(path.relative_to(tree).as_posix()) for path in compiled}
    failed = sorted(name for name, _ in entries if name.endswith(".py") and name not in made)
    return Bytecode([(path.relative_to(tree).as_posix(), path) for path in compiled], failed)


def source_of_bytecode(name: str) -> str:
    """The source a `__pycache__` entry was compiled from: `pkg/__pycache__/mod.cpython-313.pyc` ->
    `pkg/mod.py` (archive names, `/`-separated)."""
    folder, _, file = f"/{name}".rpartition("/__pycache__/")
    return f"{folder}/{file.split('.', 1)[0]}.py".lstrip("/")


@dataclass(frozen=True, slots=True)
class Built:
    """What a build put in the artifact."""

    files: int
    requirements: tuple[str, ...]
    """Every pin installed (Baton's and the extra ones)."""
    added: tuple[str, ...]
    """The processor sources added, with the top-level names each brought."""
    bytecode: str | None
    """The interpreter that compiled the bytecode; None when the artifact ships sources only."""
    not_compiled: tuple[str, ...] = ()
    """Sources that did not compile for the target and ship without bytecode."""


def build(
    out: Path,
    target: LambdaTarget | None = None,
    additions: Additions | None = None,
    *,
    bytecode: bool = True,
) -> Built:
    """Build the artifact at `out` (with bytecode when `bytecode` and an interpreter of the target's version
    is found). Raises `PackagingError` (bad inputs) or `CalledProcessError` (pip)."""
    target, sources = prepare(target or LambdaTarget.from_pyproject(), additions or Additions())
    interpreter = target_interpreter(target.python_version) if bytecode else None
    with tempfile.TemporaryDirectory(prefix="baton-lambda-deps-") as scratch:
        deps = Path(scratch) / "deps"
        install_dependencies(target, deps)
        everything = [sources[0], dependency_source(deps), *sources[1:]]
        problems = collisions(everything) + unmet_requirements(everything, target)
        if problems:
            raise PackagingError("\n".join(problems))
        entries = [entry for source in everything for entry in source.entries]
        compiled = compile_bytecode(entries, interpreter, Path(scratch)) if interpreter else None
        files = write_zip(entries + (compiled.entries if compiled else []), out)
    added = tuple(f"{source.label}: {', '.join(sorted(source.top_level()))}" for source in sources[1:])
    return Built(files, target.requirements, added, interpreter, tuple(compiled.failed) if compiled else ())


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m consumer.packaging", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "baton-lambda.zip", help="artifact path")
    parser.add_argument(
        "--extra-requirements",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="exact name==version pins your processor needs (repeatable)",
    )
    parser.add_argument(
        "--processor-src",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a source folder whose top-level packages and modules are added (repeatable)",
    )
    parser.add_argument(
        "--processor-dist",
        action="append",
        default=[],
        metavar="NAME",
        help="an installed pure-Python distribution whose files are added (repeatable)",
    )
    args = parser.parse_args(argv)
    additions = Additions(
        tuple(args.extra_requirements), tuple(args.processor_src), tuple(args.processor_dist)
    )
    try:
        built = build(args.out, additions=additions)
    except PackagingError as error:
        sys.stderr.write(f"{parser.prog}: the artifact was not built:\n{error}\n")
        return 2
    except subprocess.CalledProcessError:
        sys.stderr.write(
            f"{parser.prog}: pip could not install the pinned requirements (its output is above)\n"
        )
        return 1
    size = args.out.stat().st_size
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"{os.path.relpath(args.out)}: {size / 1024 / 1024:.2f} MiB ({size} bytes), {built.files} files")
    print(f"sha256 {digest}")
    print(f"pins: {' '.join(built.requirements)}")
    for line in built.added:
        print(f"added {line}")
    if built.bytecode is None:
        print(
            f"bytecode: none (no Python of the target's version found; set {BYTECODE_PYTHON}): each cold "
            "start compiles every module it imports",
            file=sys.stderr,
        )
    else:
        print(f"bytecode: compiled by {built.bytecode}")
    for name in built.not_compiled:
        print(f"not compiled for the target (ships as source): {name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
