"""The `drain` run: N objects queued, one start, measured until the queue is empty and the consumer idle.

Per design and N: objects are uploaded and their notifications queued before the run starts (the event
source mapping stays off until then), so the window holds only the drain. The window opens just before the
start (one asynchronous invoke, or switching the mapping on) and closes once the queue is empty (visible and
in flight 0) and the function has been quiet for its wait time plus a margin (a last empty long poll).

Figures: API calls per operation in LocalStack's request log inside the window, minus the harness's own;
invocations from the function's REPORT lines; seconds until the queue was empty (polled every second);
results recorded and their timestamps; DLQ depth. For an event source mapping, LocalStack makes the
mapping's ReceiveMessage and DeleteMessageBatch calls internally, without a request log line: those are
reported as not observable, and LocalStack's own count of its internal calls is kept apart for reference.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Any

from tests.bench.harness.aws import LOCALSTACK_LOG
from tests.bench.harness.calls import Call, LogWindow, by_service, parse_calls, subtract
from tests.bench.harness.lambda_logs import FunctionLog

if TYPE_CHECKING:
    from tests.bench.harness.stack import StackView

POLL_SECONDS = 1.0
QUIET_MARGIN_SECONDS = 5.0


def per_message(calls: dict[str, int], objects: int) -> dict[str, float]:
    """Calls per message by service."""
    return {service: round(count / objects, 3) for service, count in calls.items()}


def histogram(times: list[float], start: float) -> list[int]:
    """Results per second since `start` (index 0 = first second)."""
    counts: Counter[int] = Counter(max(0, int(t - start)) for t in times)
    return [counts.get(second, 0) for second in range(max(counts, default=-1) + 1)]


def drain(view: StackView, objects: int, *, object_bytes: int, stall_timeout: float) -> dict[str, Any]:
    """Run one design over `objects` fresh objects and return its figures."""
    design, harness = view.design, view.harness
    prefix = f"drain-{objects}-{uuid.uuid4().hex[:6]}/"
    keys = [f"{prefix}{index:06d}.txt" for index in range(objects)]
    print(f"[{design.name}] N={objects}: queueing {objects} objects under {prefix}", flush=True)
    if design.mapping:
        view.set_mapping(enabled=False)
    view.purge()
    view.purge("dlq_url")
    view.upload(keys, object_bytes)
    view.wait_queued(objects)
    internal_before = (harness.faults() or {}).get("internal_calls", {})

    window = LogWindow(LOCALSTACK_LOG)
    own_before = harness.counter.snapshot()
    window.open()
    started = time.time()
    view.start()
    samples: list[tuple[float, int, int]] = []
    loads: list[float] = []
    emptied: float | None = None
    stalled = False
    last_change, last_remaining = time.monotonic(), objects
    while emptied is None:
        visible, in_flight = view.depth()
        now = time.time()
        samples.append((round(now - started, 1), visible, in_flight))
        loads.append(os.getloadavg()[0])
        remaining = visible + in_flight
        if remaining == 0:
            emptied = now
            break
        if remaining != last_remaining:
            last_change, last_remaining = time.monotonic(), remaining
        elif time.monotonic() - last_change > stall_timeout:
            stalled = True
            print(f"[{design.name}] no progress for {stall_timeout:.0f} s: giving up", flush=True)
            break
        if len(samples) % 30 == 0:
            print(
                f"[{design.name}] {now - started:6.0f} s: {visible} visible, {in_flight} in flight",
                flush=True,
            )
        time.sleep(POLL_SECONDS)
    time.sleep(design.wait_time_seconds + QUIET_MARGIN_SECONDS)
    window.close()
    own = harness.counter.snapshot() - own_before
    ended = time.time()
    internal_after = (harness.faults() or {}).get("internal_calls", {})
    if design.mapping:
        view.set_mapping(enabled=False)

    observed, statuses = parse_calls(window.lines())
    calls = subtract(observed, own)
    services = by_service(calls)
    log = FunctionLog.parse(view.log_events(started - 1, ended + 5))
    records = view.results(prefix)
    recorded = {r.key for r in records}
    duplicates = len(records) - len(recorded)
    times = sorted(r.processed_at for r in records)
    seconds = (emptied or ended) - started
    internal = {
        name: count - internal_before.get(name, 0)
        for name, count in internal_after.items()
        if count - internal_before.get(name, 0) > 0 and name.startswith("sqs.")
    }
    result = {
        "design": design.name,
        "description": design.description,
        "objects": objects,
        "stalled": stalled,
        "load_average": {"mean": round(sum(loads) / len(loads), 2), "max": round(max(loads), 2)}
        if loads
        else None,
        "seconds_until_empty": round(seconds, 1),
        "messages_per_second": round(objects / seconds, 2) if seconds > 0 and not stalled else None,
        "seconds_first_to_last_result": round(times[-1] - times[0], 1) if times else None,
        "invocations": log.invocations,
        "timed_out": log.timed_out,
        "calls": {str(call): count for call, count in calls.items()},
        "calls_by_service": services,
        "calls_per_message": per_message(services, objects),
        "sqs_observable": not design.mapping,
        "lambda_invokes": calls.get(Call("lambda", "Invoke"), 0),
        "harness_calls_subtracted": {str(call): count for call, count in sorted(own.items())},
        "error_responses": {k: v for k, v in statuses.items() if not k.endswith((" 200", " 202", " 204"))},
        "mapping_internal_sqs_calls": internal if design.mapping else None,
        "results_recorded": len(recorded),
        "duplicate_results": duplicates,
        "missing_results": objects - len(recorded & set(keys)),
        "dlq_depth": sum(view.depth("dlq_url")),
        "results_per_second": histogram(times, started),
        "depth_samples": samples[:: max(1, len(samples) // 600)],
    }
    print(
        f"[{design.name}] N={objects}: {result['seconds_until_empty']} s, "
        f"{result['messages_per_second']} msg/s, "
        f"{result['invocations']} invocations, calls/message {result['calls_per_message']}, "
        f"results {result['results_recorded']}, DLQ {result['dlq_depth']}",
        flush=True,
    )
    return result
