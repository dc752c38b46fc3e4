"""The real artifact: built twice it is byte-identical, and both handlers import on the Lambda runtime."""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING

import pytest

from consumer import packaging
from tests.packaging.lambda_runtime import foreign_bytecode, python313, run_python, unpack

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.packaging


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
    assert not [n for n in names if n.startswith(("consumer/cli/", "consumer/local/"))]
    assert "consumer/processors/csv_rows.py" in names
    assert foreign_bytecode(names) == []


def test_every_module_ships_its_python_313_bytecode(artifacts: tuple[Path, Path]) -> None:
    """/var/task is read-only: without the build's bytecode each cold start would compile every import."""
    if python313() is None:
        pytest.skip("no Python 3.13 interpreter found (pyenv install 3.13): the build ships sources only")
    with zipfile.ZipFile(artifacts[0]) as archive:
        names = set(archive.namelist())
    sources = [n for n in names if n.endswith(".py") and n.startswith(("consumer/", "relay_common/"))]
    sources += [n for n in names if n.endswith(".py") and n.startswith("aws_lambda_powertools/")]
    compiled = {packaging.source_of_bytecode(n) for n in names if n.endswith(".cpython-313.pyc")}
    missing = [n for n in sources if n not in compiled]
    assert sources
    assert missing == []


def test_handlers_import_on_python_313_with_only_what_lambda_provides(
    artifacts: tuple[Path, Path], tmp_path: Path
) -> None:
    interpreter = python313()
    if interpreter is None:
        pytest.skip("no Python 3.13 interpreter found (pyenv install 3.13)")
    task, runtime = unpack(artifacts[0], tmp_path)
    # Every source compiled at import is recorded: those of the artifact must all come from its bytecode.
    spy = (
        "import importlib._bootstrap_external as b; compiled = []; to_code = b.SourceLoader.source_to_code;"
        "b.SourceLoader.source_to_code = lambda self, data, path, *a, **k: (compiled.append(path),"
        " to_code(self, data, path, *a, **k))[1];"
    )
    script = (
        spy + "import sys; assert sys.version_info[:2] == (3, 13);"
        "import consumer.relay_handler, consumer.fifo_handler;"
        "import aws_lambda_powertools, boto3;"
        f"assert consumer.__file__.startswith({str(task)!r}), consumer.__file__;"
        f"assert aws_lambda_powertools.__file__.startswith({str(task)!r}), aws_lambda_powertools.__file__;"
        "import relay_common.sqs; assert 'relay_common.sqs' in sys.modules;"
        f"assert not [p for p in compiled if p.startswith({str(task)!r})], compiled;"
        "print('ok')"
    )
    result = run_python(
        interpreter,
        script,
        task,
        runtime,
        tmp_path,
        PYTHONDONTWRITEBYTECODE="1",
        AWS_LAMBDA_FUNCTION_NAME="baton-smoke",
        BATON_QUEUE_URL="https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo",
        BATON_RESULTS_TABLE="baton-results",
        BATON_MAX_RECEIVE_COUNT="1",
        BATON_TRACING="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")
