"""Builders for unit tests: a Lambda-like context, a hand-moved clock, moto resources, S3 event bodies."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote_plus

if TYPE_CHECKING:
    from collections.abc import Callable

    from relay_common.processor import Processor

P = TypeVar("P", bound="Processor")

REGION = "us-east-1"
ACCOUNT = "123456789012"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:baton-relay"


@dataclass
class FakeClock:
    """A monotonic clock the test moves by hand."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeContext:
    """The Lambda context attributes Baton and Powertools read."""

    timeout: float = 60.0
    clock: Callable[[], float] | None = None
    function_name: str = "baton-relay"
    invoked_function_arn: str = FUNCTION_ARN
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/baton-relay"
    log_stream_name: str = "2026/11/22/[$LATEST]test"

    def __post_init__(self) -> None:
        self._clock = self.clock or time.monotonic
        self._ends = self._clock() + self.timeout

    def get_remaining_time_in_millis(self) -> int:
        return int((self._ends - self._clock()) * 1000)


@dataclass
class Aws:
    """A moto account with Baton's resources."""

    bucket: str
    results_table: str
    idempotency_table: str
    s3: Any
    sqs: Any
    dynamodb: Any

    def queue(self, name: str, *, fifo: bool = False, max_receive: int = 5, visibility: int = 30) -> Queue:
        """A source queue with its DLQ and redrive policy."""
        suffix = ".fifo" if fifo else ""
        fifo_attrs = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
        dlq_url = self.sqs.create_queue(QueueName=f"{name}-dlq{suffix}", Attributes=fifo_attrs)["QueueUrl"]
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive})
        url = self.sqs.create_queue(
            QueueName=f"{name}{suffix}",
            Attributes={**fifo_attrs, "VisibilityTimeout": str(visibility), "RedrivePolicy": redrive},
        )["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return Queue(self.sqs, url, arn, dlq_url)

    def put(self, key: str, body: bytes = b"hello\nworld\n") -> dict[str, Any]:
        """Upload an object; returns the put response (ETag, VersionId)."""
        response: dict[str, Any] = self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        return response

    def results(self) -> list[dict[str, Any]]:
        """Every item in the results table, plain values."""
        items = self.dynamodb.scan(TableName=self.results_table)["Items"]
        return [{name: next(iter(value.values())) for name, value in item.items()} for item in items]


@dataclass
class Queue:
    """A source queue and its DLQ."""

    sqs: Any
    url: str
    arn: str
    dlq_url: str

    def send(self, body: str, group: str | None = None) -> str:
        extra = {"MessageGroupId": group} if group else {}
        message_id: str = self.sqs.send_message(QueueUrl=self.url, MessageBody=body, **extra)["MessageId"]
        return message_id

    def send_many(self, bodies: list[str]) -> None:
        for start in range(0, len(bodies), 10):
            chunk = bodies[start : start + 10]
            entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)]
            self.sqs.send_message_batch(QueueUrl=self.url, Entries=entries)

    def depth(self, url: str | None = None) -> tuple[int, int]:
        """(visible, in flight)."""
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=url or self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def dlq_bodies(self) -> list[str]:
        response = self.sqs.receive_message(
            QueueUrl=self.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0
        )
        return [message["Body"] for message in response.get("Messages", [])]


def s3_notification(
    bucket: str,
    key: str,
    *,
    size: int = 12,
    etag: str | None = None,
    sequencer: str | None = None,
    version_id: str | None = None,
    event_name: str = "ObjectCreated:Put",
    encode: bool = True,
) -> dict[str, Any]:
    """One S3 event notification record as S3 writes it (key URL-encoded, spaces as '+')."""
    obj: dict[str, Any] = {
        "key": quote_plus(key, safe="/") if encode else key,
        "size": size,
        "eTag": etag or "0123456789abcdef0123456789abcdef",
        "sequencer": sequencer or uuid.uuid4().hex[:18].upper(),
    }
    if version_id:
        obj["versionId"] = version_id
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": REGION,
        "eventTime": "2026-11-22T10:00:00.000Z",
        "eventName": event_name,
        "userIdentity": {"principalId": "AWS:EXAMPLE"},
        "requestParameters": {"sourceIPAddress": "10.0.0.1"},
        "responseElements": {"x-amz-request-id": "EXAMPLE", "x-amz-id-2": "EXAMPLE"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "baton",
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "EXAMPLE"},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }


def notification_body(*records: dict[str, Any]) -> str:
    """An SQS message body carrying S3 notification records."""
    return json.dumps({"Records": list(records)})


def eventbridge_body(
    bucket: str,
    key: str,
    *,
    size: int = 12,
    etag: str | None = None,
    sequencer: str | None = None,
    version_id: str | None = None,
    encode: bool = True,
) -> str:
    """An EventBridge 'Object Created' event from S3, as the FIFO route delivers it."""
    obj: dict[str, Any] = {
        "key": quote_plus(key, safe="/") if encode else key,
        "size": size,
        "etag": etag or "0123456789abcdef0123456789abcdef",
        "sequencer": sequencer or uuid.uuid4().hex[:18].upper(),
    }
    if version_id:
        obj["version-id"] = version_id
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Object Created",
            "source": "aws.s3",
            "account": ACCOUNT,
            "time": "2026-11-22T10:00:00Z",
            "region": REGION,
            "resources": [f"arn:aws:s3:::{bucket}"],
            "detail": {
                "version": "0",
                "bucket": {"name": bucket},
                "object": obj,
                "request-id": "EXAMPLE",
                "requester": ACCOUNT,
                "source-ip-address": "10.0.0.1",
                "reason": "PutObject",
            },
        }
    )


TEST_EVENT_BODY = json.dumps(
    {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2026-11-22T10:00:00.000Z",
        "Bucket": "baton-ingest",
        "RequestId": "EXAMPLE",
        "HostId": "EXAMPLE",
    }
)


def body_for_upload(aws: Aws, key: str, put: dict[str, Any], *, route: str = "s3") -> str:
    """The message S3 would send for an upload made with `aws.put`."""
    etag = put["ETag"].strip('"')
    if route == "eventbridge":
        return eventbridge_body(aws.bucket, key, etag=etag)
    return notification_body(s3_notification(aws.bucket, key, etag=etag))


def create_results_table(dynamodb: Any, name: str) -> None:
    """The results table as terraform/modules/results-store creates it (with its `recent` index)."""
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": attribute, "AttributeType": "S"}
            for attribute in ("pk", "sk", "day", "processed_at")
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "recent",
                "KeySchema": [
                    {"AttributeName": "day", "KeyType": "HASH"},
                    {"AttributeName": "processed_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


def create_idempotency_table(dynamodb: Any, name: str) -> None:
    """The idempotency table in Powertools' layout (partition key `id`)."""
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )


def set_up(processor: P, results_table: str | None = None, **environment: str) -> P:
    """A processor after its cold-start `setup()`, with clients from the (mocked) default session."""
    from relay_common.clients import Clients
    from relay_common.processor import ProcessorSettings

    processor.setup(ProcessorSettings(Clients(), results_table=results_table, environment=environment))
    return processor
