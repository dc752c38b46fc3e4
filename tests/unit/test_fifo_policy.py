"""The FIFO failure policy on its own: Powertools' BatchProcessor with Baton's hooks, on synthetic records."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch import process_partial_response

from consumer.fifo_policy import FifoPolicyProcessor
from relay_common.config import FailurePolicy
from relay_common.errors import MessageError
from relay_common.processing import MessageResult, Outcome
from tests.unit.builders import FakeContext


def record(message_id: str, group: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}",
        "body": message_id,
        "attributes": {"MessageGroupId": group, "ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q.fifo",
        "awsRegion": "us-east-1",
    }


class Handler:
    """Fails the message ids it is told to; records what it was asked to do."""

    def __init__(self, failing: set[str], test_events: frozenset[str] = frozenset()) -> None:
        self.failing, self.test_events, self.seen = failing, test_events, []

    def __call__(self, record: Any) -> MessageResult:
        self.seen.append(record.message_id)
        if record.message_id in self.failing:
            raise MessageError(record.message_id, "failing on purpose")
        outcome = Outcome.TEST_EVENT if record.message_id in self.test_events else Outcome.PROCESSED
        return MessageResult(record.message_id, outcome, duplicates=int(record.message_id.endswith("dup")))


def run(policy: FailurePolicy, records: list[dict[str, Any]], handler: Handler) -> tuple[list[str], Any]:
    processor = FifoPolicyProcessor(policy)
    response = process_partial_response(
        event={"Records": records},
        record_handler=handler,
        processor=processor,
        context=FakeContext(),  # type: ignore[arg-type]
    )
    return [item["itemIdentifier"] for item in response["batchItemFailures"]], processor


BATCH = [record("a1", "a"), record("b1", "b"), record("a2", "a"), record("a3", "a"), record("b2", "b")]


def test_skip_reports_only_the_failure_and_goes_on_in_its_group() -> None:
    handler = Handler({"a2"})
    failed, processor = run(FailurePolicy.SKIP, BATCH, handler)
    assert failed == ["a2"]
    assert handler.seen == ["a1", "b1", "a2", "a3", "b2"]
    assert [r.message_id for r in processor.failed_receipts] == ["a2"]
    assert processor.failed_receipts[0].receipt_handle == "rh-a2"
    assert processor.tally.as_dict() == {
        "processed": 4,
        "test_events": 0,
        "failed": 1,
        "held": 0,
        "duplicates": 0,
    }


def test_hold_group_holds_the_rest_of_the_failed_group_only_without_attempting_it() -> None:
    handler = Handler({"a2"})
    failed, processor = run(FailurePolicy.HOLD_GROUP, BATCH, handler)
    assert failed == ["a2", "a3"]
    assert handler.seen == ["a1", "b1", "a2", "b2"], "a3 was not attempted"
    assert [r.message_id for r in processor.failed_receipts] == ["a2"], "held records are not 'failed'"
    assert (processor.tally.failed, processor.tally.held, processor.tally.processed) == (1, 1, 3)


@pytest.mark.parametrize("policy", list(FailurePolicy))
def test_an_all_failed_batch_is_reported_never_raised(policy: FailurePolicy) -> None:
    records = [record("x1", "x"), record("y1", "y")]
    failed, _ = run(policy, records, Handler({"x1", "y1"}))
    assert sorted(failed) == ["x1", "y1"]


def test_the_tally_counts_test_events_and_duplicates() -> None:
    records = [record("t1", "t"), record("d-dup", "d"), record("ok", "d")]
    _, processor = run(FailurePolicy.SKIP, records, Handler(set(), frozenset({"t1"})))
    assert processor.tally.as_dict() == {
        "processed": 2,
        "test_events": 1,
        "failed": 0,
        "held": 0,
        "duplicates": 1,
    }


def test_a_processor_is_reusable_across_batches() -> None:
    processor = FifoPolicyProcessor(FailurePolicy.HOLD_GROUP)
    for failing in ({"a1"}, set()):
        response = process_partial_response(
            event={"Records": BATCH},
            record_handler=Handler(failing),
            processor=processor,
            context=FakeContext(),  # type: ignore[arg-type]
        )
    assert response["batchItemFailures"] == [], "the held groups of the first batch are forgotten"
    assert processor.tally.held == 0
