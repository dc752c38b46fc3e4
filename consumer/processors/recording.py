"""A base for processors that read each object and record one result per object version.

`RecordingProcessor` does what every such processor must get right, so a subclass only says what to measure:

* it reads the exact version the event names: by `VersionId` in a versioned bucket, else with `IfMatch` on the
  event's ETag, so an object overwritten before it was processed is recorded as `superseded` instead of being
  credited with the newer content, and one deleted before it was processed as `missing`;
* it streams the object in chunks (never holding it whole) into the `measure()` hook;
* it writes the record conditionally on its (pk, sk) not existing, so a redelivered event never creates a
  second record (the result says `duplicate`) while a new upload of the same key (a new version or sequencer)
  does.

Override `measure(chunks, obj)` to return the attributes to record; raise `Rejected` from it when the content
itself is unusable (retrying would not help): the object is recorded as `rejected` with the reason and the
message succeeds. Any other exception fails the message, which is retried and eventually dead-lettered.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from relay_common.errors import ConfigurationError, UnsupportedEventError
from relay_common.processor import BaseProcessor, ProcessorResult, ProcessorSettings, Status

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef
    from mypy_boto3_s3 import S3Client

    from relay_common.events import ObjectRef
    from relay_common.processor import ProcessingContext

CHUNK_SIZE = 1024 * 1024
REJECTED = "rejected"
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_MISSING_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "404"})
_SUPERSEDED_CODES = frozenset({"PreconditionFailed", "412"})


class Rejected(Exception):  # noqa: N818 - what happened to the object
    """Raised by `measure()`: the object's content is unusable; it is recorded as rejected, not retried."""


class ResultStore:
    """One DynamoDB item per object version: `pk` = bucket/key, `sk` = version token."""

    def __init__(self, table: str, client: DynamoDBClient) -> None:
        self.table = table
        self._client = client

    def put_once(self, item: Mapping[str, Any]) -> bool:
        """Write `item` unless its (pk, sk) exists; returns False for a duplicate."""
        try:
            self._client.put_item(
                TableName=self.table,
                Item={name: _attribute(value) for name, value in item.items() if value is not None},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True


class RecordingProcessor(BaseProcessor):
    """Reads the exact object version and records what `measure()` returns, once per version."""

    chunk_size = CHUNK_SIZE
    store: ResultStore
    s3: S3Client

    def setup(self, settings: ProcessorSettings) -> None:
        """Check the results table's name and create the S3 and DynamoDB clients."""
        super().setup(settings)
        table = (settings.results_table or "").strip()
        if not table:
            raise ConfigurationError(
                f"BATON_RESULTS_TABLE is not set: {type(self).__name__} records its results there"
            )
        if not _TABLE_NAME.match(table):
            raise ConfigurationError(f"BATON_RESULTS_TABLE={table!r} is not a valid DynamoDB table name")
        self.store = ResultStore(table, settings.clients.dynamodb())
        self.s3 = settings.clients.s3()

    def measure(self, chunks: Iterator[bytes], obj: ObjectRef) -> Mapping[str, Any]:
        """Override: the attributes to record for this object's content (numbers, strings, booleans)."""
        raise NotImplementedError(f"{type(self).__name__} must implement measure()")

    def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        """Read, measure and record one object version."""
        if not obj.created:
            raise UnsupportedEventError(
                context.message_id, f"{obj.event_name} events are not processed ({obj.uri})"
            )
        status, fields, etag = self._read(obj)
        item = {**self.record(obj, context, status, etag), **fields}
        written = self.store.put_once(item)
        return ProcessorResult(status, duplicate=not written, details=fields)

    def record(
        self, obj: ObjectRef, context: ProcessingContext, status: str, etag: str | None
    ) -> dict[str, Any]:
        """The attributes every record carries (override to add your own, calling this)."""
        now = datetime.now(UTC)
        return {
            "pk": f"{obj.bucket}/{obj.key}",
            "sk": obj.version_token,
            "bucket": obj.bucket,
            "key": obj.key,
            "version_id": obj.version_id,
            "sequencer": obj.sequencer,
            "etag": etag,
            "status": status,
            "event_name": obj.event_name,
            "event_time": obj.event_time,
            "message_id": context.message_id,
            "receive_count": context.receive_count,
            "queue": context.queue,
            "request_id": context.request_id,
            "day": now.strftime("%Y-%m-%d"),
            "processed_at": now.isoformat(timespec="milliseconds"),
        }

    def _read(self, obj: ObjectRef) -> tuple[str, Mapping[str, Any], str | None]:
        """(status, measured fields, etag) of the exact version the event names."""
        request: dict[str, Any] = {"Bucket": obj.bucket, "Key": obj.key}
        if obj.version_id and obj.version_id != "null":
            request["VersionId"] = obj.version_id
        elif obj.etag:
            request["IfMatch"] = obj.etag
        try:
            response = self.s3.get_object(**request)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in _MISSING_CODES:
                return Status.MISSING, {}, obj.etag
            if code in _SUPERSEDED_CODES:
                return Status.SUPERSEDED, {}, obj.etag
            raise
        etag = response.get("ETag", "").strip('"') or obj.etag
        body = response["Body"]
        try:
            fields = dict(self.measure(body.iter_chunks(self.chunk_size), obj))
        except Rejected as rejected:
            return REJECTED, {"reason": str(rejected)}, etag
        finally:
            body.close()
        return Status.RECORDED, fields, etag


def _attribute(value: Any) -> AttributeValueTypeDef:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": str(value)}
    return {"S": str(value)}
