"""The relay variant end to end on LocalStack: real S3 uploads, the stack applied with Terraform."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.conftest import Stack, wait_until

pytestmark = pytest.mark.integration

OBJECTS = 300


def now_ms() -> int:
    return int(time.time() * 1000) - 1000


def start_chain(stack: Stack) -> None:
    """What the schedule does: an asynchronous invocation that starts a new chain."""
    response = stack.clients("lambda").invoke(
        FunctionName=stack.out["function_name"], InvocationType="Event", Payload=b"{}"
    )
    assert response["StatusCode"] == 202


def summaries(stack: Stack, since: int) -> list[dict[str, Any]]:
    return [line["summary"] for line in stack.json_logs(since) if line.get("message") == "relay run finished"]


def test_a_few_hundred_uploads_drain_through_a_relay_chain(relay: Stack) -> None:
    s3, prefix = relay.clients("s3"), f"bulk-{uuid.uuid4().hex[:6]}/"
    bodies = {
        f"{prefix}batch {i % 7}/file #{i:03d} (ü+%).txt": f"object {i}\n".encode() * (i + 1)
        for i in range(OBJECTS)
    }

    def put(item: tuple[str, bytes]) -> None:
        s3.put_object(Bucket=relay.out["bucket_name"], Key=item[0], Body=item[1])

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(put, bodies.items()))
    wait_until(lambda: relay.depth()[0] >= OBJECTS, timeout=60, what="S3 notifications in the queue")
    since = now_ms()
    start_chain(relay)

    records = wait_until(
        lambda: (found := relay.results(prefix)) and len(found) == OBJECTS and found,
        timeout=300,
        interval=2,
        what=f"{OBJECTS} result records",
    )
    wait_until(lambda: relay.depth() == (0, 0), timeout=60, what="an empty queue")
    for key, body in bodies.items():
        record = records[key]
        assert record["status"] == "recorded"
        assert (int(record["size"]), record["sha256"]) == (len(body), hashlib.sha256(body).hexdigest())
    assert relay.dlq_bodies() == []

    runs = wait_until(
        lambda: (
            (found := summaries(relay, since)) and any(s["stop_reason"] == "drained" for s in found) and found
        ),
        timeout=60,
        what="the chain's last run to log its summary",
    )
    assert max(run["hop"] for run in runs) >= 1, "the chain never relayed"
    assert any(run["relayed"] for run in runs)
    assert len({run["chain_id"] for run in runs if run["trigger"] == "relay"}) == 1
    assert sum(run["processed"] for run in runs) >= OBJECTS
    failures = [line for line in relay.json_logs(since) if line.get("message") == "message failed"]
    assert sum(run["failed"] for run in runs) == 0, [(f.get("error_type"), f.get("error")) for f in failures]


def test_poison_messages_end_in_the_dlq_with_a_clear_log_line(relay: Stack) -> None:
    marker = uuid.uuid4().hex
    not_json, unknown = f"not json {marker}", json.dumps({"unknown": "shape", "marker": marker})
    sqs = relay.clients("sqs")
    for body in (not_json, unknown):
        sqs.send_message(QueueUrl=relay.out["queue_url"], MessageBody=body)
    since = now_ms()
    start_chain(relay)

    wait_until(
        lambda: {not_json, unknown} <= set(relay.dlq_bodies()),
        timeout=120,
        what="both poison messages in the DLQ",
    )
    failures = [
        line
        for line in relay.json_logs(since)
        if line.get("message") == "message failed" and marker in line.get("body_preview", "")
    ]
    assert {line["error_type"] for line in failures} == {"InvalidMessageError"}
    reasons = {line["error"] for line in failures}
    assert any("not JSON" in reason for reason in reasons)
    assert any("neither an S3 event notification" in reason for reason in reasons)
    assert any(line["dead_letter_next"] for line in failures)


def test_the_s3_test_event_is_consumed_without_a_failure(relay: Stack) -> None:
    body = json.dumps(
        {
            "Service": "Amazon S3",
            "Event": "s3:TestEvent",
            "Bucket": relay.out["bucket_name"],
            "RequestId": "it",
        }
    )
    relay.clients("sqs").send_message(QueueUrl=relay.out["queue_url"], MessageBody=body)
    since = now_ms()
    start_chain(relay)
    wait_until(
        lambda: any(s["test_events"] for s in summaries(relay, since)),
        timeout=90,
        what="a run acknowledging it",
    )
    assert body not in relay.dlq_bodies()
    assert relay.depth() == (0, 0)
