"""The FIFO variant end to end on LocalStack, replaying the original FIFO design's stall scenario.

The stacks use that design's numbers: function timeout 5 s, queue visibility 30 s, batch size 5,
maxReceiveCount 1. Ten objects are uploaded in order into one message group (the EventBridge rule's), and
processing of the fifth hangs past the function timeout or raises. The chaos processor does that for keys
containing `hang-on-purpose` / `fail-on-purpose`.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote_plus

import pytest

from tests.integration.conftest import VISIBILITY_TIMEOUT, Stack, wait_until

pytestmark = pytest.mark.integration


@dataclass
class Scenario:
    keys: list[str]
    bad: str
    uploaded_at: float
    since_ms: int

    @property
    def after_bad(self) -> list[str]:
        return self.keys[5:]


def upload_ten(stack: Stack, trouble: str) -> Scenario:
    """Upload 01..10 in order; the fifth carries `trouble` in its key."""
    prefix = f"stall-{uuid.uuid4().hex[:6]}/"
    keys = [f"{prefix}{i:02d}{'-' + trouble if i == 5 else ''}.txt" for i in range(1, 11)]
    since, started = int(time.time() * 1000) - 1000, time.time()
    s3 = stack.clients("s3")
    for key in keys:
        s3.put_object(Bucket=stack.out["bucket_name"], Key=key, Body=f"{key}\n".encode())
        time.sleep(0.3)  # EventBridge keeps order only between events that are not simultaneous
    return Scenario(keys, keys[4], started, since)


def dlq_keys(stack: Stack) -> set[str]:
    keys = set()
    for body in stack.dlq_bodies():
        try:
            keys.add(unquote_plus(json.loads(body)["detail"]["object"]["key"]))
        except (ValueError, KeyError, TypeError):
            continue
    return keys


def log_time(line: dict[str, str]) -> float:
    return datetime.strptime(line["timestamp"], "%Y-%m-%d %H:%M:%S,%f%z").timestamp()


def record_time(record: dict[str, str]) -> float:
    return datetime.fromisoformat(record["processed_at"]).timestamp()


def timed_out(stack: Stack, since_ms: int) -> bool:
    return any("Task timed out" in line for line in stack.log_lines(since_ms))


@pytest.mark.parametrize("trouble", ["hang-on-purpose", "fail-on-purpose"])
def test_stall_scenario_one_message_dead_lettered_the_group_not_stalled(fifo: Stack, trouble: str) -> None:
    run = upload_ten(fifo, trouble)
    prefix = run.keys[0].split("/")[0]
    records = wait_until(
        lambda: (found := fifo.results(prefix)) and len(found) == 9 and found, timeout=90, what="nine results"
    )
    assert set(records) == set(run.keys) - {run.bad}
    wait_until(lambda: run.bad in dlq_keys(fifo), timeout=60, what="message 5 in the DLQ")

    failure = next(
        line
        for line in fifo.json_logs(run.since_ms)
        if line.get("message") == "message failed" and line.get("object", "").endswith(run.bad)
    )
    expected = "DeadlineExceeded" if trouble.startswith("hang") else "MessageError"
    assert failure["error_type"] == expected
    assert failure["dead_letter_next"] is True
    failed_at = log_time(failure)
    later = [record_time(records[key]) for key in run.after_bad]
    # 6-10 came within seconds of 5 failing, not after 5's 30 s visibility timeout.
    assert max(later) - failed_at < VISIBILITY_TIMEOUT / 3, f"6-10 took {max(later) - failed_at:.1f}s"
    assert not timed_out(fifo, run.since_ms), "an invocation died of 'Task timed out'"


def test_without_the_deadline_guard_the_timeout_happens_and_nothing_is_lost(fifo_unguarded: Stack) -> None:
    """The control: what the original design suffered. Message 5 hangs past the 5 s function timeout, Lambda
    kills the invocation, and the whole batch holding 5 returns to the queue. Nothing is lost, but it costs:
    "Task timed out", the later messages stalled behind that batch's 30 s visibility timeout, and with
    maxReceiveCount 1 the batch's other, already processed messages are dead-lettered along with 5 (their
    results exist, so redriving them later records nothing twice: the results table's conditional write).

    Which messages share 5's batch depends on when the event source mapping polled (LocalStack's poller backs
    off after errors and empty polls), so the test checks the invariants, not a batch layout."""
    stack = fifo_unguarded
    run = upload_ten(stack, "hang-on-purpose")
    prefix = run.keys[0].split("/")[0]
    wait_until(lambda: timed_out(stack, run.since_ms), timeout=60, what="the invocation to time out")
    state: dict[str, set[str]] = {}

    def accounted() -> bool:
        state["records"], state["dead"] = set(stack.results(prefix)), dlq_keys(stack)
        return set(run.keys) <= state["records"] | state["dead"]

    wait_until(
        accounted,
        timeout=VISIBILITY_TIMEOUT + 150,
        interval=2,
        what="every message to end with a result or in the DLQ",
        details=lambda: (
            f"recorded {sorted(state.get('records', ()))}, dead {sorted(state.get('dead', ()))}, "
            f"queue (visible, in flight) {stack.depth()}"
        ),
    )
    records, dead = stack.results(prefix), state["dead"]

    assert run.bad in dead
    assert run.bad not in records
    recorded_after_bad = [key for key in run.after_bad if key in records]
    assert recorded_after_bad, f"every message after 5 was dead-lettered: {sorted(dead)}"
    stalled_for = min(record_time(records[key]) for key in recorded_after_bad) - run.uploaded_at
    assert stalled_for >= VISIBILITY_TIMEOUT - 5, f"the messages after 5 waited only {stalled_for:.1f}s"
    # 5's batch went to the DLQ whole: those before 5 had been processed (their results exist), those after it
    # never ran. Nothing is lost either way.
    assert {key for key in dead if key in run.keys[:4]} <= set(records)


def test_poison_input_is_dead_lettered_and_the_test_event_consumed(fifo: Stack) -> None:
    marker = uuid.uuid4().hex
    not_json, unknown = f"not json {marker}", json.dumps({"unknown": "shape", "marker": marker})
    test_event = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "RequestId": marker})
    sqs, since = fifo.clients("sqs"), int(time.time() * 1000) - 1000
    for group, body in (("poison-a", not_json), ("poison-b", unknown), ("test-event", test_event)):
        sqs.send_message(QueueUrl=fifo.out["queue_url"], MessageBody=body, MessageGroupId=group)

    wait_until(lambda: {not_json, unknown} <= set(fifo.dlq_bodies()), timeout=60, what="poison in the DLQ")
    lines = fifo.json_logs(since)
    failures = [line for line in lines if line.get("message") == "message failed"]
    assert {line["error_type"] for line in failures if marker in line.get("body_preview", "")} == {
        "InvalidMessageError"
    }
    wait_until(
        lambda: any(line.get("message", "").startswith("s3:TestEvent") for line in fifo.json_logs(since)),
        timeout=30,
        what="the test event to be acknowledged",
    )
    assert test_event not in fifo.dlq_bodies()


def test_prefix_groups_route_each_key_to_exactly_one_rule(fifo: Stack) -> None:
    """`message_groups`: a key under the prefix goes through its own rule and group, every other key through
    the default rule, and none through both (checked with EventBridge's own matcher, TestEventPattern)."""
    events, rules = fifo.clients("events"), fifo.out["event_rule_names"]
    patterns = {name: events.describe_rule(Name=name)["EventPattern"] for name in rules}
    assert fifo.out["message_groups"] == {"grouped/": "grouped"}
    assert len(rules) == 2

    def matching(key: str) -> list[str]:
        event = {
            "id": str(uuid.uuid4()),
            "account": "000000000000",
            "source": "aws.s3",
            "time": "2026-12-02T00:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail-type": "Object Created",
            "detail": {"bucket": {"name": fifo.out["bucket_name"]}, "object": {"key": key}},
        }
        return [
            name
            for name, pattern in patterns.items()
            if events.test_event_pattern(EventPattern=pattern, Event=json.dumps(event))["Result"]
        ]

    default_rule, group_rule = rules
    assert matching("grouped/a.txt") == [group_rule]
    assert matching("other/a.txt") == [default_rule]
    assert matching("baton-send/a.txt") == []

    prefix = f"grouped/{uuid.uuid4().hex[:6]}/"
    keys = [f"{prefix}{i}.txt" for i in range(3)]
    for key in keys:
        fifo.clients("s3").put_object(Bucket=fifo.out["bucket_name"], Key=key, Body=key.encode())
    wait_until(
        lambda: set(fifo.results(prefix)) == set(keys),
        timeout=90,
        what="the grouped uploads to be recorded",
        details=lambda: f"recorded {sorted(fifo.results(prefix))}",
    )
