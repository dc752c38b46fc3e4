"""An artifact with a processor from outside the repository: the sample in tests/packaging/acme (a source
folder and its exact pins, python-slugify among them) and an installed distribution (iniconfig, which pytest
brings). Built twice it is byte-identical; on python3.13, with only what Lambda provides besides the zip, the
processor imports and the FIFO handler runs one object through it."""

from __future__ import annotations

import json
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from consumer import packaging
from tests.packaging.lambda_runtime import foreign_bytecode, python313, run_python, unpack

pytestmark = pytest.mark.packaging

ACME = Path(__file__).parent / "acme"
ADDITIONS = packaging.Additions(
    extra_requirements=(ACME / "requirements.txt",),
    processor_src=(ACME / "src",),
    processor_dist=("iniconfig",),
)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, packaging.Built]:
    out = tmp_path_factory.mktemp("processor-artifacts")
    first, second = out / "first.zip", out / "second.zip"
    built = packaging.build(first, additions=ADDITIONS)
    packaging.build(second, additions=ADDITIONS)
    return first, second, built


def test_two_builds_with_a_processor_are_byte_identical(
    artifacts: tuple[Path, Path, packaging.Built],
) -> None:
    first, second, built = artifacts
    assert first.read_bytes() == second.read_bytes()
    assert "python-slugify==8.0.4" in built.requirements
    assert "text-unidecode==1.3" in built.requirements
    assert built.added == (
        f"PROCESSOR_SRC={ACME / 'src'}: acme_csv",
        f"PROCESSOR_DIST=iniconfig ({metadata.version('iniconfig')}): iniconfig, "
        f"iniconfig-{metadata.version('iniconfig')}.dist-info",
    )


def test_the_artifact_holds_the_processor_its_pins_and_the_distribution(
    artifacts: tuple[Path, Path, packaging.Built],
) -> None:
    with zipfile.ZipFile(artifacts[0]) as archive:
        names = archive.namelist()
    tops = {name.split("/")[0] for name in names}
    assert {"acme_csv", "slugify", "text_unidecode", "iniconfig", "consumer", "aws_lambda_powertools"} <= tops
    assert "acme_csv/__init__.py" in names
    version = metadata.version("iniconfig")
    assert f"iniconfig-{version}.dist-info/METADATA" in names
    assert f"iniconfig-{version}.dist-info/RECORD" not in names  # install records stay out
    assert foreign_bytecode(names) == []  # the source folder's own __pycache__ stays out


def test_the_processor_runs_an_object_on_python_313_with_only_what_lambda_provides(
    artifacts: tuple[Path, Path, packaging.Built], tmp_path: Path
) -> None:
    interpreter = python313()
    if interpreter is None:
        pytest.skip("no Python 3.13 interpreter found (pyenv install 3.13)")
    task, runtime = unpack(artifacts[0], tmp_path)
    result = run_python(
        interpreter,
        (Path(__file__).parent / "one_object.py").read_text(),
        task,
        runtime,
        tmp_path,
        TASK=str(task),
        AWS_ACCESS_KEY_ID="stubbed",
        AWS_SECRET_ACCESS_KEY="stubbed",  # noqa: S106 - the clients are stubbed, nothing is sent
        INICONFIG_VERSION=metadata.version("iniconfig"),
        AWS_LAMBDA_FUNCTION_NAME="baton-fifo",
        BATON_QUEUE_URL="https://sqs.us-east-1.amazonaws.com/123456789012/baton-fifo.fifo",
        BATON_PROCESSOR="acme_csv:process",
        BATON_RESULTS_TABLE="baton-results",
        BATON_MAX_RECEIVE_COUNT="1",
        BATON_WORKERS="1",  # in the handler's own process: forked workers would make fresh, unstubbed clients
        BATON_CSV_REQUIRED_COLUMNS="Order ID,E-mail Address",
        POWERTOOLS_SERVICE_NAME="baton-fifo",
        POWERTOOLS_METRICS_NAMESPACE="Baton",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "ok"
    record = json.loads(lines[-2])["record"]
    print(f"recorded by acme_csv on python3.13: {record['rows']} rows, {record['invalid']} invalid")
