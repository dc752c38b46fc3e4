"""The CSV processor: rows checked against the header and counted; a file that is not CSV is rejected."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from consumer.processors import csv_rows
from relay_common.errors import ConfigurationError
from relay_common.events import ObjectRef, parse_message
from relay_common.processor import ProcessingContext, ProcessorResult
from tests.unit.builders import notification_body, s3_notification, set_up

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tests.unit.builders import Aws

ORDERS = Path(__file__).parent / "samples" / "orders.csv"
REQUIRED = {"BATON_CSV_REQUIRED_COLUMNS": "order_id,email"}


def ctx() -> ProcessingContext:
    return ProcessingContext(message_id="m-1", receive_count=1, deadline=time.monotonic() + 30, queue="q")


def run(aws: Aws, processor: csv_rows.CsvRowsProcessor, data: bytes, key: str = "in/file.csv") -> Any:
    """Upload `data`, process the event S3 would send for it, return (result, record)."""
    put = aws.put(key, data)
    record = s3_notification(aws.bucket, key, etag=put["ETag"].strip('"'))
    (ref,) = parse_message(notification_body(record), "m-1").objects
    result = processor.process(ref, ctx())
    (item,) = [item for item in aws.results() if item["key"] == key]
    return result, item


def processor(aws: Aws, **environment: str) -> csv_rows.CsvRowsProcessor:
    return set_up(csv_rows.CsvRowsProcessor(), aws.results_table, **environment)


def test_rows_are_checked_against_the_header_and_counted(aws: Aws) -> None:
    result, item = run(aws, processor(aws, **REQUIRED), ORDERS.read_bytes())

    expected = {
        "columns": 4,
        "rows": 6,
        "valid": 4,
        "invalid": 2,
        "first_invalid": "line 4: 'email' is empty",
    }
    assert result == ProcessorResult("recorded", details=expected)
    assert item["status"] == "recorded"
    assert (item["rows"], item["valid"], item["invalid"]) == ("6", "4", "2")
    assert item["first_invalid"] == "line 4: 'email' is empty"


def test_quoted_delimiters_and_line_breaks_a_bom_and_crlf_are_csv(aws: Aws) -> None:
    data = '\ufeffid,text\r\n1,"a, b"\r\n2,"two\r\nlines"\r\n\r\n3,"say ""hi"""\r\n'.encode()

    result, _ = run(aws, processor(aws, BATON_CSV_REQUIRED_COLUMNS="id"), data)

    assert result.details == {"columns": 2, "rows": 3, "valid": 3, "invalid": 0}  # no first_invalid


def test_the_first_invalid_row_is_named_by_its_line(aws: Aws) -> None:
    data = b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n"

    result, item = run(aws, processor(aws), data)

    assert result.details["invalid"] == 2
    assert item["first_invalid"] == "line 3: 2 fields, the header has 3"


def test_a_header_only_file_has_no_rows(aws: Aws) -> None:
    result, _ = run(aws, processor(aws), b"a,b\n")

    assert result.details == {"columns": 2, "rows": 0, "valid": 0, "invalid": 0}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not CSV: no header row (the object is empty or blank)"),
        (b"\n\n", "not CSV: no header row (the object is empty or blank)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not CSV: binary content (a NUL byte at offset 8)"),
        (b"id,name\n1,caf\xe9\n", "not utf-8-sig text (invalid continuation byte)"),
        (b'id,name\n1,"unterminated\n', "not CSV: line 2: unexpected end of data"),
        (b'id,name\n1,"a"b\n', "not CSV: line 2: ',' expected after '\"'"),
        (b"id,,name\n1,2,3\n", "the header has blank column names (column 2)"),
        (b"id,name,id\n1,2,3\n", "the header names columns twice: id"),
        (b"id,name\n1,ada\n", "the header lacks required columns: email"),
    ],
)
def test_a_file_that_is_not_usable_csv_is_rejected_with_the_reason(
    aws: Aws, data: bytes, reason: str
) -> None:
    result, item = run(
        aws, processor(aws, BATON_CSV_REQUIRED_COLUMNS="id,email" if b"ada" in data else ""), data
    )

    assert result == ProcessorResult("rejected", details={"reason": reason})
    assert (item["status"], item["reason"]) == ("rejected", reason)


def test_a_field_past_the_csv_modules_limit_is_rejected(aws: Aws) -> None:
    data = b"id,blob\n1," + b"x" * (200 * 1024) + b"\n"

    result, _ = run(aws, processor(aws), data)

    assert result.status == "rejected"
    assert "field larger than field limit" in result.details["reason"]


def test_the_counts_do_not_depend_on_how_the_object_is_chunked(aws: Aws) -> None:
    rows = "".join(f'{i},"name {i}\nmore",{"" if i % 7 == 0 else "x"}\n' for i in range(2000))
    data = ("id,name,flag\n" + rows).encode()
    whole = processor(aws, BATON_CSV_REQUIRED_COLUMNS="flag")
    tiny = processor(aws, BATON_CSV_REQUIRED_COLUMNS="flag")
    tiny.chunk_size = 7  # chunk boundaries inside fields, quotes and line breaks

    first, _ = run(aws, whole, data, key="whole.csv")
    second, _ = run(aws, tiny, data, key="tiny.csv")

    assert first.details == second.details
    assert first.details == {
        "columns": 3,
        "rows": 2000,
        "valid": 2000 - 286,
        "invalid": 286,
        "first_invalid": "line 3: 'flag' is empty",
    }


def test_delimiter_and_encoding_settings(aws: Aws) -> None:
    data = "name\tcity\nJosé\tMálaga\n\tnowhere\n".encode("latin-1")

    result, _ = run(
        aws,
        processor(
            aws, BATON_CSV_DELIMITER="tab", BATON_CSV_ENCODING="latin-1", BATON_CSV_REQUIRED_COLUMNS="name"
        ),
        data,
    )

    assert result.details == {
        "columns": 2,
        "rows": 2,
        "valid": 1,
        "invalid": 1,
        "first_invalid": "line 3: 'name' is empty",
    }


def test_every_bad_setting_is_reported_at_once(aws: Aws) -> None:
    with pytest.raises(ConfigurationError) as raised:
        processor(
            aws,
            BATON_CSV_DELIMITER=";;",
            BATON_CSV_ENCODING="klingon",
            BATON_CSV_REQUIRED_COLUMNS="id, email,id",
        )

    message = str(raised.value)
    assert message.startswith("invalid CSV processor configuration: ")
    assert "BATON_CSV_DELIMITER=';;' must be one character other than a quote or a line break" in message
    assert "BATON_CSV_ENCODING='klingon' is not a known text encoding" in message
    assert "BATON_CSV_REQUIRED_COLUMNS names a column twice: id,email,id" in message


def test_it_needs_the_results_table_like_every_recording_processor(aws: Aws) -> None:
    with pytest.raises(ConfigurationError, match="BATON_RESULTS_TABLE is not set"):
        set_up(csv_rows.CsvRowsProcessor(), None)


class StricterRows(csv_rows.CsvRowsProcessor):
    """A subclass through the hooks: header names normalised, and amounts must be numbers."""

    def column_name(self, raw: str) -> str:
        return raw.strip().lower().replace(" ", "_")

    def row_problem(self, header: Sequence[str], row: Sequence[str]) -> str | None:
        problem = super().row_problem(header, row)
        if problem is None:
            try:
                float(row[header.index("amount")])
            except ValueError:
                return f"amount {row[header.index('amount')]!r} is not a number"
        return problem


def test_subclasses_vary_behaviour_through_the_hooks(aws: Aws) -> None:
    data = b"Order ID,Amount\n1,2.50\n2,lots\n3,\n"
    stricter = set_up(StricterRows(), aws.results_table, BATON_CSV_REQUIRED_COLUMNS="Order ID")

    result, _ = run(aws, stricter, data)

    assert stricter.required == ("order_id",)  # required names go through the same normalisation
    assert result.details == {
        "columns": 2,
        "rows": 3,
        "valid": 1,
        "invalid": 2,
        "first_invalid": "line 3: amount 'lots' is not a number",
    }


def test_a_redelivered_event_is_a_duplicate(aws: Aws) -> None:
    csv = processor(aws)
    put = aws.put("again.csv", b"a\n1\n")
    body = notification_body(s3_notification(aws.bucket, "again.csv", etag=put["ETag"].strip('"')))
    (ref,) = parse_message(body, "m").objects
    assert isinstance(ref, ObjectRef)

    first = csv.process(ref, ctx())
    second = csv.process(ref, ctx())

    assert (first.duplicate, second.duplicate) == (False, True)
    assert len(aws.results()) == 1
