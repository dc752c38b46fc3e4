"""Turn an SQS message body into the object references a processor needs.

Three shapes are understood:

* S3 event notifications (`{"Records": [...]}`, possibly several records per message) — the relay route;
* EventBridge events from S3 (`"source": "aws.s3"`, e.g. "Object Created") — the FIFO route;
* the `s3:TestEvent` S3 sends when a notification is configured — recognised, never processed or failed.

Anything else raises `InvalidMessageError` naming the message and what was wrong, whatever the body holds:
nesting too deep for the decoder, integers too long to convert, fields of the wrong type, and text that is
not valid Unicode (a lone surrogate would otherwise break the very log line that reports the failure). Keys
arrive URL-encoded (`+` for spaces) and are decoded strictly: a malformed percent-escape or bytes that are
not UTF-8 are an error rather than a key that silently does not exist. Powertools' event data classes give
the field access.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes.s3_event import (
    S3EventBridgeNotificationEvent,
    S3EventRecord,
)

from relay_common.errors import InvalidMessageError

MAX_KEY_BYTES = 1024
"""S3's limit on the UTF-8 length of an object key."""

TEST_EVENT = "s3:TestEvent"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """One S3 object version an event is about."""

    bucket: str
    key: str
    event_name: str
    """`ObjectCreated:Put` style for S3 notifications, the detail-type (`Object Created`) for EventBridge."""
    source: Literal["s3", "eventbridge"]
    size: int | None = None
    etag: str | None = None
    version_id: str | None = None
    sequencer: str | None = None
    event_time: str | None = None

    @property
    def created(self) -> bool:
        """True for object-created events, whatever the route."""
        return self.event_name.startswith("ObjectCreated:") or self.event_name == "Object Created"

    @property
    def version_token(self) -> str:
        """What identifies this object version: its versionId in a versioned bucket, else the sequencer."""
        if self.version_id and self.version_id != "null":
            return f"v#{self.version_id}"
        if self.sequencer:
            return f"s#{self.sequencer}"
        return f"e#{self.etag}"

    @property
    def uri(self) -> str:
        """`s3://bucket/key`, for logs."""
        return f"s3://{self.bucket}/{self.key}"

    def identity(self) -> dict[str, str]:
        """The fields that make an object version unique (idempotency key material)."""
        return {"bucket": self.bucket, "key": self.key, "version": self.version_token}


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """A parsed message body: either a test event or one or more object references."""

    message_id: str
    objects: tuple[ObjectRef, ...] = ()
    test_event: bool = False


def parse_message(body: str | None, message_id: str) -> ParsedMessage:
    """Parse one SQS message body; raises `InvalidMessageError` for anything Baton cannot process."""
    if body is None or not body.strip():
        raise InvalidMessageError(message_id, "the message body is empty")
    try:
        document = json.loads(body)
    except json.JSONDecodeError as error:
        raise InvalidMessageError(message_id, f"the message body is not JSON ({error})") from None
    except RecursionError:
        raise InvalidMessageError(message_id, "the message body nests too deeply to decode") from None
    except ValueError as error:  # an integer past Python's digit limit for str -> int
        raise InvalidMessageError(message_id, f"the message body cannot be decoded ({error})") from None
    if not isinstance(document, dict):
        raise InvalidMessageError(
            message_id, f"the message body is JSON {type(document).__name__}, not an object"
        )
    try:
        return _parse_document(document, message_id)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as error:
        raise InvalidMessageError(message_id, f"malformed event: {_describe(error)}") from None


def _parse_document(document: dict[str, Any], message_id: str) -> ParsedMessage:
    if document.get("Event") == TEST_EVENT:
        return ParsedMessage(message_id, test_event=True)
    if "Records" in document:
        return ParsedMessage(message_id, objects=_parse_notification(document["Records"], message_id))
    if document.get("source") == "aws.s3" and "detail" in document:
        return ParsedMessage(message_id, objects=(_parse_eventbridge(document, message_id),))
    keys = sorted(document)[:8]
    raise InvalidMessageError(
        message_id,
        f"JSON object with keys {keys} is neither an S3 event notification, an s3:TestEvent "
        "nor an EventBridge event from S3",
    )


def _parse_notification(records: Any, message_id: str) -> tuple[ObjectRef, ...]:
    if not isinstance(records, list) or not records:
        raise InvalidMessageError(message_id, "`Records` must be a non-empty list")
    refs = []
    for index, raw in enumerate(records):
        if not isinstance(raw, dict):
            raise InvalidMessageError(message_id, f"Records[{index}] is not an object")
        record = S3EventRecord(raw)
        if raw.get("eventSource") != "aws:s3":
            raise InvalidMessageError(
                message_id, f"Records[{index}] has eventSource {raw.get('eventSource')!r}, not 'aws:s3'"
            )
        obj = record.s3.get_object
        refs.append(
            ObjectRef(
                bucket=_text(record.s3.bucket.name, "bucket name"),
                key=decode_key(_text(obj.key, "object key"), message_id),
                event_name=_text(record.event_name, "eventName"),
                source="s3",
                size=_size(obj.get("size")),
                etag=_optional_text(obj.get("eTag"), "eTag"),
                version_id=_optional_text(obj.get("versionId"), "versionId"),
                sequencer=_optional_text(obj.get("sequencer"), "sequencer"),
                event_time=_optional_text(raw.get("eventTime"), "eventTime"),
            )
        )
    return tuple(refs)


def _parse_eventbridge(document: dict[str, Any], message_id: str) -> ObjectRef:
    event = S3EventBridgeNotificationEvent(document)
    detail = event.detail
    obj = detail.object
    return ObjectRef(
        bucket=_text(detail.bucket.name, "detail.bucket.name"),
        # Powertools decodes with unquote_plus too, but leniently; decode the raw key strictly instead.
        key=decode_key(_text(obj["key"], "detail.object.key"), message_id),
        event_name=_text(event.detail_type, "detail-type"),
        source="eventbridge",
        size=_size(obj.get("size")),
        etag=_optional_text(obj.get("etag"), "detail.object.etag"),
        version_id=_optional_text(obj.get("version-id"), "detail.object.version-id"),
        sequencer=_optional_text(obj.get("sequencer"), "detail.object.sequencer"),
        event_time=_optional_text(document.get("time"), "time"),
    )


def decode_key(raw: str, message_id: str) -> str:
    """Decode a URL-encoded key (`+` is a space); raises `InvalidMessageError` on a corrupt encoding."""
    bad = _BAD_ESCAPE.search(raw)
    if bad is not None:
        raise InvalidMessageError(
            message_id, f"object key {raw!r} has a malformed percent-escape at position {bad.start()}"
        )
    try:
        key = unquote_plus(raw, errors="strict")
    except UnicodeDecodeError:
        raise InvalidMessageError(
            message_id, f"object key {raw!r} is not valid percent-encoded UTF-8"
        ) from None
    if not key:
        raise InvalidMessageError(message_id, "object key is empty")
    length = len(key.encode("utf-8"))
    if length > MAX_KEY_BYTES:
        raise InvalidMessageError(
            message_id, f"object key is {length} bytes long; S3 keys are at most {MAX_KEY_BYTES}"
        )
    return key


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string, got {_preview(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} is not valid Unicode text: {value!r}") from None
    return value


def _optional_text(value: Any, what: str) -> str | None:
    """A string field that may be absent or empty (None then)."""
    if value is None or value == "":
        return None
    return _text(value, what)


def _preview(value: Any) -> str:
    """A short repr of an unexpected value (it may be a huge number or a deep structure)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        text = f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def _size(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"object size must be an integer, got {_preview(value)}")
    size = int(value)
    if size < 0:
        raise ValueError(f"object size must not be negative, got {size}")
    return size


def _describe(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing field {error.args[0]!r}"
    return str(error)
