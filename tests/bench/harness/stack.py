"""What the harness does with a deployed stack: upload, look at queues, results and logs, start a run."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from tests.bench.harness.lambda_logs import LogEvent
from tests.bench.harness.poller import BatchPoller

if TYPE_CHECKING:
    from consumer.local.deploy import Deployment
    from tests.bench.harness.aws import Harness
    from tests.bench.harness.spec import Design


@dataclass(frozen=True, slots=True)
class Result:
    """One result record, as much of it as the harness needs."""

    key: str
    sk: str
    processed_at: float
    receive_count: int
    status: str
    request_id: str = ""
    """The Lambda request that recorded it (one invocation, so one batch of a mapping)."""


@dataclass
class StackView:
    """A deployed design seen through the harness's counted clients."""

    design: Design
    deployment: Deployment
    harness: Harness
    poller: BatchPoller | None = field(default=None, init=False)

    @property
    def out(self) -> dict[str, Any]:
        return self.deployment.outputs

    def client(self, service: str) -> Any:
        return self.harness.client(service)

    # Objects

    def upload(self, keys: list[str], size: int, threads: int = 16) -> dict[str, tuple[str, str | None]]:
        """Upload one small text object per key (each body distinct); returns each key's (ETag, VersionId)."""
        s3, bucket = self.client("s3"), self.out["bucket_name"]

        def put(key: str) -> tuple[str, str | None]:
            line = f"{key}\n".encode()
            response = s3.put_object(Bucket=bucket, Key=key, Body=(line * (size // len(line) + 1))[:size])
            return response["ETag"].strip('"'), response.get("VersionId")

        with ThreadPoolExecutor(max_workers=threads) as pool:
            return dict(zip(keys, pool.map(put, keys), strict=True))

    # Queues

    def depth(self, url_output: str = "queue_url") -> tuple[int, int]:
        """(visible, in flight) of the source queue or the DLQ."""
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=self.out[url_output],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]), int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def purge(self, url_output: str = "queue_url") -> None:
        """Empty a queue (the S3 test event, a previous run's leftovers) and wait until it is empty."""
        self.client("sqs").purge_queue(QueueUrl=self.out[url_output])
        deadline = time.monotonic() + 60
        while self.depth(url_output) != (0, 0) and time.monotonic() < deadline:
            time.sleep(1)

    def wait_queued(self, count: int, timeout: float = 600) -> None:
        """Wait until `count` messages are visible in the source queue."""
        deadline = time.monotonic() + timeout
        while self.depth()[0] < count:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{self.design.name}: fewer than {count} messages queued after {timeout:.0f} s"
                )
            time.sleep(1)

    def dlq_messages(self) -> list[dict[str, Any]]:
        """Every message in the DLQ, taken out of it (call it at the end of a run).

        They are deleted as they are read: a FIFO queue delivers nothing more of a message group while any
        of its messages is in flight, so a peek would stop at the first batch of each group."""
        sqs, url, messages = self.client("sqs"), self.out["dlq_url"], []
        while True:
            batch = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageSystemAttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                return messages
            messages += batch
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
            )

    # Starting a run

    def start(self) -> None:
        """Start the design's run the way its `start` says."""
        if self.design.start == "invoke":
            response = self.client("lambda").invoke(
                FunctionName=self.out["function_name"], InvocationType="Event", Payload=b"{}"
            )
            if response["StatusCode"] != 202:
                raise RuntimeError(f"{self.design.name}: start invoke answered {response['StatusCode']}")
        elif self.design.start == "enable_mapping":
            self.set_mapping(enabled=True)
        elif self.design.start == "poll":
            self.poller = BatchPoller(
                self.client("sqs"),
                self.client("lambda"),
                queue_url=self.out["queue_url"],
                queue_arn=self.out["queue_arn"],
                function_name=self.out["function_name"],
                batch_size=int(self.design.variables.get("batch_size", 10)),
            )
            self.poller.start()

    def stop(self) -> dict[str, Any] | None:
        """End a run the harness itself feeds (`poll`); returns the poller's account of it."""
        if self.poller is None:
            return None
        poller, self.poller = self.poller, None
        poller.stop()
        return {
            "invocations": poller.invocations,
            "failed_records": poller.failed_records,
            "errors": poller.errors,
        }

    def mapping_uuid(self) -> str:
        uuid = self.out.get("event_source_mapping_uuid")
        if uuid:
            return str(uuid)
        mappings = self.client("lambda").list_event_source_mappings(FunctionName=self.out["function_name"])
        return str(mappings["EventSourceMappings"][0]["UUID"])

    def set_mapping(self, *, enabled: bool) -> None:
        """Switch the event source mapping on or off and wait until LocalStack says so."""
        lam, uuid = self.client("lambda"), self.mapping_uuid()
        lam.update_event_source_mapping(UUID=uuid, Enabled=enabled)
        wanted = "Enabled" if enabled else "Disabled"
        deadline = time.monotonic() + 60
        while lam.get_event_source_mapping(UUID=uuid)["State"] != wanted and time.monotonic() < deadline:
            time.sleep(0.5)

    # Results and logs

    def results(self, prefix: str | tuple[str, ...]) -> list[Result]:
        """Result records of objects under `prefix` (or any of several; every record, duplicates included)."""
        paginator = self.client("dynamodb").get_paginator("scan")
        found = []
        for page in paginator.paginate(
            TableName=self.out["results_table_name"],
            ProjectionExpression="#k, sk, processed_at, receive_count, #s, request_id",
            ExpressionAttributeNames={"#k": "key", "#s": "status"},
        ):
            for item in page["Items"]:
                if "key" not in item or "processed_at" not in item:
                    continue  # not a result: the relay's chain lease lives in the same table
                key = item["key"]["S"]
                if key.startswith(prefix):
                    found.append(
                        Result(
                            key=key,
                            sk=item["sk"]["S"],
                            processed_at=datetime.fromisoformat(item["processed_at"]["S"]).timestamp(),
                            receive_count=int(item.get("receive_count", {}).get("N", "1")),
                            status=item.get("status", {}).get("S", ""),
                            request_id=item.get("request_id", {}).get("S", ""),
                        )
                    )
        return found

    def log_events(self, start: float, end: float | None = None) -> list[LogEvent]:
        """The function's log events between two epoch times (seconds)."""
        logs, events, token = self.client("logs"), [], None
        kwargs: dict[str, Any] = {"logGroupName": self.out["log_group_name"], "startTime": int(start * 1000)}
        if end is not None:
            kwargs["endTime"] = int(end * 1000)
        while True:
            try:
                page = logs.filter_log_events(**kwargs, **({"nextToken": token} if token else {}))
            except logs.exceptions.ResourceNotFoundException:
                return events
            events += [LogEvent(e["timestamp"], e["message"]) for e in page["events"]]
            token = page.get("nextToken")
            if not token:
                return events


def object_keys(body: str) -> list[str]:
    """Object keys a message body names (S3 notification or EventBridge event); [] for anything else."""
    try:
        document = json.loads(body)
    except (TypeError, ValueError):
        return []
    if not isinstance(document, dict):
        return []
    if isinstance(document.get("Records"), list):
        return [
            unquote_plus(record["s3"]["object"]["key"])
            for record in document["Records"]
            if isinstance(record, dict) and "s3" in record
        ]
    detail = document.get("detail")
    if isinstance(detail, dict) and isinstance(detail.get("object"), dict):
        return [unquote_plus(str(detail["object"].get("key", "")))]
    return []
