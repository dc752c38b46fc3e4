"""boto3 clients, created once per container with bounded timeouts and retries.

No AWS call may outlive the function: every client has a connect and read timeout and a small, standard retry
budget. The long-poll SQS client needs a read timeout above the longest `WaitTimeSeconds` (20 s); everything
else uses the short one. Endpoints come from the standard AWS configuration (`AWS_ENDPOINT_URL` and friends),
which is how the same code talks to LocalStack.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
MAX_ATTEMPTS = 3
LONG_POLL_READ_TIMEOUT = 20 + READ_TIMEOUT
"""SQS holds a long poll open for up to 20 s; the socket must wait at least that long."""


def client_config(read_timeout: float = READ_TIMEOUT, max_attempts: int = MAX_ATTEMPTS) -> Config:
    """The botocore configuration every Baton client uses."""
    return Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=read_timeout,
        retries={"max_attempts": max_attempts, "mode": "standard"},
        tcp_keepalive=True,
    )


@functools.cache
def _client(service: str, read_timeout: float = READ_TIMEOUT, max_attempts: int = MAX_ATTEMPTS) -> Any:
    return boto3.session.Session().client(  # type: ignore[call-overload]
        service, config=client_config(read_timeout, max_attempts)
    )


def sqs() -> SQSClient:
    """SQS client for deletes and visibility changes."""
    return _client("sqs")  # type: ignore[no-any-return]


def sqs_long_poll() -> SQSClient:
    """SQS client for `ReceiveMessage` with long polling."""
    return _client("sqs", LONG_POLL_READ_TIMEOUT, 2)  # type: ignore[no-any-return]


def s3() -> S3Client:
    """S3 client (object reads are streamed; the read timeout applies per socket read)."""
    return _client("s3")  # type: ignore[no-any-return]


def dynamodb() -> DynamoDBClient:
    """DynamoDB client."""
    return _client("dynamodb")  # type: ignore[no-any-return]


def lambda_() -> LambdaClient:
    """Lambda client for the relay's self-invocation (two attempts: a failure is logged, not waited out)."""
    return _client("lambda", READ_TIMEOUT, 2)  # type: ignore[no-any-return]


def reset() -> None:
    """Forget the cached clients (tests create them under a fresh mock)."""
    _client.cache_clear()
