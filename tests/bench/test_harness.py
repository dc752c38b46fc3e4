"""Unit tests of the proof harness's own logic: log parsing, call counting, specs, accounting, tables."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.bench.harness import spec
from tests.bench.harness.accounting import account
from tests.bench.harness.calls import Call, CallCounter, LogWindow, by_service, parse_calls, subtract
from tests.bench.harness.fifo_stall import analyse, deliveries
from tests.bench.harness.lambda_logs import FunctionLog, LogEvent
from tests.bench.harness.poller import BatchPoller
from tests.bench.harness.report import drain_markdown, earlier, provenance, table, update_readme
from tests.bench.harness.soak import busy_runtime, kill_points
from tests.bench.harness.stack import object_keys

if TYPE_CHECKING:
    from pathlib import Path

LOG = """\
2026-12-02T09:12:57.047  INFO [et.reactor-0] localstack.request.http    : GET /_localstack/baton/faults => 200
2026-12-02T09:12:57.057  INFO --- [et.reactor-4] localstack.request.aws     : AWS lambda.Invoke => 202
2026-12-02T09:12:59.336  INFO --- [t.reactor-10] localstack.request.aws     : AWS sqs.ReceiveMessage => 200
2026-12-02T09:12:59.400  INFO --- [t.reactor-10] localstack.request.aws     : AWS sqs.ReceiveMessage => 200
2026-12-02T09:13:00.002  INFO [et.reactor-7] localstack.request.aws     : AWS sqs.DeleteMessageBatch => 200
09:13:00.100 INFO localstack.request.aws : AWS lambda.Invoke => 429 (TooManyRequestsException)
2026-12-02T09:13:00.200  INFO --- [et.reactor-7] localstack.request.internal.aws : AWS sqs.SendMessage => 200
2026-12-02T09:13:00.300  WARN --- [t.reactor-10] l.aws.protocol.serializer  : Response object MetricAlarm
"""


def test_request_lines_are_counted_per_operation_and_status_internal_calls_are_not() -> None:
    calls, statuses = parse_calls(LOG.splitlines())
    assert calls == Counter(
        {Call("sqs", "ReceiveMessage"): 2, Call("lambda", "Invoke"): 2, Call("sqs", "DeleteMessageBatch"): 1}
    )
    assert statuses["lambda.Invoke 429"] == 1
    assert statuses["lambda.Invoke 202"] == 1
    assert by_service(calls) == {"lambda": 2, "sqs": 3}


def test_the_harness_calls_are_subtracted_and_cannot_exceed_what_was_logged() -> None:
    observed = {Call("sqs", "GetQueueAttributes"): 10, Call("sqs", "ReceiveMessage"): 3}
    assert subtract(observed, {Call("sqs", "GetQueueAttributes"): 10}) == {Call("sqs", "ReceiveMessage"): 3}
    with pytest.raises(ValueError, match="does not show"):
        subtract(observed, {Call("s3", "PutObject"): 1})


def test_the_log_window_holds_only_what_was_written_between_open_and_close(tmp_path: Path) -> None:
    path = tmp_path / "localstack.log"
    path.write_text("AWS before\n")
    window = LogWindow(path)
    window.open()
    with open(path, "a") as log:
        log.write(LOG)
        log.flush()
        window.close()
        log.write("2026 INFO localstack.request.aws : AWS sqs.ReceiveMessage => 200\n")
    calls, _ = parse_calls(window.lines())
    assert sum(calls.values()) == 5


def test_the_call_counter_counts_every_request_a_client_sends_with_its_service_name() -> None:
    counter = CallCounter()
    client = counter.attach(boto3.client("logs", region_name="us-east-1"))
    with Stubber(client) as stubber:
        stubber.add_response("describe_log_groups", {"logGroups": []})
        client.describe_log_groups()
    # The stubber answers before send; the counter hooks before-send, so count through a real event.
    client.meta.events.emit("before-send.cloudwatch-logs.FilterLogEvents", request=None)
    assert counter.snapshot() == Counter({Call("logs", "FilterLogEvents"): 1})


def test_report_lines_count_invocations_and_timeouts() -> None:
    events = [
        LogEvent(1, "START RequestId: a Version: $LATEST\n"),
        LogEvent(2, '{"message": "message processed", "level": "INFO"}\n'),
        LogEvent(3, "END RequestId: a\nREPORT RequestId: a\tDuration: 12.50 ms\tBilled Duration: 13 ms\t\n"),
        LogEvent(
            4, "2026 b Task timed out after 5.00 seconds\nREPORT RequestId: b\tDuration: 5000.00 ms\t\n"
        ),
        LogEvent(5, "RequestId: c Error: Runtime exited with error: signal: SIGKILL\nRuntime.ExitError\n"),
    ]
    log = FunctionLog.parse(events)
    assert (log.invocations, log.timed_out, log.runtime_exits) == (2, 1, 1)
    assert log.billed_ms == pytest.approx(5012.5)
    assert log.messages("message processed")[0]["_timestamp_ms"] == 2


def test_suites_expand_a_matrix_and_report_every_problem_at_once() -> None:
    suites = spec.parse(
        {
            "designs": {
                "w": {"root": "relay", "variables": {"processor": "p:q"}, "matrix": {"workers": [1, 4]}},
                "m": {"root": "bench", "start": "enable_mapping"},
            },
            "suites": {"s": {"kind": "drain", "designs": ["w", "m"], "sizes": [10]}},
        }
    )
    designs = suites["s"].designs
    assert [d.name for d in designs] == ["w[workers=1]", "w[workers=4]", "m"]
    assert designs[1].variables == {"processor": "p:q", "workers": 4}
    assert designs[1].slug == "w-workers-4"
    assert designs[2].mapping
    assert not designs[0].mapping
    chosen, unknown = suites["s"].only(["w", "m[workers=1]", "nope"])
    assert [d.name for d in chosen.designs] == ["w[workers=1]", "w[workers=4]"], (
        "a base name selects its matrix"
    )
    assert unknown == ["m[workers=1]", "nope"]
    assert [d.name for d in suites["s"].only(["w[workers=4]"])[0].designs] == ["w[workers=4]"]
    assert suites["s"].settings == {"sizes": [10]}
    with pytest.raises(spec.SpecError) as error:
        spec.parse(
            {
                "designs": {"x": {"root": "nowhere", "colour": 1}},
                "suites": {"s": {"kind": "?", "designs": ["y"]}},
            }
        )
    message = str(error.value)
    for problem in ("root must be", "unknown key 'colour'", "kind must be", "unknown design 'y'"):
        assert problem in message


def test_the_committed_suites_file_loads() -> None:
    suites = spec.load()
    assert {"relay", "fifo-stall", "soak"} <= set(suites)
    assert [d.name for d in suites["relay"].designs] == [
        "baton-relay",
        "original-relay",
        "event-source-mapping",
    ]


def test_accounting_balances_and_counts_a_killed_process_apart() -> None:
    books = account(
        ["a", "b", "c", "d"],
        results=[("a", 1), ("b", 2), ("c", 1)],
        dead_letters=["c", "d"],
    )
    assert (books.recorded, books.recorded_and_dead_lettered, books.dead_lettered, books.lost) == (2, 1, 1, 0)
    assert books.recorded_on_redelivery == 1
    assert books.balanced


@pytest.mark.parametrize(
    ("results", "dead", "queued", "field"),
    [
        ([("a", 1)], [], 0, "lost"),
        ([("a", 1), ("a", 2), ("b", 1)], [], 0, "duplicate_results"),
        ([("a", 1), ("b", 1), ("z", 1)], [], 0, "stray"),
        ([("a", 1), ("b", 1)], [], 3, "still_queued"),
    ],
)
def test_accounting_does_not_balance_when_anything_is_unaccounted(
    results: list[tuple[str, int]], dead: list[str], queued: int, field: str
) -> None:
    books = account(["a", "b"], results, dead, still_queued=queued)
    assert getattr(books, field) > 0
    assert not books.balanced


def test_object_keys_of_both_routes_decoded() -> None:
    s3 = json.dumps({"Records": [{"s3": {"object": {"key": "a+b%C3%BC.txt"}}}]})
    eventbridge = json.dumps({"source": "aws.s3", "detail": {"object": {"key": "x%20y.txt"}}})
    assert object_keys(s3) == ["a bü.txt"]
    assert object_keys(eventbridge) == ["x y.txt"]
    assert object_keys("not json") == []


def test_fifo_stall_figures_from_deliveries_and_results() -> None:
    keys = [f"{n:02d}" for n in range(1, 7)]
    bad = {"03": "hang"}
    seen = [(100.0, [("01", 1), ("02", 1), ("03", 1), ("04", 1), ("05", 1)]), (102.0, [("03", 2), ("06", 1)])]
    recorded = {"01": 100.5, "02": 100.7, "04": 101.8, "05": 101.9, "06": 102.5}
    figures = analyse(keys, bad, 99.0, recorded, {"03"}, seen)
    assert figures["bad_messages"] == [
        {
            "message": 3,
            "fault": "hang",
            "first_delivery_s": 1.0,
            "next_good": 4,
            "seconds_to_next_good_result": 1.8,
            "receives": 2,
        }
    ]
    assert figures["seconds_until_all_good"] == 3.5
    assert figures["recorded_in_upload_order"] is True
    assert figures["dlq"] == [3]
    assert figures["unaccounted"] == []
    late = analyse(keys, bad, 99.0, {**recorded, "04": 103.0}, {"03"}, seen)
    assert late["recorded_in_upload_order"] is False


def test_deliveries_are_read_from_logged_events() -> None:
    body = json.dumps({"detail": {"object": {"key": "k1"}}})
    line = {
        "message": {"Records": [{"body": body, "attributes": {"ApproximateReceiveCount": "2"}}]},
        "timestamp": "2026-12-02 09:00:00,500+0000",
    }
    log = FunctionLog.parse([LogEvent(0, json.dumps(line))])
    [(at, batch)] = deliveries(log)
    assert batch == [("k1", 2)]
    assert at % 60 == pytest.approx(0.5)


def test_kill_points_repeat_for_a_seed(tmp_path: Path) -> None:
    assert kill_points(5000, 0.005, 7) == kill_points(5000, 0.005, 7)
    assert len(kill_points(5000, 0.005, 7)) == 25
    assert kill_points(5000, 0.005, 7) != kill_points(5000, 0.005, 8)


def test_only_a_runtime_inside_an_invocation_is_chosen_for_a_kill(tmp_path: Path) -> None:
    idle, busy = tmp_path / "fn-aaaa", tmp_path / "fn-bbbb"
    for directory, pid, log in (
        (idle, 11, "START RequestId: a\nREPORT RequestId: a\n"),
        (busy, 22, "REPORT RequestId: a\nSTART RequestId: b\n"),
    ):
        directory.mkdir()
        (directory / "runtime.pid").write_text(f"{pid}\n")
        (directory / "runtime-1.log").write_text(log)
    assert busy_runtime("fn", tmp_path) == 22
    assert busy_runtime("other", tmp_path) is None


def test_tables_render_numbers_and_dashes() -> None:
    text = table(["a", "b"], [[1234, None], [0.5, "x|y"]])
    assert text.splitlines()[2] == "| 1,234 | - |"
    assert "x\\|y" in text


def test_the_drain_table_marks_the_mappings_sqs_calls_not_observable() -> None:
    run = {
        "objects": 10,
        "design": "m",
        "invocations": 2,
        "calls_per_message": {"s3": 1.0, "dynamodb": 3.0},
        "sqs_observable": False,
        "messages_per_second": 2.5,
        "stalled": False,
        "seconds_until_empty": 4.0,
        "results_recorded": 10,
        "dlq_depth": 0,
    }
    document = {
        "suite": "relay",
        "description": "d",
        "date": "2026-12-02T09:00:00+00:00",
        "commit": "abc",
        "machine": {"cpus": 2},
        "localstack": {"version": "4.14.0", "mode": "host"},
        "runs": [run],
    }
    row = next(line for line in drain_markdown(document).splitlines() if line.startswith("| 10 "))
    assert "n/o ¹" in row
    assert "Absolute times are LocalStack's" in drain_markdown(document)


def test_runs_kept_over_several_appends_each_name_the_invocation_that_measured_them() -> None:
    older = {
        "date": "2026-12-01T10:00:00+00:00",
        "commit": "aaa",
        "runs": [
            {
                "design": "x",
                "objects": 10,
                "measured": {"date": "2026-11-30T10:00:00+00:00", "commit": "zzz"},
            },
            {"design": "y", "objects": 10},
        ],
    }
    kept = [{**run, "measured": provenance(run, older)} for run in older["runs"]]
    assert [run["measured"]["commit"] for run in kept] == ["zzz", "aaa"]
    document = {
        "date": "2026-12-02T10:00:00+00:00",
        "commit": "bbb",
        "runs": [*kept, {"design": "y", "objects": 20}],
    }
    assert earlier(document) == (
        " Kept from 2026-11-30T10:00:00+00:00 (commit zzz): x 10."
        " Kept from 2026-12-01T10:00:00+00:00 (commit aaa): y 10."
    )


def test_the_readme_blocks_take_the_committed_tables(tmp_path: Path) -> None:
    readme, results = tmp_path / "README.md", tmp_path / "results"
    results.mkdir()
    (results / "relay.md").write_text("# relay: title\n\n| a |\n| --- |\n| 1 |\n")
    readme.write_text(
        "intro\n<!-- bench:relay -->\nold\n<!-- /bench:relay -->\nend\n"
        "<!-- bench:soak -->x<!-- /bench:soak -->\n"
    )
    assert update_readme(readme, results) == ["relay"]
    assert readme.read_text() == (
        "intro\n<!-- bench:relay -->\n| a |\n| --- |\n| 1 |\n<!-- /bench:relay -->\nend\n"
        "<!-- bench:soak -->x<!-- /bench:soak -->\n"
    )


def test_the_chart_is_drawn_from_the_results_file(tmp_path: Path) -> None:
    from tests.bench.harness.chart import draw

    run = {
        "design": "baton-relay",
        "objects": 10,
        "stalled": False,
        "messages_per_second": 2.0,
        "invocations": 1,
        "calls_per_message": {"sqs": 0.2},
        "sqs_observable": True,
    }
    mapping = {**run, "design": "event-source-mapping", "sqs_observable": False, "calls_per_message": {}}
    document = {
        "date": "2026-12-02",
        "localstack": {"version": "4.14.0", "mode": "host"},
        "machine": {"cpus": 2},
    }
    (tmp_path / "relay.json").write_text(json.dumps({**document, "runs": [run, mapping]}))
    path = draw(tmp_path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_workers_chart_plots_each_design_against_its_workers(tmp_path: Path) -> None:
    from tests.bench.harness.chart import draw_workers, workers_series

    runs = [
        {"design": f"d[workers={w}]", "stalled": False, "messages_per_second": 10.0 * w} for w in (4, 1, 2)
    ]
    runs.append({"design": "plain", "stalled": False, "messages_per_second": 3.0})
    assert workers_series(runs) == {"d": [(1, 10.0), (2, 20.0), (4, 40.0)]}
    assert draw_workers(tmp_path) is None  # no workers.json: nothing drawn
    document = {
        "date": "2026-12-02",
        "localstack": {"version": "4.14.0", "mode": "host"},
        "machine": {"cpus": 2},
    }
    (tmp_path / "workers.json").write_text(json.dumps({**document, "runs": runs}))
    path = draw_workers(tmp_path)
    assert path is not None
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_design_can_pass_variables_as_environment_variables_matrix_values_included() -> None:
    suites = spec.parse(
        {
            "designs": {
                "w": {
                    "root": "relay",
                    "matrix": {"workers": [1, 8]},
                    "environment": {"workers": "BATON_WORKERS", "max_messages_per_second": "BATON_RATE"},
                    "variables": {
                        "memory_size": 1024,
                        "max_messages_per_second": 20,
                        "extra_environment_variables": {"OTHER": "x"},
                    },
                },
                "f": {"root": "fifo", "message_groups": 4},
                "m": {"root": "fifo", "matrix": {"message_groups": [1, 4]}, "variables": {"workers": 4}},
            },
            "suites": {"s": {"kind": "drain", "designs": ["w", "f", "m"]}},
        }
    )
    eight = suites["s"].designs[1]
    assert eight.name == "w[workers=8]"
    assert eight.variables == {
        "memory_size": 1024,
        "extra_environment_variables": {"OTHER": "x", "BATON_WORKERS": "8", "BATON_RATE": "20"},
    }
    assert suites["s"].designs[2].message_groups == 4
    assert suites["s"].designs[0].message_groups is None
    # message_groups in a matrix names the designs like a variable but stays the harness's.
    one, four = suites["s"].designs[3:]
    assert (one.name, one.message_groups, one.variables) == ("m[message_groups=1]", 1, {"workers": 4})
    assert (four.name, four.message_groups, four.variables) == ("m[message_groups=4]", 4, {"workers": 4})
    # Without the `environment` line the same values are Terraform variables.
    assert spec.as_environment({"workers": 8}, {}) == {"workers": 8}
    with pytest.raises(spec.SpecError) as error:
        spec.parse(
            {
                "designs": {
                    "e": {"root": "relay", "environment": {"workers": "lower"}},
                    "g": {"root": "relay", "message_groups": 4},
                    "h": {"root": "fifo", "message_groups": 0},
                    "i": {"root": "fifo", "matrix": {"message_groups": [1, "4"]}},
                },
                "suites": {"s": {"kind": "drain", "designs": ["e", "g", "h", "i"]}},
            }
        )
    message = str(error.value)
    assert "designs.e.environment.workers must name an environment variable" in message
    assert "designs.g.message_groups" in message
    assert "designs.h.message_groups" in message
    assert "designs.i.message_groups" in message


def test_deployment_names_fit_the_stacks_limit_and_stay_distinct() -> None:
    from tests.bench.harness.deploy import NAME_LIMIT, deployment_name

    assert deployment_name("ab12", "fifo-skip") == "bab12-fifo-skip"
    long = [deployment_name("ab12", f"relay-rate-cap-max-messages-per-second-{n}") for n in (20, 50)]
    assert all(len(name) <= NAME_LIMIT for name in long)
    assert long[0] != long[1]
    assert all(name[-1].isalnum() for name in long)


def test_the_window_rate_counts_results_from_the_first_one() -> None:
    from tests.bench.harness.drain import window_rate

    times = [100.0 + i * 0.05 for i in range(1200)] + [165.0, 170.0]  # 20/s for 60 s, then two late ones
    assert window_rate(times, 60) == 20.0
    assert window_rate([], 60) is None
    assert window_rate([10.0, 11.0, 12.0], 60) == 1.0  # ran dry after 2 s: first to last result
    assert window_rate([10.0], 60) is None


def test_group_order_finds_inversions_per_group_only() -> None:
    from tests.bench.harness.drain import group_keys, group_order

    keys = group_keys("baton-send/drain-8-abc/", 8, 4)
    assert keys[:2] == ["baton-send/drain-8-abc/g0/000000.txt", "baton-send/drain-8-abc/g1/000001.txt"]
    # Groups interleave freely; within g2 object 6 is recorded before object 2.
    times = {0: 1.0, 4: 2.0, 1: 0.5, 5: 0.6, 2: 3.0, 6: 2.5, 3: 0.1, 7: 0.1}
    order = group_order([(keys[i], times[i]) for i in range(8)])
    assert order == {
        "g0": {"results": 2, "inversions": 0},
        "g1": {"results": 2, "inversions": 0},
        "g2": {"results": 2, "inversions": 1},
        "g3": {"results": 2, "inversions": 0},
    }
    assert group_order([("drain-1/000001.txt", 1.0)]) == {}


def _drain_run(design: str, rate: float | None, **extra: object) -> dict[str, object]:
    return {
        "objects": 100,
        "design": design,
        "invocations": 1,
        "calls_per_message": {"sqs": 0.2, "s3": 1.0, "dynamodb": 1.0},
        "sqs_observable": True,
        "messages_per_second": rate,
        "stalled": False,
        "seconds_until_empty": 10.0,
        "results_recorded": 100,
        "dlq_depth": 0,
        **extra,
    }


def _document(runs: list[dict[str, object]], designs: dict[str, object] | None = None) -> dict[str, object]:
    return {
        "suite": "workers",
        "description": "d",
        "date": "2026-12-02T09:00:00+00:00",
        "commit": "abc",
        "machine": {"cpus": 2},
        "localstack": {"version": "4.14.0", "mode": "host"},
        "settings": {},
        "designs": designs or {},
        "runs": runs,
    }


def test_the_workers_table_shows_the_speed_up_over_one_worker_of_the_same_design() -> None:
    from tests.bench.harness.report import speedup

    runs = [
        _drain_run("a[workers=1]", 10.0),
        _drain_run("a[workers=4]", 38.0),
        _drain_run("b[workers=4]", 50.0),  # no 1-worker run of b
        _drain_run("plain", 5.0),
    ]
    assert speedup(runs[1], runs) == 3.8
    assert speedup(runs[2], runs) is None
    assert speedup(runs[3], runs) is None
    text = drain_markdown(_document(runs))
    assert "speed-up over 1 worker" in text
    assert "| 100 | a[workers=4] | 1 | 0.20 | 1.00 | 1.00 | 38.00 | 3.80 |" in text
    assert "not observable" not in text.lower()  # no mapping run, no footnote


def test_the_groups_columns_say_whether_every_group_kept_its_order() -> None:
    runs = [
        _drain_run(
            "g[message_groups=1]",
            10.0,
            message_groups=1,
            group_order={"g0": {"results": 100, "inversions": 0}},
        ),
        _drain_run(
            "g[message_groups=4]",
            30.0,
            message_groups=4,
            group_order={"g0": {"results": 50, "inversions": 0}, "g1": {"results": 50, "inversions": 2}},
        ),
    ]
    runs[1]["note"] = "2 calls made by hand are subtracted."
    lines = drain_markdown(_document(runs)).splitlines()
    assert "| 1 | 1.00 | - | - | yes |" in next(line for line in lines if "=1] |" in line)
    assert "g[message_groups=4] N=100: 2 calls made by hand are subtracted." in lines
    assert "| 4 | 3.00 | - | - | no (g1: 2) |" in next(line for line in lines if "=4] |" in line)


def test_a_group_speed_up_compares_the_runs_of_one_design_only() -> None:
    from tests.bench.harness.report import group_speedup

    runs = [
        _drain_run("mapping[message_groups=1]", 10.0, message_groups=1),
        _drain_run("mapping[message_groups=4]", 11.0, message_groups=4),
        _drain_run("poll[message_groups=1]", 8.0, message_groups=1, poller={"invocations": 10}),
        _drain_run("poll[message_groups=4]", 28.0, message_groups=4, poller={"invocations": 10}),
        _drain_run("slow[message_groups=4]", 2.0, message_groups=4),  # no 1-group run of its own
    ]
    assert group_speedup(runs[1], runs) == 1.1
    assert group_speedup(runs[3], runs) == 3.5
    assert group_speedup(runs[4], runs) is None
    assert group_speedup(_drain_run("none", 5.0), runs) is None
    runs[2]["function_seconds"], runs[3]["function_seconds"] = 60.0, 20.0  # 600 and 200 ms per message
    assert group_speedup(runs[3], runs, by_function_time=True) == 3.0
    assert group_speedup(runs[1], runs, by_function_time=True) is None


def test_the_rate_table_compares_the_window_rate_with_the_cap() -> None:
    designs = {
        "c[max_messages_per_second=20]": {
            "variables": {"extra_environment_variables": {"BATON_MAX_MESSAGES_PER_SECOND": "20"}}
        },
        "c[max_messages_per_second=50]": {"variables": {"max_messages_per_second": 50}},
    }
    runs = [
        _drain_run(
            "c[max_messages_per_second=20]",
            None,
            measure_seconds=2,
            window_rate=19.5,
            results_per_second=[0, 0, 19, 20, 25],  # the 25 comes after the 2 s window
        ),
        _drain_run("c[max_messages_per_second=50]", None, measure_seconds=60, window_rate=44.0),
    ]
    lines = drain_markdown(_document(runs, designs)).splitlines()
    assert "achieved (results / s, first 60 s)" in lines[4]
    assert "| 20.00 | 19.50 | -2.5% | yes | 20 |" in next(line for line in lines if "=20]" in line)
    assert "| 50.00 | 44.00 | -12.0% | no | - |" in next(line for line in lines if "=50]" in line)


def test_batch_groups_counts_invocations_by_the_groups_their_results_belong_to() -> None:
    from tests.bench.harness.drain import batch_groups

    results = [
        ("r1", "p/g0/000000.txt"),
        ("r1", "p/g0/000004.txt"),
        ("r2", "p/g1/000001.txt"),
        ("r2", "p/g2/000002.txt"),
        ("r3", "p/g3/000003.txt"),
        ("", "p/g0/000008.txt"),  # no request id: not counted
    ]
    assert batch_groups(results) == {"1": 2, "2": 1}


class _Function:
    """A Lambda client stand-in: records each batch's (group, body) pairs and fails the bodies in `fail`."""

    def __init__(self, fail: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.batches: list[list[tuple[str, str]]] = []
        self._fail = fail

    def invoke(self, **kwargs: object) -> dict[str, object]:
        import io

        records = json.loads(kwargs["Payload"])["Records"]  # type: ignore[arg-type]
        self.batches.append([(r["attributes"]["MessageGroupId"], r["body"]) for r in records])
        failed = [{"itemIdentifier": r["messageId"]} for r in records if r["body"] in self._fail]
        self._fail = self._fail - {r["body"] for r in records}  # each fails once
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps({"batchItemFailures": failed}).encode())}


def _depth(sqs: Any, url: str) -> tuple[str, str]:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return attributes[names[0]], attributes[names[1]]


def _fifo_queue(groups: int, per_group: int) -> tuple[Any, str]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(
        QueueName="poll.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]
    for index in range(per_group):
        for group in range(groups):
            sqs.send_message(QueueUrl=url, MessageBody=f"g{group}-{index}", MessageGroupId=f"g{group}")
    return sqs, url


def _drained(sqs: Any, url: str, function: _Function, batch_size: int) -> BatchPoller:
    """A poller run over the queue until a step hands nothing over, then stopped."""
    poller = BatchPoller(
        sqs,
        function,
        queue_url=url,
        queue_arn="arn:aws:sqs:us-east-1:1:poll.fifo",
        function_name="f",
        batch_size=batch_size,
    )
    while poller.step():
        pass
    poller.stop()
    return poller


def test_the_poller_mixes_groups_in_a_batch_keeps_each_groups_order_and_deletes_what_succeeded() -> None:
    with mock_aws():
        sqs, url = _fifo_queue(groups=4, per_group=5)
        function = _Function()
        _drained(sqs, url, function, batch_size=10)
        bodies = [body for batch in function.batches for _, body in batch]
        assert sorted(bodies) == sorted(f"g{g}-{i}" for g in range(4) for i in range(5))
        assert len({group for group, _ in function.batches[0]}) > 1
        for group in range(4):
            mine = [int(body.split("-")[1]) for body in bodies if body.startswith(f"g{group}-")]
            assert mine == sorted(mine)
        assert _depth(sqs, url) == ("0", "0")


def test_the_poller_releases_a_failed_record_and_what_it_holds_of_its_group() -> None:
    with mock_aws():
        sqs, url = _fifo_queue(groups=2, per_group=8)
        function = _Function(fail={"g0-1"})
        poller = _drained(sqs, url, function, batch_size=4)
        assert poller.failed_records == 1
        assert function.batches[0] == [("g0", "g0-0"), ("g1", "g1-0"), ("g0", "g0-1"), ("g1", "g1-1")]
        g0 = [body for batch in function.batches for group, body in batch if group == "g0"]
        # the failed record came again before anything later of its group, which was not skipped either
        assert g0 == ["g0-0", "g0-1", "g0-1", *(f"g0-{i}" for i in range(2, 8))]
        assert _depth(sqs, url) == ("0", "0")


def test_soak_keys_spread_over_the_routes_of_a_grouped_stack() -> None:
    from tests.bench.harness.soak import soak_keys

    assert soak_keys("soak-1/", 2, []) == ["soak-1/00000.txt", "soak-1/00001.txt"]
    keys = soak_keys("soak-1/", 5, ["t0/", "t1/"])
    assert keys == [f"t{i % 2}/soak-1/{i:05d}.txt" for i in range(5)]


def _proc(root: Path, busy_ticks: int, processes: dict[int, tuple[int, int]], steal_ticks: int = 0) -> None:
    """A fake /proc: the machine's busy ticks (user, and steal), and pid -> (parent, ticks of
    utime+stime+cutime+cstime)."""
    root.mkdir(exist_ok=True)
    (root / "stat").write_text(f"cpu  {busy_ticks} 0 0 999999 0 0 0 {steal_ticks} 0 0\ncpu0 1 2 3\n")
    for pid, (parent, ticks) in processes.items():
        (root / str(pid)).mkdir(exist_ok=True)
        # a command name with a space and a parenthesis, as /proc allows
        (root / str(pid) / "stat").write_text(
            f"{pid} (py (x) y) S {parent} 0 0 0 0 0 0 0 0 0 {ticks} 0 0 0 20\n"
        )


def test_other_work_is_the_machines_cpu_minus_the_runs_process_tree(tmp_path: Path) -> None:
    from tests.bench.harness.machine import CpuShare, _ticks, tree_cpu

    proc, hz = tmp_path / "proc", _ticks()
    # 10: LocalStack, 11: a Lambda runtime under it, 12: its worker; 20: the harness; 30: someone else
    _proc(proc, 0, {10: (1, 0), 11: (10, 0), 12: (11, 0), 20: (1, 0), 30: (1, 0)})
    assert tree_cpu([10], proc) == 0
    now = iter([100.0, 110.0])
    share = CpuShare([10, 20], proc, clock=lambda: next(now))
    share.start()
    # 5 s of user time and 2 s stolen by the hypervisor
    _proc(proc, 5 * hz, {10: (1, hz), 11: (10, hz), 12: (11, hz), 20: (1, hz // 2), 30: (1, 3 * hz)}, 2 * hz)
    assert tree_cpu([10], proc) == 3.0
    figures = share.stop()
    assert figures is not None
    assert figures == {
        "seconds": 10.0,
        "machine_cpus": 0.7,
        "run_cpus": 0.35,
        "other_cpus": 0.35,
        "stolen_cpus": 0.2,
    }
    assert CpuShare([], proc).stop() is None


def test_the_busy_note_uses_measured_other_work_where_a_run_has_it() -> None:
    from tests.bench.harness.report import busy

    alone = _drain_run("a", 10.0, cpu={"other_cpus": 0.05}, load_average={"mean": 3.5})
    shared = _drain_run("b", 10.0, cpu={"other_cpus": 0.9}, load_average={"mean": 3.5})
    note = busy(_document([alone]))
    assert "at most 0.05 in any run: the runs had the machine to themselves" in note
    assert "load average" not in note
    note = busy(_document([alone, shared]))
    assert "above 0.2 during b N=100 (0.90)" in note
    stolen = _drain_run("s", 10.0, cpu={"other_cpus": 0.45, "stolen_cpus": 0.39})
    assert "s N=100 (0.45, 0.39 of it stolen by the hypervisor)" in busy(_document([stolen]))
    old = _drain_run("c", 10.0, load_average={"mean": 4.0})
    assert "c N=100" in busy(_document([old]))
    assert "predate" in busy(_document([old]))
