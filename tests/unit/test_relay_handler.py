"""The relay loop against a moto queue: drain, delete only successes, back off, relay, stop."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from consumer import relay_handler
from consumer.processors.digest import DigestProcessor
from consumer.relay_handler import RelayConsumer, StopReason
from relay_common.config import CoreSettings, RelaySettings
from relay_common.errors import ConfigurationError
from relay_common.processing import MessageEngine
from tests.unit.builders import (
    FUNCTION_ARN,
    REGION,
    TEST_EVENT_BODY,
    Aws,
    FakeClock,
    FakeContext,
    Queue,
    body_for_upload,
    set_up,
)
from tests.unit.test_sqs import CorruptingSqs

if TYPE_CHECKING:
    from collections.abc import Iterator

    from relay_common.events import ObjectRef
    from relay_common.processor import ProcessingContext, Processor, ProcessorResult
    from tests.unit.conftest import LogReader


@dataclass
class Invoker:
    """A real Lambda client with a stubbed endpoint; records what was invoked."""

    client: Any
    stubber: Stubber
    calls: list[dict[str, Any]]

    def accept(self) -> None:
        self.stubber.add_response(
            "invoke",
            {"StatusCode": 202},
            {"FunctionName": FUNCTION_ARN, "InvocationType": "Event", "Payload": ANY},
        )

    def throttle(self) -> None:
        self.stubber.add_client_error("invoke", "TooManyRequestsException", "Rate exceeded", 429)

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(call["Payload"]) for call in self.calls]


@pytest.fixture
def invoker() -> Iterator[Invoker]:
    client = boto3.client("lambda", region_name=REGION)
    calls: list[dict[str, Any]] = []
    client.meta.events.register(
        "before-parameter-build.lambda.Invoke", lambda params, **_: calls.append(params)
    )
    with Stubber(client) as stubber:
        yield Invoker(client, stubber, calls)
        stubber.assert_no_pending_responses()


def make_consumer(
    aws: Aws,
    queue: Queue,
    invoker: Invoker,
    *,
    processor: Processor | None = None,
    sqs: Any = None,
    **settings: Any,
) -> RelayConsumer:
    core_fields = {"message_timeout", "safety_margin", "max_receive_count", "deadline_guard"}
    core = CoreSettings(
        queue_url=queue.url,
        processor="consumer.processors.digest:process",
        results_table=aws.results_table,
        **{k: v for k, v in settings.items() if k in core_fields},
    )
    relay = RelaySettings(
        core=core, **{"wait_time": 1, **{k: v for k, v in settings.items() if k not in core_fields}}
    )
    engine = MessageEngine(core, processor or set_up(DigestProcessor(), aws.results_table))
    return RelayConsumer(relay, engine, receiver=aws.sqs, sqs=sqs or aws.sqs, invoker=invoker.client)


def upload(aws: Aws, queue: Queue, count: int, prefix: str = "in/file") -> list[str]:
    keys = [f"{prefix} {i:04d}.txt" for i in range(count)]
    bodies = [body_for_upload(aws, key, aws.put(key, f"{key}\n".encode())) for key in keys]
    queue.send_many(bodies)
    return keys


def test_drains_hundreds_of_messages_with_one_result_each(aws: Aws, invoker: Invoker) -> None:
    queue = aws.queue("drain")
    keys = upload(aws, queue, 300)
    queue.send(TEST_EVENT_BODY)
    summary = make_consumer(aws, queue, invoker).handle({}, FakeContext(timeout=900))  # type: ignore[arg-type]
    assert summary["stop_reason"] == "drained"
    assert summary["relayed"] is False
    assert (summary["received"], summary["processed"], summary["test_events"]) == (301, 300, 1)
    assert (summary["deleted"], summary["failed"], summary["delete_failures"]) == (301, 0, 0)
    assert summary["rounds"] >= 31
    assert sorted(item["key"] for item in aws.results()) == keys
    assert queue.depth() == (0, 0)
    assert queue.dlq_bodies() == []
    assert invoker.calls == []


def test_only_successes_are_deleted_and_failures_back_off(aws: Aws, invoker: Invoker) -> None:
    queue = aws.queue("mixed", max_receive=5)
    upload(aws, queue, 15)
    queue.send_many(["not json", '{"unknown": "shape"}'])
    consumer = make_consumer(aws, queue, invoker, backoff_base=60, backoff_max=600, max_receive_count=5)
    summary = consumer.handle({}, FakeContext(timeout=900))  # type: ignore[arg-type]
    assert (summary["processed"], summary["failed"], summary["deleted"]) == (15, 2, 15)
    assert summary["stop_reason"] == "drained"
    assert len(aws.results()) == 15
    assert queue.depth() == (0, 2), "the two poison messages wait out their backoff in flight"


def test_backoff_doubles_with_each_receive_up_to_the_cap(aws: Aws, invoker: Invoker) -> None:
    queue = aws.queue("backoff")
    consumer = make_consumer(aws, queue, invoker, backoff_base=30, backoff_max=100, max_receive_count=10)
    failed = consumer.engine.process(
        "m", "not json", receive_count=1, budget=relay_handler.Budget(FakeContext(), safety_margin=0)
    )
    assert [consumer.queue.backoff(failed, n) for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


def test_poison_message_reaches_the_dlq_instead_of_spinning(aws: Aws, invoker: Invoker) -> None:
    queue = aws.queue("poison", max_receive=2)
    queue.send("definitely not json")
    consumer = make_consumer(aws, queue, invoker, backoff_base=0, max_receive_count=2)
    summary = consumer.handle({}, FakeContext(timeout=900))  # type: ignore[arg-type]
    # No backoff: retried at once; the second failure is its last receive, so it is made visible at once
    # and the third receive moves it to the DLQ rather than waiting out the visibility timeout.
    assert (summary["received"], summary["failed"], summary["stop_reason"]) == (2, 2, "drained")
    assert queue.dlq_bodies() == ["definitely not json"]
    assert queue.depth() == (0, 0)


def test_a_partial_delete_failure_is_survived_and_absorbed_on_redelivery(aws: Aws, invoker: Invoker) -> None:
    queue = aws.queue("partial", visibility=1)
    upload(aws, queue, 12)
    flaky = CorruptingSqs(aws.sqs, set(), attempts=0)
    consumer = make_consumer(aws, queue, invoker, sqs=flaky)
    original = flaky.delete_message_batch

    def spoil_first_entry_twice(QueueUrl: str, Entries: list[dict[str, Any]]) -> Any:  # noqa: N803
        if len(flaky.calls) < 2:
            Entries = [{**Entries[0], "ReceiptHandle": "spoiled"}, *Entries[1:]]  # noqa: N806
        return original(QueueUrl=QueueUrl, Entries=Entries)

    flaky.delete_message_batch = spoil_first_entry_twice  # type: ignore[method-assign]
    summary = consumer.handle({}, FakeContext(timeout=900))  # type: ignore[arg-type]
    # The undeleted message becomes visible after 1 s and may come back within the run: processed again as
    # a duplicate, then deleted.
    assert summary["received"] >= 12
    assert summary["processed"] == summary["received"]
    assert summary["delete_failures"] == 1
    assert summary["deleted"] == summary["received"] - 1
    assert summary["stop_reason"] == "drained"
    records = aws.results()
    assert len(records) == 12, "the redelivered message did not create a second record"
    time.sleep(1.1)
    again = consumer.handle({}, FakeContext(timeout=900))  # type: ignore[arg-type]
    assert again["processed"] == again["received"]
    assert len(aws.results()) == 12
    assert queue.depth() == (0, 0)


class Clocked(DigestProcessor):
    """The default processor, taking `seconds` of (fake) time per object."""

    def __init__(self, clock: FakeClock, seconds: float) -> None:
        self.clock, self.seconds = clock, seconds

    def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        self.clock.advance(self.seconds)
        return super().process(obj, context)


def clocked(aws: Aws, clock: FakeClock, seconds: float) -> Processor:
    return set_up(Clocked(clock, seconds), aws.results_table)


def test_relays_when_the_time_budget_runs_out(aws: Aws, invoker: Invoker) -> None:
    queue = aws.queue("budget")
    upload(aws, queue, 60)
    clock = FakeClock()
    consumer = make_consumer(aws, queue, invoker, processor=clocked(aws, clock, 1.0), time_budget=25)
    invoker.accept()
    event = {"baton": {"chain_id": "chain-1", "hop": 3}}
    summary = consumer.handle(event, FakeContext(timeout=900, clock=clock), clock=clock)  # type: ignore[arg-type]
    assert summary["stop_reason"] == "time_budget"
    assert summary["relayed"] is True
    assert (summary["chain_id"], summary["hop"], summary["trigger"]) == ("chain-1", 3, "relay")
    assert 10 <= summary["processed"] < 60
    assert summary["released"] == 0
    assert invoker.payloads() == [{"baton": {"chain_id": "chain-1", "hop": 4}}]
    visible, in_flight = queue.depth()
    assert (visible, in_flight) == (60 - summary["processed"], 0)
    assert len(aws.results()) == summary["processed"]


def test_a_relay_chain_drains_the_queue(aws: Aws, invoker: Invoker) -> None:
    queue = aws.queue("chain")
    upload(aws, queue, 45)
    clock = FakeClock()
    consumer = make_consumer(aws, queue, invoker, processor=clocked(aws, clock, 1.0), time_budget=12)
    event: dict[str, Any] = {"source": "aws.events", "detail-type": "Scheduled Event"}
    hops = 0
    for _ in range(20):
        invoker.accept()
        summary = consumer.handle(event, FakeContext(timeout=900, clock=clock), clock=clock)  # type: ignore[arg-type]
        if not summary["relayed"]:
            invoker.stubber._queue.clear()  # the last run did not invoke
            break
        hops += 1
        event = invoker.payloads()[-1]
    assert summary["stop_reason"] == "drained"
    assert hops >= 3
    assert len(aws.results()) == 45
    assert [p["baton"]["hop"] for p in invoker.payloads()] == list(range(1, hops + 1))
    assert len({p["baton"]["chain_id"] for p in invoker.payloads()}) == 1


def test_unstarted_messages_are_released_when_time_runs_out_mid_round(aws: Aws, invoker: Invoker) -> None:
    queue = aws.queue("release", visibility=300)
    upload(aws, queue, 10)
    clock = FakeClock()
    consumer = make_consumer(
        aws, queue, invoker, processor=clocked(aws, clock, 4.0), time_budget=10, safety_margin=0.0
    )
    invoker.accept()
    summary = consumer.handle({}, FakeContext(timeout=900, clock=clock), clock=clock)  # type: ignore[arg-type]
    assert summary["processed"] == 3  # 10 s budget at 4 s each: starts at 0, 4, 8
    assert summary["released"] == 7
    assert summary["relayed"] is True
    assert queue.depth() == (7, 0), "released messages are visible again at once, not after 300 s"


def test_hop_limit_stops_the_chain_with_a_reason(aws: Aws, invoker: Invoker) -> None:
    queue = aws.queue("hops")
    upload(aws, queue, 30)
    clock = FakeClock()
    consumer = make_consumer(
        aws, queue, invoker, processor=clocked(aws, clock, 1.0), time_budget=10, max_hops=2
    )
    event = {"baton": {"chain_id": "chain-x", "hop": 2}}
    summary = consumer.handle(event, FakeContext(timeout=900, clock=clock), clock=clock)  # type: ignore[arg-type]
    assert summary["stop_reason"] == StopReason.HOP_LIMIT.value
    assert summary["relayed"] is False
    assert invoker.calls == []
    assert queue.depth()[0] > 0, "the rest waits for the next scheduled run"


def test_invoke_failure_is_logged_and_messages_stay(aws: Aws, invoker: Invoker, logs: LogReader) -> None:
    queue = aws.queue("throttle")
    upload(aws, queue, 30)
    clock = FakeClock()
    consumer = make_consumer(aws, queue, invoker, processor=clocked(aws, clock, 1.0), time_budget=10)
    invoker.throttle()
    summary = consumer.handle({}, FakeContext(timeout=900, clock=clock), clock=clock)  # type: ignore[arg-type]
    assert summary["stop_reason"] == "time_budget"
    assert summary["relayed"] is False
    assert queue.depth()[0] == 30 - summary["processed"]
    failure = next(line for line in logs() if line["message"].startswith("relay invoke failed"))
    assert failure["level"] == "ERROR"
    assert "TooManyRequestsException" in failure["error"]


def test_stops_on_an_empty_poll_at_once(aws: Aws, invoker: Invoker) -> None:
    queue = aws.queue("empty")
    summary = make_consumer(aws, queue, invoker).handle({}, FakeContext())  # type: ignore[arg-type]
    assert summary["stop_reason"] == "drained"
    assert (summary["received"], summary["rounds"]) == (0, 0)


def test_a_run_that_received_nothing_does_not_relay(aws: Aws, invoker: Invoker, logs: LogReader) -> None:
    """A wait that does not fit the time left stops the run before its first receive. A relay would start a
    next run configured alike, which would do the same: a chain of max_hops empty runs. So it does not."""
    queue = aws.queue("short")
    upload(aws, queue, 5)
    consumer = make_consumer(aws, queue, invoker, wait_time=20, safety_margin=2.0)
    summary = consumer.handle({}, FakeContext(timeout=15))  # type: ignore[arg-type]
    assert summary["stop_reason"] == "time_budget"
    assert summary["received"] == 0
    assert summary["relayed"] is False
    assert invoker.calls == []
    assert any(line["message"].startswith("not relaying: this run received nothing") for line in logs())
    assert queue.depth() == (5, 0), "the messages wait for the next scheduled run"


def test_lambda_handler_builds_from_the_environment(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, logs: LogReader, capsys: pytest.CaptureFixture[str]
) -> None:
    queue = aws.queue("env")
    upload(aws, queue, 3)
    monkeypatch.setenv("BATON_QUEUE_URL", queue.url)
    monkeypatch.setenv("BATON_WAIT_TIME_SECONDS", "1")
    monkeypatch.setenv("BATON_WORKERS", "1")  # in this process, where moto's account is
    relay_handler.consumer.cache_clear()
    try:
        summary = relay_handler.lambda_handler({}, FakeContext(timeout=60))  # type: ignore[arg-type]
    finally:
        relay_handler.consumer.cache_clear()
    assert (summary["processed"], summary["stop_reason"]) == (3, "drained")
    lines = logs()
    finished = next(line for line in lines if line.get("message") == "relay run finished")
    assert finished["chain_id"] == summary["chain_id"]
    assert finished["hop"] == 0
    processed = [line for line in lines if line.get("message") == "message processed"]
    assert len(processed) == 3
    assert all(line["message_id"] and line["chain_id"] == summary["chain_id"] for line in processed)
    emf = json.loads(capsys.readouterr().out.strip().splitlines()[-1])  # Powertools prints EMF to stdout
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Baton"
    assert sum(emf["MessagesProcessed"]) == 3
    assert sum(emf["MessagesReceived"]) == 3


def test_cold_start_refuses_a_bad_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATON_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/q")
    monkeypatch.setenv("BATON_PROCESSOR", "nowhere.to.be:found")
    relay_handler.consumer.cache_clear()
    with pytest.raises(ConfigurationError, match=r"cannot import 'nowhere\.to\.be'"):
        relay_handler.consumer()
