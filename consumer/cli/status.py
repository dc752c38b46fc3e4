"""`baton status`: one screen per deployment: queue, dead letters, the function, the latest results.

For the FIFO variant the screen also shows the route's delivery DLQ (events EventBridge could not deliver to
the queue; stack output `delivery_dlq_url`), which is otherwise invisible: its events never reach the queue.

Queue counts come from `GetQueueAttributes` (approximate: they can lag about a minute behind producers). The
age of the oldest message and the function's invocations, errors and throttles come from CloudWatch; when
CloudWatch cannot be reached they show as n/a and the rest of the screen still works. The latest results are
read from the results table's `recent` index (today's and yesterday's UTC partitions, newest first).
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from consumer.cli import ui
from consumer.cli.argtypes import int_between
from consumer.cli.aws import Aws, ResourceError, error_code, queue_name, resource
from consumer.cli.resources import (
    dlq_url_for,
    function_configuration,
    max_receive_count,
    processor_of,
    queue_attributes,
)
from consumer.cli.stack import Stack, discover_many

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.type_defs import MetricDataQueryTypeDef

RECENT_INDEX = "recent"
METRICS_WINDOW = timedelta(hours=1)
AGE_PERIOD = 60
LAMBDA_PERIOD = 300

EPILOG = """\
examples:
  baton status --stack terraform/stacks/relay
  baton status --outputs relay.json --outputs fifo.json      one section per stack
  baton status --queue-url "$QUEUE_URL" --function my-fn --table my-results
  baton status --stack terraform/stacks/fifo --json | jq '.[0].queue'

Queue counts are approximate and can lag about a minute. Age of the oldest message and the function's
invocations/errors/throttles (sums over the last hour) come from CloudWatch and show n/a when it cannot be
reached. Exit status 1 when a resource of a stack is missing (the rest is still shown).
"""


@dataclass(slots=True)
class QueueState:
    """A queue's counts."""

    name: str
    url: str
    visible: int
    in_flight: int
    delayed: int
    oldest_age_seconds: float | None = None
    oldest_age_note: str | None = None
    max_receive_count: int | None = None
    visibility_timeout: int | None = None

    @property
    def total(self) -> int:
        """Messages in the queue, whatever their state."""
        return self.visible + self.in_flight + self.delayed


@dataclass(slots=True)
class FunctionState:
    """A function's configuration and recent activity."""

    name: str
    processor: str | None = None
    state: str | None = None
    timeout: int | None = None
    triggers: list[str] = field(default_factory=list)
    invocations: float | None = None
    errors: float | None = None
    throttles: float | None = None
    metrics_note: str | None = None


@dataclass(slots=True)
class ResultsState:
    """The latest result records."""

    table: str
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Section:
    """What `status` shows for one deployment."""

    variant: str
    source: str
    queue: QueueState | None = None
    dlq: QueueState | None = None
    delivery_dlq: QueueState | None = None
    """FIFO: events EventBridge could not deliver to the queue."""
    function: FunctionState | None = None
    results: ResultsState | None = None
    problems: list[str] = field(default_factory=list)


def add_parser(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register `baton status`."""
    parser = subparsers.add_parser(
        "status",
        parents=parents,
        help="queue depth, in flight, DLQ, function activity and latest results, per stack",
        description="Show each deployment's queue, dead-letter queue, function activity and latest results.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--results",
        type=int_between(0, 100),
        default=5,
        metavar="N",
        help="how many of the latest result records to show (default 5, 0 to skip)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of the screen")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, aws: Aws) -> int:
    """`baton status`."""
    stacks = discover_many(args)
    now = datetime.now(UTC)
    sections = [gather(aws, stack, now=now, results=max(args.results, 0)) for stack in stacks]
    if args.json:
        ui.print_json([asdict(section) for section in sections])
    else:
        out = ui.console()
        for section in sections:
            out.print(render(section, now))
    problems = [problem for section in sections for problem in section.problems]
    for problem in problems:
        ui.notice(problem)
    return 1 if problems else 0


def gather(aws: Aws, stack: Stack, *, now: datetime, results: int) -> Section:
    """Everything `status` shows for one stack."""
    section = Section(variant=stack.kind, source=stack.source)
    queue_url = stack.require("queue_url")
    try:
        attributes = queue_attributes(aws, queue_url)
    except ResourceError as error:
        section.problems.append(error.message)
        attributes = {}
    else:
        section.queue = _queue_state(queue_url, attributes)
    dlq_url = stack.dlq_url
    if dlq_url is None and attributes:
        try:
            dlq_url = dlq_url_for(aws, attributes)
        except ResourceError as error:
            section.problems.append(error.message)
    if dlq_url:
        try:
            section.dlq = _queue_state(dlq_url, queue_attributes(aws, dlq_url, "dead-letter queue"))
        except ResourceError as error:
            section.problems.append(error.message)
    if stack.delivery_dlq_url:
        try:
            section.delivery_dlq = _queue_state(
                stack.delivery_dlq_url, queue_attributes(aws, stack.delivery_dlq_url, "delivery DLQ")
            )
        except ResourceError as error:
            section.problems.append(error.message)
    if stack.function:
        section.function = _function_state(aws, stack.function, section)
    _add_metrics(aws, section, now)
    if stack.results_table and results:
        section.results = _results(aws, stack.results_table, results, now, section)
    return section


def _queue_state(url: str, attributes: dict[str, str]) -> QueueState:
    def number(name: str) -> int:
        try:
            return int(attributes.get(name, "0"))
        except ValueError:
            return 0

    visibility = attributes.get("VisibilityTimeout")
    return QueueState(
        name=queue_name(url),
        url=url,
        visible=number("ApproximateNumberOfMessages"),
        in_flight=number("ApproximateNumberOfMessagesNotVisible"),
        delayed=number("ApproximateNumberOfMessagesDelayed"),
        max_receive_count=max_receive_count(attributes),
        visibility_timeout=int(visibility) if visibility and visibility.isdigit() else None,
    )


def _function_state(aws: Aws, name: str, section: Section) -> FunctionState | None:
    try:
        configuration = function_configuration(aws, name)
    except ResourceError as error:
        section.problems.append(error.message)
        return None
    state = FunctionState(
        name=name,
        processor=processor_of(configuration),
        state=configuration.get("State"),
        timeout=configuration.get("Timeout"),
    )
    try:
        mappings = aws.lambda_().list_event_source_mappings(FunctionName=name).get("EventSourceMappings", [])
    except (ClientError, BotoCoreError):
        mappings = []
    for mapping in mappings:
        source = str(mapping.get("EventSourceArn", "")).rsplit(":", 1)[-1]
        state.triggers.append(
            f"{source} ({mapping.get('State', '?')}, batch {mapping.get('BatchSize', '?')})"
        )
    return state


def _add_metrics(aws: Aws, section: Section, now: datetime) -> None:
    """Fill in CloudWatch figures; on failure leave them None with a note."""
    queries = _metric_queries(section)
    if not queries:
        return
    try:
        response = aws.cloudwatch().get_metric_data(
            MetricDataQueries=queries,
            StartTime=now - METRICS_WINDOW,
            EndTime=now,
            ScanBy="TimestampDescending",
        )
    except (ClientError, BotoCoreError) as error:
        note = f"CloudWatch unavailable ({_short_reason(error)})"
        for queue in _queues(section).values():
            if queue is not None:
                queue.oldest_age_note = note
        if section.function is not None:
            section.function.metrics_note = note
        return
    series: dict[str, list[tuple[datetime, float]]] = {}
    for result in response.get("MetricDataResults", []):
        points = sorted(zip(result.get("Timestamps", []), result.get("Values", []), strict=False))
        series[result.get("Id", "")] = points
    for ident, queue in _queues(section).items():
        if queue is None:
            continue
        points = series.get(ident, [])
        if points:
            queue.oldest_age_seconds = points[-1][1]
        else:
            queue.oldest_age_note = "no CloudWatch data"
    if section.function is not None:
        # No datapoints means no activity: Lambda only publishes these metrics when something happened.
        section.function.invocations = sum(value for _, value in series.get("inv", []))
        section.function.errors = sum(value for _, value in series.get("err", []))
        section.function.throttles = sum(value for _, value in series.get("thr", []))


def _queues(section: Section) -> dict[str, QueueState | None]:
    """The section's queues by metric query id."""
    return {"qage": section.queue, "dage": section.dlq, "eage": section.delivery_dlq}


def _metric_queries(section: Section) -> list[MetricDataQueryTypeDef]:
    queries: list[MetricDataQueryTypeDef] = []
    for ident, queue in _queues(section).items():
        if queue is not None:
            queries.append(_query(ident, "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue.name))
    if section.function is not None:
        for ident, metric in (("inv", "Invocations"), ("err", "Errors"), ("thr", "Throttles")):
            queries.append(_query(ident, "AWS/Lambda", metric, "FunctionName", section.function.name))
    return queries


def _query(ident: str, namespace: str, metric: str, dimension: str, value: str) -> MetricDataQueryTypeDef:
    lambda_metric = namespace == "AWS/Lambda"
    return {
        "Id": ident,
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": metric,
                "Dimensions": [{"Name": dimension, "Value": value}],
            },
            "Period": LAMBDA_PERIOD if lambda_metric else AGE_PERIOD,
            "Stat": "Sum" if lambda_metric else "Maximum",
        },
        "ReturnData": True,
    }


def _results(aws: Aws, table: str, limit: int, now: datetime, section: Section) -> ResultsState | None:
    state = ResultsState(table=table)
    client = aws.dynamodb()
    for day in (now, now - timedelta(days=1)):
        if len(state.items) >= limit:
            break
        try:
            with resource(aws, "results table", table):
                response = client.query(
                    TableName=table,
                    IndexName=RECENT_INDEX,
                    KeyConditionExpression="#day = :day",
                    ExpressionAttributeNames={"#day": "day"},
                    ExpressionAttributeValues={":day": {"S": day.strftime("%Y-%m-%d")}},
                    ScanIndexForward=False,
                    Limit=limit - len(state.items),
                )
        except ResourceError as error:
            section.problems.append(error.message)
            return None
        except ClientError as error:
            if error_code(error) != "ValidationException":
                raise
            section.problems.append(f"results table {table} cannot be read by day: {_short_reason(error)}")
            return None
        state.items.extend(plain(item) for item in response.get("Items", []))
    return state


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain values."""
    result: dict[str, Any] = {}
    for name, typed in item.items():
        kind, value = next(iter(typed.items()))
        if kind == "N":
            number = float(value)
            result[name] = int(number) if number.is_integer() else number
        elif kind == "NULL":
            result[name] = None
        else:
            result[name] = value
    return result


def _short_reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        return f"{error_code(error)}: {error.response.get('Error', {}).get('Message', '')}".rstrip(": ")
    return ui.abbreviate(str(error), 120)


# -- rendering ------------------------------------------------------------------------------------------


def render(section: Section, now: datetime) -> Panel:
    """The screen for one deployment."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_column()
    if section.queue is not None:
        grid.add_row("queue", section.queue.name, _queue_line(section.queue, dead_letters=False))
    if section.dlq is not None:
        grid.add_row("DLQ", section.dlq.name, _queue_line(section.dlq, dead_letters=True))
    if section.delivery_dlq is not None:
        line = _queue_line(section.delivery_dlq, dead_letters=True)
        if section.delivery_dlq.total:
            line.append(" · not delivered to the queue: baton dlq peek --events", style="red")
        grid.add_row("undelivered", section.delivery_dlq.name, line)
    function = section.function
    if function is not None:
        grid.add_row("function", function.name, _function_line(function))
        details = f"processor {function.processor}"
        if function.timeout:
            details += f" · timeout {function.timeout}s"
        if function.state and function.state != "Active":
            details += f" · state {function.state}"
        grid.add_row("", "", details)
        for trigger in function.triggers:
            grid.add_row("", "", f"trigger {trigger}")
    parts: list[Any] = [grid]
    if section.results is not None and section.results.items:
        parts.append(_results_table(section.results, now))
    elif section.results is not None:
        parts.append(Text(f"latest results · {section.results.table}: none today or yesterday", style="dim"))
    for problem in section.problems:
        parts.append(Text(f"! {problem}", style="red"))
    return Panel(
        Group(*parts),
        title=f"[bold]{section.variant}[/] · {section.source}",
        title_align="left",
        expand=False,
    )


def _queue_line(queue: QueueState, *, dead_letters: bool) -> Text:
    text = Text()
    if dead_letters:
        count = queue.total
        text.append(ui.plural(count, "message"), style="bold red" if count else "green")
    else:
        text.append(f"{queue.visible} waiting", style="bold" if queue.visible else "")
        text.append(f" · {queue.in_flight} in flight · {queue.delayed} delayed")
    age = ui.duration(queue.oldest_age_seconds)
    text.append(f" · oldest {age}")
    if queue.oldest_age_seconds is None and queue.oldest_age_note:
        text.append(f" ({queue.oldest_age_note})", style="dim")
    if not dead_letters and queue.max_receive_count is not None:
        text.append(f" · maxReceiveCount {queue.max_receive_count}", style="dim")
    return text


def _function_line(function: FunctionState) -> Text:
    text = Text()
    if function.invocations is None:
        text.append(f"last hour: n/a ({function.metrics_note or 'no CloudWatch'})", style="dim")
        return text
    errors, throttles = int(function.errors or 0), int(function.throttles or 0)
    text.append(f"last hour: {ui.plural(int(function.invocations), 'invocation')} · ")
    text.append(ui.plural(errors, "error"), style="bold red" if errors else "")
    text.append(" · ")
    text.append(ui.plural(throttles, "throttle"), style="yellow" if throttles else "")
    return text


def _results_table(results: ResultsState, now: datetime) -> Table:
    table = Table(
        title=f"latest results · {results.table}",
        title_justify="left",
        expand=False,
        show_edge=False,
        pad_edge=False,
    )
    for column in ("processed", "status", "key", "size", "lines"):
        table.add_column(column, justify="right" if column in {"size", "lines"} else "left")
    for item in results.items:
        table.add_row(
            _when(item.get("processed_at"), now),
            str(item.get("status", "")),
            ui.abbreviate(str(item.get("key", "")), 60),
            ui.size(item["size"]) if isinstance(item.get("size"), int) else "",
            str(item.get("lines", "")),
        )
    return table


def _when(processed_at: Any, now: datetime) -> str:
    if not isinstance(processed_at, str):
        return ""
    try:
        moment = datetime.fromisoformat(processed_at)
    except ValueError:
        return processed_at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.strftime('%H:%M:%S')} ({ui.duration((now - moment).total_seconds())} ago)"
