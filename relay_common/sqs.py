"""SQS batch operations that read their `Failed` lists.

`DeleteMessageBatch` and `ChangeMessageVisibilityBatch` take at most 10 entries and answer HTTP 200 with
separate `Successful` and `Failed` lists, so a 200 does not mean every entry worked. Each operation here sends
chunks of 10, retries the failed entries once (a whole-call error counts as every entry failing), then logs
and counts what still failed. A message whose delete failed is redelivered later and idempotency absorbs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from relay_common.observability import Metric, count, logger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

BATCH_LIMIT = 10
MAX_VISIBILITY_TIMEOUT = 43_200


@dataclass(frozen=True, slots=True)
class Receipt:
    """What SQS needs to act on a received message."""

    message_id: str
    receipt_handle: str


@dataclass(slots=True)
class BatchOutcome:
    """Message ids that worked and, for those that did not, why."""

    succeeded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


# One chunk's API call: takes the entries, returns (successful entry ids, {failed entry id: reason}).
_Call = Callable[[list[dict[str, Any]]], tuple[list[str], dict[str, str]]]


def delete_messages(client: SQSClient, queue_url: str, receipts: Sequence[Receipt]) -> BatchOutcome:
    """Delete messages in batches of 10; failed entries are retried once, then logged and counted."""

    def call(entries: list[dict[str, Any]]) -> tuple[list[str], dict[str, str]]:
        response = client.delete_message_batch(QueueUrl=queue_url, Entries=entries)  # type: ignore[arg-type]
        return _split(response)

    def entry(receipt: Receipt, _: int) -> dict[str, Any]:
        return {"ReceiptHandle": receipt.receipt_handle}

    outcome = _run("DeleteMessageBatch", call, [(receipt, 0) for receipt in receipts], entry)
    if outcome.failed:
        count(Metric.DELETE_FAILURES, len(outcome.failed))
        logger.error(
            "messages could not be deleted; they will be redelivered and idempotency absorbs the repeat",
            extra={"failed": outcome.failed, "queue_url": queue_url},
        )
    return outcome


def change_visibility(
    client: SQSClient, queue_url: str, changes: Sequence[tuple[Receipt, int]]
) -> BatchOutcome:
    """Set each message's visibility timeout (seconds, clamped to 0-43200), batched like deletes."""

    def call(entries: list[dict[str, Any]]) -> tuple[list[str], dict[str, str]]:
        response = client.change_message_visibility_batch(
            QueueUrl=queue_url,
            Entries=entries,  # type: ignore[arg-type]
        )
        return _split(response)

    def entry(receipt: Receipt, timeout: int) -> dict[str, Any]:
        return {
            "ReceiptHandle": receipt.receipt_handle,
            "VisibilityTimeout": max(0, min(timeout, MAX_VISIBILITY_TIMEOUT)),
        }

    outcome = _run("ChangeMessageVisibilityBatch", call, list(changes), entry)
    if outcome.failed:
        count(Metric.VISIBILITY_FAILURES, len(outcome.failed))
        logger.warning(
            "visibility could not be changed; those messages return after the queue's visibility timeout",
            extra={"failed": outcome.failed, "queue_url": queue_url},
        )
    return outcome


def _run(
    operation: str,
    call: _Call,
    items: list[tuple[Receipt, int]],
    make_entry: Callable[[Receipt, int], dict[str, Any]],
) -> BatchOutcome:
    outcome = BatchOutcome()
    pending = items
    for attempt in (1, 2):
        failed: list[tuple[Receipt, int]] = []
        reasons: dict[str, str] = {}
        for start in range(0, len(pending), BATCH_LIMIT):
            chunk = pending[start : start + BATCH_LIMIT]
            entries = [{"Id": str(index), **make_entry(*item)} for index, item in enumerate(chunk)]
            try:
                ok_ids, failed_ids = call(entries)
            except (ClientError, BotoCoreError) as error:
                ok_ids, failed_ids = [], {str(index): _reason(error) for index in range(len(chunk))}
            outcome.succeeded.extend(chunk[int(entry_id)][0].message_id for entry_id in ok_ids)
            for entry_id, reason in failed_ids.items():
                failed.append(chunk[int(entry_id)])
                reasons[chunk[int(entry_id)][0].message_id] = reason
        if failed and attempt == 1:
            logger.info(f"{operation}: retrying {len(failed)} failed entries once", extra={"failed": reasons})
        pending = failed
        if not pending:
            break
    outcome.failed = reasons if pending else {}
    return outcome


def _split(response: Any) -> tuple[list[str], dict[str, str]]:
    ok = [item["Id"] for item in response.get("Successful", [])]
    failed = {
        item["Id"]: f"{item.get('Code', 'Unknown')}: {item.get('Message', '')}".rstrip(": ")
        for item in response.get("Failed", [])
    }
    return ok, failed


def _reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'ClientError')}: {details.get('Message', '')}".rstrip(": ")
    return f"{type(error).__name__}: {error}"
