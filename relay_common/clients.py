"""boto3 clients with bounded timeouts and retries, created once per service and process.

No AWS call may outlive the function: every client has a connect and read timeout and a small, standard retry
budget. The long-poll SQS client needs a read timeout above the longest `WaitTimeSeconds` (20 s); everything
else uses the short one. Endpoints come from the standard AWS configuration (`AWS_ENDPOINT_URL` and friends),
which is how the same code talks to LocalStack.

`Clients` is what a processor's `setup()` receives, so a processor never builds its own session: in Lambda
it is the container's default; `baton drain` and `baton try` hand over one made from the CLI's profile,
region and endpoint. boto3 clients must not cross a `fork`: a worker process calls `reset()` for fresh
ones.
"""

from __future__ import annotations

import threading
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


class Clients:
    """Creates each client once, from one boto3 session, with Baton's timeouts and retry budget."""

    def __init__(
        self, *, profile: str | None = None, region: str | None = None, endpoint_url: str | None = None
    ) -> None:
        self._profile = profile
        self._region = region
        self._endpoint_url = endpoint_url
        self._session: boto3.session.Session | None = None
        self._cache: dict[tuple[str, float, int], Any] = {}
        self._lock = threading.Lock()

    def fresh(self) -> Clients:
        """New clients for the same account and endpoint (a forked worker must not reuse its parent's)."""
        return Clients(profile=self._profile, region=self._region, endpoint_url=self._endpoint_url)

    def client(
        self, service: str, *, read_timeout: float = READ_TIMEOUT, max_attempts: int = MAX_ATTEMPTS
    ) -> Any:
        """A client for any service (a processor that calls more than S3 and DynamoDB asks here)."""
        key = (service, read_timeout, max_attempts)
        with self._lock:  # sessions are not thread-safe; creating clients under one lock is enough
            cached = self._cache.get(key)
            if cached is None:
                if self._session is None:
                    self._session = boto3.session.Session(profile_name=self._profile)
                extra: dict[str, Any] = {}
                if self._endpoint_url:
                    extra["endpoint_url"] = self._endpoint_url
                if self._region:
                    extra["region_name"] = self._region
                cached = self._session.client(  # type: ignore[call-overload]
                    service, config=client_config(read_timeout, max_attempts), **extra
                )
                self._cache[key] = cached
            return cached

    def sqs(self) -> SQSClient:
        """SQS client for deletes and visibility changes."""
        return self.client("sqs")  # type: ignore[no-any-return]

    def sqs_long_poll(self) -> SQSClient:
        """SQS client for `ReceiveMessage` with long polling."""
        return self.client("sqs", read_timeout=LONG_POLL_READ_TIMEOUT, max_attempts=2)  # type: ignore[no-any-return]

    def s3(self) -> S3Client:
        """S3 client (object reads are streamed; the read timeout applies per socket read)."""
        return self.client("s3")  # type: ignore[no-any-return]

    def dynamodb(self) -> DynamoDBClient:
        """DynamoDB client."""
        return self.client("dynamodb")  # type: ignore[no-any-return]

    def lambda_(self) -> LambdaClient:
        """Lambda client for the relay's self-invocation (two attempts: a failure is logged, not awaited)."""
        return self.client("lambda", max_attempts=2)  # type: ignore[no-any-return]


_default: Clients | None = None


def default() -> Clients:
    """The process's clients, from the standard AWS configuration."""
    global _default  # noqa: PLW0603 - one set of clients per process, replaced by reset()
    if _default is None:
        _default = Clients()
    return _default


def reset() -> None:
    """Forget the process's clients: after a fork, or in tests that create them under a fresh mock."""
    global _default  # noqa: PLW0603
    _default = None
