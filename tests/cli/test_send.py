"""`baton send`: files and folders to the bucket, and test messages to the FIFO queue."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from consumer.cli.send import SEND_PREFIX, normalise_prefix, plan_messages
from consumer.processors import digest
from relay_common.events import parse_message
from relay_common.processor import ProcessingContext
from tests.unit.builders import set_up

if TYPE_CHECKING:
    from pathlib import Path

    from tests.cli.conftest import Cloud, Runner

AWKWARD = {
    "a b.txt": b"spaces\n",
    "plus+sign&amp=.csv": b"plus\n",
    "ünï cödé/日本語 #1.txt": b"unicode\n",
    "deep/er/50% off?.log": b"percent\n",
    "empty.txt": b"",
}


def keys(cloud: Cloud) -> dict[str, bytes]:
    listing = cloud.aws.s3.list_objects_v2(Bucket=cloud.aws.bucket).get("Contents", [])
    return {
        item["Key"]: cloud.aws.s3.get_object(Bucket=cloud.aws.bucket, Key=item["Key"])["Body"].read()
        for item in listing
    }


def receive_all(cloud: Cloud, url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while True:
        batch = cloud.aws.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)
        cloud.aws.sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )


def test_uploads_a_folder_recursively_with_awkward_names(cloud: Cloud, baton: Runner, tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    for name, body in AWKWARD.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(body)

    result = baton("send", str(folder), "--prefix", "/batch 1/", *cloud.outputs("relay"))

    assert result.code == 0, result.err
    assert keys(cloud) == {f"batch 1/{name}": body for name, body in AWKWARD.items()}
    assert "uploaded 5 files (28 B) to s3://baton-ingest/" in result.out
    assert "ünï cödé/日本語 #1.txt" in result.out


def test_uploads_single_files_under_their_names_and_reports_json(
    cloud: Cloud, baton: Runner, tmp_path: Path
) -> None:
    (tmp_path / "one.csv").write_text("a,b\n1,2\n")
    (tmp_path / "two words.json").write_text("{}")

    result = baton(
        "send",
        str(tmp_path / "one.csv"),
        str(tmp_path / "two words.json"),
        "--bucket",
        cloud.aws.bucket,
        "--json",
    )

    assert result.code == 0, result.err
    report = result.json()
    assert [item["key"] for item in report["objects"]] == ["one.csv", "two words.json"]
    assert report["bytes"] == 10
    assert set(keys(cloud)) == {"one.csv", "two words.json"}
    content_type = cloud.aws.s3.head_object(Bucket=cloud.aws.bucket, Key="one.csv")["ContentType"]
    assert content_type == "text/csv"


def test_dry_run_uploads_nothing(cloud: Cloud, baton: Runner, tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "x.txt").write_text("x")

    result = baton("send", str(tmp_path / "folder"), "--dry-run", *cloud.outputs("relay"))

    assert result.code == 0
    assert "would upload 1 file" in result.out
    assert keys(cloud) == {}


@pytest.mark.parametrize(
    ("given", "expected"),
    [("", ""), ("/", ""), ("a", "a/"), ("a/b/", "a/b/"), ("/a//", "a/"), (" in ", "in/")],
)
def test_prefix_is_a_folder(given: str, expected: str) -> None:
    assert normalise_prefix(given) == expected


def test_fifo_messages_round_robin_with_a_failing_one(cloud: Cloud, baton: Runner) -> None:
    result = baton(
        "send",
        "--fifo-messages",
        "6",
        "--group",
        "a",
        "--group",
        "b",
        "--fail-at",
        "3",
        *cloud.outputs("fifo"),
    )

    assert result.code == 0, result.err
    assert result.err == ""  # the FIFO function runs the chaos processor: no warning
    assert "sent 6 messages to baton-fifo.fifo" in result.out
    messages = receive_all(cloud, cloud.fifo.url)
    groups = [m["Attributes"]["MessageGroupId"] for m in messages]
    assert Counter(groups) == {"a": 3, "b": 3}
    refs = {}
    for message in messages:
        parsed = parse_message(message["Body"], message["MessageId"])
        [ref] = parsed.objects
        refs[ref.key] = (ref, message["Attributes"]["MessageGroupId"])
        assert message["Attributes"]["MessageDeduplicationId"]
    ordered = sorted(refs)
    assert all(key.startswith(SEND_PREFIX) for key in ordered)
    assert [refs[key][1] for key in sorted(refs, key=lambda k: k.rsplit("/", 1)[-1])] == list("ababab")
    failing = [key for key in ordered if "fail-on-purpose" in key]
    assert len(failing) == 1
    assert failing[0].endswith("/a/0003-fail-on-purpose.txt")
    stored = keys(cloud)
    for key, (ref, _) in refs.items():
        assert ref.bucket == cloud.aws.bucket
        assert ref.event_name == "Object Created"
        assert ref.size == len(stored[key])
        assert ref.sequencer
        head = cloud.aws.s3.head_object(Bucket=cloud.aws.bucket, Key=key)
        assert head["ETag"].strip('"') == ref.etag


def test_a_sent_event_is_processed_by_the_default_processor(cloud: Cloud, baton: Runner) -> None:
    assert baton("send", "--fifo-messages", "1", "--group", "g-1/x", *cloud.outputs("fifo")).code == 0
    [message] = receive_all(cloud, cloud.fifo.url)
    [ref] = parse_message(message["Body"], message["MessageId"]).objects
    assert "/g-1_x/" in ref.key

    processor = set_up(digest.DigestProcessor(), cloud.aws.results_table)
    result = processor.process(ref, ProcessingContext(message["MessageId"], 1, 1e12, "baton-fifo.fifo"))

    assert result.status == "recorded"  # the event's ETag matches the object (the read is IfMatch)


def test_fifo_blocks_and_warning_when_the_function_is_not_chaos(cloud: Cloud, baton: Runner) -> None:
    result = baton(
        "send",
        "--fifo-messages",
        "5",
        "--group",
        "x",
        "--group",
        "y",
        "--spread",
        "blocks",
        "--hang-at",
        "4",
        "--queue-url",
        cloud.fifo.url,
        "--bucket",
        cloud.aws.bucket,
        "--function",
        cloud.relay_function,
        "--json",
    )

    assert result.code == 0, result.err
    assert result.err.startswith(
        "baton: warning: function baton-relay runs consumer.processors.digest:process"
    )
    assert "messages 4 (hang) will simply be processed" in result.err
    sent = result.json()["messages"]
    assert [m["group"] for m in sent] == ["x", "x", "x", "y", "y"]
    assert [m["purpose"] for m in sent] == [None, None, None, "hang", None]
    assert sent[3]["key"].endswith("/y/0004-hang-on-purpose.txt")
    assert all(m["message_id"] for m in sent)
    assert len(receive_all(cloud, cloud.fifo.url)) == 5


def test_fifo_messages_need_a_fifo_queue(cloud: Cloud, baton: Runner) -> None:
    result = baton("send", "--fifo-messages", "2", *cloud.outputs("relay"))

    assert result.code == 1
    assert result.err == (
        "baton: error: queue baton-relay is not a FIFO queue: --fifo-messages needs the FIFO stack's queue\n"
    )
    assert keys(cloud) == {}


def test_plan_rejects_impossible_marks() -> None:
    with pytest.raises(Exception, match="beyond"):
        plan_messages(3, ["a"], spread="round-robin", run_id="r", fail_at=[4], hang_at=[])
    with pytest.raises(Exception, match="both fail and hang"):
        plan_messages(3, ["a"], spread="round-robin", run_id="r", fail_at=[2], hang_at=[2])
    with pytest.raises(Exception, match="MessageGroupId"):
        plan_messages(3, ["has space"], spread="round-robin", run_id="r", fail_at=[], hang_at=[])


def test_send_errors(cloud: Cloud, baton: Runner, tmp_path: Path) -> None:
    missing = baton("send", str(tmp_path / "nope.txt"), *cloud.outputs("relay"))
    nothing = baton("send", *cloud.outputs("relay"))
    both = baton("send", str(tmp_path), "--fifo-messages", "1", *cloud.outputs("fifo"))
    (tmp_path / "f.txt").write_text("x")
    no_bucket = baton("send", str(tmp_path / "f.txt"), "--bucket", "no-such-bucket")
    empty = tmp_path / "empty"
    empty.mkdir()
    empty_folder = baton("send", str(empty), *cloud.outputs("relay"))

    assert missing.err == f"baton: error: {tmp_path / 'nope.txt'} does not exist\n"
    assert "nothing to send" in nothing.err
    assert "not both" in both.err
    assert no_bucket.err == "baton: error: bucket no-such-bucket does not exist in region us-east-1\n"
    assert empty_folder.err == f"baton: error: folder {empty} has no files\n"
    assert {r.code for r in (missing, nothing, both, no_bucket, empty_folder)} == {1}


def test_event_shape_matches_what_eventbridge_sends(cloud: Cloud, baton: Runner) -> None:
    baton("send", "--fifo-messages", "1", *cloud.outputs("fifo"))
    [message] = receive_all(cloud, cloud.fifo.url)
    event = json.loads(message["Body"])

    assert event["source"] == "aws.s3"
    assert event["detail-type"] == "Object Created"
    assert event["account"] == "123456789012"
    assert event["resources"] == [f"arn:aws:s3:::{cloud.aws.bucket}"]
    assert set(event["detail"]["object"]) == {"key", "size", "etag", "sequencer"}
    assert message["Attributes"]["MessageGroupId"] == "baton"
