"""The default processor: stream the object, compute size, SHA-256 and lines, record one result per version.

`RecordingProcessor` reads the exact version the event names and writes the record once; this processor
only says what to measure. The object is read in 1 MiB chunks and never held whole.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from consumer.processors.recording import RecordingProcessor

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from relay_common.events import ObjectRef


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


class DigestProcessor(RecordingProcessor):
    """Records size, SHA-256 and line count of every object version."""

    def measure(self, chunks: Iterator[bytes], obj: ObjectRef) -> dict[str, Any]:
        """The digest of the object's content."""
        return asdict(digest_chunks(chunks))


process = DigestProcessor()
"""`BATON_PROCESSOR=consumer.processors.digest:process` (the default)."""
