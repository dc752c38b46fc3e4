"""Batch deletes and visibility changes read the Failed list and retry failed entries once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relay_common.sqs import Receipt, change_visibility, delete_messages

if TYPE_CHECKING:
    from tests.unit.builders import Aws


class CorruptingSqs:
    """Passes calls to a real (moto) client, but spoils chosen receipt handles for the first N attempts, so
    SQS itself answers 200 with those entries in `Failed`."""

    def __init__(self, client: Any, spoil: set[str], attempts: int) -> None:
        self._client = client
        self._spoil = spoil
        self._attempts_left = attempts
        self.calls: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> Any:  # noqa: N803
        self.calls.append(len(Entries))
        if self._attempts_left > 0:
            self._attempts_left -= 1
            Entries = [  # noqa: N806
                {**e, "ReceiptHandle": "spoiled"} if e["ReceiptHandle"] in self._spoil else e for e in Entries
            ]
        return self._client.delete_message_batch(QueueUrl=QueueUrl, Entries=Entries)


def receive_all(aws: Aws, url: str, expected: int) -> list[Receipt]:
    receipts: list[Receipt] = []
    while len(receipts) < expected:
        response = aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        receipts += [Receipt(m["MessageId"], m["ReceiptHandle"]) for m in response.get("Messages", [])]
    return receipts


def test_deletes_go_in_chunks_of_ten(aws: Aws) -> None:
    queue = aws.queue("chunks")
    queue.send_many([f"m{i}" for i in range(25)])
    receipts = receive_all(aws, queue.url, 25)
    client = CorruptingSqs(aws.sqs, set(), 0)
    outcome = delete_messages(client, queue.url, receipts)  # type: ignore[arg-type]
    assert client.calls == [10, 10, 5]
    assert sorted(outcome.succeeded) == sorted(r.message_id for r in receipts)
    assert outcome.failed == {}
    assert queue.depth() == (0, 0)


def test_failed_entries_are_retried_once_and_then_succeed(aws: Aws) -> None:
    queue = aws.queue("retry")
    queue.send_many([f"m{i}" for i in range(12)])
    receipts = receive_all(aws, queue.url, 12)
    spoiled = {receipts[1].receipt_handle, receipts[11].receipt_handle}
    client = CorruptingSqs(aws.sqs, spoiled, attempts=2)  # both first-attempt chunks spoil their entry
    outcome = delete_messages(client, queue.url, receipts)  # type: ignore[arg-type]
    assert client.calls == [10, 2, 2]
    assert len(outcome.succeeded) == 12
    assert outcome.failed == {}
    assert queue.depth() == (0, 0)


def test_entries_that_fail_twice_are_reported_not_assumed_deleted(aws: Aws) -> None:
    queue = aws.queue("fail")
    queue.send_many(["a", "b", "c"])
    receipts = receive_all(aws, queue.url, 3)
    client = CorruptingSqs(aws.sqs, {receipts[0].receipt_handle}, attempts=2)
    outcome = delete_messages(client, queue.url, receipts)  # type: ignore[arg-type]
    assert client.calls == [3, 1]
    assert set(outcome.failed) == {receipts[0].message_id}
    assert "ReceiptHandleIsInvalid" in outcome.failed[receipts[0].message_id]
    assert len(outcome.succeeded) == 2
    assert queue.depth() == (0, 1), "the undeleted message is still in flight and will be redelivered"


def test_a_whole_call_error_counts_every_entry_as_failed(aws: Aws) -> None:
    queue = aws.queue("missing")
    queue.send_many(["a"])
    receipts = receive_all(aws, queue.url, 1)
    outcome = delete_messages(aws.sqs, queue.url + "-does-not-exist", receipts)
    assert set(outcome.failed) == {receipts[0].message_id}


def test_visibility_changes_are_batched_and_clamped(aws: Aws) -> None:
    queue = aws.queue("vis", visibility=300)
    queue.send_many([f"m{i}" for i in range(11)])
    receipts = receive_all(aws, queue.url, 11)
    outcome = change_visibility(aws.sqs, queue.url, [(r, 0) for r in receipts[:10]] + [(receipts[10], -5)])
    assert len(outcome.succeeded) == 11
    assert queue.depth() == (11, 0)


def test_a_refused_visibility_change_is_reported(aws: Aws) -> None:
    queue = aws.queue("vis-limit")
    queue.send_many(["a"])
    (receipt,) = receive_all(aws, queue.url, 1)
    # SQS caps a message's total visibility at 12 hours from its first receive.
    outcome = change_visibility(aws.sqs, queue.url, [(receipt, 43_200)])
    assert "InvalidParameterValue" in outcome.failed[receipt.message_id]
