"""The relay's drain loop, in two strategies that end a run the same way.

* `SequentialDrain` (one worker): rounds of one long poll of up to 10 messages, each message processed in turn
  in this process, then one delete batch and one visibility batch. Its stop rule: no round starts unless the
  longest round so far (or the wait time) still fits.
* `ParallelDrain` (several workers): messages go to a `WorkerPool` as workers free up; the next receive is
  issued on one thread while the current messages are still being processed, and deletes and visibility
  changes (still in batches of 10) are sent on another (`Background`), so neither the workers nor the parent
  wait on SQS. It never holds more messages (in hand or waiting) than the time left can finish at the
  per-message time measured so far, since a message received and handed back unstarted has spent a receive
  toward maxReceiveCount for nothing; what it does hand back is counted as released. A `RateLimiter` spaces
  message starts when the user caps the rate.

Both stop when a full long poll comes back empty with nothing in hand (drained), when the time left cannot fit
another message, or when `should_stop` names a reason (Ctrl-C in `baton drain`, a lost chain lease).
A parallel run that fails (an SQS or lease error) first finishes the messages in hand, sends their deletes and
backoffs and hands back the rest: its pool outlives the run (one per Lambda environment), and no outcome may
reach the next run.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from relay_common.observability import Metric, count, logger
from relay_common.pacing import RateLimiter, Throughput
from relay_common.processing import MessageEngine, MessageResult, Outcome
from relay_common.sqs import BATCH_LIMIT, BatchOutcome, Receipt, change_visibility, delete_messages
from relay_common.workers import Job, WorkerPool

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

    from relay_common.config import RelaySettings
    from relay_common.deadline import Budget

MAX_MESSAGES = 10
T = TypeVar("T")
FLUSH_AFTER_SECONDS = 5.0
"""A partial batch of deletes (or visibility changes) waits at most this long for the rest of its 10."""
AHEAD_WAIT_SECONDS = 1
"""Long-poll wait of a receive issued while workers are busy: long enough to query every SQS server, short
enough that outcomes and hard deadlines are not left waiting when the queue runs dry."""


class StopReason(StrEnum):
    """Why a run stopped."""

    DRAINED = "drained"
    TIME_BUDGET = "time_budget"
    HOP_LIMIT = "hop_limit"
    INTERRUPTED = "interrupted"
    """Stopped on request (the local `baton drain` on Ctrl-C)."""
    CHAIN_RUNNING = "chain_running"
    """Another chain holds the chain lease: this start exited at once."""
    LEASE_LOST = "lease_lost"
    """The chain lease lapsed and another chain took it over: this chain stops."""


@dataclass(slots=True)
class RelaySummary:
    """What one run did; returned by the handler and logged."""

    chain_id: str
    hop: int
    trigger: str
    received: int = 0
    processed: int = 0
    failed: int = 0
    duplicates: int = 0
    """Objects whose version had been recorded already (redeliveries, absorbed)."""
    deleted: int = 0
    test_events: int = 0
    released: int = 0
    """Received but handed back unstarted (visibility 0) because the run's time was up."""
    delete_failures: int = 0
    rounds: int = 0
    """Receives that returned messages."""
    workers: int = 1
    stop_reason: StopReason | None = None
    relayed: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        data = asdict(self)
        data["stop_reason"] = self.stop_reason.value if self.stop_reason else None
        data["seconds"] = round(self.seconds, 3)
        return data

    def count_deletes(self, outcome: BatchOutcome) -> None:
        """Count a delete call's outcome."""
        self.deleted += len(outcome.succeeded)
        self.delete_failures += len(outcome.failed)

    def tally(self, result: MessageResult) -> None:
        """Count one message's outcome."""
        if result.outcome is Outcome.PROCESSED:
            self.processed += 1
            self.duplicates += result.duplicates
        elif result.outcome is Outcome.TEST_EVENT:
            self.test_events += 1
        else:
            self.failed += 1


RoundCallback = Callable[[RelaySummary], None]
StopCheck = Callable[[], "StopReason | None"]


def _never() -> StopReason | None:
    return None


@dataclass(frozen=True, slots=True)
class Queue:
    """The queue a drain works on, and what it needs to act on it."""

    settings: RelaySettings
    engine: MessageEngine
    receiver: SQSClient
    """Client for long-poll receives (its read timeout covers the wait)."""
    sqs: SQSClient

    @property
    def url(self) -> str:
        """The queue's URL."""
        return self.settings.core.queue_url

    def receive(self, limit: int, wait: int) -> list[MessageTypeDef]:
        """Up to `limit` messages, long-polling for `wait` seconds, counted as received."""
        messages = self.fetch(limit, wait)
        count(Metric.RECEIVED, len(messages))
        return messages

    def fetch(self, limit: int, wait: int) -> list[MessageTypeDef]:
        """The receive call alone, safe on another thread (it touches no metrics)."""
        response = self.receiver.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=max(1, min(limit, MAX_MESSAGES)),
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return response.get("Messages", [])

    def backoff(self, result: MessageResult, receive_count: int) -> int:
        """Seconds until a failed message is retried: doubling per receive, capped; 0 when the next receive
        moves it to the DLQ anyway, so it gets there promptly."""
        if result.will_dead_letter:
            return 0
        base, cap = self.settings.backoff_base, self.settings.backoff_max
        return int(min(base * 2 ** max(receive_count - 1, 0), cap))

    def delete(self, receipts: list[Receipt], summary: RelaySummary) -> None:
        """Delete in batches of 10; failures are counted (the messages come back and idempotency absorbs)."""
        summary.count_deletes(self.send(receipts, []))

    def send(self, deletes: list[Receipt], changes: list[tuple[Receipt, int]]) -> BatchOutcome:
        """Deletes, then visibility changes, in batches of 10; the deletes' outcome. Safe on another thread:
        it leaves the summary to the caller."""
        deleted = delete_messages(self.sqs, self.url, deletes) if deletes else BatchOutcome()
        self.revisit(changes)
        return deleted

    def revisit(self, changes: list[tuple[Receipt, int]]) -> None:
        """Set visibility timeouts in batches of 10 (backoffs, and 0 for messages handed back)."""
        if changes:
            change_visibility(self.sqs, self.url, changes)

    def release(self, messages: list[MessageTypeDef], summary: RelaySummary, *, why: str) -> None:
        """Hand unstarted messages back at once (visibility 0), counted as released; `why` is logged."""
        if not messages:
            return
        summary.released += len(messages)
        count(Metric.RELEASED, len(messages))
        logger.info(f"{why}: returning unstarted messages to the queue", extra={"count": len(messages)})
        self.revisit([(receipt_of(message), 0) for message in messages])


def receipt_of(message: MessageTypeDef) -> Receipt:
    """What SQS needs to act on a received message."""
    return Receipt(message["MessageId"], message["ReceiptHandle"])


def receive_count(message: MessageTypeDef) -> int:
    """The message's ApproximateReceiveCount (1 when SQS did not say)."""
    raw = message.get("Attributes", {}).get("ApproximateReceiveCount", "1")
    try:
        return int(raw)
    except ValueError:
        return 1


class SequentialDrain:
    """One message at a time, in rounds (see the module docstring)."""

    def __init__(self, queue: Queue) -> None:
        self.queue = queue

    def run(
        self,
        budget: Budget,
        summary: RelaySummary,
        *,
        request_id: str | None = None,
        on_round: RoundCallback | None = None,
        should_stop: StopCheck = _never,
    ) -> None:
        """Receive and process rounds until drained, out of time, or told to stop."""
        wait = self.queue.settings.wait_time
        longest_round = 0.0
        while True:
            reason = should_stop()
            if reason is not None:
                summary.stop_reason = reason
                return
            # An empty poll costs the wait time; a full one returns at once and costs the processing time.
            if budget.remaining() < max(wait, longest_round):
                summary.stop_reason = StopReason.TIME_BUDGET
                return
            messages = self.queue.receive(MAX_MESSAGES, wait)
            if not messages:
                summary.stop_reason = StopReason.DRAINED
                return
            round_started = budget.now()
            self._round(messages, budget, summary, request_id)
            longest_round = max(longest_round, budget.now() - round_started)
            if on_round is not None:
                on_round(summary)

    def _round(
        self, messages: list[MessageTypeDef], budget: Budget, summary: RelaySummary, request_id: str | None
    ) -> None:
        summary.rounds += 1
        summary.received += len(messages)
        done: list[Receipt] = []
        revisit: list[tuple[Receipt, int]] = []
        for index, message in enumerate(messages):
            if budget.remaining() <= 0:
                self.queue.release(messages[index:], summary, why="time is up")
                break
            receives = receive_count(message)
            result = self.queue.engine.process(
                message["MessageId"],
                message.get("Body"),
                receive_count=receives,
                budget=budget,
                request_id=request_id,
            )
            summary.tally(result)
            if result.succeeded:
                done.append(receipt_of(message))
            else:
                revisit.append((receipt_of(message), self.queue.backoff(result, receives)))
        self.queue.delete(done, summary)
        self.queue.revisit(revisit)


class Background(Generic[T]):
    """One call at a time on a thread of its own, so the parent keeps serving its workers meanwhile.

    Why threads: the parent's work between outcomes is to hand freed workers their next message, on time for
    the rate cap's slots; an SQS call made in line (a long poll of even one second, a delete batch of a few
    milliseconds) left finished workers idle for that long and made starts late. A thread here only waits on a
    socket (the GIL is released), and a `Background` has one call in flight at most, so its client is never
    used by two of its calls at once. A finished call writes a byte to a wake-up socket that all of a drain's
    `Background`s share and `take` reads one, so the socket is readable exactly while a finished call waits
    to be taken: the parent waits on it beside its workers' pipes. Before the pool forks a worker the parent
    calls `settle`: a fork copies the forking thread only, and a lock another thread held mid-call would stay
    held in the child.
    """

    def __init__(self, name: str, wake: socket.socket, signal: socket.socket) -> None:
        self._name = name
        self._wake, self._signal = wake, signal
        self._thread: threading.Thread | None = None
        self._value: T | None = None
        self._error: BaseException | None = None

    @property
    def pending(self) -> bool:
        """Whether a call has been started and not yet taken."""
        return self._thread is not None

    def start(self, call: Callable[[], T]) -> None:
        """Begin `call` on the thread."""
        if self._thread is not None:
            raise RuntimeError(f"{self._name}: a call is already in flight")
        self._thread = threading.Thread(target=self._run, args=(call,), name=self._name, daemon=True)
        self._thread.start()

    def done(self) -> bool:
        """Whether the call in flight has returned."""
        return self._thread is not None and not self._thread.is_alive()

    def settle(self) -> None:
        """Block until the call in flight (if any) has returned."""
        if self._thread is not None:
            self._thread.join()

    def take(self) -> T:
        """The finished call's value (waiting for it); its error re-raised."""
        if self._thread is None:
            raise RuntimeError(f"{self._name}: nothing to take")
        self.settle()
        self._thread = None
        self._wake.recv(1)
        value, self._value = self._value, None
        error, self._error = self._error, None
        if error is not None:
            raise error
        return value  # type: ignore[return-value]  # set by the finished call

    def _run(self, call: Callable[[], T]) -> None:
        try:
            self._value = call()
        except BaseException as error:  # noqa: BLE001 - handed to the parent's thread by `take`
            self._error = error
        finally:
            self._signal.send(b"x")


class ParallelDrain:
    """Workers, receives and sends on threads, a capacity bound and a rate cap (module docstring)."""

    def __init__(
        self, queue: Queue, pool: WorkerPool, limiter: RateLimiter, *, log_keys: dict[str, Any] | None = None
    ) -> None:
        self.queue = queue
        self.pool = pool
        self.limiter = limiter
        self.log_keys = log_keys or {}
        self._throughput = Throughput()
        self._waiting: deque[MessageTypeDef] = deque()
        self._in_hand: dict[int, MessageTypeDef] = {}
        self._deletes: list[Receipt] = []
        self._revisits: list[tuple[Receipt, int]] = []
        self._oldest_pending = 0.0
        self._dry = False
        self._tokens = 0
        self._wake, self._signal = socket.socketpair()
        self._ahead: Background[list[MessageTypeDef]] = Background("baton-receive", self._wake, self._signal)
        self._sender: Background[BatchOutcome] = Background("baton-send", self._wake, self._signal)

    def run(
        self,
        budget: Budget,
        summary: RelaySummary,
        *,
        request_id: str | None = None,
        on_round: RoundCallback | None = None,
        should_stop: StopCheck = _never,
    ) -> None:
        """Drain until the queue is empty, time is up, or told to stop; then finish what is in hand."""
        summary.workers = self.pool.size
        self.pool.before_fork = self._settle
        # Interrupted even while winding down, the session still leaves no outcome for the next run.
        with self.pool.session():
            try:
                self._drain(budget, summary, request_id, on_round, should_stop)
            except Exception as error:
                self._wind_down(summary, error)
                raise
            finally:
                self.pool.before_fork = None
                self._settle()
                self._wake.close()
                self._signal.close()

    def _settle(self) -> None:
        self._ahead.settle()
        self._sender.settle()

    def _wind_down(self, summary: RelaySummary, error: Exception) -> None:
        """After an error, before it propagates: finish the messages in hand, send their deletes and backoffs,
        and hand back those not started, so that a retry (in this environment, whose pool outlives the run,
        or in another) starts clean and neither redoes finished work nor waits out visibility timeouts.
        Each step is best effort: SQS may be what failed."""
        logger.error(
            "the run failed: finishing the messages in hand and handing back the rest",
            extra={"error": repr(error), "in_hand": len(self._in_hand), "waiting": len(self._waiting)},
        )
        steps: list[tuple[str, Callable[[], None]]] = []
        if self._ahead.pending:
            steps.append(("take the receive in flight", lambda: self._arrived(self._take_receive(), summary)))
        if self._sender.pending:
            steps.append(("finish the send in flight", lambda: self._take_send(summary)))
        steps += [
            ("hand back unstarted messages", lambda: self._hand_back(summary, "the run failed")),
            ("finish the messages in hand", lambda: self._finish(summary)),
            ("send deletes and backoffs", lambda: self._flush(summary, force=True)),
        ]
        for name, step in steps:
            try:
                step()
            except Exception:  # noqa: BLE001 - the run's own error is the one that propagates
                logger.warning(f"winding down after the error: could not {name}", exc_info=True)

    def _hand_back(self, summary: RelaySummary, why: str) -> None:
        waiting, self._waiting = list(self._waiting), deque()
        self.queue.release(waiting, summary, why=why)

    def _finish(self, summary: RelaySummary) -> None:
        """Collect outcomes until nothing is in hand; the pool's hard deadlines bound the wait."""
        while self._in_hand:
            self._wait(summary, 1.0)

    def _drain(
        self,
        budget: Budget,
        summary: RelaySummary,
        request_id: str | None,
        on_round: RoundCallback | None,
        should_stop: StopCheck,
    ) -> None:
        receiving = True
        while True:
            if receiving:
                stop = should_stop() or self._receive(budget, summary)
                if stop is not None:
                    summary.stop_reason, receiving = stop, False
            if not receiving and self._ahead.pending:
                self._arrived(self._take_receive(), summary)
            if not receiving and self._waiting:
                self._hand_back(summary, f"the run stops ({summary.stop_reason})")
            self._dispatch(budget, request_id)
            if not receiving and not self._in_hand:
                break
            self._wait(summary, self._pause(budget, receiving))
            self._dispatch(budget, request_id)  # freed workers start before anything else is done
            self._flush(summary, force=False)
            if on_round is not None:
                on_round(summary)
        self._flush(summary, force=True)

    # -- steps -------------------------------------------------------------------------------------

    def _plan(self, budget: Budget) -> StopReason | tuple[int, int] | None:
        """What to receive now: (how many, wait seconds); None for nothing now; a reason to stop receiving."""
        left = budget.remaining()
        if left <= 0 or (self._waiting and not self._in_hand and not self._startable(budget)):
            return StopReason.TIME_BUDGET
        held = len(self._in_hand) + len(self._waiting)
        # Kept back from the time left: one message's worth (those in hand finish first) and a poll's wait.
        per = self._throughput.per_message or 0.0
        usable = left - per - (AHEAD_WAIT_SECONDS if held else 0)
        room = self._throughput.capacity(usable, self.pool.size, self.limiter.rate) - held
        if held == 0:
            wait = self.queue.settings.wait_time
            # An empty poll costs the whole wait, and a message must be able to finish after it.
            if left < wait or room <= 0:
                return StopReason.TIME_BUDGET
            return min(room, MAX_MESSAGES), wait
        if not self._in_hand or self._dry or len(self._waiting) >= self.pool.size or room <= 0:
            return None  # enough waiting, the queue looked empty, or no time for more: finish what is in hand
        return min(room, MAX_MESSAGES), AHEAD_WAIT_SECONDS

    def _receive(self, budget: Budget, summary: RelaySummary) -> StopReason | None:
        """Take a finished receive-ahead, then start the next receive the plan calls for: ahead of time on
        the receive thread while workers are busy, in line (the full wait) when nothing is in hand."""
        if self._ahead.pending:
            if not self._ahead.done():
                return None
            self._arrived(self._take_receive(), summary)
        plan = self._plan(budget)
        if plan is None or isinstance(plan, StopReason):
            return plan
        limit, wait = plan
        if self._in_hand or self._waiting:
            self._ahead.start(partial(self.queue.fetch, limit, wait))
            return None
        if self._sender.pending:
            self._take_send(summary)  # its backoffs too must be set before the poll that decides "drained"
        if self._revisits:
            # Failed messages get their backoff before the poll that decides "drained": with a backoff of 0
            # they are visible again and this run retries them, as a round-based run would.
            self.queue.revisit(self._revisits)
            self._revisits = []
        messages = self.queue.receive(limit, wait)
        self._arrived(messages, summary)
        return None if messages else StopReason.DRAINED

    def _take_receive(self) -> list[MessageTypeDef]:
        messages = self._ahead.take()
        count(Metric.RECEIVED, len(messages))
        return messages

    def _take_send(self, summary: RelaySummary) -> None:
        summary.count_deletes(self._sender.take())

    def _arrived(self, messages: list[MessageTypeDef], summary: RelaySummary) -> None:
        # After an empty poll ahead of time, the next one waits until nothing is in hand: a long poll then
        # returns as soon as messages arrive, and an empty one is the "drained" signal.
        self._dry = not messages
        if messages:
            summary.rounds += 1
            summary.received += len(messages)
            self._waiting.extend(messages)

    def _dispatch(self, budget: Budget, request_id: str | None) -> None:
        timeout = self.queue.settings.core.message_timeout
        while self.pool.idle and self._waiting and self.limiter.delay() <= 0 and self._startable(budget):
            message = self._waiting.popleft()
            self._tokens += 1
            self._in_hand[self._tokens] = message
            self.limiter.take()
            job = Job(
                token=self._tokens,
                message_id=message["MessageId"],
                body=message.get("Body"),
                receive_count=receive_count(message),
                ends_at=time.monotonic() + budget.remaining(),
                request_id=request_id,
                log_keys=self.log_keys,
            )
            self.pool.submit(job, timeout)

    def _startable(self, budget: Budget) -> bool:
        """Whether the time left fits one more message at the slowest recent pace. One that would be
        interrupted fails with a backoff; one left waiting is handed back at once for the next run."""
        needed = min(self._throughput.per_message or 0.0, self.queue.settings.core.message_timeout)
        return budget.remaining() > needed

    def _pause(self, budget: Budget, receiving: bool) -> float:
        """How long to wait for outcomes (or for the rate cap) before the next step."""
        if self._waiting and self.pool.idle and self._startable(budget):
            return self.limiter.delay()  # only the rate cap holds the next start back
        if receiving and not self._ahead.pending and isinstance(self._plan(budget), tuple):
            return 0.0  # go and receive
        return 1.0  # until an outcome, a receive or a send arrives (or a hard deadline comes)

    def _wait(self, summary: RelaySummary, seconds: float) -> None:
        wake = self._wake if self._ahead.pending or self._sender.pending else None
        if not self._in_hand and wake is None:
            if seconds > 0:
                time.sleep(seconds)
            return
        for done in self.pool.collect(seconds, wake=wake):
            if not self._deletes and not self._revisits:
                self._oldest_pending = time.monotonic()
            message = self._in_hand.pop(done.job.token)
            self._throughput.observe(done.seconds)
            summary.tally(done.result)
            if done.result.succeeded:
                self._deletes.append(receipt_of(message))
            else:
                self._revisits.append(
                    (receipt_of(message), self.queue.backoff(done.result, done.job.receive_count))
                )

    def _flush(self, summary: RelaySummary, *, force: bool) -> None:
        """Send full batches of deletes and visibility changes on the send thread, partial ones when they have
        waited long enough; one send in flight, what comes meanwhile goes with the next. `force` (the run
        ends): everything, and wait for it."""
        if self._sender.pending:
            if not force and not self._sender.done():
                return
            self._take_send(summary)
        partial_too = force or time.monotonic() - self._oldest_pending >= FLUSH_AFTER_SECONDS
        deletes, self._deletes = _batches(self._deletes, partial_too)
        changes, self._revisits = _batches(self._revisits, partial_too)
        if partial_too:
            self._oldest_pending = time.monotonic()
        if deletes or changes:
            self._sender.start(partial(self.queue.send, deletes, changes))
        if force and self._sender.pending:
            self._take_send(summary)


def _batches(items: list[T], everything: bool) -> tuple[list[T], list[T]]:
    """(what to send now, what to keep): whole batches of 10, or everything."""
    cut = len(items) if everything else len(items) - len(items) % BATCH_LIMIT
    return items[:cut], items[cut:]
