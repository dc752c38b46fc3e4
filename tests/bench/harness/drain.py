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

Three variations: with `measure_seconds` (a rate cap) the run is measured over that many seconds from its
first result, then the queue is purged, so N can exceed what the cap drains in the window; with a design's
`message_groups` (FIFO) the harness enqueues EventBridge-shaped messages itself, object i in group i mod G,
and the results show whether each group kept its order; with `start = "poll"` the harness feeds the function
mixed-group batches itself (see `poller`) and is stopped once the queue is empty.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tests.bench.harness.aws import LOCALSTACK_LOG
from tests.bench.harness.calls import Call, LogWindow, by_service, parse_calls, subtract
from tests.bench.harness.lambda_logs import FunctionLog
from tests.bench.harness.machine import CpuShare

if TYPE_CHECKING:
    from tests.bench.harness.stack import StackView

POLL_SECONDS = 1.0
QUIET_MARGIN_SECONDS = 5.0
CUT_MARGIN_SECONDS = 10.0
"""A measured-window run polls this much longer than its window (the first result comes after a start)."""
POLLER_NOTE = (
    'the harness stood in for the event source mapping (`start = "poll"`, tests/bench/harness/poller.py): '
    "it received from the FIFO queue, invoked the function synchronously with batches of up to 10 that take "
    "each held group's oldest record in turn (AWS's mapping may mix groups in a batch; LocalStack's does "
    "not), and deleted or released the records by the function's answer, one batch at a time. Its SQS calls "
    "are the harness's, subtracted; invocations are the function's REPORT lines."
)
GROUP_KEY = re.compile(r"/g(?P<group>\d+)/(?P<index>\d+)\.txt$")


def per_message(calls: dict[str, int], objects: int) -> dict[str, float]:
    """Calls per message by service."""
    return {service: round(count / objects, 3) for service, count in calls.items()}


def histogram(times: list[float], start: float) -> list[int]:
    """Results per second since `start` (index 0 = first second)."""
    counts: Counter[int] = Counter(max(0, int(t - start)) for t in times)
    return [counts.get(second, 0) for second in range(max(counts, default=-1) + 1)]


def window_rate(times: list[float], seconds: float) -> float | None:
    """Results per second in the `seconds` after the first result (None without results). When the results
    span less than that (the queue ran dry first), the rate between the first and the last result."""
    if not times:
        return None
    first, span = min(times), max(times) - min(times)
    if span < seconds:
        return round((len(times) - 1) / span, 2) if span > 0 else None
    return round(sum(1 for t in times if first <= t < first + seconds) / seconds, 2)


def group_keys(prefix: str, objects: int, groups: int) -> list[str]:
    """Object keys of a grouped run: object i is in group i mod `groups`, and its key says so."""
    return [f"{prefix}g{index % groups}/{index:06d}.txt" for index in range(objects)]


def group_order(results: list[tuple[str, float]]) -> dict[str, dict[str, int]]:
    """Per message group (from the key): results, and inversions (a result of a later object recorded before
    that of an earlier one of the same group; 0 means the group kept its order)."""
    by_group: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for key, processed_at in results:
        match = GROUP_KEY.search(key)
        if match:
            by_group[f"g{match['group']}"].append((int(match["index"]), processed_at))
    order: dict[str, dict[str, int]] = {}
    for group, items in sorted(by_group.items()):
        times = [t for _, t in sorted(items)]
        inversions = sum(1 for earlier, later in itertools.pairwise(times) if later < earlier)
        order[group] = {"results": len(items), "inversions": inversions}
    return order


def batch_groups(results: list[tuple[str, str]]) -> dict[str, int]:
    """How many invocations recorded results of 1, 2, ... message groups, from (request id, key) pairs:
    whether batches mixed groups, which is what lets a FIFO batch run groups in parallel."""
    groups: dict[str, set[str]] = defaultdict(set)
    for request_id, key in results:
        match = GROUP_KEY.search(key)
        if request_id and match:
            groups[request_id].add(match["group"])
    counts = Counter(len(found) for found in groups.values())
    return {str(size): counts[size] for size in sorted(counts)}


def enqueue_events(view: StackView, keys: list[str], object_bytes: int, groups: int) -> None:
    """Upload the objects and send one EventBridge "Object Created" event per object to the FIFO queue, in
    key-index order, each with its group's MessageGroupId and a deduplication id per object version."""
    from consumer.cli.send import object_created_event

    s3, sqs = view.client("s3"), view.client("sqs")
    bucket, url = view.out["bucket_name"], view.out["queue_url"]
    region = s3.meta.region_name
    versions = view.upload(keys, object_bytes)
    for start in range(0, len(keys), 10):
        entries = []
        for offset, key in enumerate(keys[start : start + 10]):
            etag, version_id = versions[key]
            event = object_created_event(
                bucket=bucket,
                key=key,
                size=object_bytes,
                etag=etag,
                sequencer="",
                version_id=version_id,
                account="000000000000",
                region=region,
                when=datetime.now(UTC),
            )
            del event["detail"]["object"]["sequencer"]  # as `baton backfill` sends it
            match = GROUP_KEY.search(key)
            entries.append(
                {
                    "Id": str(offset),
                    "MessageBody": json.dumps(event),
                    "MessageGroupId": f"g{match['group'] if match else 0}",
                    "MessageDeduplicationId": hashlib.sha256(f"{key}\n{version_id}".encode()).hexdigest(),
                }
            )
        failed = sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed", [])
        if failed:
            raise RuntimeError(f"{view.design.name}: SendMessageBatch failed: {failed}")


def drain(
    view: StackView,
    objects: int,
    *,
    object_bytes: int,
    stall_timeout: float,
    measure_seconds: float | None = None,
) -> dict[str, Any]:
    """Run one design over `objects` fresh objects and return its figures."""
    design, harness = view.design, view.harness
    groups = design.message_groups
    if groups:
        excluded = str(design.variables.get("exclude_prefix", "baton-send/"))
        prefix = f"{excluded}drain-{objects}-{uuid.uuid4().hex[:6]}/"
        keys = group_keys(prefix, objects, groups)
    else:
        prefix = f"drain-{objects}-{uuid.uuid4().hex[:6]}/"
        keys = [f"{prefix}{index:06d}.txt" for index in range(objects)]
    print(f"[{design.name}] N={objects}: queueing {objects} objects under {prefix}", flush=True)
    if design.mapping:
        view.set_mapping(enabled=False)
    view.purge()
    view.purge("dlq_url")
    if groups:
        enqueue_events(view, keys, object_bytes, groups)
    else:
        view.upload(keys, object_bytes)
    view.wait_queued(objects)
    internal_before = (harness.faults() or {}).get("internal_calls", {})

    window = LogWindow(LOCALSTACK_LOG)
    own_before = harness.counter.snapshot()
    window.open()
    share = CpuShare.for_run()
    share.start()
    started = time.time()
    view.start()
    samples: list[tuple[float, int, int]] = []
    loads: list[float] = []
    emptied: float | None = None
    stalled = cut = False
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
        if measure_seconds is not None and now - started > measure_seconds + CUT_MARGIN_SECONDS:
            cut = True
            print(f"[{design.name}] {now - started:.0f} s: window measured, purging the rest", flush=True)
            view.purge()
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
    poller = view.stop()
    time.sleep(design.wait_time_seconds + QUIET_MARGIN_SECONDS)
    window.close()
    cpu = share.stop()
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
    processed = objects if not cut else max(len(recorded), 1)
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
        "cpu": cpu,
        "seconds_until_empty": round(seconds, 1) if not cut else None,
        "messages_per_second": round(objects / seconds, 2) if seconds > 0 and not (stalled or cut) else None,
        "cut_after_seconds": round(seconds, 1) if cut else None,
        "measure_seconds": measure_seconds,
        "window_rate": window_rate(times, measure_seconds) if measure_seconds else None,
        "message_groups": groups,
        "group_order": group_order([(r.key, r.processed_at) for r in records]) if groups else None,
        "invocations_by_groups_in_batch": batch_groups([(r.request_id, r.key) for r in records])
        if groups
        else None,
        "seconds_first_to_last_result": round(times[-1] - times[0], 1) if times else None,
        "invocations": log.invocations,
        "function_seconds": round(log.billed_ms / 1000, 2),
        "timed_out": log.timed_out,
        "calls": {str(call): count for call, count in calls.items()},
        "calls_by_service": services,
        "calls_per_message": per_message(services, processed),
        "calls_per_message_of": "results recorded (the run was cut)" if cut else "objects",
        "sqs_observable": not design.mapping,
        "lambda_invokes": calls.get(Call("lambda", "Invoke"), 0),
        "harness_calls_subtracted": {str(call): count for call, count in sorted(own.items())},
        "error_responses": {k: v for k, v in statuses.items() if not k.endswith((" 200", " 202", " 204"))},
        "mapping_internal_sqs_calls": internal if design.mapping else None,
        "poller": poller,
        "note": POLLER_NOTE if poller is not None else None,
        "results_recorded": len(recorded),
        "duplicate_results": duplicates,
        "missing_results": objects - len(recorded & set(keys)),
        "dlq_depth": sum(view.depth("dlq_url")),
        "results_per_second": histogram(times, started),
        "depth_samples": samples[:: max(1, len(samples) // 600)],
    }
    print(
        f"[{design.name}] N={objects}: {result['seconds_until_empty']} s, "
        f"{result['messages_per_second'] or result['window_rate']} msg/s, "
        f"{result['invocations']} invocations, calls/message {result['calls_per_message']}, "
        f"results {result['results_recorded']}, DLQ {result['dlq_depth']}",
        flush=True,
    )
    return result
