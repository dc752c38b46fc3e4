"""Deadline-guarded processing of one queue message, shared by the relay and FIFO consumers.

`MessageEngine.process` parses the body, gives the message a deadline (the smaller of the per-message timeout
and the time the invocation has left), runs the processor on each object under the deadline guard, and
returns an outcome. It never raises for a bad message: every failure becomes a `FAILED` outcome with a typed
error and a log line naming the message.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from relay_common import clients as aws_clients
from relay_common.deadline import Budget, deadline_guard
from relay_common.errors import DeadlineExceeded, InvalidMessageError, MessageError, OutOfTime
from relay_common.events import ObjectRef, parse_message
from relay_common.observability import Metric, count, logger
from relay_common.processor import (
    ProcessingContext,
    Processor,
    ProcessorResult,
    ProcessorSettings,
    checked_result,
    load_processor,
)

if TYPE_CHECKING:
    from relay_common.clients import Clients
    from relay_common.config import CoreSettings
    from relay_common.deadline import LambdaContextLike
    from relay_common.idempotency import Idempotency

BODY_PREVIEW = 200
"""Characters of an unparsable body quoted in its failure log line."""


class Outcome(StrEnum):
    """How a message ended in this invocation."""

    PROCESSED = "processed"
    TEST_EVENT = "test_event"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class MessageResult:
    """The outcome of one message, with the error when it failed."""

    message_id: str
    outcome: Outcome
    error: MessageError | None = None
    objects: int = 0
    duplicates: int = 0
    """Objects of the message whose version had been recorded before (redeliveries)."""
    seconds: float = 0.0
    will_dead_letter: bool = False

    @property
    def succeeded(self) -> bool:
        """Processed or a test event: the message can be deleted."""
        return self.outcome is not Outcome.FAILED


class MessageEngine:
    """Runs the processor on messages, each under its own deadline."""

    def __init__(
        self,
        settings: CoreSettings,
        processor: Processor,
        *,
        idempotency: Idempotency | None = None,
        clients: Clients | None = None,
    ) -> None:
        self._settings = settings
        self._processor = processor
        self._idempotency = idempotency
        self._clients = clients

    @classmethod
    def from_settings(cls, settings: CoreSettings, clients: Clients | None = None) -> MessageEngine:
        """Load and set up the processor and, when configured, idempotency; raises `ConfigurationError`.

        This is the cold-start work: the processor's `setup()` runs here, once per process."""
        clients = clients or aws_clients.default()
        processor = load_processor(settings.processor)
        processor.setup(processor_settings(settings, clients))
        return cls(settings, processor, idempotency=_idempotency(settings, clients), clients=clients)

    def after_fork(self) -> None:
        """In a forked worker: set the processor (and idempotency) up again with clients of its own, since
        boto3 clients must not be shared across a fork."""
        aws_clients.reset()
        clients = self._clients.fresh() if self._clients is not None else aws_clients.default()
        self._clients = clients
        self._processor.setup(processor_settings(self._settings, clients))
        self._idempotency = _idempotency(self._settings, clients)

    @property
    def settings(self) -> CoreSettings:
        """The settings this engine runs with."""
        return self._settings

    @property
    def processor(self) -> Processor:
        """The processor this engine runs."""
        return self._processor

    def start_invocation(self, context: LambdaContextLike) -> None:
        """Per-invocation setup: idempotency needs the context to bound its in-progress records."""
        if self._idempotency is not None:
            self._idempotency.register(context)

    def process(
        self,
        message_id: str,
        body: str | None,
        *,
        receive_count: int,
        budget: Budget,
        request_id: str | None = None,
    ) -> MessageResult:
        """Process one message; never raises for a message-level failure."""
        started = time.monotonic()
        current: ObjectRef | None = None
        with logger.append_context_keys(message_id=message_id, receive_count=receive_count):
            try:
                parsed = parse_message(body, message_id)
                if parsed.test_event:
                    count(Metric.TEST_EVENTS)
                    logger.info("s3:TestEvent acknowledged; nothing to process")
                    return MessageResult(message_id, Outcome.TEST_EVENT, seconds=time.monotonic() - started)
                seconds = min(self._settings.message_timeout, budget.remaining())
                if seconds <= 0:
                    raise OutOfTime(message_id, "no time was left in this invocation to start it")
                context = ProcessingContext(
                    message_id=message_id,
                    receive_count=receive_count,
                    deadline=time.monotonic() + seconds,
                    queue=self._settings.queue_name,
                    request_id=request_id,
                )
                duplicates = 0
                with deadline_guard(seconds, message_id, enabled=self._settings.deadline_guard):
                    for current in parsed.objects:
                        duplicates += self._run(current, context)
            except MessageError as error:
                return self._failed(error, receive_count, started, current, body)
            except Exception as error:  # noqa: BLE001 - a processor's own error must not crash the batch
                wrapped = MessageError(message_id, f"{type(error).__name__}: {error}")
                wrapped.__cause__ = error
                return self._failed(wrapped, receive_count, started, current, body)
            count(Metric.PROCESSED)
            count(Metric.DUPLICATES, duplicates)
            elapsed = time.monotonic() - started
            logger.info(
                "message processed",
                extra={
                    "objects": len(parsed.objects),
                    "duplicates": duplicates,
                    "seconds": round(elapsed, 3),
                },
            )
            return MessageResult(
                message_id,
                Outcome.PROCESSED,
                objects=len(parsed.objects),
                duplicates=duplicates,
                seconds=elapsed,
            )

    def _run(self, ref: ObjectRef, context: ProcessingContext) -> int:
        """Process one object; returns 1 when it was a duplicate of an already recorded version."""
        with logger.append_context_keys(object=ref.uri, version=ref.version_token):
            result: ProcessorResult
            if self._idempotency is not None:
                result = self._idempotency.run(self._processor, ref, context)
            else:
                result = checked_result(self._processor.process(ref, context))
            if result.duplicate:
                logger.info("object version already recorded; skipped as a duplicate")
            return int(result.duplicate)

    def fail(self, message_id: str, error: MessageError, receive_count: int) -> MessageResult:
        """The outcome of a message that failed outside the engine (a worker killed at its hard deadline):
        logged and counted like any failure."""
        return self._failed(error, receive_count, time.monotonic(), None, None)

    def _failed(
        self,
        error: MessageError,
        receive_count: int,
        started: float,
        current: ObjectRef | None,
        body: str | None,
    ) -> MessageResult:
        message_id = error.message_id
        count(Metric.FAILED)
        if isinstance(error, DeadlineExceeded):
            count(Metric.DEADLINE_EXCEEDED)
        limit = self._settings.max_receive_count
        will_dead_letter = limit is not None and receive_count >= limit
        if will_dead_letter:
            count(Metric.DEAD_LETTERED)
        details: dict[str, Any] = {
            "error_type": type(error).__name__,
            "error": error.reason,
            "dead_letter_next": will_dead_letter,
        }
        if current is not None:
            details["object"] = current.uri
        if isinstance(error, InvalidMessageError):
            # Escape what UTF-8 cannot encode (a lone surrogate), or the log line itself would fail to write.
            preview = (body or "")[:BODY_PREVIEW]
            details["body_preview"] = preview.encode("utf-8", "backslashreplace").decode("utf-8")
        if error.__cause__ is not None and not isinstance(error.__cause__, MessageError):
            logger.error("message failed", extra=details, exc_info=error.__cause__)
        else:
            logger.error("message failed", extra=details)
        return MessageResult(
            message_id,
            Outcome.FAILED,
            error=error,
            seconds=time.monotonic() - started,
            will_dead_letter=will_dead_letter,
        )


def _idempotency(settings: CoreSettings, clients: Clients) -> Idempotency | None:
    if not settings.idempotency_table:
        return None
    from relay_common.idempotency import Idempotency  # noqa: PLC0415 - Powertools' module is heavy

    return Idempotency.create(settings, clients)


def processor_settings(settings: CoreSettings, clients: Clients) -> ProcessorSettings:
    """What the processor's `setup()` receives, from the consumer's settings."""
    return ProcessorSettings(
        clients=clients,
        results_table=settings.results_table,
        message_timeout=settings.message_timeout,
        environment=settings.environment,
    )
