"""Parsing every message shape Baton receives, and rejecting the rest with a typed error."""

from __future__ import annotations

import json

import pytest

from relay_common.errors import InvalidMessageError
from relay_common.events import MAX_KEY_BYTES, parse_message
from tests.unit.builders import TEST_EVENT_BODY, eventbridge_body, notification_body, s3_notification

AWKWARD_KEYS = [
    "plain.txt",
    "folder/with space.csv",
    "a+b=c&d.txt",
    "100%/done?.log",
    "unicode/ünïcödé 日本語 🚀.txt",
    "trailing space /x",
    "semi;colon:and,comma's (1).txt",
]


@pytest.mark.parametrize("key", AWKWARD_KEYS)
def test_s3_notification_keys_are_decoded(key: str) -> None:
    body = notification_body(s3_notification("bucket", key))
    parsed = parse_message(body, "m-1")
    assert [ref.key for ref in parsed.objects] == [key]
    assert parsed.objects[0].bucket == "bucket"


@pytest.mark.parametrize("key", AWKWARD_KEYS)
def test_eventbridge_keys_are_decoded(key: str) -> None:
    parsed = parse_message(eventbridge_body("bucket", key), "m-1")
    (ref,) = parsed.objects
    assert ref.key == key
    assert ref.source == "eventbridge"
    assert ref.created


def test_eventbridge_percent_encoded_space_as_localstack_sends_it() -> None:
    body = eventbridge_body("bucket", "a%20b.txt", encode=False)
    assert parse_message(body, "m-1").objects[0].key == "a b.txt"


def test_plus_in_a_raw_key_means_space_and_encoded_plus_means_plus() -> None:
    raw = notification_body(s3_notification("b", "x+y%2Bz.txt", encode=False))
    assert parse_message(raw, "m").objects[0].key == "x y+z.txt"


def test_all_notification_fields_are_carried() -> None:
    record = s3_notification(
        "bucket", "k.txt", size=42, etag="abc-3", sequencer="0055AED6DCD90281E5", version_id="v1"
    )
    (ref,) = parse_message(notification_body(record), "m-1").objects
    assert (ref.size, ref.etag, ref.sequencer, ref.version_id) == (42, "abc-3", "0055AED6DCD90281E5", "v1")
    assert ref.event_name == "ObjectCreated:Put"
    assert ref.event_time == "2026-11-22T10:00:00.000Z"
    assert ref.version_token == "v#v1"


def test_version_token_falls_back_to_the_sequencer() -> None:
    record = s3_notification("bucket", "k.txt", sequencer="0055AED6DCD90281E5")
    (ref,) = parse_message(notification_body(record), "m").objects
    assert ref.version_id is None
    assert ref.version_token == "s#0055AED6DCD90281E5"


def test_eventbridge_fields_are_carried() -> None:
    body = eventbridge_body("bucket", "k.txt", size=7, etag="e1", sequencer="SEQ", version_id="v9")
    (ref,) = parse_message(body, "m").objects
    assert (ref.bucket, ref.size, ref.etag, ref.sequencer, ref.version_id) == ("bucket", 7, "e1", "SEQ", "v9")
    assert ref.event_name == "Object Created"
    assert ref.event_time == "2026-11-22T10:00:00Z"


def test_several_records_in_one_message() -> None:
    body = notification_body(*(s3_notification("b", f"k{i}.txt") for i in range(3)))
    assert [ref.key for ref in parse_message(body, "m").objects] == ["k0.txt", "k1.txt", "k2.txt"]


def test_removed_events_parse_but_are_not_created() -> None:
    record = s3_notification("b", "gone.txt", event_name="ObjectRemoved:Delete")
    del record["s3"]["object"]["size"]
    (ref,) = parse_message(notification_body(record), "m").objects
    assert not ref.created
    assert ref.size is None


def test_s3_test_event_is_recognised() -> None:
    parsed = parse_message(TEST_EVENT_BODY, "m-test")
    assert parsed.test_event
    assert parsed.objects == ()


def test_key_at_the_1024_byte_limit_is_accepted() -> None:
    key = "é" * (MAX_KEY_BYTES // 2)  # 2 bytes each in UTF-8
    assert len(key.encode()) == MAX_KEY_BYTES
    (ref,) = parse_message(notification_body(s3_notification("b", key)), "m").objects
    assert ref.key == key


def test_key_over_the_limit_is_rejected() -> None:
    key = "a" * (MAX_KEY_BYTES + 1)
    with pytest.raises(InvalidMessageError, match="1025 bytes"):
        parse_message(notification_body(s3_notification("b", key)), "m")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (None, "empty"),
        ("", "empty"),
        ("   \n", "empty"),
        ("not json at all", "not JSON"),
        ("{truncated", "not JSON"),
        ("[1, 2]", "JSON list, not an object"),
        ('"a string"', "JSON str"),
        ('{"hello": "world"}', "neither an S3 event notification"),
        ('{"Records": []}', "non-empty list"),
        ('{"Records": "x"}', "non-empty list"),
        ('{"Records": [1]}', r"Records\[0\] is not an object"),
        ('{"Records": [{"eventSource": "aws:sns"}]}', "not 'aws:s3'"),
        ('{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put"}]}', "missing field 's3'"),
        (
            '{"source": "aws.s3", "detail": {"bucket": {"name": "b"}}, "detail-type": "Object Created"}',
            "object",
        ),
        (json.dumps({"Records": [s3_notification("b", "%ff%fe", encode=False)]}), "percent-encoded UTF-8"),
    ],
)
def test_bad_bodies_raise_a_typed_error_naming_the_message(body: str | None, reason: str) -> None:
    with pytest.raises(InvalidMessageError, match=reason) as caught:
        parse_message(body, "msg-123")
    assert caught.value.message_id == "msg-123"
    assert "msg-123" in str(caught.value)


def test_bad_size_is_rejected() -> None:
    record = s3_notification("b", "k")
    record["s3"]["object"]["size"] = "many"
    with pytest.raises(InvalidMessageError, match="invalid literal"):
        parse_message(notification_body(record), "m")


def _notification_with(**fields: object) -> str:
    record = s3_notification("bucket", "k.txt")
    record["s3"]["object"].update(fields)
    return notification_body(record)


ODD_BODIES = {
    "nested 1,000 deep": "[" * 1000 + "]" * 1000,
    "Records nested 1,000 deep": '{"Records": ' + "[" * 1000 + "]" * 1000 + "}",
    "an integer of 5,000 digits": '{"Records": [{"eventSource": "aws:s3", "s3": {"object": {"size": '
    + "9" * 5000
    + "}}}]}",
    "a size of 5,000 digits in a string": _notification_with(size="9" * 5000),
    "an invalid percent-escape": _notification_with(key="a%ZZ"),
    "a trailing percent sign": _notification_with(key="report%"),
    "an integer eTag": _notification_with(eTag=5),
    "a list versionId": _notification_with(versionId=[1]),
    "an object sequencer": _notification_with(sequencer={"a": 1}),
    "a lone surrogate in the bucket name": json.dumps(
        {
            "Records": [
                {**s3_notification("b", "k"), "s3": {"bucket": {"name": "b\ud800x"}, "object": {"key": "k"}}}
            ]
        }
    ),
    "an integer etag from EventBridge": eventbridge_body("b", "k").replace(
        '"etag": "0123456789abcdef0123456789abcdef"', '"etag": 7'
    ),
    "an integer version-id from EventBridge": json.dumps(
        {
            **json.loads(eventbridge_body("b", "k")),
            "detail": {"bucket": {"name": "b"}, "object": {"key": "k", "version-id": 3}},
        }
    ),
}


@pytest.mark.parametrize("body", ODD_BODIES.values(), ids=ODD_BODIES.keys())
def test_odd_bodies_are_invalid_messages_never_other_errors(body: str) -> None:
    with pytest.raises(InvalidMessageError) as caught:
        parse_message(body, "m-odd")
    assert caught.value.message_id == "m-odd"
    str(caught.value).encode("utf-8")  # the reason itself can always be logged


@pytest.mark.parametrize("key", ["a%ZZ.txt", "trailing%", "half%4"])
def test_a_malformed_percent_escape_is_named(key: str) -> None:
    with pytest.raises(InvalidMessageError, match="malformed percent-escape"):
        parse_message(_notification_with(key=key), "m")


def test_an_encoded_percent_sign_is_a_key_character() -> None:
    assert parse_message(_notification_with(key="100%25.txt"), "m").objects[0].key == "100%.txt"
