"""Output: rich consoles, JSON, and short human forms of durations, sizes, times and bodies."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console

from relay_common.observability import logger

if TYPE_CHECKING:
    from collections.abc import Iterator

ELLIPSIS = "…"


def console() -> Console:
    """The console for results (standard output)."""
    return Console(highlight=False)


def err_console() -> Console:
    """The console for progress bars and notices (standard error), so `--json` output stays clean."""
    return Console(stderr=True, highlight=False)


@contextmanager
def core_logs_to(stream: TextIO) -> Iterator[None]:
    """Send the core's JSON log lines (Powertools logger) to `stream` for the block.

    Standard output is for results; inside a progress display, pass the console's redirected `sys.stderr`
    so log lines are printed above the bar instead of through it.
    """
    handler = logger.registered_handler
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]


def print_json(data: Any) -> None:
    """Machine-readable output on standard output."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def warn(message: str) -> None:
    """A one-line warning on standard error."""
    sys.stderr.write(f"baton: warning: {message}\n")
    sys.stderr.flush()


def notice(message: str) -> None:
    """A one-line notice on standard error."""
    sys.stderr.write(f"baton: {message}\n")
    sys.stderr.flush()


def duration(seconds: float | None) -> str:
    """`45s`, `2m 05s`, `3h 04m`, `2d 03h`; `n/a` for None."""
    if seconds is None:
        return "n/a"
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f}s" if seconds < 10 and seconds != whole else f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def size(count: float | None) -> str:
    """`512 B`, `1.5 KiB`, `3.2 MiB`..."""
    if count is None:
        return "n/a"
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"  # pragma: no cover - the loop always returns


def timestamp(millis: str | int | None) -> str | None:
    """An SQS epoch-milliseconds attribute as ISO-8601 UTC (seconds precision)."""
    if millis is None:
        return None
    try:
        moment = datetime.fromtimestamp(int(millis) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def age(millis: str | int | None, now: datetime | None = None) -> float | None:
    """Seconds since an epoch-milliseconds timestamp."""
    if millis is None:
        return None
    try:
        then = int(millis) / 1000
    except (TypeError, ValueError):
        return None
    return max(0.0, (now or datetime.now(UTC)).timestamp() - then)


def abbreviate(text: str | None, width: int) -> str:
    """One line of at most `width` characters (whitespace collapsed, `…` when cut)."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: max(width - 1, 0)] + ELLIPSIS


def plural(count: int, noun: str) -> str:
    """`1 message`, `3 messages`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
