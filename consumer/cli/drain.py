"""`baton drain`: run the relay loop on this machine against a queue (backfills, debugging).

The loop is the relay function's own (`RelayConsumer.drain`): long-poll up to 10 messages, process each under
its deadline, delete what succeeded, back failures off with a growing visibility timeout. It stops when a long
poll comes back empty, when `--max-seconds` is up, or on Ctrl-C: the first Ctrl-C lets the current round
finish (its deletes and visibility changes are made) and stops before the next; a second one aborts at once,
and whatever was in flight returns to the queue when its visibility timeout ends. Nothing is lost either way.

Settings come from the options, then the environment variables the function itself reads
(BATON_PROCESSOR, BATON_MESSAGE_TIMEOUT_SECONDS, ...), then the stack; the queue's redrive policy gives
maxReceiveCount. They are validated exactly as the function validates them, from a mapping built here (the
process environment is never written), and the processor gets clients made from the CLI's own profile,
region and endpoint. Runs in the main thread: the deadline guard interrupts a processor with SIGALRM.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from consumer.cli import ui
from consumer.cli.argtypes import int_between, positive_float
from consumer.cli.aws import Aws, CliError, queue_name, resource
from consumer.cli.resources import max_receive_count, queue_attributes
from consumer.cli.stack import discover
from consumer.processors import DEFAULT as DEFAULT_PROCESSOR
from consumer.relay_handler import RelayConsumer, RelaySummary, StopReason
from relay_common.clients import Clients
from relay_common.config import RelaySettings
from relay_common.deadline import Budget, in_main_thread
from relay_common.errors import ConfigurationError
from relay_common.observability import discard_counts, logger
from relay_common.processing import MessageEngine
from relay_common.workers import WorkerPool

if TYPE_CHECKING:
    from types import FrameType

    from consumer.cli.stack import Stack

EXIT_FAILED_MESSAGES = 3
EXIT_INTERRUPTED = 130
UNLIMITED_SECONDS = 10 * 365 * 24 * 3600.0

EPILOG = """\
examples:
  baton drain --stack terraform/stacks/relay
  baton drain --queue-url "$QUEUE_URL" --table baton-demo-results --max-seconds 900
  baton drain --outputs relay.json --processor mypackage.backfill:process --message-timeout 120
  baton drain --stack terraform/stacks/relay --workers 8 --max-per-second 50
  BATON_PROCESSOR=consumer.processors.chaos:process baton drain --stack terraform/stacks/relay --verbose

Ctrl-C once: what is being processed finishes (deletes and visibility changes are made), messages received
but not started go back to the queue at once, then the run stops.
Ctrl-C twice: stops at once (workers are killed); messages in flight return after their visibility timeout.
Settings not given as options come from the environment variables the function reads (BATON_PROCESSOR,
BATON_MESSAGE_TIMEOUT_SECONDS, BATON_RETRY_BACKOFF_SECONDS, ...), then their defaults; maxReceiveCount
comes from the queue's redrive policy; the stack's idempotency table is used unless --no-idempotency.
exit status: 0 drained or time up, 3 some messages failed (they stay in the queue), 130 interrupted.
"""


def add_parser(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register `baton drain`."""
    parser = subparsers.add_parser(
        "drain",
        parents=parents,
        help="run the relay loop locally against a queue until it is empty",
        description="Process a queue's messages on this machine with the relay loop until the queue is\n"
        "empty, time is up or Ctrl-C; prints the same summary as the relay function.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--idempotency-table", metavar="NAME", help="Powertools idempotency table (default: the stack's)"
    )
    parser.add_argument("--no-idempotency", action="store_true", help="do not use the idempotency table")
    parser.add_argument(
        "--processor",
        metavar="MODULE:FUNCTION",
        help=f"processor to run, importable from here (default: $BATON_PROCESSOR or {DEFAULT_PROCESSOR})",
    )
    parser.add_argument(
        "--wait-time",
        type=int_between(1, 20),
        metavar="SECONDS",
        help="long-poll wait, 1-20 (default $BATON_WAIT_TIME_SECONDS or 10)",
    )
    parser.add_argument(
        "--message-timeout",
        type=positive_float,
        metavar="SECONDS",
        help="deadline per message (default $BATON_MESSAGE_TIMEOUT_SECONDS or 30)",
    )
    parser.add_argument(
        "--workers",
        type=int_between(1, 32),
        metavar="N",
        help="worker processes, 1-32 (default $BATON_WORKERS or 4; 1 processes in this process)",
    )
    parser.add_argument(
        "--max-per-second",
        type=positive_float,
        metavar="RATE",
        help="start at most RATE messages a second, across workers (default $BATON_MAX_MESSAGES_PER_SECOND)",
    )
    parser.add_argument(
        "--max-seconds",
        type=positive_float,
        metavar="SECONDS",
        help="stop starting rounds after this long (default: no limit)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every message (JSON lines on stderr)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=run)


@dataclass(slots=True)
class StopFlag:
    """Set by the first Ctrl-C; the second one raises KeyboardInterrupt."""

    requested: bool = False

    def __call__(self) -> StopReason | None:
        return StopReason.INTERRUPTED if self.requested else None


class LocalContext:
    """The time left for the whole run: what `Budget` and idempotency read from a Lambda context."""

    def __init__(self, seconds: float, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._ends = clock() + seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left."""
        return int((self._ends - self._clock()) * 1000)


class MessageScopedContext(LocalContext):
    """What idempotency sees: an in-progress record lives no longer than one message's deadline, so a run
    aborted mid-message does not block that object for the whole (unlimited) run time."""

    def __init__(self, run: LocalContext, message_timeout: float, margin: float) -> None:
        super().__init__(0)
        self._run = run
        self._cap = (message_timeout + margin) * 1000

    def get_remaining_time_in_millis(self) -> int:
        """The smaller of the run's time and one message's deadline (plus margin)."""
        return int(min(self._run.get_remaining_time_in_millis(), self._cap))


def run(args: argparse.Namespace, aws: Aws) -> int:
    """`baton drain`."""
    if not in_main_thread():
        raise CliError("baton drain must run in the main thread (the deadline guard uses SIGALRM)")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # --processor modules of the project baton is run from
    stack = discover(args)
    queue_url = stack.queue_url or os.environ.get("BATON_QUEUE_URL") or stack.require("queue_url")
    attributes = queue_attributes(aws, queue_url)
    if attributes.get("FifoQueue") == "true":
        ui.warn("this is a FIFO queue: the relay loop keeps group order but retries with its own backoff")
    settings = drain_settings(args, aws, stack, queue_url, attributes)
    processor_clients = Clients(profile=aws.options.profile, region=aws.region, endpoint_url=aws.endpoint_url)
    try:
        engine = MessageEngine.from_settings(settings.core, processor_clients)
    except ConfigurationError as error:
        hint = "" if settings.core.results_table else "; no results table is known (pass --table or --stack)"
        raise CliError(f"{error}{hint}") from None
    try:
        return _drain(args, aws, settings, engine, attributes)
    finally:
        discard_counts()


def drain_settings(
    args: argparse.Namespace, aws: Aws, stack: Stack, queue_url: str, attributes: dict[str, str]
) -> RelaySettings:
    """The relay settings of this run: the options, then the function's variables, then the stack."""
    env = os.environ
    table = stack.results_table or env.get("BATON_RESULTS_TABLE") or None
    if table:
        with resource(aws, "results table", table):
            aws.dynamodb().describe_table(TableName=table)
    idempotency = None
    if not args.no_idempotency:
        idempotency = (
            args.idempotency_table or stack.idempotency_table or env.get("BATON_IDEMPOTENCY_TABLE") or None
        )
        if idempotency:
            with resource(aws, "idempotency table", idempotency):
                aws.dynamodb().describe_table(TableName=idempotency)
    given: dict[str, str | None] = {
        "BATON_QUEUE_URL": queue_url,
        "BATON_PROCESSOR": args.processor,
        "BATON_RESULTS_TABLE": table,
        "BATON_IDEMPOTENCY_TABLE": idempotency or "",
        "BATON_WAIT_TIME_SECONDS": None if args.wait_time is None else str(args.wait_time),
        "BATON_MESSAGE_TIMEOUT_SECONDS": None if args.message_timeout is None else str(args.message_timeout),
        "BATON_WORKERS": None if args.workers is None else str(args.workers),
        "BATON_MAX_MESSAGES_PER_SECOND": None if args.max_per_second is None else str(args.max_per_second),
    }
    limit = max_receive_count(attributes)
    if limit is not None and not env.get("BATON_MAX_RECEIVE_COUNT"):
        given["BATON_MAX_RECEIVE_COUNT"] = str(limit)
    merged = {**env, **{name: value for name, value in given.items() if value is not None}}
    return RelaySettings.from_env(merged, default_processor=DEFAULT_PROCESSOR)


def _drain(
    args: argparse.Namespace,
    aws: Aws,
    settings: RelaySettings,
    engine: MessageEngine,
    attributes: dict[str, str],
) -> int:
    workers = settings.core.workers
    # Forked before the progress display starts its thread: a fork copies only the forking thread.
    pool = WorkerPool(engine, workers).start() if workers > 1 else None
    consumer = RelayConsumer(
        settings,
        engine,
        receiver=aws.sqs(wait_time=settings.wait_time),
        sqs=aws.sqs(),
        invoker=None,
        pool=pool,
    )
    try:
        return _run(args, consumer, attributes)
    finally:
        consumer.close()


def _run(args: argparse.Namespace, consumer: RelayConsumer, attributes: dict[str, str]) -> int:
    settings, engine = consumer.settings, consumer.engine
    queue_url = settings.core.queue_url
    margin = settings.core.safety_margin
    run_context = LocalContext(UNLIMITED_SECONDS)
    engine.start_invocation(MessageScopedContext(run_context, settings.core.message_timeout, margin))
    budget = Budget(run_context, safety_margin=margin, cap=args.max_seconds)
    summary = RelaySummary(chain_id=f"local-{uuid.uuid4()}", hop=0, trigger="baton drain")
    waiting = int(attributes.get("ApproximateNumberOfMessages", "0") or 0)
    visibility = attributes.get("VisibilityTimeout", "?")
    stop = StopFlag()
    err = ui.err_console()
    aborted = False

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.requested = True
        sys.stderr.write(
            "baton: stopping after this round (its deletes and visibility changes are made); "
            "Ctrl-C again to abort at once\n"
        )
        sys.stderr.flush()

    previous = signal.signal(signal.SIGINT, on_sigint)
    level = logger.log_level
    logger.setLevel("INFO" if args.verbose else "WARNING")
    started = time.monotonic()
    try:
        with (
            Progress(
                SpinnerColumn(),
                TextColumn(f"draining {queue_name(queue_url)}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TimeElapsedColumn(),
                console=err,
                disable=not err.is_terminal,
            ) as progress,
            ui.core_logs_to(sys.stderr),  # the display's stderr by now: log lines print above the bar
        ):
            task = progress.add_task("drain", total=waiting or None, counts="")

            def on_round(current: RelaySummary) -> None:
                discard_counts()  # nothing publishes metrics locally
                done = current.processed + current.failed + current.test_events
                total = progress.tasks[0].total
                progress.update(
                    task,
                    completed=done,
                    total=max(total or 0, done) or None,
                    counts=f"processed {current.processed} · failed {current.failed} "
                    f"· rounds {current.rounds}",
                )

            consumer.drain(budget, summary, on_round=on_round, should_stop=stop)
    except KeyboardInterrupt:
        aborted = True
        summary.stop_reason = StopReason.INTERRUPTED
        summary.seconds = time.monotonic() - started
    finally:
        signal.signal(signal.SIGINT, previous)
        logger.setLevel(level)
    _report(args, queue_url, summary, aborted=aborted, visibility=visibility)
    if summary.stop_reason is StopReason.INTERRUPTED:
        return EXIT_INTERRUPTED
    return EXIT_FAILED_MESSAGES if summary.failed else 0


STOP_TEXT = {
    StopReason.DRAINED: "drained: a long poll came back empty",
    StopReason.TIME_BUDGET: "time is up (--max-seconds): no room for another round",
    StopReason.INTERRUPTED: "stopped on Ctrl-C between rounds",
    StopReason.HOP_LIMIT: "hop limit",
}


def _report(
    args: argparse.Namespace, queue_url: str, summary: RelaySummary, *, aborted: bool, visibility: str
) -> None:
    if aborted:
        ui.notice(
            "aborted: messages received in the last round and not yet deleted return to the queue when their "
            f"visibility timeout ({visibility}s) ends; nothing is lost"
        )
    if args.json:
        ui.print_json(summary.as_dict())
        return
    table = Table(
        title=f"baton drain · {queue_name(queue_url)}", title_justify="left", show_header=False, box=None
    )
    table.add_column(style="bold")
    table.add_column(justify="right")
    for name in (
        "received",
        "processed",
        "failed",
        "test_events",
        "deleted",
        "released",
        "delete_failures",
        "rounds",
        "workers",
    ):
        table.add_row(name.replace("_", " "), str(getattr(summary, name)))
    table.add_row("seconds", f"{summary.seconds:.1f}")
    reason = summary.stop_reason
    stopped = (
        "aborted on a second Ctrl-C" if aborted else STOP_TEXT.get(reason, str(reason)) if reason else "?"
    )
    table.add_row("stopped", stopped)
    out = ui.console()
    out.print(table)
    if summary.failed:
        out.print(
            f"{ui.plural(summary.failed, 'message')} failed: they stay in the queue with a backoff and "
            "move to the DLQ after maxReceiveCount receives (see `baton dlq peek`)"
        )
