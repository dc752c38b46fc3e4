"""The real artifact: built twice it is byte-identical, and both handlers import on the Lambda runtime."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from consumer import packaging

pytestmark = pytest.mark.packaging

RUNTIME_PROVIDED = ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "urllib3", "six.py")
"""What Lambda's python3.13 runtime ships: the artifact may rely on these and nothing else."""


def python313() -> str | None:
    """A Python 3.13 interpreter: on PATH, or under pyenv."""
    candidates = [shutil.which("python3.13")]
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates += sorted(str(p) for p in Path(pyenv_root).glob("versions/3.13*/bin/python3.13"))
    for candidate in filter(None, candidates):
        probe = subprocess.run(  # noqa: S603
            [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 13))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.stdout.strip() == "True":
            return candidate
    return None


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("artifacts")
    first, second = out / "first.zip", out / "second.zip"
    packaging.build(first)
    packaging.build(second)
    return first, second


def test_two_builds_are_byte_identical(artifacts: tuple[Path, Path]) -> None:
    first, second = artifacts
    assert first.read_bytes() == second.read_bytes()
    print(f"artifact size: {first.stat().st_size / 1024 / 1024:.2f} MiB")


def test_artifact_has_code_and_dependencies_but_not_boto3(artifacts: tuple[Path, Path]) -> None:
    with zipfile.ZipFile(artifacts[0]) as archive:
        names = archive.namelist()
    tops = {name.split("/")[0] for name in names}
    assert {"relay_common", "consumer", "aws_lambda_powertools", "aws_xray_sdk", "wrapt"} <= tops
    assert not tops & {"boto3", "botocore", "tests", "bin"}
    assert "consumer/packaging.py" not in names
    assert not [n for n in names if n.endswith(".pyc")]


def test_handlers_import_on_python_313_with_only_what_lambda_provides(
    artifacts: tuple[Path, Path], tmp_path: Path
) -> None:
    interpreter = python313()
    if interpreter is None:
        pytest.skip("no Python 3.13 interpreter found (pyenv install 3.13)")
    task = tmp_path / "task"
    with zipfile.ZipFile(artifacts[0]) as archive:
        archive.extractall(task)
    runtime = tmp_path / "runtime"  # stands in for the runtime's own site-packages
    runtime.mkdir()
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    for name in RUNTIME_PROVIDED:
        (runtime / name).symlink_to(site / name)
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": f"{task}:{runtime}",
        "PYTHONNOUSERSITE": "1",
        "AWS_LAMBDA_FUNCTION_NAME": "baton-smoke",
        "AWS_DEFAULT_REGION": "us-east-1",
        "BATON_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo",
        "BATON_RESULTS_TABLE": "baton-results",
        "BATON_MAX_RECEIVE_COUNT": "1",
        "BATON_TRACING": "true",
    }
    script = (
        "import sys; assert sys.version_info[:2] == (3, 13);"
        "import consumer.relay_handler, consumer.fifo_handler;"
        "import aws_lambda_powertools, boto3;"
        f"assert aws_lambda_powertools.__file__.startswith({str(task)!r}), aws_lambda_powertools.__file__;"
        "print('ok')"
    )
    result = subprocess.run(  # noqa: S603
        [interpreter, "-S", "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")
