"""API calls counted from outside the code under test: LocalStack's request log between two offsets.

LocalStack logs one line per request it answers, for example
`... localstack.request.aws : AWS sqs.ReceiveMessage => 200` (and `=> 429 (TooManyRequestsException)` for an
error). Calls LocalStack makes to itself go to `localstack.request.internal.aws`, which is not logged at the
default level and is not counted here. The harness's own calls (polling the queue, starting a run) are
logged like any client's; every harness client counts each HTTP attempt it sends (`CallCounter`), and that
count is subtracted.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

REQUEST_LINE = re.compile(
    r"localstack\.request\.aws\s*:\s*AWS (?P<service>[\w-]+)\.(?P<operation>\w+) => (?P<status>\d{3})"
)


@dataclass(frozen=True, slots=True, order=True)
class Call:
    """One kind of API call: service and operation as LocalStack names them (`sqs`, `ReceiveMessage`)."""

    service: str
    operation: str

    def __str__(self) -> str:
        return f"{self.service}.{self.operation}"

    @classmethod
    def parse(cls, text: str) -> Call:
        """`sqs.ReceiveMessage` -> Call."""
        service, _, operation = text.partition(".")
        return cls(service, operation)


def parse_calls(lines: Iterable[str]) -> tuple[Counter[Call], Counter[str]]:
    """(calls per operation, responses per `service.Operation status`) in LocalStack log lines."""
    calls: Counter[Call] = Counter()
    statuses: Counter[str] = Counter()
    for line in lines:
        match = REQUEST_LINE.search(line)
        if match:
            call = Call(match["service"], match["operation"])
            calls[call] += 1
            statuses[f"{call} {match['status']}"] += 1
    return calls, statuses


class LogWindow:
    """The part of LocalStack's log written between `open()` and `close()` (byte offsets)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.start = 0
        self.end = 0

    def open(self) -> None:
        self.start = self._size()

    def close(self) -> None:
        self.end = self._size()

    def lines(self) -> list[str]:
        """The lines in the window (a line cut at either edge is dropped)."""
        with open(self.path, "rb") as log:
            log.seek(self.start)
            data = log.read(max(0, self.end - self.start))
        text = data.decode("utf-8", errors="replace")
        if not text.endswith("\n"):
            text = text.rsplit("\n", 1)[0]
        return text.splitlines()

    def _size(self) -> int:
        return self.path.stat().st_size


class CallCounter:
    """Counts the HTTP requests the harness's own boto3 clients send (every attempt, retries included)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[Call] = Counter()

    def attach(self, client: Any) -> Any:
        """Register on a boto3 client's `before-send` event; returns the client."""
        service = client.meta.service_model.service_name  # `logs`, `sqs`, ...: LocalStack's naming

        def before_send(event_name: str, **_: Any) -> None:
            with self._lock:
                self._counts[Call(service, event_name.rsplit(".", 1)[-1])] += 1

        client.meta.events.register("before-send", before_send)
        return client

    def snapshot(self) -> Counter[Call]:
        with self._lock:
            return Counter(self._counts)


def subtract(observed: Mapping[Call, int], own: Mapping[Call, int]) -> dict[Call, int]:
    """Observed calls minus the harness's own; raises if the harness counted a call LocalStack did not log."""
    result = {call: count - own.get(call, 0) for call, count in observed.items()}
    missing = {str(call): count for call, count in own.items() if count > observed.get(call, 0)}
    if missing:
        raise ValueError(f"the harness sent calls that LocalStack's log does not show: {missing}")
    return {call: count for call, count in sorted(result.items()) if count > 0}


def by_service(calls: Mapping[Call, int]) -> dict[str, int]:
    """Total calls per service."""
    totals: Counter[str] = Counter()
    for call, count in calls.items():
        totals[call.service] += count
    return dict(sorted(totals.items()))
