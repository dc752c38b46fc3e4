"""The FIFO consumer's failure policy, as a Powertools batch processor.

Powertools' `BatchProcessor` does the record bookkeeping and builds the partial batch response; this subclass
adds Baton's policy through its hooks:

* `skip` (default): only a failed record is reported; later records of its group are still processed.
* `hold_group` (strict order): once a record failed, the later records of its group are reported without
  being attempted (`HeldBehindFailure`); other groups carry on.

With a `WorkerPool`, records of different message groups run at once on the workers, while the records of
one group still run one after another in batch order, so both policies keep their meaning; without one, every
record runs in turn in this process, as Powertools does it.

It never raises when every record fails (`raise_on_entire_batch_failure=False`): a raised error would make
Lambda retry the whole batch and count an error. It keeps the receipts of records that were attempted and
failed, so the consumer can make them visible again at once, and a tally for the batch summary. Powertools'
`SqsFifoPartialProcessor` is not used: it cannot process past a failure under `skip`, and it raises when all
records fail.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from relay_common.config import FailurePolicy
from relay_common.errors import HeldBehindFailure, MessageError
from relay_common.observability import Metric, count, logger
from relay_common.processing import MessageResult, Outcome
from relay_common.sqs import Receipt
from relay_common.workers import Job

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

    from relay_common.deadline import Budget
    from relay_common.processing import MessageEngine
    from relay_common.workers import WorkerPool


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

    def __init__(
        self, policy: FailurePolicy, *, pool: WorkerPool | None = None, runner: RecordRunner | None = None
    ) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self.policy = policy
        self.pool = pool
        self.runner = runner
        """What each record needs (engine, budget, request id), also as a worker's job."""
        self.tally = BatchTally()
        self.failed_receipts: list[Receipt] = []
        """Records attempted in this batch that failed (held records are not among them)."""
        self._held_groups: set[str] = set()

    def _prepare(self) -> None:
        super()._prepare()  # type: ignore[no-untyped-call]
        self.tally = BatchTally()
        self.failed_receipts = []
        self._held_groups = set()

    def process(self) -> list[Any]:
        """Every record's outcome, in batch order: groups in parallel on the pool when there is one."""
        if self.pool is None or self.runner is None:
            return super().process()
        return _GroupScheduler(self, self.pool, self.runner).run(list(self.records))

    def _process_record(self, record: dict[str, Any]) -> Any:
        if self.is_held(record):
            return self.hold(record)
        return super()._process_record(record)

    def is_held(self, record: dict[str, Any]) -> bool:
        """Under `hold_group`: an earlier record of this record's group failed in this batch."""
        return self.policy is FailurePolicy.HOLD_GROUP and _group(record) in self._held_groups

    def hold(self, record: dict[str, Any]) -> Any:
        """Report a record held behind its group's failure, without attempting it."""
        group, data = _group(record), SQSRecord(record)
        self.tally.held += 1
        count(Metric.HELD)
        logger.info(
            "held behind an earlier failure in its group",
            extra={"message_id": data.message_id, "message_group_id": group},
        )
        held = HeldBehindFailure(data.message_id, f"an earlier message of group {group!r} failed")
        # Straight to Powertools' bookkeeping: a held record is reported, but it was not attempted.
        return super().failure_handler(data, (HeldBehindFailure, held, None))

    def record_outcome(self, record: dict[str, Any], result: MessageResult) -> Any:
        """Book an outcome that came back from a worker, as `_process_record` books one from the handler."""
        if result.succeeded:
            return self.success_handler(record, result)
        error = result.error or MessageError(str(record.get("messageId")), "failed")
        return self.failure_handler(SQSRecord(record), (type(error), error, None))

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


class _GroupScheduler:
    """Runs a batch on the pool: one record per message group at a time, groups side by side."""

    def __init__(self, processor: FifoPolicyProcessor, pool: WorkerPool, runner: RecordRunner) -> None:
        self.processor = processor
        self.pool = pool
        self.runner = runner

    def run(self, records: list[dict[str, Any]]) -> list[Any]:
        outcomes: list[Any] = [None] * len(records)
        pending: dict[str, deque[int]] = {}
        for index, record in enumerate(records):
            pending.setdefault(_group(record), deque()).append(index)
        busy: dict[int, str] = {}  # job token (the record's index) -> its group
        with self.pool.session():  # a batch failing mid-way leaves no outcome for the next (same tokens)
            self._schedule(records, outcomes, pending, busy)
        return outcomes

    def _schedule(
        self,
        records: list[dict[str, Any]],
        outcomes: list[Any],
        pending: dict[str, deque[int]],
        busy: dict[int, str],
    ) -> None:
        timeout = self.runner.engine.settings.message_timeout
        while pending or busy:
            for group in [g for g in pending if g not in busy.values()]:
                queue = pending[group]
                while queue and self.processor.is_held(records[queue[0]]):
                    index = queue.popleft()
                    outcomes[index] = self.processor.hold(records[index])
                if not queue:
                    del pending[group]
                    continue
                if not self.pool.idle:
                    break
                index = queue.popleft()
                if not queue:
                    del pending[group]
                self.pool.submit(self.runner.job(index, records[index]), timeout)
                busy[index] = group
            for done in self.pool.collect(timeout=1.0):
                index = done.job.token
                busy.pop(index)
                outcomes[index] = self.processor.record_outcome(records[index], done.result)


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

    def job(self, token: int, record: dict[str, Any]) -> Job:
        """The same record as a worker's job."""
        data = SQSRecord(record)
        return Job(
            token=token,
            message_id=data.message_id,
            body=data.body,
            receive_count=int(data.attributes.approximate_receive_count or 1),
            ends_at=time.monotonic() + self.budget.remaining(),
            request_id=self.request_id,
            log_keys={"message_group_id": data.attributes.message_group_id},
        )


def _group(record: dict[str, Any]) -> str:
    return str(record.get("attributes", {}).get("MessageGroupId") or "")
