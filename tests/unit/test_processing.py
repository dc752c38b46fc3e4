"""The shared engine: processor loading, deadlines, outcomes, idempotency."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

from relay_common.config import CoreSettings
from relay_common.deadline import Budget
from relay_common.errors import (
    ConfigurationError,
    DeadlineExceeded,
    InvalidMessageError,
    MessageError,
    OutOfTime,
)
from relay_common.processing import (
    Idempotency,
    MessageEngine,
    Outcome,
    ProcessingContext,
    load_processor,
)
from tests.unit.builders import (
    TEST_EVENT_BODY,
    Aws,
    FakeClock,
    FakeContext,
    notification_body,
    s3_notification,
)

if TYPE_CHECKING:
    from relay_common.events import ObjectRef
    from tests.unit.conftest import LogReader

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-relay"


class Recorder:
    """A processor that records its calls and can fail, hang or return a status."""

    def __init__(self, *, fail_on: str | None = None, hang_on: str | None = None, status: str = "recorded"):
        self.calls: list[tuple[ObjectRef, ProcessingContext]] = []
        self.fail_on, self.hang_on, self.status = fail_on, hang_on, status

    def __call__(self, obj: ObjectRef, ctx: ProcessingContext) -> dict[str, Any]:
        self.calls.append((obj, ctx))
        if obj.key == self.fail_on:
            raise RuntimeError(f"cannot handle {obj.key}")
        if obj.key == self.hang_on:
            time.sleep(60)
        return {"status": self.status}


def engine(processor: Any, **settings: Any) -> MessageEngine:
    core = CoreSettings(queue_url=QUEUE_URL, **{"message_timeout": 5.0, "safety_margin": 0.5, **settings})
    return MessageEngine(core, processor)


def budget(seconds: float = 60.0, clock: FakeClock | None = None) -> Budget:
    clock = clock or FakeClock()
    return Budget(FakeContext(timeout=seconds, clock=clock), safety_margin=0.5, clock=clock)


def body(*keys: str) -> str:
    return notification_body(*(s3_notification("bucket", key) for key in keys))


class TestLoadProcessor:
    def test_loads_a_function(self) -> None:
        processor = load_processor("tests.unit.sample_processors:ok")
        assert processor(None, None) == {"status": "ok"}  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("spec", "message"),
        [
            ("no-colon", "must look like 'package.module:function'"),
            (":ok", "must look like"),
            ("tests.unit.sample_processors:", "must look like"),
            ("tests.unit.nowhere:ok", "cannot import 'tests.unit.nowhere'"),
            ("tests.unit.sample_processors:missing", "has no 'missing'"),
            ("tests.unit.sample_processors:NOT_CALLABLE", "is a int, not a callable"),
            ("tests.unit.sample_processors:one_argument", "must accept two positional arguments"),
            ("tests.unit.misconfigured_processor:process", "MISCONFIGURED_SETTING is not set"),
        ],
    )
    def test_bad_specs_fail_with_a_clear_message(self, spec: str, message: str) -> None:
        with pytest.raises(ConfigurationError, match=message):
            load_processor(spec)

    def test_default_processor_needs_its_table(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("BATON_RESULTS_TABLE", raising=False)
        with pytest.raises(ConfigurationError, match="BATON_RESULTS_TABLE is not set"):
            load_processor("consumer.processors.digest:process")


class TestEngine:
    def test_processes_every_object_of_a_message(self) -> None:
        recorder = Recorder()
        result = engine(recorder).process("m-1", body("a.txt", "b c.txt"), receive_count=1, budget=budget())
        assert result.outcome is Outcome.PROCESSED
        assert result.objects == 2
        assert [obj.key for obj, _ in recorder.calls] == ["a.txt", "b c.txt"]
        ctx = recorder.calls[0][1]
        assert (ctx.message_id, ctx.receive_count, ctx.queue) == ("m-1", 1, "baton-relay")
        assert 0 < ctx.remaining() <= 5.0

    def test_test_event_is_acknowledged_without_processing(self) -> None:
        recorder = Recorder()
        result = engine(recorder).process("m-t", TEST_EVENT_BODY, receive_count=1, budget=budget())
        assert result.outcome is Outcome.TEST_EVENT
        assert result.succeeded
        assert recorder.calls == []

    @pytest.mark.parametrize("bad", ["", "not json", '{"what": 1}'])
    def test_bad_input_fails_the_message_without_raising(self, bad: str) -> None:
        result = engine(Recorder()).process("m-bad", bad, receive_count=1, budget=budget())
        assert result.outcome is Outcome.FAILED
        assert isinstance(result.error, InvalidMessageError)
        assert result.error.message_id == "m-bad"

    def test_processor_error_is_wrapped_with_its_cause(self) -> None:
        result = engine(Recorder(fail_on="x")).process("m-2", body("x"), receive_count=1, budget=budget())
        assert result.outcome is Outcome.FAILED
        assert isinstance(result.error, MessageError)
        assert "RuntimeError: cannot handle x" in str(result.error)
        assert isinstance(result.error.__cause__, RuntimeError)

    def test_hanging_processor_is_interrupted_at_the_message_timeout(self) -> None:
        recorder = Recorder(hang_on="slow")
        started = time.monotonic()
        result = engine(recorder, message_timeout=0.3).process(
            "m-3", body("slow", "never"), receive_count=1, budget=budget()
        )
        assert time.monotonic() - started < 60, "the hang ran to completion"
        assert isinstance(result.error, DeadlineExceeded)
        assert result.error.seconds == pytest.approx(0.3)
        assert [obj.key for obj, _ in recorder.calls] == ["slow"], "objects after the hang are not attempted"

    def test_deadline_is_capped_by_the_time_left(self) -> None:
        clock = FakeClock()
        tight = budget(2.0, clock)  # 2 s left minus 0.5 s margin
        result = engine(Recorder(hang_on="slow"), message_timeout=30).process(
            "m-4", body("slow"), receive_count=1, budget=tight
        )
        assert isinstance(result.error, DeadlineExceeded)
        assert result.error.seconds == pytest.approx(1.5)

    def test_no_time_left_means_not_attempted(self) -> None:
        clock = FakeClock()
        spent = budget(1.0, clock)
        clock.advance(0.6)
        recorder = Recorder()
        result = engine(recorder).process("m-5", body("a"), receive_count=1, budget=spent)
        assert isinstance(result.error, OutOfTime)
        assert recorder.calls == []

    def test_guard_off_lets_a_slow_processor_finish(self) -> None:
        def slow(obj: ObjectRef, ctx: ProcessingContext) -> None:
            time.sleep(0.3)

        result = engine(slow, message_timeout=0.1, deadline_guard=False).process(
            "m-6", body("a"), receive_count=1, budget=budget()
        )
        assert result.outcome is Outcome.PROCESSED

    @pytest.mark.parametrize(("receive_count", "expected"), [(1, False), (2, False), (3, True), (4, True)])
    def test_failure_on_the_last_receive_is_marked_for_the_dlq(
        self, receive_count: int, expected: bool
    ) -> None:
        result = engine(Recorder(fail_on="x"), max_receive_count=3).process(
            "m-7", body("x"), receive_count=receive_count, budget=budget()
        )
        assert result.will_dead_letter is expected

    def test_duplicate_status_is_counted(self) -> None:
        result = engine(Recorder(status="duplicate")).process(
            "m-8", body("a", "b"), receive_count=2, budget=budget()
        )
        assert result.outcome is Outcome.PROCESSED
        assert result.duplicates == 2


def test_idempotency_runs_the_processor_once_per_object_version(aws: Aws) -> None:
    recorder = Recorder()
    core = CoreSettings(queue_url=QUEUE_URL, idempotency_table=aws.idempotency_table)
    subject = MessageEngine(core, recorder, idempotency=Idempotency.create(core))
    subject.start_invocation(FakeContext())  # type: ignore[arg-type]
    record = s3_notification("bucket", "same.txt", sequencer="0001")
    first = subject.process("m-1", notification_body(record), receive_count=1, budget=budget())
    again = subject.process("m-2", notification_body(record), receive_count=1, budget=budget())
    newer = subject.process(
        "m-3",
        notification_body(s3_notification("bucket", "same.txt", sequencer="0002")),
        receive_count=1,
        budget=budget(),
    )
    assert [r.outcome for r in (first, again, newer)] == [Outcome.PROCESSED] * 3
    assert (first.duplicates, again.duplicates, newer.duplicates) == (0, 1, 0)
    assert [obj.sequencer for obj, _ in recorder.calls] == ["0001", "0002"]
    assert aws.dynamodb.scan(TableName=aws.idempotency_table)["Count"] == 2


def test_idempotency_lets_a_failed_version_be_retried(aws: Aws) -> None:
    recorder = Recorder(fail_on="flaky.txt")
    core = CoreSettings(queue_url=QUEUE_URL, idempotency_table=aws.idempotency_table)
    subject = MessageEngine(core, recorder, idempotency=Idempotency.create(core))
    subject.start_invocation(FakeContext())  # type: ignore[arg-type]
    message = body("flaky.txt")
    assert subject.process("m-1", message, receive_count=1, budget=budget()).outcome is Outcome.FAILED
    recorder.fail_on = None
    assert subject.process("m-1", message, receive_count=2, budget=budget()).outcome is Outcome.PROCESSED
    assert len(recorder.calls) == 2


def test_failure_logs_name_the_object_and_quote_a_bad_body(logs: LogReader) -> None:
    subject = engine(Recorder(fail_on="b.txt"))
    subject.process("m-obj", body("a.txt", "b.txt"), receive_count=1, budget=budget())
    subject.process("m-body", "x" * 500, receive_count=1, budget=budget())
    first, second = (line for line in logs() if line["message"] == "message failed")
    assert (first["message_id"], first["object"]) == ("m-obj", "s3://bucket/b.txt")
    assert "RuntimeError: cannot handle b.txt" in first["error"]
    assert "body_preview" not in first
    assert (second["message_id"], second["error_type"]) == ("m-body", "InvalidMessageError")
    assert second["body_preview"] == "x" * 200
