"""`baton dlq peek` and `baton dlq redrive`: look into the dead-letter queue, and move its messages back.

peek receives messages with a short visibility timeout and sets it back to 0 afterwards, so nothing is
consumed. For each message it shows the object the event names and, when the function's log group can be
read, the failure the consumer logged for that message id (its "message failed" line).

redrive starts an SQS message move task (`StartMessageMoveTask`) from the DLQ to its source queue (or
`--to`), optionally rate limited, and follows it with `ListMessageMoveTasks` until it ends. SQS allows one
active move task per queue; baton refuses to start while one is running.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from consumer.cli import ui
from consumer.cli.argtypes import int_between, non_negative_float
from consumer.cli.aws import Aws, CliError, error_code, queue_name, resource
from consumer.cli.resources import queue_attributes, resolve_dlq
from consumer.cli.stack import discover
from relay_common.errors import InvalidMessageError
from relay_common.events import parse_message
from relay_common.sqs import Receipt, change_visibility

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import ListMessageMoveTasksResultEntryTypeDef, MessageTypeDef

PEEK_VISIBILITY = 30
"""Seconds a peeked message stays hidden at most (it is made visible again as soon as the peek is done)."""
LOG_LOOKBACK_MS = 60_000
LOG_PAGES = 5
FAILED_LINE = "message failed"
HELD_LINE = "held behind an earlier failure in its group"
FINISHED = frozenset({"COMPLETED", "CANCELLED", "FAILED"})

PEEK_EPILOG = """\
examples:
  baton dlq peek --stack terraform/stacks/fifo
  baton dlq peek --dlq-url "$DLQ_URL" --function baton-demo-fifo --max 50
  baton dlq peek --outputs relay.json --json | jq '.[].failure'
  baton dlq peek --stack terraform/stacks/fifo --events      events EventBridge could not deliver

Messages are received with a short visibility timeout and made visible again at once: nothing is consumed,
but each peek counts as a receive. On a FIFO DLQ only the first messages of each group can be seen while
earlier ones are in flight. The failure comes from the function's log group (/aws/lambda/<function>);
with --events, from the ERROR_CODE and ERROR_MESSAGE attributes EventBridge puts on an event it could not
deliver (stack output delivery_dlq_url).
"""

REDRIVE_EPILOG = """\
examples:
  baton dlq redrive --stack terraform/stacks/fifo
  baton dlq redrive --outputs relay.json --rate 50
  baton dlq redrive --dlq-url "$DLQ_URL" --to arn:aws:sqs:us-east-1:123456789012:replay --no-wait

Without --to the messages go back to the queue they were dead-lettered from. SQS runs one move task per
queue: baton refuses to start when one is already running. Ctrl-C stops watching; the task carries on.
"""


@dataclass(slots=True)
class Failure:
    """The failure the consumer logged for a message."""

    error_type: str | None
    error: str | None
    logged_at: str | None


@dataclass(slots=True)
class Peeked:
    """One dead-lettered message."""

    message_id: str
    sent_at: str | None
    age_seconds: float | None
    receive_count: int | None
    group: str | None
    source_queue: str | None
    body: str
    sent_epoch_ms: int | None = None
    objects: list[str] = field(default_factory=list)
    parse_error: str | None = None
    failure: Failure | None = None
    failure_note: str | None = None


def add_parser(
    subparsers: Any, parents: list[argparse.ArgumentParser], connection: argparse.ArgumentParser
) -> None:
    """Register `baton dlq peek` and `baton dlq redrive`."""
    group = subparsers.add_parser(
        "dlq",
        parents=[connection],
        help="dead-letter queue: peek at messages, redrive them",
        description="Look into the dead-letter queue without consuming it, or move its messages back.",
        epilog="examples:\n  baton dlq peek --stack terraform/stacks/fifo\n"
        "  baton dlq redrive --stack terraform/stacks/fifo --rate 50",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group.set_defaults(usage_parser=group)
    commands = group.add_subparsers(title="commands", metavar="COMMAND")

    peek = commands.add_parser(
        "peek",
        parents=parents,
        help="show dead-lettered messages and why they failed, without consuming them",
        description="Show dead-lettered messages (id, sent time, receive count, object, the failure logged\n"
        "by the consumer, body) without consuming them.",
        epilog=PEEK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    peek.add_argument(
        "--max", type=int_between(1, 1000), default=10, metavar="N", help="at most N messages (10)"
    )
    peek.add_argument("--no-logs", action="store_true", help="do not search the function's logs for failures")
    peek.add_argument(
        "--events",
        action="store_true",
        help="FIFO: peek at the route's delivery DLQ (events EventBridge could not deliver to the queue)",
    )
    peek.add_argument("--json", action="store_true", help="print JSON (with full bodies)")
    peek.set_defaults(handler=run_peek)

    redrive = commands.add_parser(
        "redrive",
        parents=parents,
        help="move dead-lettered messages back with an SQS message move task",
        description="Move the DLQ's messages back to their source queue (or --to) with\n"
        "StartMessageMoveTask, and follow the task until it ends.",
        epilog=REDRIVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    redrive.add_argument("--to", metavar="ARN", help="destination queue ARN (default: the source queue)")
    redrive.add_argument(
        "--rate",
        type=int_between(1, 500),
        metavar="N",
        help="at most N messages per second, 1-500 (default: as fast as SQS goes)",
    )
    redrive.add_argument("--no-wait", action="store_true", help="start the task and return")
    redrive.add_argument(
        "--poll-interval",
        type=non_negative_float,
        default=2.0,
        metavar="SECONDS",
        help="how often to check the task (default 2)",
    )
    redrive.add_argument("--json", action="store_true", help="print the task's final state as JSON")
    redrive.set_defaults(handler=run_redrive)


# -- peek -------------------------------------------------------------------------------------------------


def run_peek(args: argparse.Namespace, aws: Aws) -> int:
    """`baton dlq peek`."""
    stack = discover(args)
    if args.events:
        dlq_url = stack.require("delivery_dlq_url")
        attributes = queue_attributes(aws, dlq_url, "delivery DLQ")
    else:
        dlq_url = resolve_dlq(aws, stack.dlq_url, stack.queue_url)
        attributes = queue_attributes(aws, dlq_url, "dead-letter queue")
    if attributes.get("RedrivePolicy"):
        ui.warn("this DLQ has a redrive policy of its own: peeking counts as a receive towards it")
    depth = sum(
        int(attributes.get(name, "0") or 0)
        for name in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
    )
    visible = int(attributes.get("ApproximateNumberOfMessages", "0") or 0)
    # Stop once everything the queue reported is seen: saves the final empty long poll. The count is
    # approximate, so when it says 0 one poll still looks.
    messages = receive_without_consuming(aws, dlq_url, min(args.max, visible or 1))
    peeked = [describe(message) for message in messages]
    # Undelivered events never reached the function: EventBridge's own attributes say why (see describe).
    if not (args.events or args.no_logs):
        if stack.function:
            find_failures(aws, stack.function, peeked)
        else:
            for item in peeked:
                item.failure_note = "no function known (--function) to read logs from"
    if args.json:
        ui.print_json([asdict(item) for item in peeked])
    else:
        _render_peek(queue_name(dlq_url), peeked, depth)
    return 0


def receive_without_consuming(aws: Aws, dlq_url: str, limit: int) -> list[MessageTypeDef]:
    """Up to `limit` distinct messages; every one received is made visible again before returning."""
    sqs = aws.sqs(wait_time=1)
    found: dict[str, MessageTypeDef] = {}
    receipts: list[Receipt] = []
    try:
        while len(found) < limit:
            with resource(aws, "dead-letter queue", dlq_url):
                response = sqs.receive_message(
                    QueueUrl=dlq_url,
                    MaxNumberOfMessages=min(10, limit - len(found)),
                    VisibilityTimeout=PEEK_VISIBILITY,
                    WaitTimeSeconds=1,
                    MessageSystemAttributeNames=["All"],
                    MessageAttributeNames=["All"],
                )
            batch = response.get("Messages", [])
            if not batch:
                break
            for message in batch:
                receipts.append(Receipt(message["MessageId"], message["ReceiptHandle"]))
                found.setdefault(message["MessageId"], message)
    finally:
        if receipts:
            outcome = change_visibility(aws.sqs(), dlq_url, [(receipt, 0) for receipt in receipts])
            if outcome.failed:
                ui.warn(
                    f"{ui.plural(len(outcome.failed), 'message')} could not be made visible again; they "
                    f"reappear within {PEEK_VISIBILITY}s"
                )
    return list(found.values())[:limit]


def describe(message: MessageTypeDef) -> Peeked:
    """What peek shows of one message."""
    attributes = message.get("Attributes", {})
    message_id = message["MessageId"]
    body = message.get("Body", "")
    count = attributes.get("ApproximateReceiveCount")
    sent = attributes.get("SentTimestamp")
    source = attributes.get("DeadLetterQueueSourceArn")
    item = Peeked(
        message_id=message_id,
        sent_at=ui.timestamp(sent),
        age_seconds=ui.age(sent),
        receive_count=int(count) if count and count.isdigit() else None,
        sent_epoch_ms=int(sent) if sent and sent.isdigit() else None,
        group=attributes.get("MessageGroupId"),
        source_queue=source.rsplit(":", 1)[-1] if source else None,
        body=body,
    )
    failure = _delivery_failure(message)
    if failure is not None:
        item.failure = failure
    try:
        parsed = parse_message(body, message_id)
    except InvalidMessageError as error:
        item.parse_error = error.reason
    else:
        item.objects = ["s3:TestEvent"] if parsed.test_event else [ref.uri for ref in parsed.objects]
    return item


def _delivery_failure(message: MessageTypeDef) -> Failure | None:
    """Why EventBridge could not deliver an event: the ERROR_CODE/ERROR_MESSAGE attributes it adds."""
    attributes = message.get("MessageAttributes", {})

    def attribute(name: str) -> str | None:
        value = attributes.get(name)
        return value.get("StringValue") if value else None

    code = attribute("ERROR_CODE")
    if code is None:
        return None
    rule = attribute("RULE_ARN")
    detail = attribute("ERROR_MESSAGE") or ""
    if rule:
        detail = f"{detail} (rule {rule.rsplit('/', 1)[-1]})".strip()
    return Failure(error_type=code, error=detail or None, logged_at=None)


def find_failures(aws: Aws, function: str, peeked: list[Peeked]) -> None:
    """Fill in each message's failure from the consumer's "message failed" log line."""
    group = f"/aws/lambda/{function}"
    logs = aws.logs()
    for item in peeked:
        try:
            item.failure = _failure_for(logs, group, item)
        except ClientError as error:
            note = (
                f"log group {group} not found"
                if error_code(error) == "ResourceNotFoundException"
                else f"logs unavailable ({error_code(error)})"
            )
            for rest in peeked:
                if rest.failure is None:
                    rest.failure_note = note
            return
        except BotoCoreError as error:
            for rest in peeked:
                if rest.failure is None:
                    rest.failure_note = f"logs unavailable ({type(error).__name__})"
            return
        if item.failure is None:
            item.failure_note = "no failure logged for this message id"


def _failure_for(logs: Any, group: str, item: Peeked) -> Failure | None:
    request: dict[str, Any] = {"logGroupName": group, "filterPattern": f'"{item.message_id}"'}
    if item.sent_epoch_ms is not None:
        request["startTime"] = item.sent_epoch_ms - LOG_LOOKBACK_MS
    found: Failure | None = None
    held: Failure | None = None
    for _ in range(LOG_PAGES):
        response = logs.filter_log_events(**request)
        for event in response.get("events", []):
            document = _json_line(event.get("message", ""))
            if document is None or document.get("message_id") != item.message_id:
                continue
            logged_at = ui.timestamp(event.get("timestamp"))
            if document.get("message") == FAILED_LINE:
                found = Failure(document.get("error_type"), document.get("error"), logged_at)
            elif document.get("message") == HELD_LINE:
                held = Failure("HeldBehindFailure", "held behind an earlier failure in its group", logged_at)
        token = response.get("nextToken")
        if not token:
            break
        request["nextToken"] = token
    return found or held


def _json_line(message: str) -> dict[str, Any] | None:
    start = message.find("{")
    if start < 0:
        return None
    try:
        document = json.loads(message[start:])
    except json.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None


def _render_peek(name: str, peeked: list[Peeked], depth: int) -> None:
    out = ui.console()
    if not peeked:
        out.print(f"{name}: no messages to show (about {depth} in the queue)")
        return
    out.print(
        f"[bold]{name}[/]: {ui.plural(len(peeked), 'message')} shown of about {depth} (peeked, not consumed)"
    )
    for number, item in enumerate(peeked, 1):
        out.print()
        head = Text(f"{number}. {item.message_id}", style="bold")
        details = [f"sent {item.sent_at or '?'} ({ui.duration(item.age_seconds)} ago)"]
        if item.receive_count is not None:
            details.append(f"received {ui.plural(item.receive_count, 'time')}")
        if item.group:
            details.append(f"group {item.group}")
        if item.source_queue:
            details.append(f"from {item.source_queue}")
        head.append("  " + " · ".join(details), style="dim")
        out.print(head)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", min_width=8)
        grid.add_column(overflow="fold")
        if item.objects:
            grid.add_row("object", "\n".join(item.objects))
        if item.parse_error:
            grid.add_row("object", Text(f"unparsable: {item.parse_error}", style="yellow"))
        if item.failure is not None:
            failure = Text(f"{item.failure.error_type}: {item.failure.error}", style="red")
            if item.failure.logged_at:
                failure.append(f"  (logged {item.failure.logged_at})", style="dim")
            grid.add_row("failure", failure)
        elif item.failure_note:
            grid.add_row("failure", Text(item.failure_note, style="dim"))
        grid.add_row("body", ui.abbreviate(item.body, 160))
        out.print(grid)


# -- redrive ----------------------------------------------------------------------------------------------


def run_redrive(args: argparse.Namespace, aws: Aws) -> int:
    """`baton dlq redrive`."""
    stack = discover(args)
    dlq_url = resolve_dlq(aws, stack.dlq_url, stack.queue_url)
    attributes = queue_attributes(aws, dlq_url, "dead-letter queue")
    dlq_arn = attributes.get("QueueArn") or stack.require("dlq_arn")
    name = queue_name(dlq_url)
    if args.to:
        aws.check_arn_region(args.to, "destination queue")
    waiting = int(attributes.get("ApproximateNumberOfMessages", "0") or 0)
    if waiting == 0:
        in_flight = int(attributes.get("ApproximateNumberOfMessagesNotVisible", "0") or 0)
        more = f" ({in_flight} in flight: try again when they are visible)" if in_flight else ""
        ui.notice(f"{name} is empty: nothing to redrive{more}")
        if args.json:
            ui.print_json({"source_arn": dlq_arn, "status": None, "moved": 0, "to_move": 0})
        return 0
    sqs = aws.sqs()
    with resource(aws, "dead-letter queue", dlq_url):
        tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10).get("Results", [])
    running = next((task for task in tasks if task.get("Status") == "RUNNING"), None)
    if running is not None:
        started = ui.timestamp(running.get("StartedTimestamp")) or "?"
        moved = running.get("ApproximateNumberOfMessagesMoved", 0)
        total = running.get("ApproximateNumberOfMessagesToMove", "?")
        raise CliError(
            f"a message move task is already running on {name} (started {started}, {moved} of {total} "
            "moved): wait for it, or cancel it with "
            f"`aws sqs cancel-message-move-task --task-handle {running.get('TaskHandle', '<handle>')}`"
        )
    request: dict[str, Any] = {"SourceArn": dlq_arn}
    if args.to:
        request["DestinationArn"] = args.to
    if args.rate:
        request["MaxNumberOfMessagesPerSecond"] = args.rate
    with resource(aws, "dead-letter queue", dlq_url):
        handle = sqs.start_message_move_task(**request)["TaskHandle"]
    destination = args.to.rsplit(":", 1)[-1] if args.to else "its source queue"
    ui.notice(f"moving about {ui.plural(waiting, 'message')} from {name} to {destination} (task {handle})")
    if args.no_wait:
        if args.json:
            ui.print_json({"task_handle": handle, "source_arn": dlq_arn, "status": "RUNNING"})
        return 0
    try:
        task = _follow(aws, dlq_arn, handle, waiting, args.poll_interval)
    except KeyboardInterrupt:
        ui.notice(
            "stopped watching; the move task carries on (cancel it with "
            f"`aws sqs cancel-message-move-task --task-handle {handle}`)"
        )
        return 130
    return _report_redrive(args, task, handle=handle, dlq_arn=dlq_arn, name=name, destination=destination)


def _follow(
    aws: Aws, dlq_arn: str, handle: str, waiting: int, interval: float
) -> ListMessageMoveTasksResultEntryTypeDef:
    sqs = aws.sqs()
    err = ui.err_console()
    with Progress(
        SpinnerColumn(),
        TextColumn("redriving"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    ) as progress:
        bar = progress.add_task("redrive", total=waiting)
        while True:
            tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10).get("Results", [])
            # Only a running task carries its handle; once it ends, the newest task is ours (none other
            # could start while it ran).
            task = next((t for t in tasks if t.get("TaskHandle") == handle), tasks[0] if tasks else None)
            if task is None:
                raise CliError(f"the move task {handle} is not listed by ListMessageMoveTasks")
            total = task.get("ApproximateNumberOfMessagesToMove") or waiting
            progress.update(bar, completed=task.get("ApproximateNumberOfMessagesMoved", 0), total=total)
            if task.get("Status") in FINISHED:
                return task
            time.sleep(interval)


def _report_redrive(
    args: argparse.Namespace,
    task: ListMessageMoveTasksResultEntryTypeDef,
    *,
    handle: str,
    dlq_arn: str,
    name: str,
    destination: str,
) -> int:
    status = task.get("Status")
    moved = task.get("ApproximateNumberOfMessagesMoved", 0)
    if args.json:
        ui.print_json(
            {
                "task_handle": handle,
                "source_arn": dlq_arn,
                "destination_arn": task.get("DestinationArn") or args.to,
                "status": status,
                "moved": moved,
                "to_move": task.get("ApproximateNumberOfMessagesToMove"),
                "rate": task.get("MaxNumberOfMessagesPerSecond"),
                "failure_reason": task.get("FailureReason"),
            }
        )
    else:
        ui.console().print(f"{status}: moved {ui.plural(moved, 'message')} from {name} to {destination}")
    if status == "FAILED":
        raise CliError(f"the move task failed: {task.get('FailureReason') or 'no reason given'}")
    if status == "CANCELLED":
        raise CliError("the move task was cancelled")
    return 0
