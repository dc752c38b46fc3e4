"""Fixtures for the operator CLI: a moto account with both stacks' resources, their outputs files, and a
runner that calls `baton` in-process and captures what it printed."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from consumer.cli import main
from consumer.cli.aws import Aws as CliAws
from relay_common import clients
from relay_common.observability import discard_counts
from tests.unit.builders import ACCOUNT, REGION, Aws, Queue, create_idempotency_table, create_results_table

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CHAOS = "consumer.processors.chaos:process"
SESSION = boto3.session.Session(region_name=REGION)
"""Shared by every test's fixture clients: service models are loaded once, not per test."""


@pytest.fixture(autouse=True)
def cli_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials, a fixed region, a wide console, no BATON_* settings from the outside."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_REGION",
        "BATON_QUEUE_URL",
        "BATON_PROCESSOR",
        "BATON_RESULTS_TABLE",
        "BATON_IDEMPOTENCY_TABLE",
        "BATON_MAX_RECEIVE_COUNT",
        "BATON_WAIT_TIME_SECONDS",
        "BATON_MESSAGE_TIMEOUT_SECONDS",
        "BATON_DEBUG",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("COLUMNS", "220")
    clients.reset()
    yield
    clients.reset()
    discard_counts()


@dataclass
class Result:
    """What one `baton` run returned and printed."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Runner = Callable[..., Result]


@pytest.fixture
def baton(capsys: pytest.CaptureFixture[str]) -> Runner:
    """Run `baton` with the given arguments in this process."""

    def run(*argv: str) -> Result:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse: --help and usage errors
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@dataclass
class Cloud:
    """Both stacks' resources in moto, and their `terraform output -json` files."""

    aws: Aws
    relay: Queue
    fifo: Queue
    relay_function: str
    fifo_function: str
    relay_outputs: Path
    fifo_outputs: Path
    delivery_dlq_url: str
    """The FIFO route's delivery DLQ (a standard queue), in the fifo outputs as `delivery_dlq_url`."""
    lambda_: Any
    logs: Any
    cloudwatch: Any

    def outputs(self, variant: str) -> list[str]:
        path = self.relay_outputs if variant == "relay" else self.fifo_outputs
        return ["--outputs", str(path)]

    def dlq_depth(self, queue: Queue) -> tuple[int, int]:
        return queue.depth(queue.dlq_url)

    def put_result(self, key: str, *, day: str, processed_at: str, status: str = "recorded") -> None:
        self.aws.dynamodb.put_item(
            TableName=self.aws.results_table,
            Item={
                "pk": {"S": f"{self.aws.bucket}/{key}"},
                "sk": {"S": f"s#{processed_at}"},
                "key": {"S": key},
                "status": {"S": status},
                "size": {"N": "12"},
                "lines": {"N": "2"},
                "day": {"S": day},
                "processed_at": {"S": processed_at},
            },
        )


def _function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def _outputs(path: Path, variant: str, aws: Aws, queue: Queue, function: str, **extra: str) -> Path:
    dlq_arn = queue.sqs.get_queue_attributes(QueueUrl=queue.dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    values = {
        "bucket_name": aws.bucket,
        "queue_url": queue.url,
        "queue_arn": queue.arn,
        "dlq_url": queue.dlq_url,
        "dlq_arn": dlq_arn,
        "function_name": function,
        "results_table_name": aws.results_table,
        "idempotency_table_name": aws.idempotency_table,
        "variant": variant,
        **extra,
    }
    document = {
        name: {"sensitive": False, "type": "string", "value": value} for name, value in values.items()
    }
    path.write_text(json.dumps(document))
    return path


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    """A mocked account with a bucket, the two tables (results with its `recent` index), the relay and
    FIFO queues with their DLQs, and both functions (the FIFO one runs the chaos processor)."""
    with mock_aws():
        s3 = SESSION.client("s3", region_name=REGION)
        sqs = SESSION.client("sqs", region_name=REGION)
        dynamodb = SESSION.client("dynamodb", region_name=REGION)
        iam = SESSION.client("iam", region_name=REGION)
        lambda_ = SESSION.client("lambda", region_name=REGION)
        bucket, results, idempotency = "baton-ingest", "baton-results", "baton-idempotency"
        s3.create_bucket(Bucket=bucket)
        create_results_table(dynamodb, results)
        create_idempotency_table(dynamodb, idempotency)
        aws = Aws(bucket, results, idempotency, s3, sqs, dynamodb)
        relay = aws.queue("baton-relay", max_receive=3, visibility=30)
        fifo = aws.queue("baton-fifo", fifo=True, max_receive=1, visibility=30)
        delivery_dlq = sqs.create_queue(QueueName="baton-fifo-object-created-delivery-dlq")["QueueUrl"]
        role = iam.create_role(
            RoleName="baton-fn",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
        functions = {"baton-relay": {}, "baton-fifo": {"BATON_PROCESSOR": CHAOS}}
        for name, variables in functions.items():
            lambda_.create_function(
                FunctionName=name,
                Runtime="python3.13",
                Role=role,
                Handler="handler.handler",
                Code={"ZipFile": _function_zip()},
                Timeout=60,
                Environment={"Variables": {"BATON_RESULTS_TABLE": results, **variables}},
            )
        yield Cloud(
            aws=aws,
            relay=relay,
            fifo=fifo,
            relay_function="baton-relay",
            fifo_function="baton-fifo",
            relay_outputs=_outputs(tmp_path / "relay.json", "relay", aws, relay, "baton-relay"),
            fifo_outputs=_outputs(
                tmp_path / "fifo.json", "fifo", aws, fifo, "baton-fifo", delivery_dlq_url=delivery_dlq
            ),
            delivery_dlq_url=delivery_dlq,
            lambda_=lambda_,
            logs=SESSION.client("logs", region_name=REGION),
            cloudwatch=SESSION.client("cloudwatch", region_name=REGION),
        )


def use_client(monkeypatch: pytest.MonkeyPatch, service: str, client: Any) -> None:
    """Make the CLI use `client` for `service` (a stubbed client for calls moto does not implement)."""
    original = CliAws.client

    def client_for(self: CliAws, name: str, *, read_timeout: float | None = None) -> Any:
        if name == service:
            return client
        return original(self, name, read_timeout=read_timeout)

    monkeypatch.setattr(CliAws, "client", client_for)


__all__ = ["ACCOUNT", "CHAOS", "REGION", "Cloud", "Result", "Runner", "use_client"]
