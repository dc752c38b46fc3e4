"""The `fifo_stall` run: the original FIFO design's stall scenario, timed per failure policy.

Uploads go into one message group in order, 0.3 s apart (EventBridge keeps order only between events that are
not simultaneous), while the event source mapping is off; it is switched on once all of them are queued, so
every variant starts from the same backlog (batches 1-5, 6-10, ...). Keys with `hang-on-purpose` hang past
the function timeout and keys with `fail-on-purpose` raise (the chaos processor).

Deliveries are read from the function's log: the designs set `POWERTOOLS_LOGGER_LOG_EVENT`, so every
invocation logs its event (message ids, bodies, receive counts) when it starts. Figures per bad message:
seconds from its first delivery to the result of the next good message in upload order; for the run: seconds
from the start until every good file had a result, "Task timed out" lines, what ended in the DLQ, and whether
the good files were recorded in upload order.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tests.bench.harness.lambda_logs import FunctionLog
from tests.bench.harness.report import table, where
from tests.bench.harness.stack import object_keys

if TYPE_CHECKING:
    from tests.bench.harness.stack import StackView

POWERTOOLS_TIME = "%Y-%m-%d %H:%M:%S,%f%z"


def deliveries(log: FunctionLog) -> list[tuple[float, list[tuple[str, int]]]]:
    """(epoch seconds, [(object key, receive count)]) of every logged event, in time order."""
    found = []
    for line in log.json_lines:
        event = line.get("message")
        if not isinstance(event, dict) or not isinstance(event.get("Records"), list):
            continue
        try:
            at = datetime.strptime(str(line["timestamp"]), POWERTOOLS_TIME).timestamp()
        except (KeyError, ValueError):
            at = line.get("_timestamp_ms", 0) / 1000
        batch = []
        for record in event["Records"]:
            count = int(record.get("attributes", {}).get("ApproximateReceiveCount", 1))
            batch += [(key, count) for key in object_keys(record.get("body", ""))]
        found.append((at, batch))
    return sorted(found)


def analyse(  # noqa: PLR0917 - the scenario's parts, named at every call
    keys: list[str],
    bad: dict[str, str],
    started: float,
    recorded: dict[str, float],
    dead: set[str],
    seen: list[tuple[float, list[tuple[str, int]]]],
) -> dict[str, Any]:
    """The scenario's figures from what happened (pure: unit-tested)."""
    good = [key for key in keys if key not in bad]
    number = {key: index + 1 for index, key in enumerate(keys)}
    per_bad = []
    for key in keys:
        if key not in bad:
            continue
        first = next((at for at, batch in seen if any(k == key for k, _ in batch)), None)
        following = next((k for k in keys[keys.index(key) + 1 :] if k not in bad), None)
        result_at = recorded.get(following) if following else None
        per_bad.append(
            {
                "message": number[key],
                "fault": bad[key],
                "first_delivery_s": round(first - started, 1) if first else None,
                "next_good": number[following] if following else None,
                "seconds_to_next_good_result": round(result_at - first, 1) if first and result_at else None,
                "receives": max((c for _, batch in seen for k, c in batch if k == key), default=0),
            }
        )
    recorded_good = [key for key in good if key in recorded]
    in_order = sorted(recorded_good, key=lambda k: recorded[k]) == recorded_good
    return {
        "bad_messages": per_bad,
        "good_recorded": len(recorded_good),
        "good_total": len(good),
        "good_not_recorded": [number[k] for k in good if k not in recorded],
        "seconds_until_all_good": (
            round(max(recorded[k] for k in good) - started, 1) if len(recorded_good) == len(good) else None
        ),
        "dlq": sorted(number[k] for k in dead if k in number),
        "recorded_in_upload_order": in_order,
        "unaccounted": [number[k] for k in keys if k not in recorded and k not in dead],
        "deliveries": [
            [round(at - started, 1), [f"{number.get(k, '?')}x{c}" for k, c in batch]] for at, batch in seen
        ],
    }


def stall(view: StackView, settings: dict[str, Any]) -> dict[str, Any]:
    """Run the scenario on one FIFO design."""
    design = view.design
    uploads, hang_at, fail_at = settings["uploads"], set(settings["hang_at"]), set(settings["fail_at"])
    prefix = f"stall-{uuid.uuid4().hex[:6]}/"
    keys, bad = [], {}
    for number in range(1, uploads + 1):
        suffix = "-hang-on-purpose" if number in hang_at else "-fail-on-purpose" if number in fail_at else ""
        keys.append(f"{prefix}{number:02d}{suffix}.txt")
        if suffix:
            bad[keys[-1]] = "hang" if number in hang_at else "exception"
    view.set_mapping(enabled=False)
    view.purge()
    view.purge("dlq_url")
    s3 = view.client("s3")
    for key in keys:
        s3.put_object(Bucket=view.out["bucket_name"], Key=key, Body=f"{key}\n".encode())
        time.sleep(0.3)
    view.wait_queued(uploads, timeout=120)
    print(f"[{design.name}] {uploads} uploads queued; switching the mapping on", flush=True)
    started = time.time()
    view.start()
    deadline = time.monotonic() + settings["timeout_seconds"]
    dead: set[str] = set()
    recorded: dict[str, float] = {}
    while time.monotonic() < deadline:
        time.sleep(3)
        recorded = {r.key: r.processed_at for r in view.results(prefix)}
        if view.depth() == (0, 0) and sum(view.depth("dlq_url")) + len(recorded) >= uploads:
            break
    time.sleep(3)
    dead = {key for m in view.dlq_messages() for key in object_keys(m["Body"])}
    recorded = {r.key: r.processed_at for r in view.results(prefix)}
    view.set_mapping(enabled=False)
    log = FunctionLog.parse(view.log_events(started - 1))
    figures = analyse(keys, bad, started, recorded, dead, deliveries(log))
    result = {
        "design": design.name,
        "description": design.description,
        "timed_out": log.timed_out,
        "invocations": log.invocations,
        **figures,
    }
    print(f"[{design.name}] {json.dumps({k: v for k, v in result.items() if k != 'deliveries'})}", flush=True)
    return result


def stall_markdown(document: dict[str, Any]) -> str:
    """The stall table."""
    rows = []
    for run in document["runs"]:
        waits = ", ".join(
            f"{b['message']}→{b['next_good']}: {b['seconds_to_next_good_result']} s"
            if b["seconds_to_next_good_result"] is not None
            else f"{b['message']}→{b['next_good']}: never"
            for b in run["bad_messages"]
        )
        first = ", ".join(f"{b['message']}: {b['first_delivery_s']} s" for b in run["bad_messages"])
        all_good = run["seconds_until_all_good"]
        rows.append(
            [
                run["design"],
                first,
                waits,
                f"{all_good} s"
                if all_good is not None
                else "never (good files not recorded: " + ", ".join(map(str, run["good_not_recorded"])) + ")",
                run["timed_out"],
                ", ".join(map(str, run["dlq"])) or "none",
                "yes" if run["recorded_in_upload_order"] else "no",
                ", ".join(map(str, run["unaccounted"])) or "none",
            ]
        )
    s = document["settings"]
    return "\n".join(
        [
            f"# {document['suite']}: {document['description']}",
            "",
            where(document),
            "",
            "Function timeout 5 s, visibility 30 s, batch 5, maxReceiveCount 1 (2 for hold_group); "
            f"{s['uploads']} "
            f"uploads in one message group, hangs at {', '.join(map(str, s['hang_at']))}, exception at "
            f"{', '.join(map(str, s['fail_at']))}. Times from switching the event source mapping on.",
            "",
            table(
                [
                    "design",
                    "bad message first delivered at",
                    "bad message → next good result",
                    "every good file recorded after",
                    '"Task timed out"',
                    "in the DLQ",
                    "good files in upload order",
                    "unaccounted",
                ],
                rows,
            ),
        ]
    )
