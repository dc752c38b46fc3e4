"""Fixtures for the end-to-end tests: LocalStack, the artifact, stacks deployed with `terraform apply`.

Every deployment gets a fresh name and is destroyed afterwards, so the suite can run twice against one
LocalStack. `make test-integration` sets BATON_REQUIRE_LOCALSTACK=1: then a missing LocalStack fails the run
instead of skipping it.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from consumer import packaging
from consumer.local.deploy import ARTIFACT, ROOT, Deployment
from consumer.local.session import endpoint_url, localstack_session
from relay_common.lease import RESERVED_PREFIX

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

pytestmark = pytest.mark.integration

ENDPOINT = endpoint_url()
VISIBILITY_TIMEOUT = 30
# The original FIFO design's numbers: function timeout 5 s, visibility 30 s, batch 5, maxReceiveCount 1; the
# chaos processor hangs or fails on purpose for keys containing hang-on-purpose / fail-on-purpose.
ORIGINAL_FIFO_DESIGN: dict[str, Any] = {
    "function_timeout": 5,
    "visibility_timeout_seconds": VISIBILITY_TIMEOUT,
    "batch_size": 5,
    "max_receive_count": 1,
    "processor": "consumer.processors.chaos:process",
    # 5 messages x 0.8 s + 0.75 s margin fit in the 5 s function timeout (the stack validates this).
    "message_timeout_seconds": 0.8,
    "safety_margin_seconds": 0.75,
}


def wait_until(
    condition: Callable[[], Any],
    *,
    timeout: float,
    interval: float = 1.0,
    what: str,
    details: Callable[[], str] | None = None,
) -> Any:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds saying `what` (and
    what `details` reports of the state at that moment)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            state = f": {details()}" if details is not None else ""
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}{state}")
        time.sleep(interval)


@dataclass
class Stack:
    """A deployed stack and clients to look at it."""

    deployment: Deployment
    clients: Callable[[str], Any]

    @property
    def out(self) -> dict[str, Any]:
        return self.deployment.outputs

    def results(self, prefix: str = "") -> dict[str, dict[str, str]]:
        """Result records by object key (scanning: the tables here are small)."""
        items: dict[str, dict[str, str]] = {}
        paginator = self.clients("dynamodb").get_paginator("scan")
        for page in paginator.paginate(TableName=self.out["results_table_name"]):
            for item in page["Items"]:
                plain = {name: next(iter(value.values())) for name, value in item.items()}
                if plain["pk"].startswith(RESERVED_PREFIX):
                    continue  # the chain lease, not a result
                if plain["key"].startswith(prefix):
                    assert plain["key"] not in items, f"two result records for {plain['key']}"
                    items[plain["key"]] = plain
        return items

    def depth(self, url_output: str = "queue_url") -> tuple[int, int]:
        """(visible, in flight) of the source queue or, with `dlq_url`, the DLQ."""
        attrs = self.clients("sqs").get_queue_attributes(
            QueueUrl=self.out[url_output],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def dlq_bodies(self) -> list[str]:
        """Bodies in the DLQ, peeked (visibility 0 keeps them there)."""
        sqs, bodies, seen = self.clients("sqs"), [], set()
        for _ in range(20):
            response = sqs.receive_message(
                QueueUrl=self.out["dlq_url"], MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
            )
            fresh = [m for m in response.get("Messages", []) if m["MessageId"] not in seen]
            if not fresh:
                break
            seen.update(m["MessageId"] for m in fresh)
            bodies += [m["Body"] for m in fresh]
        return bodies

    def log_lines(self, since_ms: int = 0) -> list[str]:
        """The function's log lines since `since_ms`."""
        client, lines, token = self.clients("logs"), [], None
        group = self.out["log_group_name"]
        while True:
            kwargs: dict[str, Any] = {"logGroupName": group, "startTime": since_ms}
            if token:
                kwargs["nextToken"] = token
            try:
                page = client.filter_log_events(**kwargs)
            except client.exceptions.ResourceNotFoundException:
                return []
            lines += [event["message"] for event in page["events"]]
            token = page.get("nextToken")
            if not token:
                return lines

    def json_logs(self, since_ms: int = 0) -> list[dict[str, Any]]:
        """The function's structured (Powertools) log lines."""
        parsed = []
        for line in self.log_lines(since_ms):
            for part in line.splitlines():
                text = part.strip()
                if text.startswith("{"):
                    try:
                        parsed.append(json.loads(text))
                    except json.JSONDecodeError:
                        continue
        return parsed


@pytest.fixture(scope="session")
def endpoint() -> str:
    """LocalStack's endpoint; the session skips (or, under `make test-integration`, fails) without it."""
    try:
        with urllib.request.urlopen(f"{ENDPOINT}/_localstack/health", timeout=3) as response:  # noqa: S310
            json.load(response)
    except OSError as error:
        message = f"LocalStack is not reachable at {ENDPOINT} ({error}); start it with `make localstack-up`"
        if os.environ.get("BATON_REQUIRE_LOCALSTACK") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return ENDPOINT


@pytest.fixture(scope="session")
def artifact() -> str:
    """The Lambda zip the stacks deploy, rebuilt when a source is newer (`make package` builds it too)."""
    sources = [path for _, path in packaging.source_files()] + [ROOT / "pyproject.toml"]
    if not ARTIFACT.exists() or max(p.stat().st_mtime for p in sources) > ARTIFACT.stat().st_mtime:
        packaging.build(ARTIFACT)
    return str(ARTIFACT)


@pytest.fixture(scope="session")
def clients(endpoint: str) -> Callable[[str], Any]:
    """boto3 clients pointed at LocalStack (`endpoint`), one per service for the session."""
    session = localstack_session()
    cache: dict[str, Any] = {}

    def make(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service)
        return cache[service]

    return make


# Every stack the suite uses, by fixture name: (variant, Terraform variables).
STACKS: dict[str, tuple[str, dict[str, Any]]] = {
    # A 3 s working budget per run, so draining a few hundred messages takes a chain of several runs; no
    # backoff, so a poison message uses up its receives (maxReceiveCount 5) within one run.
    "relay": ("relay", {"time_budget_seconds": 3, "wait_time_seconds": 1, "retry_backoff_seconds": 0}),
    # One prefix with a message group of its own: the other tests' keys take the default rule, whose pattern
    # then excludes a list of prefixes.
    "fifo": ("fifo", {**ORIGINAL_FIFO_DESIGN, "message_groups": {"grouped/": "grouped"}}),
    "fifo_unguarded": ("fifo", {**ORIGINAL_FIFO_DESIGN, "deadline_guard": False}),
}


@pytest.fixture(scope="session")
def deployments(
    request: pytest.FixtureRequest, endpoint: str, artifact: str
) -> Iterator[dict[str, Deployment]]:
    """Apply, under fresh names and all at once, the stacks the selected tests use; destroy them at the end.

    Every apply finishes before the first test runs, so timing-sensitive tests never share the machine with
    a terraform run."""
    wanted = sorted({name for item in request.session.items for name in item.fixturenames if name in STACKS})
    run = uuid.uuid4().hex[:6]
    planned = {
        fixture: Deployment(
            variant,
            name := f"it{run}-{fixture.replace('_', '-')}",
            ROOT / ".localstack" / "deployments" / name,
            variables,
        )
        for fixture in wanted
        for variant, variables in [STACKS[fixture]]
    }
    with ThreadPoolExecutor(max_workers=max(len(planned), 1)) as pool:
        try:
            for future in [pool.submit(d.apply, endpoint) for d in planned.values()]:
                future.result()
            yield planned
        finally:
            for future in [pool.submit(d.destroy) for d in planned.values()]:
                future.result()


@pytest.fixture(scope="session")
def relay(deployments: dict[str, Deployment], clients: Callable[[str], Any]) -> Stack:
    return Stack(deployments["relay"], clients)


@pytest.fixture(scope="session")
def fifo(deployments: dict[str, Deployment], clients: Callable[[str], Any]) -> Stack:
    return Stack(deployments["fifo"], clients)


@pytest.fixture(scope="session")
def fifo_unguarded(deployments: dict[str, Deployment], clients: Callable[[str], Any]) -> Stack:
    return Stack(deployments["fifo_unguarded"], clients)
