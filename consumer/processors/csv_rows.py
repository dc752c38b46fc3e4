"""A CSV processor: check every row against the header and record how many rows there are, valid and not.

The worked example of the README's "Write your own processor", and a processor you can deploy as it is
(`processor = "consumer.processors.csv_rows:process"`). It is a `RecordingProcessor`, so it reads the exact
version the event names and records once per version; it only says what to measure:

* the first row is the header: it must be there, its column names must be distinct and not blank, and it
  must have every column of `BATON_CSV_REQUIRED_COLUMNS`;
* every later row is valid when it has as many fields as the header and no required field is empty
  (override `row_problem()` to check more); blank lines are skipped;
* recorded: `columns`, `rows`, `valid`, `invalid` and, when a row is invalid, `first_invalid` (its line
  number and why).

A file that is not CSV at all (not text in the configured encoding, a NUL byte, broken quoting, a field
larger than the csv module's limit, no header) is `Rejected`: recorded as rejected with the reason, not
retried, since a retry would read the same bytes. The object is streamed and never held whole.

Settings, read at cold start with every problem reported at once:

* `BATON_CSV_REQUIRED_COLUMNS`: comma-separated column names (default none);
* `BATON_CSV_DELIMITER`: one character, or `tab` (default `,`);
* `BATON_CSV_ENCODING`: any Python codec (default `utf-8-sig`: UTF-8, with or without a byte-order mark).
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from consumer.processors.recording import CHUNK_SIZE, RecordingProcessor, Rejected
from relay_common.config import EnvReader

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from relay_common.events import ObjectRef
    from relay_common.processor import ProcessorSettings

DEFAULT_DELIMITER = ","
DEFAULT_ENCODING = "utf-8-sig"
NAMED_DELIMITERS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


@dataclass(frozen=True, slots=True)
class CsvSettings:
    """How files are read and what the header must have."""

    required_columns: tuple[str, ...] = ()
    delimiter: str = DEFAULT_DELIMITER
    encoding: str = DEFAULT_ENCODING

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> CsvSettings:
        """Read `BATON_CSV_*`; raises `ConfigurationError` naming every problem."""
        env = EnvReader(environ)
        required = tuple(
            name.strip()
            for name in (env.string("BATON_CSV_REQUIRED_COLUMNS") or "").split(",")
            if name.strip()
        )
        raw_delimiter = env.string("BATON_CSV_DELIMITER", DEFAULT_DELIMITER) or DEFAULT_DELIMITER
        delimiter = NAMED_DELIMITERS.get(raw_delimiter.lower(), raw_delimiter)
        if len(delimiter) != 1 or delimiter in '\r\n"':
            names = ", ".join(NAMED_DELIMITERS)
            env.errors.append(
                f"BATON_CSV_DELIMITER={raw_delimiter!r} must be one character other than a quote or a line "
                f"break, or one of: {names}"
            )
        encoding = env.string("BATON_CSV_ENCODING", DEFAULT_ENCODING) or DEFAULT_ENCODING
        try:
            codecs.lookup(encoding)
        except LookupError:
            env.errors.append(f"BATON_CSV_ENCODING={encoding!r} is not a known text encoding")
        if len(set(required)) != len(required):
            env.errors.append(f"BATON_CSV_REQUIRED_COLUMNS names a column twice: {','.join(required)}")
        env.raise_if_errors("CSV processor")
        return cls(required, delimiter, encoding)


@dataclass(slots=True)
class RowCounts:
    """What one file came to."""

    columns: int
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    first_invalid: str | None = None

    def as_record(self) -> dict[str, Any]:
        """The attributes recorded (`first_invalid` only when a row was invalid)."""
        record: dict[str, Any] = {
            "columns": self.columns,
            "rows": self.rows,
            "valid": self.valid,
            "invalid": self.invalid,
        }
        if self.first_invalid is not None:
            record["first_invalid"] = self.first_invalid
        return record


class CsvRowsProcessor(RecordingProcessor):
    """Validates each row of a CSV object against its header and records the counts."""

    csv_settings: CsvSettings
    required: tuple[str, ...]

    def setup(self, settings: ProcessorSettings) -> None:
        """Read the CSV settings, then the recording processor's setup (table, clients)."""
        self.csv_settings = CsvSettings.from_env(settings.environment)
        self.required = tuple(self.column_name(name) for name in self.csv_settings.required_columns)
        super().setup(settings)

    def column_name(self, raw: str) -> str:
        """Override to normalise header names (and the required ones, which go through here too)."""
        return raw.strip()

    def row_problem(self, header: Sequence[str], row: Sequence[str]) -> str | None:
        """Why a data row is invalid, or None. Override to check more (call this first)."""
        if len(row) != len(header):
            return f"{len(row)} fields, the header has {len(header)}"
        for name in self.required:
            if not row[header.index(name)].strip():
                return f"{name!r} is empty"
        return None

    def measure(self, chunks: Iterator[bytes], obj: ObjectRef) -> dict[str, Any]:
        """Read the header, check every row, and return the counts; `Rejected` when it is not CSV."""
        settings = self.csv_settings
        text = io.TextIOWrapper(
            io.BufferedReader(ChunkStream(chunks), CHUNK_SIZE), encoding=settings.encoding, newline=""
        )
        reader = csv.reader(text, delimiter=settings.delimiter, strict=True)
        try:
            header = self.read_header(reader)
            counts = RowCounts(columns=len(header))
            for row in reader:
                if not row:
                    continue  # a blank line
                counts.rows += 1
                problem = self.row_problem(header, row)
                if problem is None:
                    counts.valid += 1
                    continue
                counts.invalid += 1
                if counts.first_invalid is None:
                    counts.first_invalid = f"line {reader.line_num}: {problem}"
        except UnicodeDecodeError as error:
            # Decoded ahead of the rows in blocks, so neither a line nor an offset would be exact.
            raise Rejected(f"not {settings.encoding} text ({error.reason})") from None
        except csv.Error as error:
            raise Rejected(f"not CSV: line {reader.line_num}: {error}") from None
        return counts.as_record()

    def read_header(self, reader: Iterator[list[str]]) -> list[str]:
        """The header's column names; `Rejected` unless they are there, distinct, and have the required."""
        for row in reader:
            if row:
                header = [self.column_name(cell) for cell in row]
                break
        else:
            raise Rejected("not CSV: no header row (the object is empty or blank)")
        blank = [str(index + 1) for index, name in enumerate(header) if not name]
        if blank:
            raise Rejected(f"the header has blank column names (column {', '.join(blank)})")
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            raise Rejected(f"the header names columns twice: {', '.join(repeated)}")
        missing = [name for name in self.required if name not in header]
        if missing:
            raise Rejected(f"the header lacks required columns: {', '.join(missing)}")
        return header


class ChunkStream(io.RawIOBase):
    """A readable binary stream over an iterator of chunks, so the csv module can read the object streamed.

    A NUL byte means binary content, not text: it raises `Rejected` (the csv module would accept it)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""
        self._offset = 0

    def readable(self) -> bool:
        """Always."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill `buffer` from the next chunk(s); 0 at the end."""
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            nul = chunk.find(b"\x00")
            if nul >= 0:
                raise Rejected(f"not CSV: binary content (a NUL byte at offset {self._offset + nul})")
            self._offset += len(chunk)
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


process = CsvRowsProcessor()
"""`BATON_PROCESSOR=consumer.processors.csv_rows:process`."""
