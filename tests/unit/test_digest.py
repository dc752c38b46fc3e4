"""The default processor: streamed digest and one result record per object version."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest

from consumer.processors import chaos, digest, recording
from relay_common.errors import ConfigurationError, UnsupportedEventError
from relay_common.events import ObjectRef, parse_message
from relay_common.processor import ProcessingContext, ProcessorResult
from tests.unit.builders import Aws, notification_body, s3_notification, set_up


@pytest.fixture
def digester(aws: Aws) -> digest.DigestProcessor:
    return set_up(digest.DigestProcessor(), aws.results_table)


def ctx(message_id: str = "m-1") -> ProcessingContext:
    return ProcessingContext(
        message_id=message_id, receive_count=1, deadline=time.monotonic() + 30, queue="baton-relay"
    )


def ref_for(aws: Aws, key: str, put: dict[str, Any], **overrides: Any) -> ObjectRef:
    record = s3_notification(aws.bucket, key, etag=put["ETag"].strip('"'), **overrides)
    (ref,) = parse_message(notification_body(record), "m").objects
    return ref


@pytest.mark.parametrize(
    ("data", "lines"),
    [(b"", 0), (b"one", 1), (b"one\n", 1), (b"one\ntwo", 2), (b"a\r\nb\r\n", 2), (b"\n\n\n", 3)],
)
def test_digest_counts_lines_like_a_reader_would(data: bytes, lines: int) -> None:
    result = digest.digest_chunks([data[:2], data[2:]])
    assert result == digest.Digest(size=len(data), sha256=hashlib.sha256(data).hexdigest(), lines=lines)


def test_digest_is_independent_of_chunking() -> None:
    data = b"".join(f"line {i}\n".encode() for i in range(10_000)) + b"tail"
    whole = digest.digest_chunks([data])
    pieces = digest.digest_chunks(data[i : i + 777] for i in range(0, len(data), 777))
    assert whole == pieces
    assert whole.lines == 10_001


def test_records_one_result_with_the_digest(aws: Aws, digester: digest.DigestProcessor) -> None:
    data = b"alpha\nbeta\ngamma\n"
    put = aws.put("in/report one.csv", data)
    result = digester.process(ref_for(aws, "in/report one.csv", put, sequencer="0A"), ctx())
    assert result == ProcessorResult(
        "recorded", details={"size": 17, "sha256": hashlib.sha256(data).hexdigest(), "lines": 3}
    )
    (item,) = aws.results()
    assert item["pk"] == f"{aws.bucket}/in/report one.csv"
    assert item["sk"] == "s#0A"
    assert (item["status"], item["size"], item["lines"], item["message_id"]) == ("recorded", "17", "3", "m-1")
    assert item["day"] == item["processed_at"][:10]


def test_redelivery_does_not_create_a_second_record(aws: Aws, digester: digest.DigestProcessor) -> None:
    put = aws.put("k.txt")
    ref = ref_for(aws, "k.txt", put, sequencer="0B")
    first, again = digester.process(ref, ctx("first")), digester.process(ref, ctx("again"))
    assert (first.status, first.duplicate) == ("recorded", False)
    assert (again.status, again.duplicate) == ("recorded", True)
    (item,) = aws.results()
    assert item["message_id"] == "first"


def test_a_new_upload_of_the_same_key_creates_a_new_record(
    aws: Aws, digester: digest.DigestProcessor
) -> None:
    first = aws.put("k.txt", b"v1\n")
    digester.process(ref_for(aws, "k.txt", first, sequencer="01"), ctx())
    second = aws.put("k.txt", b"v2 is longer\n")
    digester.process(ref_for(aws, "k.txt", second, sequencer="02"), ctx())
    sizes = sorted(int(item["size"]) for item in aws.results())
    assert sizes == [3, 13]


def test_versioned_bucket_reads_the_exact_version(aws: Aws, digester: digest.DigestProcessor) -> None:
    aws.s3.put_bucket_versioning(Bucket=aws.bucket, VersioningConfiguration={"Status": "Enabled"})
    old = aws.put("v.txt", b"old\n")
    aws.put("v.txt", b"newer content\n")
    result = digester.process(ref_for(aws, "v.txt", old, version_id=old["VersionId"]), ctx())
    assert result.details["size"] == 4
    (item,) = aws.results()
    assert item["sk"] == f"v#{old['VersionId']}"


def test_overwritten_object_is_recorded_as_superseded(aws: Aws, digester: digest.DigestProcessor) -> None:
    old = aws.put("o.txt", b"old\n")
    aws.put("o.txt", b"overwritten\n")
    result = digester.process(ref_for(aws, "o.txt", old), ctx())
    assert result == ProcessorResult("superseded")
    (item,) = aws.results()
    assert "sha256" not in item


def test_deleted_object_is_recorded_as_missing(aws: Aws, digester: digest.DigestProcessor) -> None:
    put = aws.put("gone.txt")
    aws.s3.delete_object(Bucket=aws.bucket, Key="gone.txt")
    assert digester.process(ref_for(aws, "gone.txt", put), ctx()) == ProcessorResult("missing")


def test_removed_events_are_refused(aws: Aws, digester: digest.DigestProcessor) -> None:
    ref = ObjectRef(bucket=aws.bucket, key="k", event_name="ObjectRemoved:Delete", source="s3", sequencer="1")
    with pytest.raises(UnsupportedEventError, match="ObjectRemoved:Delete events are not processed"):
        digester.process(ref, ctx())


def test_the_object_is_streamed_never_read_whole(
    aws: Aws, digester: digest.DigestProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"x" * (3 * recording.CHUNK_SIZE + 5)
    put = aws.put("big.bin", data)
    sizes: list[int] = []
    real_get = digester.s3.get_object

    def get_object(**kwargs: Any) -> Any:
        response = real_get(**kwargs)
        body = response["Body"]
        real_iter, real_read = body.iter_chunks, body.read

        def iter_chunks(chunk_size: int) -> Any:
            for chunk in real_iter(chunk_size):
                sizes.append(len(chunk))
                yield chunk

        def read(amt: int | None = None) -> bytes:
            if amt is None or amt > recording.CHUNK_SIZE:
                raise AssertionError("the whole object was read into memory")
            data: bytes = real_read(amt)
            return data

        monkeypatch.setattr(body, "iter_chunks", iter_chunks)
        monkeypatch.setattr(body, "read", read)
        return response

    monkeypatch.setattr(digester.s3, "get_object", get_object)
    result = digester.process(ref_for(aws, "big.bin", put), ctx())
    assert result.details["size"] == len(data)
    assert max(sizes) <= recording.CHUNK_SIZE
    assert len(sizes) >= 4


def test_invalid_table_name_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="not a valid DynamoDB table name"):
        set_up(digest.DigestProcessor(), "no spaces allowed")


def test_no_table_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="BATON_RESULTS_TABLE is not set: DigestProcessor records"):
        set_up(digest.DigestProcessor())


class Rows(recording.RecordingProcessor):
    """A subclass that measures something else and rejects empty files."""

    def measure(self, chunks: Any, obj: ObjectRef) -> dict[str, Any]:
        rows = b"".join(chunks).count(b"\n")
        if not rows:
            raise recording.Rejected("no rows")
        return {"rows": rows}


def test_a_subclass_records_what_it_measures(aws: Aws) -> None:
    rows = set_up(Rows(), aws.results_table)
    good, empty = aws.put("good.csv", b"a\nb\n"), aws.put("empty.csv", b"")
    assert rows.process(ref_for(aws, "good.csv", good), ctx()) == ProcessorResult(
        "recorded", details={"rows": 2}
    )
    rejected = rows.process(ref_for(aws, "empty.csv", empty), ctx())
    assert rejected == ProcessorResult("rejected", details={"reason": "no rows"})
    records = {item["key"]: item for item in aws.results()}
    assert (records["good.csv"]["status"], records["good.csv"]["rows"]) == ("recorded", "2")
    assert (records["empty.csv"]["status"], records["empty.csv"]["reason"]) == ("rejected", "no rows")


class TestChaos:
    @pytest.fixture
    def chaotic(self, aws: Aws) -> Any:
        def make(**environment: str) -> chaos.ChaosProcessor:
            return set_up(chaos.ChaosProcessor(), aws.results_table, **environment)

        return make

    def test_fails_on_matching_keys(self, aws: Aws, chaotic: Any) -> None:
        put = aws.put("batch/05-fail-on-purpose.txt")
        with pytest.raises(chaos.ChaosError, match="failing on purpose"):
            chaotic().process(ref_for(aws, "batch/05-fail-on-purpose.txt", put), ctx())

    def test_hangs_on_matching_keys(self, aws: Aws, chaotic: Any) -> None:
        put = aws.put("batch/05-hang-on-purpose.txt")
        started = time.monotonic()
        processor = chaotic(BATON_CHAOS_HANG_SECONDS="0.2")
        assert (
            processor.process(ref_for(aws, "batch/05-hang-on-purpose.txt", put), ctx()).status == "recorded"
        )
        assert time.monotonic() - started >= 0.2

    def test_other_keys_are_digested(self, aws: Aws, chaotic: Any) -> None:
        put = aws.put("batch/01.txt")
        assert chaotic().process(ref_for(aws, "batch/01.txt", put), ctx()).status == "recorded"

    def test_bad_settings_are_a_configuration_error_naming_each(self) -> None:
        with pytest.raises(ConfigurationError) as caught:
            set_up(
                chaos.ChaosProcessor(),
                "baton-results",
                BATON_CHAOS_HANG_SECONDS="forever",
                BATON_CHAOS_FAIL_RATE="0.7",
                BATON_CHAOS_HANG_RATE="0.6",
            )
        message = str(caught.value)
        assert "BATON_CHAOS_HANG_SECONDS='forever' is not a number" in message
        assert "must not exceed 1" in message

    def test_random_faults_follow_the_seed_and_the_receive_count(self) -> None:
        settings = chaos.ChaosSettings(fail_rate=0.2, hang_rate=0.1, seed=7)
        refs = [
            ObjectRef(bucket="b", key=f"k{i}", event_name="ObjectCreated:Put", source="s3", sequencer="1")
            for i in range(2000)
        ]
        first = [settings.fault(ref, 1) for ref in refs]
        assert first == [settings.fault(ref, 1) for ref in refs], "the same seed picks the same attempts"
        assert 0.17 < first.count(chaos.Fault.FAIL) / len(refs) < 0.23
        assert 0.07 < first.count(chaos.Fault.HANG) / len(refs) < 0.13
        retried = [settings.fault(ref, 2) for ref in refs]
        assert retried != first, "a retry gets a fresh draw"
        other_seed = chaos.ChaosSettings(fail_rate=0.2, hang_rate=0.1, seed=8)
        assert [other_seed.fault(ref, 1) for ref in refs] != first
        assert chaos.ChaosSettings().fault(refs[0], 1) is chaos.Fault.NONE
