"""The default processor: stream the object, compute size, SHA-256 and lines, record one result per version.

The object is read in 1 MiB chunks and never held whole. The exact version the event names is read: by
`VersionId` in a versioned bucket, else with `IfMatch` on the event's ETag, so an object overwritten before it
was processed is recorded as `superseded` instead of being credited with the newer content. An object deleted
before it was processed is recorded as `missing`. The write is conditional on the item not existing yet, so a
redelivered event never creates a second record while a new upload of the same key (a new version or
sequencer) does.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from relay_common import clients
from relay_common.errors import ConfigurationError, UnsupportedEventError
from relay_common.processing import DUPLICATE, ProcessingContext

if TYPE_CHECKING:
    from collections.abc import Iterable

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    from relay_common.events import ObjectRef

CHUNK_SIZE = 1024 * 1024
TABLE_ENV = "BATON_RESULTS_TABLE"
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


@dataclass(frozen=True, slots=True)
class Digest:
    """What the default processor measures."""

    size: int
    sha256: str
    lines: int


def digest_chunks(chunks: Iterable[bytes]) -> Digest:
    """Size, SHA-256 and line count (newlines, plus a final line without one) of a byte stream."""
    sha = hashlib.sha256()
    size = newlines = 0
    last = b""
    for chunk in chunks:
        if not chunk:
            continue
        sha.update(chunk)
        size += len(chunk)
        newlines += chunk.count(b"\n")
        last = chunk
    lines = newlines + (1 if last and not last.endswith(b"\n") else 0)
    return Digest(size=size, sha256=sha.hexdigest(), lines=lines)


class ResultStore:
    """One DynamoDB item per object version: `pk` = bucket/key, `sk` = version token."""

    def __init__(self, table: str, client: DynamoDBClient) -> None:
        self.table = table
        self._client = client

    def put_once(self, item: dict[str, Any]) -> bool:
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


def setup() -> None:
    """Called once at cold start by the processor loader: validate the table name, create the clients."""
    _table_name()
    _store()
    clients.s3()


def _table_name() -> str:
    table = os.environ.get(TABLE_ENV, "").strip()
    if not table:
        raise ConfigurationError(f"{TABLE_ENV} is not set: the default processor records results there")
    if not _TABLE_NAME.match(table):
        raise ConfigurationError(f"{TABLE_ENV}={table!r} is not a valid DynamoDB table name")
    return table


@functools.cache
def _store() -> ResultStore:
    return ResultStore(_table_name(), clients.dynamodb())


def process(obj: ObjectRef, ctx: ProcessingContext) -> dict[str, Any]:
    """Digest one object version and record the result once."""
    if not obj.created:
        raise UnsupportedEventError(ctx.message_id, f"{obj.event_name} events are not processed ({obj.uri})")
    status, digest, etag = _read(obj)
    now = datetime.now(UTC)
    item: dict[str, Any] = {
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
        "message_id": ctx.message_id,
        "receive_count": ctx.receive_count,
        "queue": ctx.queue,
        "request_id": ctx.request_id,
        "day": now.strftime("%Y-%m-%d"),
        "processed_at": now.isoformat(timespec="milliseconds"),
    }
    if digest is not None:
        item.update(size=digest.size, sha256=digest.sha256, lines=digest.lines)
    written = _store().put_once(item)
    result: dict[str, Any] = {"status": status if written else DUPLICATE}
    if digest is not None:
        result.update(size=digest.size, sha256=digest.sha256, lines=digest.lines)
    return result


def _read(obj: ObjectRef) -> tuple[str, Digest | None, str | None]:
    """(status, digest, etag) of the exact version the event names."""
    request: dict[str, Any] = {"Bucket": obj.bucket, "Key": obj.key}
    if obj.version_id and obj.version_id != "null":
        request["VersionId"] = obj.version_id
    elif obj.etag:
        request["IfMatch"] = obj.etag
    try:
        response = clients.s3().get_object(**request)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in {"NoSuchKey", "NoSuchVersion", "404"}:
            return "missing", None, obj.etag
        if code in {"PreconditionFailed", "412"}:
            return "superseded", None, obj.etag
        raise
    body = response["Body"]
    try:
        digest = digest_chunks(body.iter_chunks(CHUNK_SIZE))
    finally:
        body.close()
    return "recorded", digest, response.get("ETag", "").strip('"') or obj.etag


def _attribute(value: Any) -> AttributeValueTypeDef:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": str(value)}
    return {"S": str(value)}
