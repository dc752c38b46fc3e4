"""Fixtures for unit tests: a moto-backed AWS account with Baton's resources."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from relay_common import clients
from relay_common.observability import discard_counts, logger
from tests.unit.builders import REGION, Aws, create_idempotency_table, create_results_table


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and region; nothing can reach a real AWS account."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE", "AWS_LAMBDA_FUNCTION_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    clients.reset()
    yield
    clients.reset()
    discard_counts()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    """A mocked account with an ingest bucket and Baton's two tables, named in the environment."""
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        bucket, results, idempotency = "baton-ingest", "baton-results", "baton-idempotency"
        s3.create_bucket(Bucket=bucket)
        create_results_table(dynamodb, results)
        create_idempotency_table(dynamodb, idempotency)
        monkeypatch.setenv("BATON_RESULTS_TABLE", results)
        yield Aws(bucket, results, idempotency, s3, sqs, dynamodb)


LogReader = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def logs() -> Iterator[LogReader]:
    """The JSON log lines Baton's Powertools logger wrote during the test, parsed."""
    handler = logger.registered_handler
    buffer = io.StringIO()
    previous = handler.setStream(buffer)  # type: ignore[attr-defined]
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
