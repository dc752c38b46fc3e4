"""`baton drain`: the relay loop run locally, its summary, and Ctrl-C without losing a message."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

import pytest

from tests.cli import interrupting
from tests.unit.builders import body_for_upload

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.cli.conftest import Cloud, Runner
    from tests.unit.builders import Queue

FAST = ("--wait-time", "1")
IN_PROCESS = ("--workers", "1")
"""The processor writes to moto's account, which lives in this process (a worker has its own copy)."""


@pytest.fixture(autouse=True)
def fresh_calls() -> Iterator[None]:
    interrupting.calls.clear()
    handler = signal.getsignal(signal.SIGINT)
    yield
    assert signal.getsignal(signal.SIGINT) is handler  # drain restored Ctrl-C handling


def upload(cloud: Cloud, queue: Queue, count: int) -> list[str]:
    names = [f"in/file {index:03d}.txt" for index in range(count)]
    queue.send_many(
        [body_for_upload(cloud.aws, key, cloud.aws.put(key, f"{key}\n".encode())) for key in names]
    )
    return names


def test_drains_the_queue_into_the_results_table(cloud: Cloud, baton: Runner) -> None:
    names = upload(cloud, cloud.relay, 25)

    result = baton("drain", *cloud.outputs("relay"), *FAST, *IN_PROCESS, "--json")

    assert result.code == 0, result.err
    summary = result.json()
    assert summary["stop_reason"] == "drained"
    assert (summary["received"], summary["processed"], summary["deleted"], summary["failed"]) == (
        25,
        25,
        25,
        0,
    )
    assert summary["rounds"] == 3
    assert summary["trigger"] == "baton drain"
    assert summary["relayed"] is False
    assert sorted(item["key"] for item in cloud.aws.results()) == names
    assert {item["queue"] for item in cloud.aws.results()} == {"baton-relay"}
    assert cloud.relay.depth() == (0, 0)
    idempotency = cloud.aws.dynamodb.scan(TableName=cloud.aws.idempotency_table)["Items"]
    assert len(idempotency) == 25  # the stack's idempotency table is used like the function uses it


def test_prints_the_summary_table(cloud: Cloud, baton: Runner) -> None:
    upload(cloud, cloud.relay, 3)
    cloud.relay.send("not json")

    result = baton(
        "drain", "--queue-url", cloud.relay.url, "--table", cloud.aws.results_table, *FAST, *IN_PROCESS
    )

    assert result.code == 3  # a message failed: it stays in the queue
    assert "baton drain · baton-relay" in result.out
    for line in ("received   4", "processed  3", "failed     1", "deleted    3", "drained"):
        assert " ".join(line.split()) in " ".join(result.out.split())
    assert "1 message failed: they stay in the queue" in result.out
    assert '"message failed"' in result.err  # the core's failure line goes to stderr
    assert cloud.relay.depth() == (0, 1)  # backing off, not lost


def test_first_ctrl_c_finishes_the_round_and_stops(cloud: Cloud, baton: Runner) -> None:
    upload(cloud, cloud.relay, 25)

    result = baton(
        "drain",
        *cloud.outputs("relay"),
        *FAST,
        "--processor",
        "tests.cli.interrupting:once",
        "--no-idempotency",
        *IN_PROCESS,
        "--json",
    )

    assert result.code == 130
    assert "stopping after this round" in result.err
    summary = result.json()
    assert summary["stop_reason"] == "interrupted"
    assert summary["rounds"] == 1
    assert summary["processed"] == summary["deleted"] == len(interrupting.calls) == 10
    assert cloud.relay.depth() == (15, 0)  # the rest waits in the queue, none in flight


def test_second_ctrl_c_aborts_and_messages_return_after_their_visibility_timeout(
    cloud: Cloud, baton: Runner
) -> None:
    upload(cloud, cloud.relay, 12)

    result = baton(
        "drain",
        *cloud.outputs("relay"),
        *FAST,
        "--processor",
        "tests.cli.interrupting:twice",
        "--no-idempotency",
        *IN_PROCESS,
    )

    assert result.code == 130
    assert (
        "aborted: messages received in the last round and not yet deleted return to the queue" in result.err
    )
    assert "visibility timeout (30s)" in result.err
    assert "aborted on a second Ctrl-C" in result.out
    assert len(interrupting.calls) == 1
    visible, in_flight = cloud.relay.depth()
    assert (visible, in_flight) == (2, 10)  # nothing deleted: the round's 10 come back after 30 s


def test_max_seconds_stops_before_a_round_that_would_not_fit(cloud: Cloud, baton: Runner) -> None:
    upload(cloud, cloud.relay, 2)

    result = baton("drain", *cloud.outputs("relay"), *FAST, "--max-seconds", "0.5", "--json")

    assert result.code == 0
    assert result.json()["stop_reason"] == "time_budget"
    assert result.json()["received"] == 0
    assert cloud.relay.depth() == (2, 0)


def test_drain_configuration_errors_are_one_line(cloud: Cloud, baton: Runner) -> None:
    bad_processor = baton("drain", *cloud.outputs("relay"), "--processor", "no.such.module:process")
    no_table = baton("drain", "--queue-url", cloud.relay.url)
    missing_table = baton("drain", "--queue-url", cloud.relay.url, "--table", "gone")
    bad_wait = baton("drain", *cloud.outputs("relay"), "--wait-time", "30")

    assert bad_processor.code == 1
    assert bad_processor.err.startswith(
        "baton: error: BATON_PROCESSOR='no.such.module:process': cannot import"
    )
    assert len(bad_processor.err.splitlines()) == 1
    assert no_table.err == (
        "baton: error: BATON_RESULTS_TABLE is not set: DigestProcessor records its results there; "
        "no results table is known (pass --table or --stack)\n"
    )
    assert missing_table.err == "baton: error: results table gone does not exist in region us-east-1\n"
    assert bad_wait.code == 2
    assert "'30' must be between 1 and 20" in bad_wait.err
    assert cloud.relay.depth() == (0, 0)


def test_workers_drain_the_queue_from_worker_processes(cloud: Cloud, baton: Runner) -> None:
    upload(cloud, cloud.relay, 30)

    result = baton(
        "drain", *cloud.outputs("relay"), *FAST, "--workers", "3", "--max-per-second", "200", "--json"
    )

    assert result.code == 0, result.err
    summary = result.json()
    assert (summary["workers"], summary["processed"], summary["deleted"], summary["failed"]) == (3, 30, 30, 0)
    assert summary["stop_reason"] == "drained"
    assert cloud.relay.depth() == (0, 0)


def test_worker_and_rate_options_are_validated(cloud: Cloud, baton: Runner) -> None:
    assert baton("drain", *cloud.outputs("relay"), "--workers", "33").code == 2
    assert baton("drain", *cloud.outputs("relay"), "--max-per-second", "0").code == 2
