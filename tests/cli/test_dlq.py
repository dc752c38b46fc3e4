"""`baton dlq peek` and `baton dlq redrive`.

moto (5.x) implements neither `StartMessageMoveTask` nor `ListMessageMoveTasks`, so redrive is tested twice:
against a botocore Stubber that checks every SQS call and its parameters, and against moto queues with those
two calls answered by `MoveTasks`, which moves the messages in moto the way SQS would.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from consumer.cli.aws import Aws as CliAws
from tests.cli.conftest import REGION, SESSION, use_client
from tests.unit.builders import eventbridge_body, notification_body, s3_notification

if TYPE_CHECKING:
    import pytest

    from tests.cli.conftest import Cloud, Runner
    from tests.unit.builders import Queue


def dead_letter(cloud: Cloud, queue: Queue, body: str, group: str | None = None) -> str:
    """Put a message in the queue's DLQ the way SQS does: received maxReceiveCount times, not deleted."""
    extra = {"MessageGroupId": group} if group else {}
    message_id: str = cloud.aws.sqs.send_message(QueueUrl=queue.url, MessageBody=body, **extra)["MessageId"]
    for _ in range(10):
        cloud.aws.sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        if queue.depth(queue.dlq_url)[0] and message_id in _ids(cloud, queue.dlq_url):
            return message_id
    raise AssertionError("the message was not dead-lettered")


def _ids(cloud: Cloud, url: str) -> set[str]:
    response = cloud.aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return {message["MessageId"] for message in response.get("Messages", [])}


def log_failure(cloud: Cloud, function: str, message_id: str, error: str) -> None:
    """The "message failed" line the consumer writes, in the function's log group."""
    group = f"/aws/lambda/{function}"
    with contextlib.suppress(cloud.logs.exceptions.ResourceAlreadyExistsException):
        cloud.logs.create_log_group(logGroupName=group)
    stream = f"2026/11/22/[$LATEST]{uuid.uuid4().hex}"
    cloud.logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    lines = [
        {"level": "INFO", "message": "message processed", "message_id": "someone-else"},
        {
            "level": "ERROR",
            "message": "message failed",
            "message_id": message_id,
            "receive_count": 3,
            "error_type": "MessageError",
            "error": error,
            "dead_letter_next": True,
        },
    ]
    cloud.logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": now, "message": json.dumps(line)} for line in lines],
    )


def test_peek_shows_messages_and_leaves_them_in_the_dlq(cloud: Cloud, baton: Runner) -> None:
    key = "in/report 7.csv"
    failed = dead_letter(cloud, cloud.relay, notification_body(s3_notification(cloud.aws.bucket, key)))
    garbage = dead_letter(cloud, cloud.relay, "this is not an event")
    log_failure(cloud, cloud.relay_function, failed, "ValueError: column 3 is not a number")

    result = baton("dlq", "peek", *cloud.outputs("relay"))

    assert result.code == 0, result.err
    out = result.out
    assert "baton-relay-dlq: 2 messages shown of about 2 (peeked, not consumed)" in out
    assert failed in out
    assert garbage in out
    assert f"s3://{cloud.aws.bucket}/{key}" in out
    assert "MessageError: ValueError: column 3 is not a number" in out
    assert "unparsable: the message body is not JSON" in out
    assert "no failure logged for this message id" in out
    assert "from baton-relay" in out or "received" in out
    assert cloud.relay.depth(cloud.relay.dlq_url) == (2, 0)  # visible again, nothing consumed


def test_peek_json_on_a_fifo_dlq(cloud: Cloud, baton: Runner) -> None:
    body = eventbridge_body(cloud.aws.bucket, "baton-send/r/a/0003-fail-on-purpose.txt")
    message_id = dead_letter(cloud, cloud.fifo, body, group="a")
    log_failure(cloud, cloud.fifo_function, message_id, "ChaosError: failing on purpose")

    result = baton("dlq", "peek", *cloud.outputs("fifo"), "--json")

    assert result.code == 0, result.err
    [item] = result.json()
    assert item["message_id"] == message_id
    assert item["group"] == "a"
    assert item["body"] == body
    assert item["objects"] == [f"s3://{cloud.aws.bucket}/baton-send/r/a/0003-fail-on-purpose.txt"]
    assert item["failure"]["error"] == "ChaosError: failing on purpose"
    assert item["failure"]["error_type"] == "MessageError"
    assert item["receive_count"] >= 1
    assert item["sent_at"].endswith("Z")
    assert cloud.fifo.depth(cloud.fifo.dlq_url) == (1, 0)


def test_peek_limits_and_explains_missing_logs(cloud: Cloud, baton: Runner) -> None:
    for index in range(3):
        cloud.aws.sqs.send_message(QueueUrl=cloud.relay.dlq_url, MessageBody=f"m{index}")

    result = baton("dlq", "peek", "--dlq-url", cloud.relay.dlq_url, "--function", "baton-relay", "--max", "2")
    no_function = baton("dlq", "peek", "--dlq-url", cloud.relay.dlq_url, "--json").json()

    assert result.code == 0
    assert "2 messages shown of about 3" in result.out
    assert "log group /aws/lambda/baton-relay not found" in result.out
    assert {item["failure_note"] for item in no_function} == {
        "no function known (--function) to read logs from"
    }
    assert cloud.relay.depth(cloud.relay.dlq_url) == (3, 0)


def undeliverable(cloud: Cloud, key: str) -> str:
    """An event EventBridge gave up on, as the delivery DLQ holds it: the event and its error attributes."""
    attributes = {
        "RULE_ARN": "arn:aws:events:us-east-1:123456789012:rule/baton-fifo-object-created",
        "TARGET_ARN": "arn:aws:sqs:us-east-1:123456789012:baton-fifo.fifo",
        "ERROR_CODE": "SQS.KmsAccessDenied",
        "ERROR_MESSAGE": "The KMS key policy does not allow events.amazonaws.com",
    }
    message_id: str = cloud.aws.sqs.send_message(
        QueueUrl=cloud.delivery_dlq_url,
        MessageBody=eventbridge_body(cloud.aws.bucket, key),
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
        },
    )["MessageId"]
    return message_id


def test_peek_events_shows_why_eventbridge_could_not_deliver(cloud: Cloud, baton: Runner) -> None:
    message_id = undeliverable(cloud, "in/lost.csv")

    screen = baton("dlq", "peek", *cloud.outputs("fifo"), "--events")
    [item] = baton("dlq", "peek", *cloud.outputs("fifo"), "--events", "--json").json()

    assert screen.code == 0, screen.err
    assert "baton-fifo-object-created-delivery-dlq: 1 message shown" in screen.out
    assert "SQS.KmsAccessDenied" in screen.out
    assert item["message_id"] == message_id
    assert item["objects"] == [f"s3://{cloud.aws.bucket}/in/lost.csv"]
    assert item["failure"] == {
        "error_type": "SQS.KmsAccessDenied",
        "error": "The KMS key policy does not allow events.amazonaws.com (rule baton-fifo-object-created)",
        "logged_at": None,
    }
    assert item["failure_note"] is None  # the function never saw it: no log search
    assert cloud.fifo.depth(cloud.delivery_dlq_url) == (1, 0)  # peeked, not consumed


def test_peek_events_needs_the_delivery_dlq_output(cloud: Cloud, baton: Runner) -> None:
    result = baton("dlq", "peek", *cloud.outputs("relay"), "--events")

    assert result.code != 0
    assert "output 'delivery_dlq_url'" in result.err


def test_peek_on_an_empty_dlq(cloud: Cloud, baton: Runner) -> None:
    result = baton("dlq", "peek", "--queue-url", cloud.relay.url)  # the DLQ found via the redrive policy

    assert result.code == 0
    assert result.out.strip() == "baton-relay-dlq: no messages to show (about 0 in the queue)"


# -- redrive ------------------------------------------------------------------------------------------


DLQ_URL = f"https://sqs.{REGION}.amazonaws.com/123456789012/baton-relay-dlq"
DLQ_ARN = f"arn:aws:sqs:{REGION}:123456789012:baton-relay-dlq"


def stubbed_sqs(monkeypatch: pytest.MonkeyPatch, waiting: int = 3) -> Stubber:
    client = SESSION.client("sqs", region_name=REGION)
    stubber = Stubber(client)
    stubber.add_response(
        "get_queue_attributes",
        {
            "Attributes": {
                "QueueArn": DLQ_ARN,
                "ApproximateNumberOfMessages": str(waiting),
                "ApproximateNumberOfMessagesNotVisible": "0",
            }
        },
        {"QueueUrl": DLQ_URL, "AttributeNames": ["All"]},
    )
    stubber.activate()
    use_client(monkeypatch, "sqs", client)
    return stubber


def task(status: str, moved: int, handle: str | None = "handle-1", **extra: Any) -> dict[str, Any]:
    entry = {
        "Status": status,
        "SourceArn": DLQ_ARN,
        "ApproximateNumberOfMessagesMoved": moved,
        "ApproximateNumberOfMessagesToMove": 3,
        "StartedTimestamp": 1_795_000_000_000,
        **extra,
    }
    if handle:
        entry["TaskHandle"] = handle
    return entry


def test_redrive_starts_a_rate_limited_task_and_follows_it(
    baton: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    stubber = stubbed_sqs(monkeypatch)
    listing = {"SourceArn": DLQ_ARN, "MaxResults": 10}
    stubber.add_response("list_message_move_tasks", {"Results": [task("COMPLETED", 5, handle=None)]}, listing)
    stubber.add_response(
        "start_message_move_task",
        {"TaskHandle": "handle-1"},
        {"SourceArn": DLQ_ARN, "MaxNumberOfMessagesPerSecond": 50},
    )
    stubber.add_response("list_message_move_tasks", {"Results": [task("RUNNING", 1)]}, listing)
    stubber.add_response(
        "list_message_move_tasks",
        {"Results": [task("COMPLETED", 3, handle=None), task("COMPLETED", 5, handle=None)]},
        listing,
    )

    result = baton("dlq", "redrive", "--dlq-url", DLQ_URL, "--rate", "50", "--poll-interval", "0")

    assert result.code == 0, result.err
    assert "moving about 3 messages from baton-relay-dlq to its source queue (task handle-1)" in result.err
    assert result.out.strip() == "COMPLETED: moved 3 messages from baton-relay-dlq to its source queue"
    stubber.assert_no_pending_responses()


def test_redrive_refuses_while_a_task_is_running(baton: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    stubber = stubbed_sqs(monkeypatch)
    stubber.add_response(
        "list_message_move_tasks",
        {"Results": [task("RUNNING", 1, handle="busy")]},
        {"SourceArn": DLQ_ARN, "MaxResults": 10},
    )

    result = baton("dlq", "redrive", "--dlq-url", DLQ_URL)

    assert result.code == 1
    assert result.out == ""
    assert len(result.err.splitlines()) == 1
    assert result.err.startswith(
        "baton: error: a message move task is already running on baton-relay-dlq (started 2026-11-18T"
    )
    assert "1 of 3 moved" in result.err
    assert "--task-handle busy" in result.err
    stubber.assert_no_pending_responses()  # and StartMessageMoveTask was never called


def test_redrive_reports_a_failed_task(baton: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    stubber = stubbed_sqs(monkeypatch)
    stubber.add_response("list_message_move_tasks", {"Results": []})
    stubber.add_response(
        "start_message_move_task",
        {"TaskHandle": "h"},
        {"SourceArn": DLQ_ARN, "DestinationArn": f"arn:aws:sqs:{REGION}:123456789012:replay"},
    )
    stubber.add_response(
        "list_message_move_tasks",
        {"Results": [task("FAILED", 1, handle=None, FailureReason="AccessDenied on the destination")]},
    )

    result = baton(
        "dlq",
        "redrive",
        "--dlq-url",
        DLQ_URL,
        "--to",
        f"arn:aws:sqs:{REGION}:123456789012:replay",
        "--poll-interval",
        "0",
        "--json",
    )

    assert result.code == 1
    assert result.json()["status"] == "FAILED"
    assert (
        result.err.splitlines()[-1] == "baton: error: the move task failed: AccessDenied on the destination"
    )


class MoveTasks:
    """StartMessageMoveTask/ListMessageMoveTasks on a moto-backed client: moves the DLQ's messages back to
    the source queue in moto, reporting RUNNING on the first listing and COMPLETED after that."""

    def __init__(self, cloud: Cloud, queue: Queue) -> None:
        self.cloud, self.queue = cloud, queue
        self.started: list[dict[str, Any]] = []
        self.tasks: list[dict[str, Any]] = []
        self.client = SESSION.client("sqs", region_name=REGION)
        events = self.client.meta.events
        events.register("before-parameter-build.sqs.StartMessageMoveTask", self._params)
        events.register("before-call.sqs.StartMessageMoveTask", self._start)
        events.register("before-call.sqs.ListMessageMoveTasks", self._list)

    def _params(self, params: dict[str, Any], **_: Any) -> None:
        self.started.append(dict(params))

    def _start(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        moved = 0
        sqs = self.cloud.aws.sqs
        while batch := sqs.receive_message(QueueUrl=self.queue.dlq_url, MaxNumberOfMessages=10).get(
            "Messages"
        ):
            for message in batch:
                sqs.send_message(QueueUrl=self.queue.url, MessageBody=message["Body"])
                sqs.delete_message(QueueUrl=self.queue.dlq_url, ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        self.tasks.insert(
            0, task("RUNNING", 0, handle="moto-task") | {"ApproximateNumberOfMessagesToMove": moved}
        )
        self.moved = moved
        return AWSResponse(None, 200, {}, None), {"TaskHandle": "moto-task"}

    def _list(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        results = [dict(entry) for entry in self.tasks]
        for entry in self.tasks:
            if entry["Status"] == "RUNNING" and entry.get("listed"):
                entry.update(Status="COMPLETED", ApproximateNumberOfMessagesMoved=self.moved)
                entry.pop("TaskHandle")
            entry["listed"] = True
        for entry in results:
            entry.pop("listed", None)
        return AWSResponse(None, 200, {}, None), {"Results": results}


def test_redrive_moves_messages_back_to_the_source_queue(
    cloud: Cloud, baton: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(4):
        dead_letter(cloud, cloud.relay, f"message {index}")
    assert cloud.relay.depth() == (0, 0)
    moves = MoveTasks(cloud, cloud.relay)
    use_client(monkeypatch, "sqs", moves.client)

    result = baton("dlq", "redrive", *cloud.outputs("relay"), "--poll-interval", "0", "--json")

    assert result.code == 0, result.err
    assert result.json()["status"] == "COMPLETED"
    assert result.json()["moved"] == 4
    assert moves.started == [{"SourceArn": cloud.relay.arn.replace("baton-relay", "baton-relay-dlq")}]
    assert cloud.relay.depth(cloud.relay.dlq_url) == (0, 0)
    assert cloud.relay.depth() == (4, 0)


def test_redrive_of_an_empty_dlq_does_nothing(cloud: Cloud, baton: Runner) -> None:
    result = baton("dlq", "redrive", *cloud.outputs("fifo"))

    assert result.code == 0
    assert result.err == "baton: baton-fifo-dlq.fifo is empty: nothing to redrive\n"


def test_redrive_rate_must_be_1_to_500(baton: Runner) -> None:
    for rate in ("0", "501", "fast"):
        result = baton("dlq", "redrive", "--dlq-url", DLQ_URL, "--rate", rate)
        assert result.code == 2
        assert "argument --rate" in result.err


def test_redrive_refuses_a_destination_in_another_region(
    baton: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    stubbed_sqs(monkeypatch)

    result = baton("dlq", "redrive", "--dlq-url", DLQ_URL, "--to", "arn:aws:sqs:eu-west-1:123456789012:other")

    assert result.code == 1
    assert result.err == (
        "baton: error: destination queue arn:aws:sqs:eu-west-1:123456789012:other is in region eu-west-1, "
        "but baton uses us-east-1: pass --region eu-west-1\n"
    )


def test_the_cli_session_is_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """`use_client` swaps one service only; the others still come from the CLI's session."""
    marker = object()
    use_client(monkeypatch, "sqs", marker)
    from consumer.cli.aws import AwsOptions

    aws = CliAws(AwsOptions(region=REGION))
    assert aws.client("sqs") is marker
    assert aws.client("s3") is not marker
