"""The worker pool: messages in forked processes, interrupted at their deadline, killed when stuck."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from relay_common.config import CoreSettings
from relay_common.errors import DeadlineExceeded, WorkerStopped
from relay_common.observability import Metric, _counts, discard_counts
from relay_common.processing import MessageEngine, Outcome
from relay_common.processor import BaseProcessor, ProcessorResult
from relay_common.workers import Job, WorkerPool
from tests.unit.builders import notification_body, s3_notification

if TYPE_CHECKING:
    from collections.abc import Iterator

    from relay_common.events import ObjectRef
    from relay_common.processor import ProcessingContext, ProcessorSettings


class Behaving(BaseProcessor):
    """Does what the object key says: `sleep-<s>`, `hang` (interruptible), `stuck` (signals blocked, so no
    Python exception can reach it), `exit` (the process dies); anything else succeeds."""

    def setup(self, settings: ProcessorSettings) -> None:
        super().setup(settings)
        self.pid = os.getpid()

    def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        key = obj.key
        if key.startswith("sleep-"):
            time.sleep(float(key.removeprefix("sleep-")))
        elif key == "hang":
            time.sleep(60)
        elif key == "stuck":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(60)  # like a C call that never returns to the interpreter
        elif key == "exit":
            os._exit(3)
        elif key.startswith("report-"):
            Path(key.removeprefix("report-")).write_text(f"{os.getpid()} {self.pid}")
        elif key.startswith("span-"):
            started = time.time()
            time.sleep(0.3)
            Path(key.removeprefix("span-")).write_text(f"{started} {time.time()}")
        return ProcessorResult("recorded", details={"pid": os.getpid(), "setup_pid": self.pid})


def message(key: str) -> str:
    return notification_body(s3_notification("bucket", key))


def job(token: int, key: str, seconds_left: float = 30.0) -> Job:
    return Job(token, f"m-{token}", message(key), 1, time.monotonic() + seconds_left, log_keys={"hop": 0})


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    core = CoreSettings(
        queue_url="https://sqs.us-east-1.amazonaws.com/1/q", processor="x:y", message_timeout=0.5
    )
    processor = Behaving()
    processor.pid = os.getpid()
    with WorkerPool(MessageEngine(core, processor), 2, hard_grace=0.5) as workers:
        for token in (-1, -2):  # both workers started and set up before the test's clock starts
            workers.submit(job(token, "warm-up"), 5.0)
        collect_all(workers, 2)
        discard_counts()
        yield workers
    discard_counts()


def collect_all(pool: WorkerPool, expected: int, timeout: float = 10.0) -> dict[int, object]:
    done: dict[int, object] = {}
    deadline = time.monotonic() + timeout
    while len(done) < expected and time.monotonic() < deadline:
        for outcome in pool.collect(0.2):
            done[outcome.job.token] = outcome.result
    return done


def test_messages_run_in_parallel_in_worker_processes(pool: WorkerPool, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    pool.submit(job(1, f"span-{first}"), 5.0)
    pool.submit(job(2, f"span-{second}"), 5.0)
    assert pool.idle == 0
    results = collect_all(pool, 2)
    assert {results[token].outcome for token in (1, 2)} == {Outcome.PROCESSED}  # type: ignore[attr-defined]
    (a_start, a_end), (b_start, b_end) = (map(float, path.read_text().split()) for path in (first, second))
    overlap = min(a_end, b_end) - max(a_start, b_start)
    assert overlap > 0, "the two messages ran one after the other"
    assert pool.idle == 2


def test_each_worker_sets_the_processor_up_again(pool: WorkerPool, tmp_path: Path) -> None:
    report = tmp_path / "pids"
    pool.submit(job(1, f"report-{report}"), 5.0)
    (result,) = collect_all(pool, 1).values()
    assert result.outcome is Outcome.PROCESSED  # type: ignore[attr-defined]
    worker_pid, setup_pid = report.read_text().split()
    assert worker_pid != str(os.getpid()), "the message ran in the parent"
    assert setup_pid == worker_pid, "the worker did not run setup() with clients of its own"


def test_a_hang_is_interrupted_at_its_deadline_in_the_worker(pool: WorkerPool) -> None:
    started = time.monotonic()
    pool.submit(job(1, "hang"), 0.5)
    (result,) = collect_all(pool, 1).values()
    assert isinstance(result.error, DeadlineExceeded)  # type: ignore[attr-defined]
    assert result.error.seconds == pytest.approx(0.5)  # type: ignore[attr-defined]
    assert time.monotonic() - started < 30, "the 60 s hang ran to completion"
    assert pool.replaced == 0, "a soft interrupt keeps the worker"


def test_a_stuck_worker_is_killed_replaced_and_its_message_failed(pool: WorkerPool) -> None:
    started = time.monotonic()
    pool.submit(job(1, "stuck"), 0.5)
    pool.submit(job(2, "sleep-0.1"), 0.5)
    results = collect_all(pool, 2)
    elapsed = time.monotonic() - started
    assert isinstance(results[1].error, WorkerStopped)  # type: ignore[attr-defined]
    assert results[2].outcome is Outcome.PROCESSED  # type: ignore[attr-defined]
    assert elapsed >= 1.0, f"killed after {elapsed:.2f}s, before its deadline (0.5 s) and grace (0.5 s)"
    assert elapsed < 30, "the 60 s stuck call ran to completion"
    assert pool.replaced == 1
    assert _counts[Metric.WORKERS_REPLACED] == 1
    # the replacement works
    pool.submit(job(3, "fine"), 0.5)
    pool.submit(job(4, "fine"), 0.5)
    later = collect_all(pool, 2)
    assert {result.outcome for result in later.values()} == {Outcome.PROCESSED}  # type: ignore[attr-defined]


def test_a_worker_that_dies_is_replaced_and_its_message_failed(pool: WorkerPool) -> None:
    pool.submit(job(1, "exit"), 5.0)
    (result,) = collect_all(pool, 1).values()
    assert isinstance(result.error, WorkerStopped)  # type: ignore[attr-defined]
    assert "exited before answering" in str(result.error)  # type: ignore[attr-defined]
    pool.submit(job(2, "fine"), 5.0)
    assert collect_all(pool, 1)[2].outcome is Outcome.PROCESSED  # type: ignore[attr-defined]


def test_the_workers_counts_reach_the_parent(pool: WorkerPool) -> None:
    discard_counts()
    for keys in (("fine", "hang"), ("hang", "fine")):
        for token, key in enumerate(keys):
            pool.submit(job(token, key), 0.3)
        collect_all(pool, 2)
    assert _counts[Metric.PROCESSED] == 2
    assert _counts[Metric.FAILED] == 2
    assert _counts[Metric.DEADLINE_EXCEEDED] == 2


def test_the_deadline_is_capped_by_the_time_left(pool: WorkerPool) -> None:
    pool.submit(job(1, "hang", seconds_left=0.3), 30.0)  # the engine's message timeout is 0.5 s
    (result,) = collect_all(pool, 1).values()
    assert isinstance(result.error, DeadlineExceeded)  # type: ignore[attr-defined]
    assert result.error.seconds <= 0.3  # type: ignore[attr-defined]


def test_closing_leaves_no_process_behind(pool: WorkerPool) -> None:
    pool.submit(job(1, "stuck"), 5.0)
    pids = [worker.pid for worker in pool._workers]
    pool.close()
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_with_the_guard_off_no_deadline_is_enforced() -> None:
    """`BATON_DEADLINE_GUARD=off` replays the original design: a slow message runs on, in the worker too."""
    core = CoreSettings(
        queue_url="https://sqs.us-east-1.amazonaws.com/1/q",
        processor="x:y",
        message_timeout=0.2,
        deadline_guard=False,
    )
    with WorkerPool(MessageEngine(core, Behaving()), 1, hard_grace=0.1) as workers:
        workers.submit(job(1, "sleep-0.8"), 0.2)
        (result,) = collect_all(workers, 1).values()
    assert result.outcome is Outcome.PROCESSED  # type: ignore[attr-defined]
    assert workers.replaced == 0
