"""`baton smoke`, the post-deploy smoke test, against moto: the pipeline is simulated by writing the result
record the default processor would write while the smoke test waits."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from consumer.cli import smoke
from consumer.cli.stack import Stack
from tests.unit.builders import create_results_table

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.cli.conftest import Runner

BUCKET = "baton-relay-staging-ingest-123456789012"
TABLE = "baton-relay-staging-results"


class FakeLambda:
    """Records invocations (moto would need Docker to run a function)."""

    def __init__(self) -> None:
        self.invocations: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.invocations.append(kwargs)
        return {"StatusCode": 202}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        create_results_table(dynamodb, TABLE)
        yield {"s3": s3, "dynamodb": dynamodb, "lambda_client": FakeLambda()}


def target(variant: str = "relay") -> smoke.Target:
    return smoke.Target(variant=variant, bucket=BUCKET, table=TABLE, function_name=f"baton-{variant}")


def pipeline(aws: dict[str, Any], *, status: str = "recorded", corrupt: bool = False) -> Any:
    """A stand-in for sleep that processes every object in the bucket like the default processor."""

    def process(_seconds: float) -> None:
        s3, dynamodb = aws["s3"], aws["dynamodb"]
        for version in s3.list_object_versions(Bucket=BUCKET).get("Versions", []):
            body = s3.get_object(Bucket=BUCKET, Key=version["Key"], VersionId=version["VersionId"])[
                "Body"
            ].read()
            digest = hashlib.sha256(body + (b"x" if corrupt else b"")).hexdigest()
            dynamodb.put_item(
                TableName=TABLE,
                Item={
                    "pk": {"S": f"{BUCKET}/{version['Key']}"},
                    "sk": {"S": f"v#{version['VersionId']}"},
                    "status": {"S": status},
                    "sha256": {"S": digest},
                    "size": {"N": str(len(body))},
                },
            )

    return process


def test_relay_is_started_and_the_record_is_checked(aws: dict[str, Any]) -> None:
    messages: list[str] = []
    record = smoke.run_smoke(target("relay"), **aws, sleep=pipeline(aws), interval=0, log=messages.append)

    assert record["status"] == "recorded"
    assert record["pk"].startswith(f"{BUCKET}/smoke/")
    assert record["pk"].endswith(".txt")
    assert aws["lambda_client"].invocations == [
        {"FunctionName": "baton-relay", "InvocationType": "Event", "Payload": b"{}"}
    ]
    # The upload is removed afterwards (a delete marker), the record stays.
    listing = aws["s3"].list_object_versions(Bucket=BUCKET)
    assert len(listing["DeleteMarkers"]) == 1
    assert any("recorded by the relay pipeline" in message for message in messages)


def test_fifo_is_not_invoked(aws: dict[str, Any]) -> None:
    smoke.run_smoke(target("fifo"), **aws, sleep=pipeline(aws), interval=0, prefix="incoming/", log=print)
    assert aws["lambda_client"].invocations == []
    assert aws["dynamodb"].scan(TableName=TABLE)["Items"][0]["pk"]["S"].startswith(f"{BUCKET}/incoming/")


def test_no_record_before_the_timeout_fails(aws: dict[str, Any]) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(smoke.SmokeError, match="no result record"):
        smoke.run_smoke(target(), **aws, timeout=30, interval=5, sleep=sleep, clock=lambda: now[0], log=print)
    assert now[0] == 30


@pytest.mark.parametrize(
    ("status", "corrupt", "problem"),
    [("superseded", False, "status 'superseded'"), ("recorded", True, "sha256")],
)
def test_a_wrong_record_fails(aws: dict[str, Any], status: str, corrupt: bool, problem: str) -> None:
    with pytest.raises(smoke.SmokeError, match=problem):
        smoke.run_smoke(
            target(), **aws, sleep=pipeline(aws, status=status, corrupt=corrupt), interval=0, log=print
        )


def test_the_target_comes_from_the_stack() -> None:
    stack = Stack(
        "outputs.json",
        variant="fifo",
        bucket=BUCKET,
        results_table=TABLE,
        function="baton-fifo-staging",
        region="eu-west-1",
    )
    assert smoke.Target.of(stack) == smoke.Target("fifo", BUCKET, TABLE, "baton-fifo-staging")
    with pytest.raises(smoke.CliError, match="no bucket known"):
        smoke.Target.of(Stack("outputs.json", variant="fifo", results_table=TABLE, function="f"))
    with pytest.raises(smoke.CliError, match="unknown stack variant"):
        smoke.Target.of(Stack("x", variant="batch", bucket=BUCKET, results_table=TABLE, function="f"))


def test_a_failure_is_one_line_and_exit_status_1(aws: dict[str, Any], tmp_path: Path, baton: Runner) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps(
            {
                "variant": {"value": "fifo"},
                "bucket_name": {"value": BUCKET},
                "results_table_name": {"value": TABLE},
                "function_name": {"value": "baton-fifo"},
                "aws_region": {"value": "us-east-1"},
            }
        ),
        encoding="utf-8",
    )
    result = baton("smoke", "--outputs", str(outputs), "--wait", "0.001", "--interval", "0.001")
    assert result.code == 1
    assert result.err.startswith("baton: error: smoke: FAILED: no result record for")
    assert len(result.err.splitlines()) == 1


def test_a_missing_bucket_is_named(aws: dict[str, Any], baton: Runner) -> None:
    result = baton(
        "smoke", "--bucket", "no-such-bucket", "--table", TABLE, "--function", "f", "--outputs", "-"
    )
    assert result.code == 1
