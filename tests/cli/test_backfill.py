"""`baton backfill`: the objects already in a bucket, enqueued as the stack's route would have announced them
and recorded exactly like uploads."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

import pytest

from consumer.cli import backfill as backfill_command
from consumer.cli.backfill import GroupRouting, Listed, deduplication_id
from consumer.cli.stack import Stack
from consumer.processors.digest import DigestProcessor
from consumer.relay_handler import RelayConsumer, RelaySummary
from relay_common.config import CoreSettings, RelaySettings
from relay_common.deadline import Budget
from relay_common.events import ObjectRef, parse_message
from relay_common.processing import MessageEngine
from relay_common.processor import ProcessingContext
from tests.cli.conftest import use_client
from tests.unit.builders import FakeContext, notification_body, s3_notification, set_up

if TYPE_CHECKING:
    from pathlib import Path

    from tests.cli.conftest import Cloud, Result, Runner
    from tests.unit.builders import Queue

WHEN = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
LATER = ("--modified-before", "2100-01-01T00:00:00Z")
"""moto stamps objects with the current time: move the cutoff past them."""
AWKWARD = [
    "a b.txt",
    "plus+sign&amp=.csv",
    "50% off?.log",
    "ünï cödé/日本語 #1.txt",
    "deep/er/~tilde 'quote'.json",
    "trailing space ",
]


def put_all(cloud: Cloud, keys: list[str], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Upload one object per key (its key as content); the put responses by key."""
    return {prefix + key: cloud.aws.put(prefix + key, f"{key}\n".encode()) for key in keys}


def receive_all(queue: Queue, url: str | None = None) -> list[dict[str, Any]]:
    """Every message in the queue, in the order received (deleted as received)."""
    messages: list[dict[str, Any]] = []
    while True:
        batch = queue.sqs.receive_message(
            QueueUrl=url or queue.url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)
        queue.sqs.delete_message_batch(
            QueueUrl=url or queue.url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )


def refs(messages: list[dict[str, Any]]) -> dict[str, ObjectRef]:
    """The one object each message is about, by key."""
    found: dict[str, ObjectRef] = {}
    for message in messages:
        parsed = parse_message(message["Body"], message["MessageId"])
        if parsed.test_event:  # moto sends one when a notification is configured
            continue
        [ref] = parsed.objects
        assert ref.key not in found, f"{ref.key!r} was enqueued twice"
        found[ref.key] = ref
    return found


def fifo_outputs(
    cloud: Cloud, tmp_path: Path, groups: dict[str, str] | None, default: str = "ingest"
) -> list[str]:
    """The FIFO stack's outputs with its routing (`message_groups` as terraform prints a map)."""
    document = json.loads(cloud.fifo_outputs.read_text())
    document["message_group_id"] = {"sensitive": False, "type": "string", "value": default}
    if groups is not None:
        document["message_groups"] = {"sensitive": False, "type": ["map", "string"], "value": groups}
    path = tmp_path / "fifo-routing.json"
    path.write_text(json.dumps(document))
    return ["--outputs", str(path)]


def backfill(baton: Runner, *argv: str) -> Result:
    return baton("backfill", *argv, *LATER, "--json")


class CountingSqs:
    """A moto SQS client that records each SendMessageBatch and answers chosen keys' entries in `Failed`
    (HTTP 200, as SQS does) as many times as asked; every other call passes through."""

    def __init__(self, client: Any, refuse: dict[str, int] | None = None) -> None:
        self._client = client
        self.refuse = dict(refuse or {})
        self.calls: list[list[str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> Any:  # noqa: N803
        keys = [parse_message(e["MessageBody"], e["Id"]).objects[0].key for e in Entries]
        self.calls.append(keys)
        passed, failed = [], []
        for entry, key in zip(Entries, keys, strict=True):
            if self.refuse.get(key, 0) > 0:
                self.refuse[key] -= 1
                failed.append(
                    {"Id": entry["Id"], "SenderFault": False, "Code": "InternalError", "Message": "try again"}
                )
            else:
                passed.append(entry)
        response = self._client.send_message_batch(QueueUrl=QueueUrl, Entries=passed) if passed else {}
        return {"Successful": response.get("Successful", []), "Failed": failed}


# -- the relay shape ---------------------------------------------------------------------------------------


def test_relay_messages_parse_into_the_listed_objects(cloud: Cloud, baton: Runner) -> None:
    puts = put_all(cloud, AWKWARD, prefix="old/")

    result = backfill(baton, "s3://baton-ingest/old/", *cloud.outputs("relay"))

    assert result.code == 0, result.err
    summary = result.json()
    assert (summary["listed"], summary["sent"], summary["failed"], summary["variant"]) == (6, 6, 0, "relay")
    size = sum(len(key.encode()) + 1 for key in AWKWARD)
    assert summary["groups"] == {"baton-relay": {"objects": 6, "bytes": size}}
    assert summary["bytes"] == size
    assert summary["complete"] is True
    assert summary["resume_after"] == max(puts)
    messages = receive_all(cloud.relay)
    found = refs(messages)
    assert set(found) == set(puts)
    for key, ref in found.items():
        assert ref.bucket == "baton-ingest"
        assert ref.source == "s3"
        assert ref.event_name == "ObjectCreated:Put"
        assert ref.created
        assert ref.etag == puts[key]["ETag"].strip('"')
        assert ref.size == len(key.removeprefix("old/").encode()) + 1
        assert (ref.sequencer, ref.version_id) == (None, None)
        assert ref.version_token == f"e#{ref.etag}"
    raw = {json.loads(m["Body"])["Records"][0]["s3"]["object"]["key"] for m in messages}
    assert "old/a+b.txt" in raw  # encoded as S3 encodes keys: '+' for a space, '/' kept
    assert "old/plus%2Bsign%26amp%3D.csv" in raw
    assert quote_plus("old/ünï cödé/日本語 #1.txt", safe="/") in raw


def test_relay_record_has_the_notification_fields(cloud: Cloud, baton: Runner) -> None:
    put_all(cloud, ["one.txt"])

    assert backfill(baton, "s3://baton-ingest", *cloud.outputs("relay")).code == 0

    [message] = receive_all(cloud.relay)
    [record] = json.loads(message["Body"])["Records"]
    assert record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == "us-east-1"
    assert record["eventTime"].endswith("Z")
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::baton-ingest"
    assert set(record["s3"]["object"]) == {"key", "size", "eTag"}
    assert "MessageGroupId" not in message["Attributes"]


# -- the FIFO shape and its groups -------------------------------------------------------------------------


def test_fifo_events_go_to_the_group_of_their_prefix(cloud: Cloud, baton: Runner, tmp_path: Path) -> None:
    puts = {
        **put_all(cloud, ["1.csv", "2 two.csv", "3.csv"], prefix="tenant-a/"),
        **put_all(cloud, ["x.csv"], prefix="tenant-b/"),
        **put_all(cloud, ["loose.csv", "tenant-c.csv"]),
    }
    routing = {"tenant-a/": "group-a", "tenant-b/": "group-b"}

    result = backfill(baton, "s3://baton-ingest/", *fifo_outputs(cloud, tmp_path, routing, "rest"))

    assert result.code == 0, result.err
    summary = result.json()
    assert summary["sent"] == 6
    assert summary["groups"] == {
        "group-a": {"objects": 3, "bytes": 22},
        "group-b": {"objects": 1, "bytes": 6},
        "rest": {"objects": 2, "bytes": 23},
    }
    messages = receive_all(cloud.fifo)
    found = refs(messages)
    assert set(found) == set(puts)
    group_of = {
        parse_message(m["Body"], m["MessageId"]).objects[0].key: m["Attributes"]["MessageGroupId"]
        for m in messages
    }
    assert group_of == {
        "tenant-a/1.csv": "group-a",
        "tenant-a/2 two.csv": "group-a",
        "tenant-a/3.csv": "group-a",
        "tenant-b/x.csv": "group-b",
        "loose.csv": "rest",
        "tenant-c.csv": "rest",
    }
    in_a = [
        key for key in (parse_message(m["Body"], "m").objects[0].key for m in messages) if "tenant-a/" in key
    ]
    assert in_a == sorted(in_a)  # key order within a group
    for message in messages:
        event = json.loads(message["Body"])
        assert (event["source"], event["detail-type"]) == ("aws.s3", "Object Created")
        assert set(event["detail"]["object"]) == {"key", "size", "etag"}
        ref = found[parse_message(message["Body"], "m").objects[0].key]
        assert ref.etag == puts[ref.key]["ETag"].strip('"')
        assert ref.version_token == f"e#{ref.etag}"
        assert message["Attributes"]["MessageDeduplicationId"].startswith("backfill-")


def test_group_option_overrides_the_routing(cloud: Cloud, baton: Runner, tmp_path: Path) -> None:
    put_all(cloud, ["1.csv", "2.csv"], prefix="tenant-a/")

    result = backfill(
        baton, "s3://baton-ingest/", *fifo_outputs(cloud, tmp_path, {"tenant-a/": "a"}), "--group", "manual"
    )

    assert result.code == 0, result.err
    assert Counter(m["Attributes"]["MessageGroupId"] for m in receive_all(cloud.fifo)) == {"manual": 2}


def test_without_message_groups_every_key_goes_to_the_default_group(
    cloud: Cloud, baton: Runner, tmp_path: Path
) -> None:
    put_all(cloud, ["a", "b/c"])

    result = backfill(baton, "s3://baton-ingest/", *fifo_outputs(cloud, tmp_path, None, "ingest"))

    assert result.code == 0, result.err
    assert Counter(m["Attributes"]["MessageGroupId"] for m in receive_all(cloud.fifo)) == {"ingest": 2}


def test_fifo_skips_the_test_objects_of_baton_send(cloud: Cloud, baton: Runner, tmp_path: Path) -> None:
    put_all(cloud, ["real.csv"])
    put_all(cloud, ["run/g/0001.txt"], prefix="baton-send/")

    everything = backfill(baton, "s3://baton-ingest/", *fifo_outputs(cloud, tmp_path, None))
    asked_for = backfill(baton, "s3://baton-ingest/baton-send/", *fifo_outputs(cloud, tmp_path, None))

    assert (everything.json()["sent"], everything.json()["skipped"]) == (1, {"test_objects": 1})
    assert (asked_for.json()["sent"], asked_for.json()["skipped"]) == (1, {})


def test_deduplication_id_is_one_per_object_version() -> None:
    def listed(key: str, etag: str, version_id: str | None = None) -> Listed:
        return Listed(key, 1, etag, last_modified=WHEN, version_id=version_id)

    same = deduplication_id("b", listed("k", "e1"))

    assert same == deduplication_id("b", listed("k", "e1"))
    assert same != deduplication_id("b", listed("k", "e2"))
    assert same != deduplication_id("b", listed("k2", "e1"))
    assert same != deduplication_id("b", listed("k", "e1", "v1"))
    assert deduplication_id("b", listed("k", "e1", "v1")) == deduplication_id("b", listed("k", "e2", "v1"))
    assert len(deduplication_id("b", listed("k" * 1024, "e1", "v" * 1024))) <= 128


def test_routing_picks_the_one_matching_prefix_and_refuses_overlaps() -> None:
    stack = Stack("t", message_group_id="rest", message_groups=(("a/", "ga"), ("b/", "gb")))
    routing = GroupRouting.from_stack(stack, None)

    assert [routing.group_for(key) for key in ("a/1", "b/2", "c/3", "a", "ab/1")] == [
        "ga",
        "gb",
        "rest",
        "rest",
        "rest",
    ]
    overlapping = Stack("t", message_group_id="rest", message_groups=(("a/", "x"), ("a/b/", "y")))
    with pytest.raises(Exception, match="overlapping prefixes 'a/' and 'a/b/'"):
        GroupRouting.from_stack(overlapping, None)
    with pytest.raises(Exception, match="MessageGroupId"):
        GroupRouting.from_stack(stack, "has space")


# -- resuming, dry runs, limits ----------------------------------------------------------------------------


def test_limit_then_start_after_resumes_where_the_run_stopped(cloud: Cloud, baton: Runner) -> None:
    keys = sorted(put_all(cloud, [f"f {index:02d}.txt" for index in range(23)]))

    first = backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay"), "--limit", "15")
    resume = first.json()["resume_after"]
    second = backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay"), "--start-after", resume)

    assert first.code == second.code == 0
    assert (first.json()["sent"], first.json()["complete"]) == (15, False)
    assert first.json()["stopped"] == "--limit 15 reached"
    assert resume == keys[14]
    assert (second.json()["sent"], second.json()["complete"]) == (8, True)
    assert sorted(refs(receive_all(cloud.relay))) == keys  # each exactly once


def test_start_after_in_a_versioned_bucket(cloud: Cloud, baton: Runner) -> None:
    cloud.aws.s3.put_bucket_versioning(Bucket="baton-ingest", VersioningConfiguration={"Status": "Enabled"})
    keys = sorted(put_all(cloud, ["a", "b", "c", "d"]))
    put_all(cloud, ["b"])  # a second version of b: only the current one is enqueued

    result = backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay"), "--start-after", "a")

    assert result.json()["sent"] == 3
    assert sorted(refs(receive_all(cloud.relay))) == keys[1:]


def test_dry_run_counts_per_group_and_sends_nothing(cloud: Cloud, baton: Runner, tmp_path: Path) -> None:
    put_all(cloud, ["1", "22"], prefix="a/")
    put_all(cloud, ["333"])
    sqs = CountingSqs(cloud.aws.sqs)

    with pytest.MonkeyPatch.context() as patch:
        use_client(patch, "sqs", sqs)
        result = backfill(
            baton, "s3://baton-ingest/", *fifo_outputs(cloud, tmp_path, {"a/": "ga"}, "rest"), "--dry-run"
        )
        table = baton(
            "backfill",
            "s3://baton-ingest/",
            *fifo_outputs(cloud, tmp_path, {"a/": "ga"}),
            "--dry-run",
            *LATER,
        )

    assert result.code == 0, result.err
    summary = result.json()
    assert (summary["dry_run"], summary["sent"], summary["listed"]) == (True, 3, 3)
    assert summary["groups"] == {"ga": {"objects": 2, "bytes": 5}, "rest": {"objects": 1, "bytes": 4}}
    assert sqs.calls == []
    assert cloud.fifo.depth() == (0, 0)
    assert table.code == 0
    assert "would send" in table.out
    assert "ga" in table.out


# -- batches and failures ----------------------------------------------------------------------------------


def test_sends_in_batches_of_ten(cloud: Cloud, baton: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = sorted(put_all(cloud, [f"{index:03d}" for index in range(25)]))
    sqs = CountingSqs(cloud.aws.sqs)
    use_client(monkeypatch, "sqs", sqs)

    result = backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay"))

    assert result.code == 0, result.err
    assert [len(call) for call in sqs.calls] == [10, 10, 5]
    assert [key for call in sqs.calls for key in call] == keys
    assert cloud.relay.depth() == (25, 0)


def test_failed_entries_are_retried_once_then_reported(
    cloud: Cloud, baton: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = sorted(put_all(cloud, [f"{index:03d}" for index in range(25)]))
    sqs = CountingSqs(cloud.aws.sqs, refuse={"003": 1, "012": 2, "020": 5})
    use_client(monkeypatch, "sqs", sqs)

    result = backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay"))

    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        "baton: error: 2 objects could not be enqueued (first '012': InternalError: try again); "
        "resume with --start-after '011'"
    )
    summary = result.json()
    assert (summary["sent"], summary["failed"]) == (23, 2)
    assert summary["failures"] == {"012": "InternalError: try again", "020": "InternalError: try again"}
    assert summary["resume_after"] == "011"
    assert summary["complete"] is True  # the rest of the bucket was still enqueued
    assert [len(call) for call in sqs.calls] == [10, 1, 10, 1, 5, 1]  # each batch, then its failures once
    assert sqs.calls[1] == ["003"]
    assert sorted(refs(receive_all(cloud.relay))) == [k for k in keys if k not in ("012", "020")]


def test_a_batch_refused_whole_stops_the_run(
    cloud: Cloud, baton: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_all(cloud, [f"{index:03d}" for index in range(30)])
    sqs = CountingSqs(cloud.aws.sqs, refuse={f"{index:03d}": 2 for index in range(10, 20)})
    use_client(monkeypatch, "sqs", sqs)

    result = baton("backfill", "s3://baton-ingest/", *cloud.outputs("relay"), *LATER)

    assert result.code == 1
    error = result.err.splitlines()[-1]
    assert error.startswith("baton: error: 10 objects could not be enqueued (first '010'")
    assert "SQS refused a whole batch" in result.out
    assert "to continue: --start-after '009'" in result.out
    assert len(sqs.calls) == 3  # the first batch, the refused one, its retry; nothing after
    assert cloud.relay.depth() == (10, 0)


class InterruptedSqs(CountingSqs):
    """Ctrl-C while the second batch is being sent."""

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> Any:  # noqa: N803
        if len(self.calls) == 1:
            raise KeyboardInterrupt
        return super().send_message_batch(QueueUrl=QueueUrl, Entries=Entries)


def test_ctrl_c_prints_the_summary_and_where_to_resume(cloud: Cloud, baton: Runner) -> None:
    keys = sorted(put_all(cloud, [f"{index:03d}" for index in range(30)]))
    with pytest.MonkeyPatch.context() as patch:
        use_client(patch, "sqs", InterruptedSqs(cloud.aws.sqs))
        result = backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay"))
        again = backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay"), "--start-after", "009")
    resumed = backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay"), "--start-after", "009")

    assert (again.code, again.json()["sent"], again.json()["resume_after"]) == (130, 0, "009")
    assert result.code == 130
    assert result.err.splitlines()[-1] == "baton: interrupted: resume with --start-after '009'"
    summary = result.json()
    assert (summary["sent"], summary["resume_after"], summary["complete"]) == (10, "009", False)
    assert summary["stopped"].startswith("interrupted")
    assert resumed.code == 0
    assert sorted(refs(receive_all(cloud.relay))) == keys


# -- recorded exactly like uploads -------------------------------------------------------------------------


def drain(cloud: Cloud, queue: Queue) -> dict[str, Any]:
    """The relay consumer with the default processor, one worker, in this process (moto's account)."""
    core = CoreSettings(
        queue_url=queue.url,
        processor="consumer.processors.digest:process",
        results_table=cloud.aws.results_table,
    )
    engine = MessageEngine(core, set_up(DigestProcessor(), cloud.aws.results_table))
    consumer = RelayConsumer(RelaySettings(core=core, wait_time=1), engine, receiver=queue.sqs, sqs=queue.sqs)
    context = FakeContext(timeout=300)
    engine.start_invocation(context)  # type: ignore[arg-type]
    summary = consumer.drain(Budget(context, safety_margin=1), RelaySummary(chain_id="t", hop=0, trigger="t"))
    return summary.as_dict()


def test_backfilled_objects_drain_into_one_record_each(cloud: Cloud, baton: Runner) -> None:
    puts = put_all(cloud, AWKWARD, prefix="old/")

    assert backfill(baton, "s3://baton-ingest/old/", *cloud.outputs("relay")).code == 0
    first = drain(cloud, cloud.relay)
    assert backfill(baton, "s3://baton-ingest/old/", *cloud.outputs("relay")).code == 0
    again = drain(cloud, cloud.relay)

    assert (first["processed"], first["failed"], first["stop_reason"]) == (6, 0, "drained")
    assert (again["processed"], again["failed"]) == (6, 0)
    records = {item["key"]: item for item in cloud.aws.results()}
    assert len(cloud.aws.results()) == 6  # a second backfill is recorded as duplicates, not new records
    assert set(records) == set(puts)
    for key, record in records.items():
        etag = puts[key]["ETag"].strip('"')
        assert record["pk"] == f"baton-ingest/{key}"
        assert record["sk"] == f"e#{etag}"
        assert record["status"] == "recorded"
        assert int(record["size"]) == len(key.removeprefix("old/").encode()) + 1
    assert cloud.relay.depth() == (0, 0)


def test_versioned_bucket_record_is_the_one_its_notification_makes(cloud: Cloud, baton: Runner) -> None:
    cloud.aws.s3.put_bucket_versioning(Bucket="baton-ingest", VersioningConfiguration={"Status": "Enabled"})
    old = cloud.aws.put("doc.txt", b"old\n")
    new = cloud.aws.put("doc.txt", b"new content\n")

    assert backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay")).code == 0
    backfilled = drain(cloud, cloud.relay)
    # The same version's own notification (it has a sequencer) arrives as well: still one record.
    notification = s3_notification(
        "baton-ingest", "doc.txt", etag=new["ETag"].strip('"'), version_id=new["VersionId"]
    )
    cloud.relay.send(notification_body(notification))
    notified = drain(cloud, cloud.relay)

    assert (backfilled["processed"], notified["processed"]) == (1, 1)
    [record] = cloud.aws.results()
    assert new["VersionId"] != old["VersionId"]
    assert record["sk"] == f"v#{new['VersionId']}"
    assert (record["status"], int(record["size"])) == ("recorded", 12)  # the current version was read


def test_an_object_overwritten_after_the_listing_is_superseded(cloud: Cloud, baton: Runner) -> None:
    put_all(cloud, ["moving.txt"])
    assert backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay")).code == 0
    cloud.aws.put("moving.txt", b"newer\n")

    [message] = receive_all(cloud.relay)
    [ref] = parse_message(message["Body"], message["MessageId"]).objects
    processor = set_up(DigestProcessor(), cloud.aws.results_table)
    result = processor.process(ref, ProcessingContext(message["MessageId"], 1, 1e12, "baton-relay"))

    assert (
        result.status == "superseded"
    )  # read with IfMatch on the listed ETag, not credited with new content


def test_fifo_event_is_processed_by_the_default_processor(
    cloud: Cloud, baton: Runner, tmp_path: Path
) -> None:
    put_all(cloud, ["x y.csv"], prefix="tenant-a/")
    assert backfill(baton, "s3://baton-ingest/", *fifo_outputs(cloud, tmp_path, {"tenant-a/": "a"})).code == 0

    [message] = receive_all(cloud.fifo)
    [ref] = parse_message(message["Body"], message["MessageId"]).objects
    processor = set_up(DigestProcessor(), cloud.aws.results_table)
    result = processor.process(ref, ProcessingContext(message["MessageId"], 1, 1e12, "baton-fifo.fifo"))

    assert (ref.key, result.status) == ("tenant-a/x y.csv", "recorded")
    [record] = cloud.aws.results()
    assert record["sk"] == f"e#{ref.etag}"


# -- what is skipped ---------------------------------------------------------------------------------------


def test_objects_written_after_the_backfill_started_are_left_to_their_notifications(
    cloud: Cloud, baton: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_all(cloud, ["just now.txt"])
    monkeypatch.setattr(backfill_command, "utc_now", lambda: WHEN.replace(year=2000, microsecond=250_000))

    result = baton("backfill", "s3://baton-ingest/", *cloud.outputs("relay"), "--json")
    explicit = baton(
        "backfill", "s3://baton-ingest/", *cloud.outputs("relay"), "--json", "--modified-before", "2099-12-31"
    )

    assert result.code == 0, result.err
    summary = result.json()
    assert summary["modified_before"] == "2000-11-22T10:00:00Z"  # the start, to the whole second
    assert (summary["sent"], summary["skipped"]) == (0, {"modified": 1})
    assert summary["resume_after"] == "just now.txt"
    assert (explicit.json()["sent"], explicit.json()["modified_before"]) == (1, "2099-12-31T00:00:00Z")


def test_archived_objects_are_skipped_unless_asked_for(cloud: Cloud, baton: Runner) -> None:
    cloud.aws.s3.put_object(Bucket="baton-ingest", Key="cold.txt", Body=b"x", StorageClass="DEEP_ARCHIVE")
    put_all(cloud, ["warm.txt"])

    skipped = backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay"))
    included = backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay"), "--include-archived")

    assert (skipped.json()["sent"], skipped.json()["skipped"]) == (1, {"archived": 1})
    assert (included.json()["sent"], included.json()["skipped"]) == (2, {})


def test_relay_follows_the_bucket_notification_filter(cloud: Cloud, baton: Runner) -> None:
    put_all(cloud, ["in/a.csv", "in/b.txt", "out/c.csv"])  # before the notification: moto would send one
    cloud.aws.s3.put_bucket_notification_configuration(
        Bucket="baton-ingest",
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": cloud.relay.arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": "in/"},
                                {"Name": "suffix", "Value": ".csv"},
                            ]
                        }
                    },
                }
            ]
        },
    )

    result = backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay"))

    assert result.err == ""
    assert (result.json()["sent"], result.json()["skipped"]) == (1, {"route_filter": 2})
    assert list(refs(receive_all(cloud.relay))) == ["in/a.csv"]


def test_warns_when_the_bucket_does_not_notify_the_queue(cloud: Cloud, baton: Runner) -> None:
    put_all(cloud, ["a.csv"])

    result = backfill(baton, "s3://baton-ingest/", *cloud.outputs("relay"))

    assert result.code == 0
    assert result.err == (
        "baton: warning: bucket baton-ingest sends no object-created notifications to queue baton-relay: "
        "new uploads do not reach it\n"
    )


# -- errors an operator can act on -------------------------------------------------------------------------


def one_line(result: Result) -> str:
    assert result.code == 1, result
    assert len(result.err.splitlines()) == 1, result.err
    return result.err.removeprefix("baton: error: ").rstrip("\n")


def test_errors(cloud: Cloud, baton: Runner, tmp_path: Path) -> None:
    relay = cloud.outputs("relay")

    assert one_line(baton("backfill", "baton-ingest/old", *relay)) == (
        "'baton-ingest/old' is not an S3 URI: give s3://BUCKET/PREFIX (the prefix may be empty)"
    )
    assert one_line(baton("backfill", "s3://Bad_Bucket/x", *relay)).startswith(
        "'s3://Bad_Bucket/x' does not name"
    )
    assert one_line(baton("backfill", "s3://other-bucket/", *relay)) == (
        "s3://other-bucket is not the stack's ingest bucket (baton-ingest): the consumer reads baton-ingest; "
        "pass --bucket other-bucket if that is really meant"
    )
    assert one_line(baton("backfill", "s3://no-such-bucket/", "--queue-url", cloud.relay.url)) == (
        "bucket no-such-bucket does not exist in region us-east-1"
    )
    assert one_line(baton("backfill", "s3://baton-ingest/", *relay, "--group", "g")) == (
        "--group is for the FIFO variant; the relay's standard queue has no message groups"
    )
    assert one_line(baton("backfill", "s3://baton-ingest/", "--queue-url", cloud.fifo.url)) == (
        "no message group known for the FIFO queue: pass --group or --stack/--outputs with output "
        "'message_group_id'"
    )
    wrong = json.loads(cloud.relay_outputs.read_text())
    wrong["variant"]["value"] = "fifo"
    (tmp_path / "wrong.json").write_text(json.dumps(wrong))
    assert one_line(baton("backfill", "s3://baton-ingest/", "--outputs", str(tmp_path / "wrong.json"))) == (
        "queue baton-relay is a standard queue, but the stack's variant is fifo"
    )
    assert one_line(baton("backfill", "s3://baton-ingest/", "--bucket", "baton-ingest")) == (
        "no queue url known: pass --queue-url or --stack/--outputs with output 'queue_url'"
    )


def test_bucket_in_another_region(cloud: Cloud, baton: Runner) -> None:
    cloud.aws.s3.create_bucket(
        Bucket="baton-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )

    result = baton("backfill", "s3://baton-eu/", "--queue-url", cloud.relay.url)

    assert one_line(result) == (
        "bucket baton-eu is in region eu-west-1, but baton uses us-east-1: pass --region eu-west-1 "
        "(the pipeline's queue and function are in the bucket's region)"
    )
