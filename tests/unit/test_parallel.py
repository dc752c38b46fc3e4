"""Parallel workers in the relay and the FIFO consumer, against a moto queue.

The processor runs in forked workers, which have their own copy of moto's account, so it does not call AWS:
it appends one line per attempt to a journal file, which is how the tests see what ran where and when.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import time
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

import pytest

from consumer.fifo_handler import FifoConsumer
from consumer.fifo_policy import FifoPolicyProcessor
from consumer.relay_handler import RelayConsumer, RelaySummary, StopReason
from relay_common.config import CoreSettings, FailurePolicy, FifoSettings, RelaySettings
from relay_common.deadline import Budget
from relay_common.processing import MessageEngine
from relay_common.processor import BaseProcessor, ProcessorResult
from relay_common.workers import WorkerPool
from tests.unit.builders import FakeContext, eventbridge_body, notification_body, s3_notification
from tests.unit.test_fifo_handler import Mapping

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from relay_common.events import ObjectRef
    from relay_common.processor import ProcessingContext
    from tests.unit.builders import Aws, Queue


class Journaling(BaseProcessor):
    """Appends `key receive_count pid start end` per attempt. Keys say what to do: `fail`, `hang`,
    `stuck-once` (signals blocked on the first receive: only a kill stops it)."""

    def __init__(self, journal: Path, sleep: float = 0.0) -> None:
        self.journal, self.sleep = journal, sleep

    def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        started = time.time()
        name = obj.key.rsplit("/", 1)[-1]
        try:
            if name.startswith("fail"):
                raise RuntimeError("failing on purpose")
            if name.startswith("hang"):
                time.sleep(60)
            if name.startswith("stuck-once") and context.receive_count == 1:
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
                time.sleep(60)
            time.sleep(self.sleep)
        finally:
            line = f"{obj.key} {context.receive_count} {os.getpid()} {started:.4f} {time.time():.4f}\n"
            with self.journal.open("a") as out:
                out.write(line)
        return ProcessorResult("recorded")


def journal(path: Path) -> list[tuple[str, int, int, float, float]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        key, receives, pid, start, end = line.split()
        rows.append((key, int(receives), int(pid), float(start), float(end)))
    return rows


class CountingSqs:
    """A moto client that counts the calls made on it, per operation; `delays` slow an operation down (SQS
    far away) and `fail_on` makes the nth call of an operation raise; `windows` holds when each call ran."""

    def __init__(
        self, client: Any, *, delays: dict[str, float] | None = None, fail_on: dict[str, int] | None = None
    ) -> None:
        self._client = client
        self._delays = delays or {}
        self._fail_on = fail_on or {}
        self.calls: Counter[str] = Counter()
        self.windows: defaultdict[str, list[tuple[float, float]]] = defaultdict(list)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if callable(attribute) and not name.startswith("_"):

            def counted(*args: Any, **kwargs: Any) -> Any:
                self.calls[name] += 1
                if self.calls[name] == self._fail_on.get(name):
                    raise ConnectionError(f"{name} failed on purpose")
                started = time.time()
                time.sleep(self._delays.get(name, 0.0))
                try:
                    return attribute(*args, **kwargs)
                finally:
                    self.windows[name].append((started, time.time()))

            return counted
        return attribute


@pytest.fixture
def pools() -> Iterator[list[WorkerPool]]:
    made: list[WorkerPool] = []
    yield made
    for pool in made:
        pool.close()


def relay_consumer(
    queue: Queue,
    processor: BaseProcessor,
    pools: list[WorkerPool],
    *,
    workers: int,
    message_timeout: float = 5.0,
    sqs: Any = None,
    **settings: Any,
) -> RelayConsumer:
    core = CoreSettings(
        queue_url=queue.url,
        processor="tests:journaling",
        message_timeout=message_timeout,
        safety_margin=0.0,
        max_receive_count=settings.pop("max_receive_count", None),
        workers=workers,
    )
    relay = RelaySettings(core=core, wait_time=1, **settings)
    engine = MessageEngine(core, processor)
    pool = WorkerPool(engine, workers, hard_grace=0.5).start() if workers > 1 else None
    if pool is not None:
        pools.append(pool)
    client = sqs or queue.sqs
    return RelayConsumer(relay, engine, receiver=client, sqs=client, pool=pool)


def enqueue(queue: Queue, keys: list[str]) -> None:
    queue.send_many([notification_body(s3_notification("bucket", key)) for key in keys])


def starts_during(path: Path, windows: list[tuple[float, float]]) -> list[float]:
    """Journaled starts inside a call's windows. A job handed out just before a call began may start a moment
    after; 0.1 s leaves those out."""
    return [row[3] for row in journal(path) if any(a + 0.1 < row[3] < b for a, b in windows)]


def drain(consumer: RelayConsumer, seconds: float = 60.0, **kwargs: Any) -> dict[str, Any]:
    return consumer.handle({}, FakeContext(timeout=seconds), **kwargs)  # type: ignore[arg-type]


def test_workers_drain_the_queue_in_parallel_at_the_sqs_floor(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    queue = aws.queue("parallel")
    keys = [f"in/{i:03d}.txt" for i in range(200)]
    enqueue(queue, keys)
    sqs = CountingSqs(aws.sqs)
    consumer = relay_consumer(queue, Journaling(tmp_path / "j", sleep=0.02), pools, workers=4, sqs=sqs)

    summary = drain(consumer)

    assert summary["stop_reason"] == "drained"
    assert (summary["received"], summary["processed"], summary["deleted"], summary["failed"]) == (
        200,
        200,
        200,
        0,
    )
    assert summary["workers"] == 4
    assert queue.depth() == (0, 0)
    rows = journal(tmp_path / "j")
    assert sorted(row[0] for row in rows) == keys, "every message processed exactly once"
    assert len({row[2] for row in rows}) == 4, "the work was spread over the four workers"
    assert os.getpid() not in {row[2] for row in rows}
    # 20 full receives and 20 full delete batches, plus at most: the first receive (one message per worker,
    # before any was measured), the empty poll that says "drained", one poll ahead that found the queue dry,
    # and one partial delete batch sent because it had waited long enough.
    assert sqs.calls["receive_message"] <= 23, dict(sqs.calls)
    assert sqs.calls["delete_message_batch"] <= 21, dict(sqs.calls)
    assert sqs.calls["change_message_visibility_batch"] == 0


def test_freed_workers_start_before_the_parent_waits_on_sqs(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    """Receives ahead of time run on their own thread: while one is in flight, workers that finish take the
    messages already waiting. A receive made in line would hold every start until it returned."""
    queue = aws.queue("far")
    keys = [f"far/{i:02d}" for i in range(40)]
    enqueue(queue, keys)
    sqs = CountingSqs(aws.sqs, delays={"receive_message": 0.5})
    consumer = relay_consumer(queue, Journaling(tmp_path / "j", sleep=0.1), pools, workers=4, sqs=sqs)

    summary = drain(consumer)

    assert (summary["stop_reason"], summary["processed"], summary["deleted"]) == ("drained", 40, 40)
    during = starts_during(tmp_path / "j", sqs.windows["receive_message"])
    assert len(during) >= 3, (len(during), sqs.windows["receive_message"])


def test_deletes_go_out_on_their_own_thread_while_workers_take_new_messages(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    """Deletes and visibility changes are sent on a thread of their own, one send in flight: starts go on
    while a slow delete batch is out (made in line, it would hold every start until it returned), and what
    finishes meanwhile goes with the next send, still in batches of 10."""
    queue = aws.queue("slowdel")
    keys = [f"slowdel/{i:02d}" for i in range(60)]
    enqueue(queue, keys)
    sqs = CountingSqs(aws.sqs, delays={"delete_message_batch": 0.5})
    consumer = relay_consumer(queue, Journaling(tmp_path / "j", sleep=0.05), pools, workers=4, sqs=sqs)

    summary = drain(consumer)

    assert (summary["stop_reason"], summary["processed"], summary["deleted"]) == ("drained", 60, 60)
    assert queue.depth() == (0, 0)
    during = starts_during(tmp_path / "j", sqs.windows["delete_message_batch"])
    assert len(during) >= 10, (len(during), sqs.windows["delete_message_batch"])
    assert sqs.calls["delete_message_batch"] <= 60 // 10 + 2, dict(sqs.calls)


def test_a_receive_that_fails_on_its_thread_fails_the_run_and_leaves_nothing_behind(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    """An error of a receive made ahead of time reaches the run as one made in line would, after the run has
    finished the messages in hand, deleted them and handed back those it had not started: the next run, on the
    same consumer and pool (as Lambda reuses an environment), processes each remaining message once, at
    once, and never sees an outcome of the failed run."""
    queue = aws.queue("flaky", visibility=60)
    keys = {f"flaky/{i:02d}" for i in range(30)}
    enqueue(queue, sorted(keys))
    sqs = CountingSqs(aws.sqs, fail_on={"receive_message": 3})
    processor = Journaling(tmp_path / "j", sleep=0.2)
    consumer = relay_consumer(queue, processor, pools, workers=2, sqs=sqs)

    with pytest.raises(ConnectionError, match="receive_message failed on purpose"):
        drain(consumer)

    first = journal(tmp_path / "j")
    assert first, "messages were processed before the failing receive"
    assert all(row[4] for row in first), "every started message finished"
    assert consumer.pool is not None
    assert (consumer.pool.busy, consumer.pool.replaced) == (0, 0), "the messages in hand were finished"
    assert queue.depth() == (30 - len(first), 0), "processed ones deleted, unstarted ones handed back at once"

    summary = drain(consumer)

    assert summary["stop_reason"] == "drained"
    rows = journal(tmp_path / "j")
    processed = Counter(row[0] for row in rows)
    assert set(processed) == keys
    assert max(processed.values()) == 1, "no message was processed twice"
    assert summary["processed"] == 30 - len(first)
    assert queue.depth() == (0, 0)


def test_a_run_interrupted_with_messages_in_hand_abandons_their_workers(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    """Interrupted where it cannot wind down (a BaseException), the run kills the workers busy with its
    messages rather than leave their outcomes to the next run; those messages, attempted, come back after
    their visibility timeout and are processed then."""
    queue = aws.queue("interrupted", visibility=2)
    keys = {f"int/{i:02d}" for i in range(6)}
    enqueue(queue, sorted(keys))
    consumer = relay_consumer(queue, Journaling(tmp_path / "j", sleep=10.0), pools, workers=2)
    calls = itertools.count()

    def interrupt() -> StopReason | None:
        if next(calls) == 2:  # two messages in hand by now, each 10 s from done
            raise KeyboardInterrupt
        return None

    budget = Budget(FakeContext(timeout=60), safety_margin=0.0)
    with pytest.raises(KeyboardInterrupt):
        consumer.drain(budget, RelaySummary("local", 0, "test"), should_stop=interrupt)

    assert consumer.pool is not None
    assert (consumer.pool.busy, consumer.pool.replaced) == (0, 2), "both busy workers killed and replaced"
    assert journal(tmp_path / "j") == [], "killed before they finished"
    time.sleep(2.5)  # the abandoned messages' visibility timeout
    consumer = relay_consumer(queue, Journaling(tmp_path / "j", sleep=0.0), pools, workers=2)
    assert drain(consumer)["stop_reason"] == "drained"
    assert {row[0] for row in journal(tmp_path / "j")} == keys
    assert queue.depth() == (0, 0)


def test_failures_back_off_and_hangs_are_interrupted_in_the_worker(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    queue = aws.queue("mixed", max_receive=5)
    enqueue(queue, ["a/ok-1", "a/fail-1", "a/hang-1", "a/ok-2"])
    consumer = relay_consumer(
        queue, Journaling(tmp_path / "j"), pools, workers=2, message_timeout=0.5, max_receive_count=5
    )
    started = time.monotonic()
    summary = drain(consumer)
    assert time.monotonic() - started < 30, "the 60 s hang ran to completion"
    assert (summary["processed"], summary["failed"], summary["deleted"]) == (2, 2, 2)
    assert queue.depth() == (0, 2), "the two failures wait out their backoff in flight, not lost"
    assert consumer.pool is not None
    assert consumer.pool.replaced == 0, "an interruptible hang keeps its worker"


def test_a_worker_stuck_in_c_is_killed_replaced_and_its_message_retried(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    queue = aws.queue("stuck", max_receive=3)
    enqueue(queue, ["s/stuck-once", "s/ok-1", "s/ok-2", "s/ok-3"])
    consumer = relay_consumer(
        queue,
        Journaling(tmp_path / "j"),
        pools,
        workers=2,
        message_timeout=0.5,
        max_receive_count=3,
        backoff_base=0,
    )
    summary = drain(consumer)
    # killed at its hard deadline, made visible again (backoff 0), and retried within the same run
    assert (summary["failed"], summary["processed"], summary["received"]) == (1, 4, 5)
    assert consumer.pool is not None
    assert consumer.pool.replaced == 1
    assert queue.depth() == (0, 0)
    assert queue.dlq_bodies() == []
    attempts = Counter(row[0] for row in journal(tmp_path / "j"))
    assert attempts == {"s/ok-1": 1, "s/ok-2": 1, "s/ok-3": 1, "s/stuck-once": 1}, (
        "the killed attempt wrote nothing; the retry did"
    )


def test_no_message_is_dead_lettered_without_an_attempt(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    """maxReceiveCount 1: a message received and handed back unstarted would go to the DLQ on its next
    receive. Short runs of a slow processor must never hold more than they can start and finish."""
    queue = aws.queue("tight", max_receive=1, visibility=60)
    keys = [f"t/{i:02d}" for i in range(24)]
    enqueue(queue, keys)
    consumer = relay_consumer(
        queue, Journaling(tmp_path / "j", sleep=0.3), pools, workers=2, max_receive_count=1
    )
    released = 0
    for _ in range(30):
        summary = drain(consumer, seconds=1.6)
        released += summary["released"]
        if queue.depth() == (0, 0):
            break
    assert queue.depth() == (0, 0)
    assert queue.dlq_bodies() == []
    assert released == 0
    assert sorted(row[0] for row in journal(tmp_path / "j")) == keys


def test_the_rate_cap_spaces_message_starts_across_workers(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    queue = aws.queue("capped")
    enqueue(queue, [f"r/{i}" for i in range(8)])
    consumer = relay_consumer(
        queue, Journaling(tmp_path / "j"), pools, workers=4, max_messages_per_second=10.0
    )
    summary = drain(consumer)
    assert summary["processed"] == 8
    starts = sorted(row[3] for row in journal(tmp_path / "j"))
    spacing = (starts[-1] - starts[0]) / (len(starts) - 1)
    assert spacing >= 0.095, f"starts came {spacing:.3f}s apart on average, closer than 1/10 s"
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert min(gaps) >= 0.05, f"two starts came {min(gaps):.3f}s apart: a burst"


def test_the_rate_cap_carries_over_to_the_next_hop(aws: Aws, tmp_path: Path, pools: list[WorkerPool]) -> None:
    queue = aws.queue("carry")
    enqueue(queue, ["c/1"])
    consumer = relay_consumer(
        queue, Journaling(tmp_path / "j"), pools, workers=2, max_messages_per_second=1.0
    )
    not_before = time.time() + 0.5
    event = {"baton": {"chain_id": "chain-c", "hop": 1, "not_before": not_before}}
    consumer.handle(event, FakeContext(timeout=30))  # type: ignore[arg-type]
    ((_, _, _, start, _),) = journal(tmp_path / "j")
    assert start >= not_before


def test_one_worker_runs_in_this_process(aws: Aws, tmp_path: Path, pools: list[WorkerPool]) -> None:
    queue = aws.queue("single")
    enqueue(queue, ["one/1", "one/2"])
    consumer = relay_consumer(queue, Journaling(tmp_path / "j"), pools, workers=1)
    summary = drain(consumer)
    assert consumer.pool is None
    assert (summary["processed"], summary["workers"]) == (2, 1)
    assert {row[2] for row in journal(tmp_path / "j")} == {os.getpid()}


def test_the_drain_stops_on_request_and_finishes_what_is_in_hand(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    queue = aws.queue("stop")
    enqueue(queue, [f"x/{i}" for i in range(30)])
    consumer = relay_consumer(queue, Journaling(tmp_path / "j", sleep=0.1), pools, workers=2)
    calls: list[int] = []

    def stop_after_a_few() -> StopReason | None:
        calls.append(1)
        return StopReason.INTERRUPTED if len(calls) > 3 else None

    context = FakeContext(timeout=60)
    budget = Budget(context, safety_margin=0.0)
    summary = consumer.drain(budget, RelaySummary("local", 0, "test"), should_stop=stop_after_a_few)
    assert summary.stop_reason is StopReason.INTERRUPTED
    done = len(journal(tmp_path / "j"))
    assert summary.processed == summary.deleted == done
    visible, in_flight = queue.depth()
    assert in_flight == 0, "messages received but not started were handed back at once"
    assert visible == 30 - done
    assert summary.released == summary.received - done


# -- FIFO: groups in parallel, order within a group kept ---------------------------------------------


def fifo_consumer(
    queue: Queue, processor: BaseProcessor, pools: list[WorkerPool], *, workers: int, policy: FailurePolicy
) -> FifoConsumer:
    core = CoreSettings(
        queue_url=queue.url,
        processor="tests:journaling",
        message_timeout=1.0,
        safety_margin=0.5,
        max_receive_count=3,
        workers=workers,
    )
    engine = MessageEngine(core, processor)
    pool = WorkerPool(engine, workers, hard_grace=0.5).start() if workers > 1 else None
    if pool is not None:
        pools.append(pool)
    return FifoConsumer(FifoSettings(core=core, failure_policy=policy), engine, sqs=queue.sqs, pool=pool)


def send_groups(queue: Queue, layout: dict[str, list[str]]) -> dict[str, str]:
    """Interleave the groups' messages in one batch order; returns key -> message id."""
    ids = {}
    longest = max(len(names) for names in layout.values())
    for index in range(longest):
        for group, names in layout.items():
            if index < len(names):
                key = f"{group}/{names[index]}"
                ids[key] = queue.send(eventbridge_body("bucket", key), group=group)
    return ids


def by_group(rows: list[tuple[str, int, int, float, float]]) -> dict[str, list[tuple[str, float, float]]]:
    groups: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for key, _, _, start, end in rows:
        groups[key.split("/")[0]].append((key, start, end))
    return groups


def test_fifo_groups_run_in_parallel_and_in_order_within_each(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    queue = aws.queue("groups", fifo=True, max_receive=3, visibility=300)
    layout = {group: [f"{i}" for i in range(3)] for group in ("a", "b", "c")}
    send_groups(queue, layout)
    consumer = fifo_consumer(
        queue, Journaling(tmp_path / "j", sleep=0.2), pools, workers=3, policy=FailurePolicy.SKIP
    )
    mapping = Mapping(queue, consumer, batch_size=9)
    assert mapping.invoke(mapping.poll()) == []
    groups = by_group(journal(tmp_path / "j"))
    for group, rows in groups.items():
        assert [key for key, _, _ in sorted(rows, key=lambda r: r[1])] == [f"{group}/{i}" for i in range(3)]
        for (_, _, end), (_, start, _) in itertools.pairwise(rows):
            assert start >= end, f"group {group} had two records in hand at once"
    spans = [(start, end) for rows in groups.values() for _, start, end in rows]
    overlapping = any(
        a_start < b_end and b_start < a_end
        for a_rows, b_rows in itertools.combinations(groups.values(), 2)
        for _, a_start, a_end in a_rows
        for _, b_start, b_end in b_rows
    )
    assert overlapping, f"the groups ran one after another: {sorted(spans)}"


def test_a_fifo_batch_that_fails_mid_way_leaves_no_job_in_the_pool(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool outlives the invocation and job tokens are record indexes, so an outcome left in a pipe by a
    failed batch would be taken for a record of the next one: the failed batch abandons its busy workers."""
    queue = aws.queue("pbroken", fifo=True, max_receive=3, visibility=300)
    send_groups(queue, {"a": ["0"], "b": ["hang-1"], "c": ["hang-2"]})
    consumer = fifo_consumer(queue, Journaling(tmp_path / "j"), pools, workers=3, policy=FailurePolicy.SKIP)
    mapping = Mapping(queue, consumer, batch_size=3)

    def broken(*_: Any) -> Any:
        raise RuntimeError("a hook failed")

    with monkeypatch.context() as patched:
        patched.setattr(FifoPolicyProcessor, "record_outcome", broken)
        with pytest.raises(RuntimeError, match="a hook failed"):
            mapping.invoke(mapping.poll())

    assert consumer.pool is not None
    assert (consumer.pool.busy, consumer.pool.replaced) == (0, 2), "the two records still running abandoned"
    send_groups(queue, {"d": ["0"], "e": ["1"], "f": ["2"]})
    assert mapping.invoke(mapping.poll()) == []
    assert {row[0] for row in journal(tmp_path / "j")} >= {"a/0", "d/0", "e/1", "f/2"}


def test_fifo_skip_in_parallel_reports_only_the_failure(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    queue = aws.queue("pskip", fifo=True, max_receive=3, visibility=300)
    ids = send_groups(queue, {"a": ["0", "fail-1", "2"], "b": ["0", "1", "2"]})
    consumer = fifo_consumer(queue, Journaling(tmp_path / "j"), pools, workers=2, policy=FailurePolicy.SKIP)
    mapping = Mapping(queue, consumer, batch_size=6)
    assert mapping.invoke(mapping.poll()) == [ids["a/fail-1"]]
    ran = {row[0] for row in journal(tmp_path / "j")}
    assert ran == set(ids)
    assert queue.depth() == (1, 0), "the failure is visible again at once"


def test_fifo_hold_group_in_parallel_holds_only_the_failed_group(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    queue = aws.queue("phold", fifo=True, max_receive=3, visibility=300)
    ids = send_groups(queue, {"a": ["0", "fail-1", "2", "3"], "b": ["0", "1", "2", "3"]})
    consumer = fifo_consumer(
        queue, Journaling(tmp_path / "j"), pools, workers=2, policy=FailurePolicy.HOLD_GROUP
    )
    mapping = Mapping(queue, consumer, batch_size=8)
    failed = mapping.invoke(mapping.poll())
    assert sorted(failed) == sorted([ids["a/fail-1"], ids["a/2"], ids["a/3"]])
    ran = {row[0] for row in journal(tmp_path / "j")}
    assert ran == {"a/0", "a/fail-1", "b/0", "b/1", "b/2", "b/3"}, "held records were not attempted"


def test_fifo_summary_counts_parallel_outcomes(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool], logs: Callable[[], list[dict[str, Any]]]
) -> None:
    queue = aws.queue("psum", fifo=True, max_receive=3, visibility=300)
    send_groups(queue, {"a": ["0", "fail-1"], "b": ["0"]})
    consumer = fifo_consumer(queue, Journaling(tmp_path / "j"), pools, workers=2, policy=FailurePolicy.SKIP)
    mapping = Mapping(queue, consumer, batch_size=3)
    mapping.invoke(mapping.poll())
    summary = next(line for line in logs() if line["message"] == "FIFO batch finished")["summary"]
    assert (summary["processed"], summary["failed"], summary["reported"]) == (2, 1, 1)
    assert json.dumps(summary)


def test_a_failure_with_no_backoff_is_retried_in_the_same_run(
    aws: Aws, tmp_path: Path, pools: list[WorkerPool]
) -> None:
    """Visibility changes are sent before the poll that decides "drained", so a message that failed with a
    backoff of 0 is received again in this run until the redrive policy takes it, as with one worker."""
    queue = aws.queue("poison", max_receive=3)
    queue.send("not json at all")
    consumer = relay_consumer(
        queue, Journaling(tmp_path / "j"), pools, workers=2, max_receive_count=3, backoff_base=0
    )
    summary = drain(consumer)
    assert (summary["received"], summary["failed"]) == (3, 3)
    assert queue.dlq_bodies() == ["not json at all"]
