"""FIFO consumer: an SQS FIFO event source mapping with partial batch responses that never stalls a group.

Records are processed in order, each under its own deadline, so a message that hangs is interrupted before the
function timeout and no invocation dies of "Task timed out". Failures are reported in `batchItemFailures`:

* `skip` (default): only the failed message is reported; later messages of its group are still processed, and
  the failed message is made visible again at once, so the redrive policy (maxReceiveCount 1 by default) moves
  it to the DLQ on the next receive instead of after a full visibility timeout.
* `hold_group` (strict order): the failed message and every later message of its group are reported, without
  attempting the later ones; other groups carry on.

When every record fails they are all returned as failures; the handler never raises for a message, since a
raised error would make Lambda retry the whole batch and count an error. Powertools' `BatchProcessor` does the
record bookkeeping; its `SqsFifoPartialProcessor` is not used because it cannot process past a failure under
`skip` and raises when all records fail.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from relay_common import clients
from relay_common.config import FailurePolicy, FifoSettings
from relay_common.deadline import Budget, deadline_guard
from relay_common.errors import DeadlineExceeded, HeldBehindFailure, MessageError
from relay_common.observability import Metric, count, logger, metrics, tracer, with_counts
from relay_common.processing import MessageEngine, Outcome
from relay_common.sqs import Receipt, change_visibility

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_sqs import SQSClient

HARD_STOP_RESERVE = 0.25
"""Seconds kept back from Lambda's hard stop when making failed messages visible again."""


class FifoConsumer:
    """Processes one event-source-mapping batch."""

    def __init__(self, settings: FifoSettings, engine: MessageEngine, *, sqs: SQSClient) -> None:
        self.settings = settings
        self.engine = engine
        self._sqs = sqs

    @classmethod
    def from_env(cls) -> FifoConsumer:
        """Build from the function's environment; raises `ConfigurationError` at cold start."""
        settings = FifoSettings.from_env()
        return cls(settings, MessageEngine.from_settings(settings.core), sqs=clients.sqs())

    def handle(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        """Process the batch in order; return the partial batch response."""
        self.engine.start_invocation(context)
        budget = Budget(context, safety_margin=self.settings.core.safety_margin)
        hold = self.settings.failure_policy is FailurePolicy.HOLD_GROUP
        held_groups: set[str] = set()
        failed: list[Receipt] = []
        tally = dict.fromkeys(("processed", "test_events", "failed", "held"), 0)

        def record_handler(record: SQSRecord) -> None:
            group = record.attributes.message_group_id or ""
            if hold and group in held_groups:
                tally["held"] += 1
                count(Metric.HELD)
                logger.info(
                    "held behind an earlier failure in its group",
                    extra={"message_id": record.message_id, "message_group_id": group},
                )
                raise HeldBehindFailure(record.message_id, f"an earlier message of group {group!r} failed")
            result = self.engine.process(
                record.message_id,
                record.body,
                receive_count=int(record.attributes.approximate_receive_count or 1),
                budget=budget,
                request_id=context.aws_request_id,
            )
            if result.outcome is Outcome.PROCESSED:
                tally["processed"] += 1
            elif result.outcome is Outcome.TEST_EVENT:
                tally["test_events"] += 1
            else:
                tally["failed"] += 1
                failed.append(Receipt(record.message_id, record.receipt_handle))
                if hold:
                    held_groups.add(group)
                raise result.error or MessageError(record.message_id, "failed")

        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        if failed and not hold:
            self._make_visible(failed, budget)
        logger.info(
            "FIFO batch finished",
            extra={
                "summary": {
                    "records": len(event.get("Records", [])),
                    **tally,
                    "reported": len(response["batchItemFailures"]),
                    "policy": self.settings.failure_policy.value,
                }
            },
        )
        return dict(response)

    def _make_visible(self, failed: list[Receipt], budget: Budget) -> None:
        """Visibility 0 for the failed messages, within the time Lambda still gives us."""
        seconds = budget.until_hard_stop() - HARD_STOP_RESERVE
        try:
            with deadline_guard(seconds, "visibility-reset", enabled=self.settings.core.deadline_guard):
                change_visibility(self._sqs, self.settings.core.queue_url, [(r, 0) for r in failed])
        except DeadlineExceeded:
            logger.warning(
                "no time left to make failed messages visible; they return after the visibility timeout",
                extra={"message_ids": [r.message_id for r in failed]},
            )


@functools.cache
def consumer() -> FifoConsumer:
    """The container's consumer, built once (configuration is validated here)."""
    return FifoConsumer.from_env()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@with_counts
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point for the SQS FIFO event source mapping."""
    return consumer().handle(event, context)


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    consumer()  # build during INIT: a configuration error fails the cold start, before any batch is taken
