"""The shared engine: processor set-up, deadlines, outcomes, idempotency."""

from __future__ import annotations

import io
import json
import time
from typing import TYPE_CHECKING, Any

import pytest

from relay_common.clients import Clients
from relay_common.config import CoreSettings
from relay_common.deadline import Budget
from relay_common.errors import (
    ConfigurationError,
    DeadlineExceeded,
    InvalidMessageError,
    MessageError,
    OutOfTime,
)
from relay_common.idempotency import Idempotency
from relay_common.observability import logger
from relay_common.processing import MessageEngine, Outcome
from relay_common.processor import BaseProcessor, FunctionProcessor, ProcessingContext, ProcessorResult
from tests.unit import sample_processors
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


class Recorder(BaseProcessor):
    """A processor that records its calls and can fail, hang or report duplicates."""

    def __init__(self, *, fail_on: str | None = None, hang_on: str | None = None, duplicate: bool = False):
        self.calls: list[tuple[ObjectRef, ProcessingContext]] = []
        self.fail_on, self.hang_on, self.duplicate = fail_on, hang_on, duplicate

    def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        self.calls.append((obj, context))
        if obj.key == self.fail_on:
            raise RuntimeError(f"cannot handle {obj.key}")
        if obj.key == self.hang_on:
            time.sleep(60)
        return ProcessorResult("recorded", duplicate=self.duplicate, details={"key": obj.key})


def core_settings(**settings: Any) -> CoreSettings:
    defaults = {"processor": "tests.unit.sample_processors:ok", "message_timeout": 5.0, "safety_margin": 0.5}
    return CoreSettings(queue_url=QUEUE_URL, **{**defaults, **settings})


def engine(processor: Any, **settings: Any) -> MessageEngine:
    return MessageEngine(core_settings(**settings), processor)


def budget(seconds: float = 60.0, clock: FakeClock | None = None) -> Budget:
    clock = clock or FakeClock()
    return Budget(FakeContext(timeout=seconds, clock=clock), safety_margin=0.5, clock=clock)


def body(*keys: str) -> str:
    return notification_body(*(s3_notification("bucket", key) for key in keys))


class TestSetUp:
    def test_setup_runs_once_with_the_settings(self) -> None:
        sample_processors.Counting.setups = 0
        core = core_settings(
            processor="tests.unit.sample_processors:Counting",
            results_table="baton-results",
            environment={"MY_SETTING": "on"},
        )
        clients = Clients()
        subject = MessageEngine.from_settings(core, clients)
        processor = subject.processor
        assert isinstance(processor, sample_processors.Counting)
        assert sample_processors.Counting.setups == 1
        assert processor.settings.clients is clients
        assert processor.settings.results_table == "baton-results"
        assert processor.settings.message_timeout == 5.0
        assert processor.settings.environment == {"MY_SETTING": "on"}

    def test_a_processor_refusing_its_settings_stops_the_cold_start(self) -> None:
        core = core_settings(processor="tests.unit.sample_processors:misconfigured")
        with pytest.raises(ConfigurationError, match="MISCONFIGURED_SETTING is not set"):
            MessageEngine.from_settings(core, Clients())

    def test_default_processor_needs_its_table(self) -> None:
        core = core_settings(processor="consumer.processors.digest:process")
        with pytest.raises(ConfigurationError, match="BATON_RESULTS_TABLE is not set"):
            MessageEngine.from_settings(core, Clients())


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
        def slow(obj: ObjectRef, ctx: ProcessingContext) -> ProcessorResult:
            time.sleep(0.3)
            return ProcessorResult("recorded")

        result = engine(FunctionProcessor(slow), message_timeout=0.1, deadline_guard=False).process(
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

    def test_duplicates_are_counted(self) -> None:
        result = engine(Recorder(duplicate=True)).process(
            "m-8", body("a", "b"), receive_count=2, budget=budget()
        )
        assert result.outcome is Outcome.PROCESSED
        assert result.duplicates == 2

    def test_a_duplicate_status_is_not_a_duplicate(self) -> None:
        """No magic strings: only the flag marks a duplicate."""
        processor = FunctionProcessor(lambda obj, ctx: ProcessorResult("duplicate"))
        result = engine(processor).process("m-9", body("a"), receive_count=1, budget=budget())
        assert (result.outcome, result.duplicates) == (Outcome.PROCESSED, 0)

    def test_a_processor_returning_something_else_fails_the_message_clearly(self) -> None:
        processor = FunctionProcessor(sample_processors.returns_a_dict)  # type: ignore[arg-type]
        result = engine(processor).process("m-10", body("a"), receive_count=1, budget=budget())
        assert result.outcome is Outcome.FAILED
        assert "the processor returned dict, not a ProcessorResult" in str(result.error)


def test_idempotency_runs_the_processor_once_per_object_version(aws: Aws) -> None:
    recorder = Recorder()
    core = core_settings(idempotency_table=aws.idempotency_table)
    subject = MessageEngine(core, recorder, idempotency=Idempotency.create(core, Clients()))
    subject.start_invocation(FakeContext())
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
    core = core_settings(idempotency_table=aws.idempotency_table)
    subject = MessageEngine(core, recorder, idempotency=Idempotency.create(core, Clients()))
    subject.start_invocation(FakeContext())
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


def test_a_failure_with_unencodable_text_is_still_logged() -> None:
    """Log lines go to a UTF-8 stream; a lone surrogate in the body must not make the failure line fail."""
    handler = logger.registered_handler
    raw = io.BytesIO()
    strict = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)
    previous = handler.setStream(strict)  # type: ignore[attr-defined]
    try:
        result = engine(Recorder()).process(
            "m-sur", "not json \ud800 at all", receive_count=1, budget=budget()
        )
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
    assert isinstance(result.error, InvalidMessageError)
    (line,) = [
        json.loads(text) for text in raw.getvalue().decode().splitlines() if '"message failed"' in text
    ]
    assert line["message_id"] == "m-sur"
    assert line["body_preview"] == "not json \\ud800 at all"
