"""What a function's own log shows: invocations (`REPORT` lines), timeouts, and Powertools JSON lines.

An event source mapping's receives and deletes are made inside LocalStack and not logged, so for that design
the function's `REPORT` lines are the outside count of its invocations.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

REPORT = re.compile(r"^REPORT RequestId: (?P<id>\S+)\s+Duration: (?P<ms>[\d.]+) ms", re.MULTILINE)
TIMED_OUT = "Task timed out"


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One CloudWatch Logs event: epoch milliseconds and the message."""

    timestamp: int
    message: str


@dataclass(slots=True)
class FunctionLog:
    """Invocations and notable lines in a function's log."""

    invocations: int = 0
    billed_ms: float = 0.0
    timed_out: int = 0
    runtime_exits: int = 0
    json_lines: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def parse(cls, events: Iterable[LogEvent]) -> FunctionLog:
        """Parse events (each may hold several lines)."""
        log = cls()
        for event in events:
            for match in REPORT.finditer(event.message):
                log.invocations += 1
                log.billed_ms += float(match["ms"])
            log.timed_out += event.message.count(TIMED_OUT)
            log.runtime_exits += event.message.count("Runtime.ExitError")
            for line in event.message.splitlines():
                text = line.strip()
                if text.startswith("{"):
                    try:
                        document = json.loads(text)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(document, dict):
                        document.setdefault("_timestamp_ms", event.timestamp)
                        log.json_lines.append(document)
        return log

    def messages(self, text: str) -> list[dict[str, Any]]:
        """JSON lines whose `message` is `text`."""
        return [line for line in self.json_lines if line.get("message") == text]
