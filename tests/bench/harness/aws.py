"""The harness's own AWS clients (every request counted, see `calls.CallCounter`) and LocalStack's views.

The harness's clients carry `baton-bench-harness` in their user agent and count every HTTP attempt they
send, so their calls can be subtracted from LocalStack's request log.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from consumer.local.deploy import LOCAL_CREDENTIALS, ROOT
from tests.bench.harness.calls import CallCounter

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
LOCALSTACK_LOG = Path(os.environ.get("BATON_BENCH_LOCALSTACK_LOG") or ROOT / ".localstack" / "localstack.log")
FAULTS_PATH = "/_localstack/baton/faults"


class Harness:
    """boto3 clients pointed at LocalStack whose calls are counted."""

    def __init__(self, endpoint: str = ENDPOINT) -> None:
        self.endpoint = endpoint
        self.counter = CallCounter()
        self._session = boto3.session.Session(
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=LOCAL_CREDENTIALS["AWS_DEFAULT_REGION"],
        )
        self._config = Config(
            user_agent_extra="baton-bench-harness",
            retries={"max_attempts": 5, "mode": "standard"},
            max_pool_connections=32,
            read_timeout=60,
        )
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        """A counted client (one per service)."""
        if service not in self._clients:
            client = self._session.client(  # type: ignore[call-overload]
                service, endpoint_url=self.endpoint, config=self._config
            )
            self._clients[service] = self.counter.attach(client)
        return self._clients[service]

    # LocalStack's own resources (not AWS calls: not in the request log's AWS lines)

    def _request(self, path: str, method: str = "GET", body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - LocalStack's http endpoint
            f"{self.endpoint}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def health(self) -> dict[str, Any]:
        """LocalStack's health document (version, services)."""
        document = self._request("/_localstack/health")
        return document if isinstance(document, dict) else {}

    def faults(self) -> dict[str, Any] | None:
        """The fault interceptor's state, or None when this LocalStack does not have it (Docker mode)."""
        try:
            document = self._request(FAULTS_PATH)
        except urllib.error.HTTPError:
            return None
        return document if isinstance(document, dict) else None

    def arm_faults(self, config: dict[str, Any]) -> dict[str, Any]:
        """Arm the interceptor (resets its counters)."""
        document = self._request(FAULTS_PATH, "POST", config)
        return document if isinstance(document, dict) else {}

    def disarm_faults(self) -> None:
        self._request(FAULTS_PATH, "DELETE")


def localstack_mode() -> str:
    """host or docker, as `make localstack-up` recorded it (unknown for a LocalStack started elsewhere)."""
    try:
        return (ROOT / ".localstack" / "mode").read_text().strip() or "unknown"
    except OSError:
        return "unknown"
