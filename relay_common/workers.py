"""Forked worker processes that each process one message at a time, with a soft and a hard deadline.

Why processes: a deadline must hold for every message, also one that hangs. Inside a worker the message runs
in the worker's main thread, so the engine's SIGALRM guard interrupts it at its deadline and the processor can
clean up (the soft limit). A worker stuck where no Python exception reaches it (a C call, signals blocked, a
loop that swallows every interrupt) is killed by the parent shortly after that deadline, its message failed
like a timeout and the worker replaced (the hard limit): the model of Celery's prefork pool. Threads could do
neither, since signals only reach the main thread and a thread cannot be killed.

Why pipes: Lambda has no /dev/shm, so multiprocessing's Pool and Queue fail there; a socket pair per worker
and `multiprocessing.connection` (pickle framing, `wait()`) need nothing else. Workers are created with a
plain `fork()` of the parent, which at that point has the processor imported and set up; each worker then
sets the processor up again with clients of its own (boto3 clients must not cross a fork). The parent never
blocks on a worker: it waits on all their pipes at once, with a timeout bounded by the nearest hard deadline.

A worker sends back, with each outcome, the metric counts it took, so the parent publishes them as its own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from relay_common.deadline import Budget
from relay_common.errors import WorkerStopped
from relay_common.observability import Metric, count, logger, take_counts

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from relay_common.processing import MessageEngine, MessageResult

HARD_GRACE = 1.0
"""Seconds a worker gets past a message's deadline (its soft limit) before it is killed."""


@dataclass(frozen=True, slots=True)
class Job:
    """One message for a worker."""

    token: int
    """The caller's handle for the job (returned with the outcome)."""
    message_id: str
    body: str | None
    receive_count: int
    ends_at: float
    """`time.monotonic()` value at which the invocation's working time ends (the budget's end)."""
    request_id: str | None = None
    log_keys: dict[str, Any] = field(default_factory=dict)
    """Keys the worker's log lines carry (chain id, hop): the worker was forked before they were set."""


@dataclass(frozen=True, slots=True)
class Done:
    """A job's outcome."""

    job: Job
    result: MessageResult
    seconds: float
    """Wall time from dispatch to outcome, as the parent saw it."""


class _Until:
    """A Lambda-context stand-in whose time runs out at `ends_at` (what `Budget` and idempotency read)."""

    def __init__(self, ends_at: float) -> None:
        self._ends_at = ends_at

    def get_remaining_time_in_millis(self) -> int:
        return int((self._ends_at - time.monotonic()) * 1000)


@dataclass(slots=True)
class _Worker:
    pid: int
    conn: Connection
    job: Job | None = None
    started: float = 0.0
    hard_deadline: float = 0.0


class WorkerPool:
    """A fixed number of forked workers running `engine.process`; see the module docstring."""

    def __init__(
        self,
        engine: MessageEngine,
        size: int,
        *,
        hard_grace: float = HARD_GRACE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self._engine = engine
        self.size = size
        self._grace = hard_grace
        self._clock = clock
        self._workers: list[_Worker] = []
        self.replaced = 0
        """Workers killed at a hard deadline (or found dead) and replaced, over the pool's life."""
        self.before_fork: Callable[[], None] | None = None
        """Called before each fork: a user of the pool with a thread of its own (the relay's receive-ahead)
        lets that thread finish its call first, since a fork copies only the forking thread and any lock the
        other one held mid-call would stay held in the child."""

    # -- life cycle ---------------------------------------------------------------------------------

    def start(self) -> WorkerPool:
        """Fork the workers (idempotent)."""
        while len(self._workers) < self.size:
            self._workers.append(self._fork())
        return self

    def close(self) -> None:
        """Stop every worker: idle ones exit on the closed pipe, busy ones are killed."""
        for worker in self._workers:
            if worker.job is not None:
                _kill(worker.pid)
            with contextlib.suppress(OSError):
                worker.conn.close()
        for worker in self._workers:
            _reap(worker.pid, timeout=2.0)
        self._workers = []

    def __enter__(self) -> WorkerPool:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- work ------------------------------------------------------------------------------------------

    @property
    def idle(self) -> int:
        """Workers free to take a job."""
        return sum(1 for worker in self._workers if worker.job is None)

    @property
    def busy(self) -> int:
        """Workers with a job in hand."""
        return len(self._workers) - self.idle

    def in_hand(self) -> list[Job]:
        """The jobs being worked on."""
        return [worker.job for worker in self._workers if worker.job is not None]

    def submit(self, job: Job, message_timeout: float) -> None:
        """Hand `job` to an idle worker; its hard deadline is its soft one (the smaller of the message timeout
        and the time left) plus the grace."""
        worker = next((w for w in self._workers if w.job is None), None)
        if worker is None:
            raise RuntimeError("no idle worker: check `idle` before submitting")
        now = self._clock()
        soft = max(0.0, min(message_timeout, job.ends_at - now))
        # With the deadline guard off (`BATON_DEADLINE_GUARD=off`, the original design's behaviour) no
        # deadline is enforced at all: not the soft one inside the worker, and not this one.
        hard = now + soft + self._grace if self._engine.settings.deadline_guard else float("inf")
        worker.job, worker.started, worker.hard_deadline = job, now, hard
        try:
            worker.conn.send(job)
        except OSError:
            worker.hard_deadline = now  # the worker is gone: the next collect replaces it and fails the job

    def collect(self, timeout: float, *, wake: socket.socket | None = None) -> list[Done]:
        """Outcomes that arrive within `timeout` seconds (fewer seconds when a hard deadline comes first, or
        as soon as `wake` is readable: the caller has something else to act on); workers past their hard
        deadline are killed, replaced, and their jobs failed."""
        busy = [w for w in self._workers if w.job is not None]
        if not busy:
            if wake is not None:
                wait([wake], timeout)
            return []
        nearest = min(w.hard_deadline for w in busy)
        wait_for = max(0.0, min(timeout, nearest - self._clock()))
        ready = set(wait([w.conn for w in busy] + ([wake] if wake is not None else []), wait_for))
        done: list[Done] = []
        for worker in busy:
            if worker.conn in ready:
                outcome = self._receive(worker)
                if outcome is not None:
                    done.append(outcome)
                    continue
            if worker.job is not None and worker.conn in ready:
                done.append(self._stop(worker, "its worker exited before answering; it was replaced"))
            elif worker.job is not None and self._clock() >= worker.hard_deadline:
                waited = self._clock() - worker.started
                reason = f"its worker did not return within {waited:.2f}s (past its deadline); it was killed"
                done.append(self._stop(worker, reason + " and replaced"))
        return done

    @contextlib.contextmanager
    def session(self) -> Iterator[WorkerPool]:
        """One caller's use of the pool (a relay run, a FIFO batch): however it ends, no job is left in hand.

        The pool outlives its callers (one per Lambda environment, kept after a function error), and callers
        number their jobs afresh, so an outcome left in a pipe would be taken for a job of the next caller.
        A caller that finished normally has nothing in hand; one that failed mid-way has its busy workers
        killed and replaced here, and their messages, attempted, return after their visibility timeout."""
        try:
            yield self
        finally:
            for worker in list(self._workers):
                if worker.job is not None:
                    logger.warning(
                        "worker abandoned with its message in hand",
                        extra={"message_id": worker.job.message_id, "worker_pid": worker.pid},
                    )
                    self._replace(worker)

    # -- internals -------------------------------------------------------------------------------------

    def _receive(self, worker: _Worker) -> Done | None:
        job = worker.job
        try:
            result, counts = worker.conn.recv()
        except (EOFError, OSError):
            return None  # the worker died: `collect` stops and replaces it
        for name, value in counts.items():
            count(Metric(name), value)
        worker.job = None
        assert job is not None  # noqa: S101 - only busy workers are read
        return Done(job, result, self._clock() - worker.started)

    def _stop(self, worker: _Worker, reason: str) -> Done:
        job = worker.job
        assert job is not None  # noqa: S101
        waited = self._clock() - worker.started
        logger.error(
            "worker stopped",
            extra={"message_id": job.message_id, "worker_pid": worker.pid, "seconds": round(waited, 3)},
        )
        self._replace(worker)
        result = self._engine.fail(job.message_id, WorkerStopped(job.message_id, reason), job.receive_count)
        return Done(job, result, waited)

    def _replace(self, worker: _Worker) -> None:
        _kill(worker.pid)
        _reap(worker.pid, timeout=2.0)
        with contextlib.suppress(OSError):
            worker.conn.close()
        self.replaced += 1
        count(Metric.WORKERS_REPLACED)
        self._workers[self._workers.index(worker)] = self._fork()

    def _fork(self) -> _Worker:
        if self.before_fork is not None:
            self.before_fork()
        parent_end, child_end = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, measured by the tests through its effects
            parent_end.close()
            for other in self._workers:
                with contextlib.suppress(OSError):
                    other.conn.close()
            _serve(Connection(child_end.detach()), self._engine)
        child_end.close()
        return _Worker(pid=pid, conn=Connection(parent_end.detach()))


def _serve(conn: Connection, engine: MessageEngine) -> None:  # pragma: no cover - child process
    """A worker's life: set up, then one job at a time until the parent closes the pipe."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        take_counts()
        engine.after_fork()
        while True:
            try:
                job: Job = conn.recv()
            except (EOFError, OSError):
                break
            logger.append_keys(**job.log_keys)
            context = _Until(job.ends_at)
            engine.start_invocation(context)
            result = engine.process(
                job.message_id,
                job.body,
                receive_count=job.receive_count,
                budget=Budget(context, safety_margin=0.0),
                request_id=job.request_id,
            )
            conn.send((result, take_counts()))
    except BaseException:  # noqa: BLE001 - a worker must never fall back into the parent's code
        logger.exception("worker failed")
        status = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(status)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _reap(pid: int, *, timeout: float) -> None:
    """Wait for a child to exit (so it leaves no zombie); gives up after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        if time.monotonic() > deadline:
            _kill(pid)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            return
        time.sleep(0.01)
