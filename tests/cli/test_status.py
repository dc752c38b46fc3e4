"""`baton status` against moto: counts, CloudWatch figures (present, absent, unreachable), latest results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import boto3
from botocore.stub import Stubber

from tests.cli.conftest import REGION, use_client

if TYPE_CHECKING:
    import pytest

    from tests.cli.conftest import Cloud, Runner


def test_one_section_per_stack_without_cloudwatch_data(cloud: Cloud, baton: Runner) -> None:
    cloud.relay.send_many(["a", "b", "c"])
    cloud.aws.sqs.send_message(QueueUrl=cloud.fifo.dlq_url, MessageBody="dead", MessageGroupId="g")

    result = baton("status", *cloud.outputs("relay"), *cloud.outputs("fifo"))

    assert result.code == 0, result.err
    assert result.err == ""
    relay, fifo = result.out.split("fifo ·")
    assert "relay ·" in relay
    assert "3 waiting · 0 in flight · 0 delayed" in relay
    assert "maxReceiveCount 3" in relay
    assert "oldest n/a" in relay
    assert "last hour: 0 invocations · 0 errors · 0 throttles" in relay
    assert "processor consumer.processors.digest:process" in relay
    assert "none today or yesterday" in relay
    assert "baton-fifo-dlq.fifo" in fifo
    assert "1 message " in fifo
    assert "processor consumer.processors.chaos:process" in fifo
    assert "undelivered" in fifo
    assert "baton-fifo-object-created-delivery-dlq" in fifo
    assert "baton dlq peek --events" not in fifo  # nothing undelivered


def test_undelivered_events_show_on_the_fifo_screen(cloud: Cloud, baton: Runner) -> None:
    cloud.aws.sqs.send_message(QueueUrl=cloud.delivery_dlq_url, MessageBody="{}")

    screen = baton("status", *cloud.outputs("fifo"))
    [section] = baton("status", *cloud.outputs("fifo"), "--json").json()

    assert screen.code == 0, screen.err
    assert "1 message · " in screen.out
    assert "not delivered to the queue: baton dlq peek --events" in screen.out
    assert section["delivery_dlq"]["name"] == "baton-fifo-object-created-delivery-dlq"
    assert section["delivery_dlq"]["visible"] == 1


def test_json_has_the_counts_and_marks_missing_metrics(cloud: Cloud, baton: Runner) -> None:
    cloud.relay.send_many(["a", "b"])
    received = cloud.aws.sqs.receive_message(QueueUrl=cloud.relay.url, MaxNumberOfMessages=1)
    assert received["Messages"]

    result = baton("status", *cloud.outputs("relay"), "--json")

    assert result.code == 0
    [section] = result.json()
    assert section["variant"] == "relay"
    queue = section["queue"]
    assert (queue["visible"], queue["in_flight"], queue["delayed"]) == (1, 1, 0)
    assert queue["oldest_age_seconds"] is None
    assert "no CloudWatch data" in queue["oldest_age_note"]
    assert section["dlq"]["name"] == "baton-relay-dlq"
    assert section["function"]["invocations"] == 0
    assert section["problems"] == []


def test_cloudwatch_figures_when_there_are_datapoints(cloud: Cloud, baton: Runner) -> None:
    now = datetime.now(UTC)
    cloud.cloudwatch.put_metric_data(
        Namespace="AWS/SQS",
        MetricData=[
            {
                "MetricName": "ApproximateAgeOfOldestMessage",
                "Dimensions": [{"Name": "QueueName", "Value": "baton-relay"}],
                "Timestamp": now - timedelta(minutes=3),
                "Value": 600,
            },
            {
                "MetricName": "ApproximateAgeOfOldestMessage",
                "Dimensions": [{"Name": "QueueName", "Value": "baton-relay"}],
                "Timestamp": now - timedelta(minutes=1),
                "Value": 125,
            },
        ],
    )
    cloud.cloudwatch.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": [{"Name": "FunctionName", "Value": "baton-relay"}],
                "Timestamp": now - timedelta(minutes=minutes),
                "Value": value,
            }
            for name, minutes, value in (
                ("Invocations", 20, 30),
                ("Invocations", 2, 12),
                ("Errors", 2, 1),
                ("Throttles", 2, 2),
            )
        ],
    )

    text = baton("status", *cloud.outputs("relay"))
    data = baton("status", *cloud.outputs("relay"), "--json").json()[0]

    assert text.code == 0
    assert "oldest 2m 05s" in text.out
    assert "last hour: 42 invocations · 1 error · 2 throttles" in text.out
    assert data["queue"]["oldest_age_seconds"] == 125
    assert (data["function"]["invocations"], data["function"]["errors"]) == (42, 1)


def test_unreachable_cloudwatch_shows_na_and_the_rest(
    cloud: Cloud, baton: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    stubber = Stubber(cloudwatch)
    stubber.add_client_error("get_metric_data", "AccessDenied", "not allowed", 403)
    stubber.activate()
    use_client(monkeypatch, "cloudwatch", cloudwatch)
    cloud.relay.send("a")

    result = baton("status", *cloud.outputs("relay"))

    assert result.code == 0, result.err
    assert "1 waiting" in result.out
    assert "last hour: n/a (CloudWatch unavailable (AccessDenied: not allowed))" in result.out
    stubber.assert_no_pending_responses()


def test_latest_results_newest_first_across_today_and_yesterday(cloud: Cloud, baton: Runner) -> None:
    now = datetime.now(UTC)
    today, yesterday = now.strftime("%Y-%m-%d"), (now - timedelta(days=1)).strftime("%Y-%m-%d")
    stamps = [now - timedelta(minutes=minutes) for minutes in (1, 2)]
    for index, stamp in enumerate(stamps):
        cloud.put_result(
            f"today-{index}.txt", day=today, processed_at=stamp.isoformat(timespec="milliseconds")
        )
    old = (now - timedelta(days=1)).replace(hour=23, minute=59)
    cloud.put_result("yesterday.txt", day=yesterday, processed_at=old.isoformat(timespec="milliseconds"))
    cloud.put_result("older.txt", day=yesterday, processed_at=old.replace(hour=1).isoformat())

    data = baton("status", *cloud.outputs("relay"), "--json", "--results", "3").json()[0]
    text = baton("status", *cloud.outputs("relay"))

    assert [item["key"] for item in data["results"]["items"]] == [
        "today-0.txt",
        "today-1.txt",
        "yesterday.txt",
    ]
    assert "today-0.txt" in text.out
    assert "recorded" in text.out
    assert "1m 00s ago" in text.out or "59s ago" in text.out or "1m 01s ago" in text.out


def test_explicit_names_without_a_stack(cloud: Cloud, baton: Runner) -> None:
    result = baton("status", "--queue-url", cloud.fifo.url, "--json")

    assert result.code == 0
    [section] = result.json()
    assert section["variant"] == "fifo"
    assert section["source"] == "options"
    assert section["dlq"]["name"] == "baton-fifo-dlq.fifo"  # found through the redrive policy
    assert section["function"] is None
    assert section["results"] is None


def test_missing_function_and_table_are_reported_and_exit_1(cloud: Cloud, baton: Runner) -> None:
    result = baton(
        "status", "--queue-url", cloud.relay.url, "--function", "nope", "--table", "missing-results"
    )

    assert result.code == 1
    assert "0 waiting" in result.out
    assert result.err.splitlines() == [
        "baton: function nope does not exist in region us-east-1",
        "baton: results table missing-results does not exist in region us-east-1",
    ]
