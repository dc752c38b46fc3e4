"""FIFO consumer: an SQS FIFO event source mapping with partial batch responses that never stalls a group.

Records are processed in order, each under its own deadline, so a message that hangs is interrupted before the
function timeout and no invocation dies of "Task timed out". Failures are reported in `batchItemFailures`:

* `skip` (default): only the failed message is reported; later messages of its group are still processed, and
  the failed message is made visible again at once, so the redrive policy (maxReceiveCount 1 by default) moves
  it to the DLQ on the next receive instead of after a full visibility timeout.
* `hold_group` (strict order): the failed message and every later message of its group are reported, without
  attempting the later ones; other groups carry on.

When every record fails they are all returned as failures; the handler never raises for a message, since a
raised error would make Lambda retry the whole batch and count an error. The policy is
`fifo_policy.FifoPolicyProcessor`, a Powertools `BatchProcessor` subclass.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import process_partial_response

from consumer import processors
from consumer.fifo_policy import FifoPolicyProcessor, RecordRunner
from relay_common import clients as aws_clients
from relay_common.config import FailurePolicy, FifoSettings
from relay_common.deadline import Budget, deadline_guard
from relay_common.errors import DeadlineExceeded
from relay_common.observability import instrument, logger
from relay_common.processing import MessageEngine
from relay_common.sqs import Receipt, change_visibility
from relay_common.workers import WorkerPool

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_sqs import SQSClient

    from relay_common.clients import Clients

HARD_STOP_RESERVE = 0.25
"""Seconds kept back from Lambda's hard stop when making failed messages visible again."""


class FifoConsumer:
    """Processes one event-source-mapping batch."""

    def __init__(
        self, settings: FifoSettings, engine: MessageEngine, *, sqs: SQSClient, pool: WorkerPool | None = None
    ) -> None:
        self.settings = settings
        self.engine = engine
        self._sqs = sqs
        self.pool = pool
        """Worker processes for the groups of a batch; None processes every record in this process."""

    @classmethod
    def from_env(cls, clients: Clients | None = None) -> FifoConsumer:
        """Build from the function's environment; raises `ConfigurationError` at cold start."""
        settings = FifoSettings.from_env(default_processor=processors.DEFAULT)
        clients = clients or aws_clients.default()
        engine = MessageEngine.from_settings(settings.core, clients)
        workers = settings.core.workers
        pool = WorkerPool(engine, workers).start() if workers > 1 else None  # forked during INIT
        return cls(settings, engine, sqs=clients.sqs(), pool=pool)

    def handle(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        """Process the batch in order; return the partial batch response."""
        self.engine.start_invocation(context)
        budget = Budget(context, safety_margin=self.settings.core.safety_margin)
        policy = self.settings.failure_policy
        runner = RecordRunner(self.engine, budget, context.aws_request_id)
        processor = FifoPolicyProcessor(policy, pool=self.pool, runner=runner)
        response = process_partial_response(
            event=event, record_handler=runner, processor=processor, context=context
        )
        if processor.failed_receipts and policy is FailurePolicy.SKIP:
            self._make_visible(processor.failed_receipts, budget)
        logger.info(
            "FIFO batch finished",
            extra={
                "summary": {
                    "records": len(event.get("Records", [])),
                    **processor.tally.as_dict(),
                    "reported": len(response["batchItemFailures"]),
                    "policy": policy.value,
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


@functools.cache
def _entry(fifo: FifoConsumer) -> Callable[[Any, Any], Any]:
    """The consumer's `handle`, instrumented as its settings say (the Tracer only when tracing is on)."""
    return instrument(fifo.handle, tracing=fifo.settings.core.tracing)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point for the SQS FIFO event source mapping."""
    return _entry(consumer())(event, context)  # type: ignore[no-any-return]


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    _entry(
        consumer()
    )  # build during INIT: a configuration error fails the cold start, before any batch is taken
