"""`baton try`: one processor run on a local file (in moto) or an S3 object, as the function runs it."""

from __future__ import annotations

import hashlib
import sys
import time
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path

    from tests.cli.conftest import Cloud, Result, Runner

DIGEST = "consumer.processors.digest:process"
CHAOS = "consumer.processors.chaos:process"
TRYING = "tests.cli.trying"
DATA = b"id,name\n1,ada\n2,grace\n"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_bytes(DATA)
    return path


def one_line(result: Result) -> str:
    assert result.code == 1, result
    assert "Traceback" not in result.err
    (line,) = result.err.splitlines()
    return line


def test_a_local_file_is_processed_and_its_record_shown(baton: Runner, sample: Path) -> None:
    result = baton("try", DIGEST, str(sample), "--json")

    assert result.code == 0, result.err
    trial = result.json()
    assert (trial["mode"], trial["outcome"], trial["succeeded"], trial["error"]) == (
        "local",
        "processed",
        True,
        None,
    )
    digest = {"size": len(DATA), "sha256": hashlib.sha256(DATA).hexdigest(), "lines": 3}
    assert trial["results"] == [{"status": "recorded", "duplicate": False, "details": digest}]
    assert trial["object"]["bucket"] == "baton-try"
    assert trial["object"]["key"] == "people.csv"
    version = trial["object"]["version_id"]
    assert version  # the throw-away bucket is versioned, like the stacks' buckets
    (record,) = trial["records"]
    assert record["pk"] == "baton-try/people.csv"
    assert record["sk"] == f"v#{version}"
    assert (record["status"], record["size"], record["lines"]) == ("recorded", len(DATA), 3)
    assert record["queue"] == "baton-try"
    assert record["message_id"] == trial["message_id"]
    assert trial["message_timeout"] == 30
    assert 0 < trial["seconds"] < 5
    assert trial["setup_seconds"] >= 0


def test_prints_the_result_the_time_and_the_record(baton: Runner, sample: Path) -> None:
    result = baton("try", DIGEST, str(sample))

    assert result.code == 0, result.err
    text = " ".join(result.out.split())
    assert f"baton try · {DIGEST} · s3://baton-try/people.csv" in text
    for expected in ("outcome processed", "status recorded", "duplicate no", "lines 3", "deadline 30s"):
        assert expected in text
    assert "record written (baton-try-results)" in text
    assert '"pk": "baton-try/people.csv"' in result.out
    assert "processing" in text
    assert "setup" in text
    assert result.err == ""  # INFO log lines only with --verbose


def test_verbose_prints_the_function_log_lines(baton: Runner, sample: Path) -> None:
    result = baton("try", DIGEST, str(sample), "--verbose")

    assert result.code == 0
    assert '"message processed"' in result.err


def test_a_key_is_announced_url_encoded_and_decoded_like_s3s(baton: Runner, sample: Path) -> None:
    result = baton("try", f"{TRYING}:shows_settings", str(sample), "--key", "in/report 1+1 ü.csv", "--json")

    assert result.code == 0, result.err
    (shown,) = result.json()["results"]
    assert shown["details"]["key"] == "in/report 1+1 ü.csv"
    assert shown["details"]["queue"] == "baton-try"
    assert shown["details"]["receive_count"] == 1
    assert shown["details"]["results_table"] == "baton-try-results"
    assert shown["details"]["version_id"] == result.json()["object"]["version_id"]


def test_env_reaches_the_processor_settings_and_the_timeout_too(baton: Runner, sample: Path) -> None:
    result = baton(
        "try",
        f"{TRYING}:ShowsSettings",  # a class: created without arguments, as the function does
        str(sample),
        "--env",
        "TRY_GREETING=first",
        "--env",
        "TRY_GREETING=hello=world",
        "--message-timeout",
        "2.5",
        "--json",
    )

    assert result.code == 0, result.err
    details = result.json()["results"][0]["details"]
    assert details["greeting"] == "hello=world"  # the last one wins; '=' in a value is kept
    assert details["message_timeout"] == 2.5
    assert result.json()["records"] == []  # this processor records nothing


def test_env_cannot_set_what_try_sets_itself(baton: Runner, sample: Path) -> None:
    result = baton(
        "try", DIGEST, str(sample), "--env", "BATON_PROCESSOR=x:y", "--env", "BATON_RESULTS_TABLE=t"
    )

    assert one_line(result) == (
        "baton: error: --env cannot set BATON_PROCESSOR (give the PROCESSOR argument), BATON_RESULTS_TABLE "
        "(use --table or --stack with an s3:// object; a local file gets its own table)"
    )


def test_env_must_be_key_equals_value(baton: Runner, sample: Path) -> None:
    result = baton("try", DIGEST, str(sample), "--env", "NO_VALUE")

    assert result.code == 2
    assert "'NO_VALUE' is not KEY=VALUE" in result.err


def test_the_processor_settings_are_validated_as_the_function_does(baton: Runner, sample: Path) -> None:
    bad = baton("try", CHAOS, str(sample), "--env", "BATON_CHAOS_FAIL_RATE=2", "--env", "BATON_CHAOS_SEED=x")

    line = one_line(bad)
    assert "invalid chaos processor configuration" in line
    assert "BATON_CHAOS_FAIL_RATE=2 is above the maximum of 1" in line
    assert "BATON_CHAOS_SEED='x' is not an integer" in line  # every problem at once


def test_a_failing_processor_exits_3_and_logs_the_error_as_the_function_does(
    baton: Runner, sample: Path
) -> None:
    result = baton("try", f"{TRYING}:fails", str(sample), "--json")

    assert result.code == 3
    trial = result.json()
    assert (trial["outcome"], trial["succeeded"], trial["results"]) == ("failed", False, [])
    assert trial["error"] == {
        "type": "MessageError",
        "message": "RowError: row 3 of people.csv has 2 fields, the header has 3",
        "exception": "RowError",
    }
    assert trial["records"] == []
    assert '"message failed"' in result.err  # the function's own failure line, with its traceback
    assert '"error_type":"MessageError"' in result.err
    assert '"object":"s3://baton-try/people.csv"' in result.err
    assert "Traceback" in result.err


def test_a_failure_in_the_table_names_the_processors_exception(baton: Runner, sample: Path) -> None:
    result = baton("try", f"{TRYING}:fails", str(sample))

    assert result.code == 3
    assert "error  RowError: row 3 of people.csv" in " ".join(result.out.split()).replace("error ", "error  ")


def test_a_processor_hanging_past_the_message_timeout_is_interrupted(baton: Runner, sample: Path) -> None:
    started = time.monotonic()
    result = baton("try", f"{TRYING}:hangs", str(sample), "--message-timeout", "0.3", "--json")
    elapsed = time.monotonic() - started

    assert result.code == 3
    trial = result.json()
    assert trial["error"]["type"] == "DeadlineExceeded"
    assert trial["error"]["message"] == "processing exceeded its deadline of 0.30s and was interrupted"
    assert trial["message_timeout"] == 0.3
    assert 0.3 <= trial["seconds"] < 2
    assert elapsed < 20  # interrupted, not slept out
    assert '"error_type":"DeadlineExceeded"' in result.err


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("nope", "baton: error: BATON_PROCESSOR='nope' must look like 'package.module:attribute'"),
        (
            f"{TRYING}:missing",
            f"baton: error: BATON_PROCESSOR='{TRYING}:missing': '{TRYING}' has no 'missing'",
        ),
        ("no_such_module:process", "cannot import 'no_such_module'"),
        (f"{TRYING}:RowError", "is a RowError: name a processor (an object with setup() and process())"),
    ],
)
def test_a_bad_processor_spec_is_one_line(baton: Runner, sample: Path, spec: str, expected: str) -> None:
    result = baton("try", spec, str(sample))

    assert expected in one_line(result)


def test_a_missing_file_or_a_folder_is_one_line(baton: Runner, tmp_path: Path) -> None:
    missing = baton("try", DIGEST, str(tmp_path / "nope.csv"))
    folder = baton("try", DIGEST, str(tmp_path))

    assert (
        one_line(missing)
        == f"baton: error: {tmp_path / 'nope.csv'} does not exist (give a file, or s3://bucket/key)"
    )
    assert one_line(folder) == f"baton: error: {tmp_path} is not a file"


def test_s3_options_do_not_go_with_a_local_file(baton: Runner, sample: Path) -> None:
    result = baton("try", DIGEST, str(sample), "--table", "t", "--version-id", "v")

    assert one_line(result) == (
        "baton: error: --table, --version-id go with an s3:// object; a local file runs in a throw-away moto "
        "account"
    )


def test_without_moto_says_how_to_install_it(
    baton: Runner, sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "moto", None)  # `import moto` raises ImportError

    result = baton("try", DIGEST, str(sample))

    assert one_line(result) == (
        "baton: error: baton try runs a local file in moto, which is not installed: "
        "pip install 'moto[s3,dynamodb]>=5.1'"
    )


def test_a_local_file_never_reaches_a_configured_endpoint(
    baton: Runner, sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")

    result = baton("try", DIGEST, str(sample), "--json")

    assert result.code == 0, result.err
    assert result.json()["results"][0]["status"] == "recorded"


def test_objects_the_processor_writes_are_listed(baton: Runner, sample: Path) -> None:
    result = baton("try", f"{TRYING}:thumbnailer", str(sample), "--json")
    text = baton("try", f"{TRYING}:thumbnailer", str(sample))

    assert result.code == 0, result.err
    assert result.json()["objects_written"] == [{"key": "thumbnails/people.csv", "size": 5}]
    assert "objects written (baton-try)" in text.out
    assert "thumbnails/people.csv" in text.out


# -- s3:// objects -----------------------------------------------------------------------------------------


def test_an_s3_object_is_processed_into_the_stacks_results_table(cloud: Cloud, baton: Runner) -> None:
    put = cloud.aws.put("in/people one.csv", DATA)

    first = baton("try", DIGEST, "s3://baton-ingest/in/people one.csv", *cloud.outputs("relay"), "--json")
    again = baton("try", DIGEST, "s3://baton-ingest/in/people one.csv", "--table", "baton-results", "--json")

    assert first.code == 0, first.err
    trial = first.json()
    assert trial["mode"] == "s3"
    assert trial["records"] is None  # a real table is not listed
    assert trial["object"] == {
        "bucket": "baton-ingest",
        "key": "in/people one.csv",
        "size": len(DATA),
        "etag": put["ETag"].strip('"'),
        "version_id": None,
    }
    assert trial["results"][0]["status"] == "recorded"
    assert trial["results"][0]["duplicate"] is False
    (record,) = cloud.aws.results()
    assert (record["key"], record["lines"], record["queue"]) == ("in/people one.csv", "3", "baton-try")
    assert again.code == 0, again.err
    assert again.json()["results"][0]["duplicate"] is True  # the same version: recorded once
    assert len(cloud.aws.results()) == 1


def test_an_s3_object_version_can_be_chosen(cloud: Cloud, baton: Runner) -> None:
    cloud.aws.s3.put_bucket_versioning(Bucket="baton-ingest", VersioningConfiguration={"Status": "Enabled"})
    old = cloud.aws.put("v.txt", b"old\n")["VersionId"]
    cloud.aws.put("v.txt", b"newer\ncontent\n")

    latest = baton("try", DIGEST, "s3://baton-ingest/v.txt", "--table", "baton-results", "--json")
    chosen = baton(
        "try", DIGEST, "s3://baton-ingest/v.txt", "--version-id", old, "--table", "baton-results", "--json"
    )

    assert latest.json()["results"][0]["details"]["lines"] == 2
    assert chosen.json()["object"]["version_id"] == old
    assert chosen.json()["results"][0]["details"]["lines"] == 1
    assert {item["sk"] for item in cloud.aws.results()} == {
        f"v#{latest.json()['object']['version_id']}",
        f"v#{old}",
    }


def test_a_missing_s3_object_bucket_or_table_is_one_line(cloud: Cloud, baton: Runner) -> None:
    cloud.aws.put("here.txt")

    no_object = baton("try", DIGEST, "s3://baton-ingest/not-here.txt", "--table", "baton-results")
    no_bucket = baton("try", DIGEST, "s3://no-such-bucket/x", "--table", "baton-results")
    no_table = baton("try", DIGEST, "s3://baton-ingest/here.txt", "--table", "no-such-table")
    not_known = baton("try", DIGEST, "s3://baton-ingest/here.txt")
    not_a_uri = baton("try", DIGEST, "s3://baton-ingest")

    assert one_line(no_object) == (
        "baton: error: object s3://baton-ingest/not-here.txt does not exist in region us-east-1"
    )
    assert one_line(no_bucket) == "baton: error: bucket no-such-bucket does not exist in region us-east-1"
    assert (
        one_line(no_table) == "baton: error: results table no-such-table does not exist in region us-east-1"
    )
    assert one_line(not_known).endswith(
        "records its results there; no results table is known (pass --table or --stack)"
    )
    assert one_line(not_a_uri) == "baton: error: 's3://baton-ingest' is not s3://bucket/key"


def test_a_failing_processor_on_an_s3_object_exits_3(cloud: Cloud, baton: Runner) -> None:
    cloud.aws.put("in/fail-on-purpose.csv", DATA)

    result = baton("try", CHAOS, "s3://baton-ingest/in/fail-on-purpose.csv", "--table", "baton-results")

    assert result.code == 3
    assert "ChaosError: failing on purpose" in result.out
    assert '"message failed"' in result.err
    assert cloud.aws.results() == []


def test_key_does_not_go_with_an_s3_uri(cloud: Cloud, baton: Runner) -> None:
    result = baton("try", DIGEST, "s3://baton-ingest/x", "--key", "y")

    assert one_line(result) == "baton: error: --key goes with a local file; an s3:// URI names its key"


def test_the_csv_processor_on_the_sample_file(baton: Runner) -> None:
    result = baton(
        "try",
        "consumer.processors.csv_rows:process",
        "tests/unit/samples/orders.csv",
        "--env",
        "BATON_CSV_REQUIRED_COLUMNS=order_id,email",
        "--json",
    )

    assert result.code == 0, result.err
    (outcome,) = result.json()["results"]
    assert outcome["status"] == "recorded"
    assert outcome["details"] == {
        "columns": 4,
        "rows": 6,
        "valid": 4,
        "invalid": 2,
        "first_invalid": "line 4: 'email' is empty",
    }


def test_a_rejected_file_is_a_processed_message(baton: Runner, tmp_path: Path) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    result = baton("try", "consumer.processors.csv_rows:process", str(picture), "--json")

    assert result.code == 0  # recorded as rejected; retrying would read the same bytes
    (outcome,) = result.json()["results"]
    assert outcome == {
        "status": "rejected",
        "duplicate": False,
        "details": {"reason": "not CSV: binary content (a NUL byte at offset 8)"},
    }
    assert result.json()["records"][0]["status"] == "rejected"
