"""Deadlines: how much time an invocation has left, and a guard that interrupts work at its deadline.

The guard arms a real-time interval timer (`setitimer(ITIMER_REAL)`) whose SIGALRM handler raises
`DeadlineExceeded` in the main thread. Because the handler raises, blocking calls (`time.sleep`, socket reads
in botocore or any HTTP client) are interrupted instead of being retried by PEP 475. Lambda runs Python
handlers in the main thread; elsewhere (a worker thread) signals cannot be used and the guard only measures.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from relay_common.errors import DeadlineExceeded

if TYPE_CHECKING:
    from types import FrameType

Clock = Callable[[], float]

REARM_INTERVAL = 0.5
"""After the deadline the alarm repeats at this interval, so a processor that swallows the first
`DeadlineExceeded` (a broad `except Exception` in a retry loop) is interrupted again at its next step."""


class LambdaContextLike(Protocol):
    """The part of the Lambda context Baton uses."""

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before Lambda stops the invocation."""
        ...


class Budget:
    """Time left for work in one invocation: the function's remaining time minus a safety margin, optionally
    capped by a fixed budget measured from the start of the invocation."""

    def __init__(
        self,
        context: LambdaContextLike,
        *,
        safety_margin: float,
        cap: float | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self._context = context
        self._margin = safety_margin
        self._clock = clock
        self._cap_ends = None if cap is None else clock() + cap

    def remaining(self) -> float:
        """Seconds of work left (may be negative when the margin is already eaten into)."""
        left = self._context.get_remaining_time_in_millis() / 1000.0 - self._margin
        if self._cap_ends is not None:
            left = min(left, self._cap_ends - self._clock())
        return left

    def until_hard_stop(self) -> float:
        """Seconds until Lambda stops the invocation, ignoring margin and cap (for last-moment cleanup)."""
        return self._context.get_remaining_time_in_millis() / 1000.0

    def now(self) -> float:
        """The budget's clock."""
        return self._clock()


def in_main_thread() -> bool:
    """Whether signals can interrupt the current thread."""
    return threading.current_thread() is threading.main_thread()


@contextmanager
def deadline_guard(seconds: float, message_id: str, *, enabled: bool = True) -> Iterator[None]:
    """Run the block for at most `seconds`; past that, interrupt it with `DeadlineExceeded`.

    Not reentrant: one guard at a time per process (each message gets its own, one after another).
    """
    if seconds <= 0:
        raise DeadlineExceeded(message_id, max(seconds, 0.0))
    if not enabled or not in_main_thread():
        yield
        return

    armed = True

    def _on_alarm(signum: int, frame: FrameType | None) -> None:
        if armed:
            raise DeadlineExceeded(message_id, seconds)

    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, REARM_INTERVAL)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
