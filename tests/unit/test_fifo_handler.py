"""The FIFO consumer under both failure policies, driven like Lambda's event source mapping drives it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

from consumer import fifo_handler
from consumer.fifo_handler import FifoConsumer
from relay_common.config import CoreSettings, FailurePolicy, FifoSettings
from relay_common.errors import ConfigurationError
from relay_common.processing import MessageEngine
from tests.unit.builders import Aws, FakeContext, Queue, body_for_upload

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.unit.conftest import LogReader

FUNCTION_TIMEOUT = 8.0
MESSAGE_TIMEOUT = 1.2
SAFETY_MARGIN = 0.75
# The invariant the Terraform stack enforces: a whole batch fits inside the function timeout.
assert 5 * MESSAGE_TIMEOUT + SAFETY_MARGIN <= FUNCTION_TIMEOUT


@pytest.fixture(autouse=True)
def fresh_consumer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BATON_CHAOS_HANG_SECONDS", "60")
    yield
    fifo_handler.consumer.cache_clear()


class Mapping:
    """What Lambda's SQS event source mapping does: receive a batch, invoke, delete all but the failures."""

    def __init__(self, queue: Queue, consumer: FifoConsumer, batch_size: int = 5) -> None:
        self.queue, self.consumer, self.batch_size = queue, consumer, batch_size
        self.invocations: list[tuple[list[str], list[str], float]] = []

    def poll(self, wait: int = 0) -> list[dict[str, Any]]:
        response = self.queue.sqs.receive_message(
            QueueUrl=self.queue.url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["All"],
        )
        return response.get("Messages", [])

    def invoke(self, messages: list[dict[str, Any]]) -> list[str]:
        event = {"Records": [self._record(m) for m in messages]}
        context = FakeContext(timeout=FUNCTION_TIMEOUT, function_name="baton-fifo")
        started = time.monotonic()
        response = self.consumer.handle(event, context)  # type: ignore[arg-type]
        elapsed = time.monotonic() - started
        assert elapsed < FUNCTION_TIMEOUT, f"the invocation took {elapsed:.2f}s: Lambda would have killed it"
        failed = [item["itemIdentifier"] for item in response["batchItemFailures"]]
        done = [m for m in messages if m["MessageId"] not in failed]
        for message in done:
            self.queue.sqs.delete_message(QueueUrl=self.queue.url, ReceiptHandle=message["ReceiptHandle"])
        self.invocations.append(([m["MessageId"] for m in messages], failed, elapsed))
        return failed

    def run(self, *, until_idle: float = 1.0) -> None:
        """Poll and invoke until nothing arrives for `until_idle` seconds."""
        idle_since = time.monotonic()
        while time.monotonic() - idle_since < until_idle:
            messages = self.poll()
            if messages:
                self.invoke(messages)
                idle_since = time.monotonic()
            else:
                time.sleep(0.05)

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message["Attributes"],
            "messageAttributes": {},
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue.arn,
            "awsRegion": "us-east-1",
        }


def make_consumer(
    queue: Queue,
    aws: Aws,
    *,
    policy: FailurePolicy = FailurePolicy.SKIP,
    processor: str = "consumer.processors.chaos:process",
    message_timeout: float = MESSAGE_TIMEOUT,
    max_receive_count: int = 1,
) -> FifoConsumer:
    core = CoreSettings(
        queue_url=queue.url,
        processor=processor,
        results_table=aws.results_table,
        message_timeout=message_timeout,
        safety_margin=SAFETY_MARGIN,
        max_receive_count=max_receive_count,
        environment={"BATON_CHAOS_HANG_SECONDS": "60"},
    )
    engine = MessageEngine.from_settings(core)  # as at cold start: setup() creates the clients
    return FifoConsumer(FifoSettings(core=core, failure_policy=policy), engine, sqs=aws.sqs)


def send_uploads(aws: Aws, queue: Queue, names: list[str], group: str) -> dict[str, str]:
    """Upload objects and send their EventBridge events in order; returns key -> message id."""
    ids = {}
    for name in names:
        key = f"{group}/{name}"
        ids[key] = queue.send(body_for_upload(aws, key, aws.put(key), route="eventbridge"), group=group)
    return ids


def recorded_keys(aws: Aws) -> set[str]:
    return {item["key"] for item in aws.results()}


TEN = [f"{i:02d}.txt" for i in range(1, 11)]


@pytest.mark.parametrize("trouble", ["fail-on-purpose", "hang-on-purpose"])
def test_skip_the_stall_scenario_dead_letters_one_and_processes_the_rest_at_once(
    aws: Aws, trouble: str
) -> None:
    queue = aws.queue("stall", fifo=True, max_receive=1, visibility=30)
    names = [*TEN[:4], f"05-{trouble}.txt", *TEN[5:]]
    ids = send_uploads(aws, queue, names, group="g1")
    mapping = Mapping(queue, make_consumer(queue, aws))
    started = time.monotonic()
    mapping.run()
    bad = f"g1/05-{trouble}.txt"
    first_ids, first_failed, _ = mapping.invocations[0]
    assert first_ids == list(ids.values())[:5]
    assert first_failed == [ids[bad]], "only the failed message is reported"
    assert recorded_keys(aws) == {key for key in ids if key != bad}
    assert len(queue.dlq_bodies()) == 1
    assert queue.depth() == (0, 0)
    # Messages 6-10 came within seconds of 5 failing, not after its 30 s visibility timeout.
    assert time.monotonic() - started < 15


def test_without_the_visibility_reset_the_group_would_stall(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: what the original design suffered. With the reset disabled, 6-10 wait for 5's timeout."""
    queue = aws.queue("control", fifo=True, max_receive=1, visibility=30)
    send_uploads(aws, queue, [*TEN[:4], "05-fail-on-purpose.txt", *TEN[5:]], group="g1")
    consumer = make_consumer(queue, aws)
    monkeypatch.setattr(consumer, "_make_visible", lambda failed, budget: None)
    mapping = Mapping(queue, consumer)
    mapping.run(until_idle=1.5)
    assert len(recorded_keys(aws)) == 4, "the group is blocked behind the in-flight failed message"
    assert queue.depth() == (5, 1)


def test_skip_with_several_groups_in_one_batch(aws: Aws) -> None:
    queue = aws.queue("groups", fifo=True, max_receive=1)
    ids: dict[str, str] = {}
    for name in ("a1", "b1", "a2-fail-on-purpose", "b2", "a3"):
        group = name[0]
        key = f"{group}/{name}.txt"
        ids[key] = queue.send(body_for_upload(aws, key, aws.put(key), route="eventbridge"), group=group)
    mapping = Mapping(queue, make_consumer(queue, aws))
    failed = mapping.invoke(mapping.poll())
    assert failed == [ids["a/a2-fail-on-purpose.txt"]]
    assert recorded_keys(aws) == {"a/a1.txt", "b/b1.txt", "b/b2.txt", "a/a3.txt"}


def test_hold_group_reports_the_failure_and_the_rest_of_its_group_only(aws: Aws) -> None:
    queue = aws.queue("hold", fifo=True, max_receive=3)
    ids: dict[str, str] = {}
    for name in ("a1", "b1", "a2-fail-on-purpose", "b2", "a3"):
        group = name[0]
        key = f"{group}/{name}.txt"
        ids[key] = queue.send(body_for_upload(aws, key, aws.put(key), route="eventbridge"), group=group)
    consumer = make_consumer(queue, aws, policy=FailurePolicy.HOLD_GROUP, max_receive_count=3)
    mapping = Mapping(queue, consumer)
    failed = mapping.invoke(mapping.poll())
    assert failed == [ids["a/a2-fail-on-purpose.txt"], ids["a/a3.txt"]]
    assert recorded_keys(aws) == {"a/a1.txt", "b/b1.txt", "b/b2.txt"}, "a3 was not attempted out of order"
    assert queue.depth() == (0, 2), "held messages keep their visibility timeout: strict order, with backoff"


def test_hold_group_the_stall_scenario_in_one_group(aws: Aws) -> None:
    queue = aws.queue("hold-stall", fifo=True, max_receive=2)
    ids = send_uploads(aws, queue, [*TEN[:2], "03-hang-on-purpose.txt", *TEN[3:5]], group="g")
    consumer = make_consumer(queue, aws, policy=FailurePolicy.HOLD_GROUP, max_receive_count=2)
    mapping = Mapping(queue, consumer)
    failed = mapping.invoke(mapping.poll())
    assert failed == list(ids.values())[2:]
    assert recorded_keys(aws) == {"g/01.txt", "g/02.txt"}


def test_an_all_failed_batch_is_returned_not_raised(aws: Aws) -> None:
    queue = aws.queue("all-failed", fifo=True, max_receive=1)
    bad = [queue.send("not json", group="g"), queue.send('{"what": 1}', group="g"), queue.send("", group="h")]
    mapping = Mapping(queue, make_consumer(queue, aws))
    failed = mapping.invoke(mapping.poll())
    assert failed == bad
    mapping.poll()  # the next receive moves them to the DLQ (maxReceiveCount 1)
    assert sorted(queue.dlq_bodies()) == sorted(["not json", '{"what": 1}', ""])


def test_hanging_past_the_function_timeout_is_interrupted_in_time(aws: Aws) -> None:
    queue = aws.queue("hangs", fifo=True, max_receive=1)
    ids = send_uploads(aws, queue, [f"{i}-hang-on-purpose.txt" for i in range(5)], group="g")
    mapping = Mapping(queue, make_consumer(queue, aws))
    failed = mapping.invoke(mapping.poll())  # asserts the invocation ended inside the 5 s timeout
    assert failed == list(ids.values())


def test_test_events_and_results_are_logged_with_the_message_id(aws: Aws, logs: LogReader) -> None:
    queue = aws.queue("logged", fifo=True, max_receive=1)
    ids = send_uploads(aws, queue, ["ok.txt", "x-fail-on-purpose.txt"], group="g")
    mapping = Mapping(queue, make_consumer(queue, aws))
    mapping.invoke(mapping.poll())
    failure = next(line for line in logs() if line["message"] == "message failed")
    assert failure["message_id"] == ids["g/x-fail-on-purpose.txt"]
    assert failure["error_type"] == "MessageError"
    assert "failing on purpose" in failure["error"]
    assert failure["dead_letter_next"] is True
    summary = next(line for line in logs() if line["message"] == "FIFO batch finished")["summary"]
    assert (summary["processed"], summary["failed"], summary["reported"]) == (1, 1, 1)


def test_lambda_handler_builds_from_the_environment(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    queue = aws.queue("env", fifo=True, max_receive=1)
    send_uploads(aws, queue, ["one.txt"], group="g")
    monkeypatch.setenv("BATON_QUEUE_URL", queue.url)
    monkeypatch.setenv("BATON_MAX_RECEIVE_COUNT", "1")
    monkeypatch.setenv("BATON_WORKERS", "1")
    messages = Mapping(queue, make_consumer(queue, aws)).poll()
    event = {"Records": [Mapping(queue, make_consumer(queue, aws))._record(m) for m in messages]}
    response = fifo_handler.lambda_handler(event, FakeContext(timeout=5))  # type: ignore[arg-type]
    assert response == {"batchItemFailures": []}
    assert recorded_keys(aws) == {"g/one.txt"}


def test_cold_start_refuses_hold_group_with_max_receive_count_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATON_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/q.fifo")
    monkeypatch.setenv("BATON_FAILURE_POLICY", "hold_group")
    monkeypatch.setenv("BATON_MAX_RECEIVE_COUNT", "1")
    with pytest.raises(ConfigurationError, match="hold_group needs the queue's maxReceiveCount"):
        fifo_handler.consumer()


@pytest.mark.parametrize("trouble", ["fail-on-purpose", "hang-on-purpose"])
def test_skip_a_batch_of_five_whose_third_fails_reports_only_the_third_and_makes_it_visible(
    aws: Aws, trouble: str
) -> None:
    queue = aws.queue("third", fifo=True, max_receive=3, visibility=300)
    ids = send_uploads(aws, queue, ["1.txt", "2.txt", f"3-{trouble}.txt", "4.txt", "5.txt"], group="g")
    mapping = Mapping(queue, make_consumer(queue, aws, max_receive_count=3))
    failed = mapping.invoke(mapping.poll())
    assert failed == [ids[f"g/3-{trouble}.txt"]]
    assert recorded_keys(aws) == {"g/1.txt", "g/2.txt", "g/4.txt", "g/5.txt"}
    assert queue.depth() == (1, 0), "the third is visible again at once, not after its 300 s visibility"


@pytest.mark.parametrize("trouble", ["fail-on-purpose", "hang-on-purpose"])
def test_hold_group_a_batch_of_five_whose_third_fails_holds_the_rest_of_its_group_only(
    aws: Aws, trouble: str
) -> None:
    queue = aws.queue("third-hold", fifo=True, max_receive=3)
    ids: dict[str, str] = {}
    for group, name in (("a", "1"), ("b", "2"), ("a", f"3-{trouble}"), ("a", "4"), ("b", "5")):
        key = f"{group}/{name}.txt"
        ids[key] = queue.send(body_for_upload(aws, key, aws.put(key), route="eventbridge"), group=group)
    consumer = make_consumer(queue, aws, policy=FailurePolicy.HOLD_GROUP, max_receive_count=3)
    mapping = Mapping(queue, consumer)
    failed = mapping.invoke(mapping.poll())
    assert failed == [ids[f"a/3-{trouble}.txt"], ids["a/4.txt"]]
    assert recorded_keys(aws) == {"a/1.txt", "b/2.txt", "b/5.txt"}
