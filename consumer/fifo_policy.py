"""The FIFO consumer's failure policy, as a Powertools batch processor.

Powertools' `BatchProcessor` does the record bookkeeping and builds the partial batch response; this subclass
adds Baton's policy through its hooks:

* `skip` (default): only a failed record is reported; later records of its group are still processed.
* `hold_group` (strict order): once a record failed, the later records of its group are reported without
  being attempted (`HeldBehindFailure`); other groups carry on.

It never raises when every record fails (`raise_on_entire_batch_failure=False`): a raised error would make
Lambda retry the whole batch and count an error. It keeps the receipts of records that were attempted and
failed, so the consumer can make them visible again at once, and a tally for the batch summary. Powertools'
`SqsFifoPartialProcessor` is not used: it cannot process past a failure under `skip`, and it raises when all
records fail.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from relay_common.config import FailurePolicy
from relay_common.errors import HeldBehindFailure, MessageError
from relay_common.observability import Metric, count, logger
from relay_common.processing import MessageResult, Outcome
from relay_common.sqs import Receipt

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

    from relay_common.deadline import Budget
    from relay_common.processing import MessageEngine


@dataclass(slots=True)
class BatchTally:
    """How the records of one batch ended."""

    processed: int = 0
    test_events: int = 0
    failed: int = 0
    held: int = 0
    duplicates: int = 0

    def as_dict(self) -> dict[str, int]:
        """JSON-ready counts."""
        return asdict(self)


class FifoPolicyProcessor(BatchProcessor):
    """`BatchProcessor` with Baton's FIFO failure policy (see the module docstring)."""

    def __init__(self, policy: FailurePolicy) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self.policy = policy
        self.tally = BatchTally()
        self.failed_receipts: list[Receipt] = []
        """Records attempted in this batch that failed (held records are not among them)."""
        self._held_groups: set[str] = set()

    def _prepare(self) -> None:
        super()._prepare()  # type: ignore[no-untyped-call]
        self.tally = BatchTally()
        self.failed_receipts = []
        self._held_groups = set()

    def _process_record(self, record: dict[str, Any]) -> Any:
        group = _group(record)
        if self.policy is FailurePolicy.HOLD_GROUP and group in self._held_groups:
            data = SQSRecord(record)
            self.tally.held += 1
            count(Metric.HELD)
            logger.info(
                "held behind an earlier failure in its group",
                extra={"message_id": data.message_id, "message_group_id": group},
            )
            held = HeldBehindFailure(data.message_id, f"an earlier message of group {group!r} failed")
            # Straight to Powertools' bookkeeping: a held record is reported, but it was not attempted.
            return super().failure_handler(data, (HeldBehindFailure, held, None))
        return super()._process_record(record)

    def success_handler(self, record: Any, result: Any) -> Any:
        """Count what the record came to."""
        if isinstance(result, MessageResult):
            if result.outcome is Outcome.TEST_EVENT:
                self.tally.test_events += 1
            else:
                self.tally.processed += 1
                self.tally.duplicates += result.duplicates
        return super().success_handler(record, result)

    def failure_handler(self, record: Any, exception: Any) -> Any:
        """Keep the failed record's receipt; under `hold_group`, hold the rest of its group."""
        self.tally.failed += 1
        if record is not None:
            self.failed_receipts.append(Receipt(record.message_id, record.receipt_handle))
            if self.policy is FailurePolicy.HOLD_GROUP:
                self._held_groups.add(record.attributes.message_group_id or "")
        return super().failure_handler(record, exception)

    def response(self) -> PartialItemFailureResponse:
        """The partial batch response (`batchItemFailures`)."""
        return super().response()


@dataclass(frozen=True, slots=True)
class RecordRunner:
    """The record handler for one batch: each record through the engine; a failed record raises its error,
    which is how Powertools learns it failed."""

    engine: MessageEngine
    budget: Budget
    request_id: str | None = None

    def __call__(self, record: SQSRecord) -> MessageResult:
        """Process one record."""
        result = self.engine.process(
            record.message_id,
            record.body,
            receive_count=int(record.attributes.approximate_receive_count or 1),
            budget=self.budget,
            request_id=self.request_id,
        )
        if not result.succeeded:
            raise result.error or MessageError(record.message_id, "failed")
        return result


def _group(record: dict[str, Any]) -> str:
    return str(record.get("attributes", {}).get("MessageGroupId") or "")
