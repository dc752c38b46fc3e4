"""The ported original relay design does exactly what that design did, with only its obvious bugs fixed."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from relay_common import clients
from tests.bench.functions.baton_bench import original_relay
from tests.unit.builders import FakeContext, create_results_table, notification_body, s3_notification

if TYPE_CHECKING:
    from collections.abc import Iterator


class FakeLambda:
    """Records asynchronous invokes instead of making them."""

    def __init__(self) -> None:
        self.invokes: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.invokes.append(kwargs)
        return {"StatusCode": 202}


@pytest.fixture
def relay(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, FakeLambda, Counter[str]]]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        s3.create_bucket(Bucket="ingest")
        create_results_table(boto3.client("dynamodb", region_name="us-east-1"), "results")
        url = sqs.create_queue(QueueName="source")["QueueUrl"]
        for index in range(12):
            s3.put_object(Bucket="ingest", Key=f"k{index}.txt", Body=b"x\n")
            sqs.send_message(
                QueueUrl=url, MessageBody=notification_body(s3_notification("ingest", f"k{index}.txt"))
            )
        monkeypatch.setenv("BATON_QUEUE_URL", url)
        monkeypatch.setenv("BATON_RESULTS_TABLE", "results")
        original_relay._settings.cache_clear()
        original_relay._engine.cache_clear()
        fake = FakeLambda()
        monkeypatch.setattr(clients.Clients, "lambda_", lambda self: fake)
        calls: Counter[str] = Counter()

        def record(event_name: str, params: dict[str, Any], **_: Any) -> None:
            calls[f"{event_name.rsplit('.', 1)[-1]} {json.dumps(params, sort_keys=True)}"] += 1

        for client in (clients.default().sqs(), clients.default().sqs_long_poll()):
            client.meta.events.register("provide-client-params.sqs", record)
        yield sqs, fake, calls
        original_relay._settings.cache_clear()
        original_relay._engine.cache_clear()


def operations(calls: Counter[str]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for name, count in calls.items():
        totals[name.split(" ", 1)[0]] += count
    return totals


def test_one_run_is_one_receive_one_delete_one_depth_check_and_a_self_invoke(relay: Any) -> None:
    _, fake, calls = relay
    summary = original_relay.lambda_handler({}, FakeContext())
    assert summary["received"] == summary["processed"] == 10
    assert summary["remaining"] == 2
    assert summary["relayed"]
    assert operations(calls) == Counter(
        {"ReceiveMessage": 1, "DeleteMessageBatch": 1, "GetQueueAttributes": 1}
    )
    receive = next(json.loads(c.split(" ", 1)[1]) for c in calls if c.startswith("ReceiveMessage"))
    assert (receive["MaxNumberOfMessages"], receive["WaitTimeSeconds"]) == (10, 1)
    delete = next(json.loads(c.split(" ", 1)[1]) for c in calls if c.startswith("DeleteMessageBatch"))
    assert [entry["Id"] for entry in delete["Entries"]] == [str(i) for i in range(10)]
    assert [call["InvocationType"] for call in fake.invokes] == ["Event"]


def test_the_last_run_does_not_relay_and_an_empty_receive_deletes_nothing(relay: Any) -> None:
    _, fake, calls = relay
    original_relay.lambda_handler({}, FakeContext())
    last = original_relay.lambda_handler({}, FakeContext())
    assert (last["processed"], last["remaining"], last["relayed"]) == (2, 0, False)
    empty = original_relay.lambda_handler({}, FakeContext())
    assert empty["received"] == 0
    assert operations(calls)["DeleteMessageBatch"] == 2
    assert len(fake.invokes) == 1
