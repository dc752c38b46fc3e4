"""How fast a chain may start messages, and how many it can still take on.

`RateLimiter` is the data store's protection expressed as a number: message starts follow a schedule of one
slot per 1/rate, with no burst, across all workers of a run (the parent is the only dispatcher) and across the
hops of a chain (the next start allowed travels in the relay payload, as wall-clock time since hops run in
different containers). A start made a little after its slot (the parent was busy collecting an outcome) does
not push every later slot back by that much: up to a quarter of an interval of lateness is absorbed, or a
loop that is 2 ms late on every 20 ms slot would run 10 % under the cap for good. So two starts are never
closer than three quarters of an interval, a second never holds more starts than at a strict spacing
(rate + 1 in a closed one-second window), and over time the rate never exceeds the cap.

`Throughput` answers "how many more messages can this run still finish?" from the per-message time measured
so far, because every receive counts toward maxReceiveCount: a message received and handed back unstarted when
time runs out has spent a receive for nothing, and with few receives allowed that path leads to the DLQ.
Until a message has been measured it allows one per worker, each started at once.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]

SAMPLES = 50
"""Per-message times the estimate remembers (the most recent ones)."""
LATENESS_ABSORBED = 0.25
"""How late a start may be, in intervals, without moving the schedule (module docstring)."""


class RateLimiter:
    """Starts messages on a schedule of one slot per `1 / rate` seconds (no bursts); `rate=None`: no limit."""

    def __init__(self, rate: float | None, *, clock: Clock = time.time, not_before: float = 0.0) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("the rate must be positive, or None for no limit")
        self.rate = rate
        self._clock = clock
        self._next = not_before

    def delay(self) -> float:
        """Seconds until the next start is allowed (0 when it is allowed now)."""
        if self.rate is None:
            return 0.0
        return max(0.0, self._next - self._clock())

    def take(self) -> None:
        """Record a start now; the next slot is one interval after this one's. A start later than its slot by
        more than `LATENESS_ABSORBED` intervals (after an idle spell, say) restarts the schedule from now, so
        no burst is saved up."""
        if self.rate is None:
            return
        interval, now = 1.0 / self.rate, self._clock()
        if now - self._next > LATENESS_ABSORBED * interval:
            self._next = now
        self._next += interval

    @property
    def next_allowed(self) -> float:
        """Wall-clock time of the next allowed start (carried to the next hop)."""
        return self._next


class Throughput:
    """Measured seconds per message, and how many messages a run can still take on."""

    def __init__(self) -> None:
        self._samples: deque[float] = deque(maxlen=SAMPLES)

    def observe(self, seconds: float) -> None:
        """A message took `seconds` from dispatch to outcome."""
        self._samples.append(max(seconds, 0.0))

    @property
    def per_message(self) -> float | None:
        """Seconds one message is expected to take: the slowest recent one (None before any was measured)."""
        return max(self._samples) if self._samples else None

    def capacity(self, seconds_left: float, workers: int, rate: float | None = None) -> int:
        """How many messages `workers` can still finish in `seconds_left`, at most `rate` starts a second.

        Before any message was measured: one per worker, which each starts at once."""
        if seconds_left <= 0:
            return 0
        per = self.per_message
        finishing = workers if per is None else math.floor(seconds_left / max(per, 1e-3)) * workers
        if rate is not None:
            finishing = min(finishing, math.floor(seconds_left * rate) + 1)
        return finishing
