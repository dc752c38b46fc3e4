"""Deadline-guarded processing of one queue message, shared by the relay and FIFO consumers.

`MessageEngine.process` parses the body, gives the message a deadline (the smaller of the per-message timeout
and the time the invocation has left), runs the configured processor on each object under the deadline guard,
and returns an outcome. It never raises for a bad message: every failure becomes a `FAILED` outcome with a
typed error and a log line naming the message.
"""

from __future__ import annotations

import importlib
import inspect
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from relay_common.deadline import Budget, deadline_guard
from relay_common.errors import (
    ConfigurationError,
    DeadlineExceeded,
    InvalidMessageError,
    MessageError,
    OutOfTime,
)
from relay_common.events import ObjectRef, parse_message
from relay_common.observability import Metric, count, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from relay_common.config import CoreSettings

BODY_PREVIEW = 200
"""Characters of an unparsable body quoted in its failure log line."""

DUPLICATE = "duplicate"
"""Status a processor returns (in `{"status": ...}`) when the object version was already recorded."""


@dataclass(frozen=True, slots=True)
class ProcessingContext:
    """What a processor knows about the message it is working on."""

    message_id: str
    receive_count: int
    deadline: float
    """`time.monotonic()` value at which the guard interrupts the processor."""
    queue: str
    request_id: str | None = None

    def remaining(self) -> float:
        """Seconds until the deadline (for a processor that wants to budget its own calls)."""
        return self.deadline - time.monotonic()


Processor = Callable[[ObjectRef, ProcessingContext], Mapping[str, Any] | None]
"""A processor handles one object version. It returns a JSON-serialisable mapping (kept by idempotency and
logged) or None, and raises to fail the message."""


def load_processor(spec: str) -> Processor:
    """Resolve `package.module:function` to a processor, checking it at cold start.

    If the processor's module defines `setup()`, it is called here, once per container: the place to
    validate the processor's own configuration (a missing table name stops the cold start) and to create its
    clients, so that cost is paid during INIT and not inside the first message's deadline.
    """
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigurationError(f"BATON_PROCESSOR={spec!r} must look like 'package.module:function'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigurationError(
            f"BATON_PROCESSOR={spec!r}: cannot import {module_name!r} ({error})"
        ) from None
    target: Any = module
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ConfigurationError(
                f"BATON_PROCESSOR={spec!r}: {module_name!r} has no {attribute!r}"
            ) from None
    if not callable(target):
        raise ConfigurationError(f"BATON_PROCESSOR={spec!r} is a {type(target).__name__}, not a callable")
    try:
        inspect.signature(target).bind(None, None)
    except TypeError:
        raise ConfigurationError(
            f"BATON_PROCESSOR={spec!r} must accept two positional arguments (object_ref, context)"
        ) from None
    except ValueError:  # builtins without a signature: accept and let a call fail loudly
        pass
    setup = getattr(module, "setup", None)
    if callable(setup):
        setup()
    processor: Processor = target
    return processor


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
    ) -> None:
        self._settings = settings
        self._processor = processor
        self._idempotency = idempotency

    @classmethod
    def from_settings(cls, settings: CoreSettings) -> MessageEngine:
        """Load the processor and, when configured, Powertools idempotency; raises `ConfigurationError`."""
        processor = load_processor(settings.processor)
        idempotency = Idempotency.create(settings) if settings.idempotency_table else None
        return cls(settings, processor, idempotency=idempotency)

    def start_invocation(self, context: LambdaContext) -> None:
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
            if self._idempotency is not None:
                result, replayed = self._idempotency.run(self._processor, ref, context)
            else:
                result, replayed = self._processor(ref, context), False
            duplicate = replayed or (isinstance(result, Mapping) and result.get("status") == DUPLICATE)
            if duplicate:
                logger.info("object version already recorded; skipped as a duplicate")
            return int(duplicate)

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
            details["body_preview"] = (body or "")[:BODY_PREVIEW]
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


class Idempotency:
    """Powertools idempotency around the processor, keyed by object version.

    The processor's own conditional write is what guarantees one result per object version; this layer keeps
    a duplicate delivery from re-reading the object at all and stops two concurrent deliveries of one version
    from running the processor twice (the second fails with `IdempotencyAlreadyInProgressError`, is retried).
    """

    def __init__(self, config: Any, persistence: Any) -> None:
        from aws_lambda_powertools.utilities.idempotency import idempotent_function  # noqa: PLC0415

        self._config = config
        # Built once: Powertools hashes only the `identity` keyword and hands the others to the function.
        self._guarded = idempotent_function(
            _run_once,
            data_keyword_argument="identity",
            persistence_store=persistence,
            config=config,
            key_prefix="baton-object",
        )

    @classmethod
    def create(cls, settings: CoreSettings) -> Idempotency:
        """A DynamoDB persistence layer on `settings.idempotency_table`."""
        from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415 - only when configured
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
        )

        from relay_common import clients  # noqa: PLC0415

        config = IdempotencyConfig(
            expires_after_seconds=settings.idempotency_ttl,
            raise_on_no_idempotency_key=True,
            use_local_cache=True,
            response_hook=_mark_replayed,
        )
        persistence = DynamoDBPersistenceLayer(
            table_name=settings.idempotency_table or "", boto3_client=clients.dynamodb()
        )
        return cls(config, persistence)

    def register(self, context: LambdaContext) -> None:
        """Bind in-progress records to this invocation's remaining time."""
        self._config.register_lambda_context(context)

    def run(
        self, processor: Processor, ref: ObjectRef, context: ProcessingContext
    ) -> tuple[Mapping[str, Any] | None, bool]:
        """Run the processor once per object version; returns (result, replayed from a stored record)."""
        stored = self._guarded(identity=ref.identity(), processor=processor, ref=ref, context=context)
        return stored.get("result"), bool(stored.get(_REPLAYED))


def _run_once(
    *, identity: dict[str, str], processor: Processor, ref: ObjectRef, context: ProcessingContext
) -> dict[str, Any]:
    """What Powertools guards: one processor call, its result in the JSON shape it stores."""
    result = processor(ref, context)
    return {"result": dict(result) if result is not None else None}


_REPLAYED = "__replayed__"


def _mark_replayed(response: Any, idempotent_data: Any) -> Any:
    """Powertools calls this only when it answers from a stored record instead of running the function."""
    if isinstance(response, dict):
        return {**response, _REPLAYED: True}
    return response
