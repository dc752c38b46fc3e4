"""Relay consumer: drain a standard queue in rounds and hand the baton on when time runs out.

Each round long-polls up to 10 messages, processes them one by one under their deadlines, deletes what
succeeded (test events included) and gives failed messages a visibility backoff that grows with their receive
count, so a poison message does not spin and the queue's redrive policy dead-letters it. The run stops when a
long poll comes back empty (drained) or when what is left of its time cannot fit another round; then it
invokes itself asynchronously so the next run carries on without waiting for the schedule. Reserved
concurrency 1 on the function keeps it to one chain at a time, sparing the data store downstream.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from consumer import processors
from relay_common import clients as aws_clients
from relay_common.config import RelaySettings
from relay_common.deadline import Budget, Clock
from relay_common.observability import Metric, count, instrument, logger
from relay_common.processing import MessageEngine, MessageResult, Outcome
from relay_common.relay import Baton, pass_baton
from relay_common.sqs import Receipt, change_visibility, delete_messages

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

    from relay_common.clients import Clients

MAX_MESSAGES = 10


class StopReason(StrEnum):
    """Why a run stopped."""

    DRAINED = "drained"
    TIME_BUDGET = "time_budget"
    HOP_LIMIT = "hop_limit"
    INTERRUPTED = "interrupted"
    """Stopped on request between rounds (the local `baton drain` on Ctrl-C)."""


@dataclass(slots=True)
class RelaySummary:
    """What one run did; returned by the handler and logged."""

    chain_id: str
    hop: int
    trigger: str
    received: int = 0
    processed: int = 0
    failed: int = 0
    duplicates: int = 0
    """Objects whose version had been recorded already (redeliveries, absorbed)."""
    deleted: int = 0
    test_events: int = 0
    released: int = 0
    delete_failures: int = 0
    rounds: int = 0
    stop_reason: StopReason | None = None
    relayed: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        data = asdict(self)
        data["stop_reason"] = self.stop_reason.value if self.stop_reason else None
        data["seconds"] = round(self.seconds, 3)
        return data


RoundCallback = Callable[[RelaySummary], None]


class RelayConsumer:
    """The relay loop, independent of Lambda so it can also run locally (`baton drain`)."""

    def __init__(
        self,
        settings: RelaySettings,
        engine: MessageEngine,
        *,
        receiver: SQSClient,
        sqs: SQSClient,
        invoker: LambdaClient | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self._receiver = receiver
        self._sqs = sqs
        self._invoker = invoker

    @classmethod
    def from_env(cls, clients: Clients | None = None) -> RelayConsumer:
        """Build from the function's environment; raises `ConfigurationError` at cold start."""
        settings = RelaySettings.from_env(default_processor=processors.DEFAULT)
        clients = clients or aws_clients.default()
        return cls(
            settings,
            MessageEngine.from_settings(settings.core, clients),
            receiver=clients.sqs_long_poll(),
            sqs=clients.sqs(),
            invoker=clients.lambda_(),
        )

    def handle(self, event: Any, context: LambdaContext, *, clock: Clock = time.monotonic) -> dict[str, Any]:
        """One Lambda run: drain, then relay if the time budget ran out with messages still arriving."""
        baton, trigger = Baton.from_event(event)
        logger.append_keys(chain_id=baton.chain_id, hop=baton.hop)
        self.engine.start_invocation(context)
        budget = Budget(
            context,
            safety_margin=self.settings.core.safety_margin,
            cap=self.settings.time_budget,
            clock=clock,
        )
        summary = RelaySummary(chain_id=baton.chain_id, hop=baton.hop, trigger=trigger)
        self.drain(budget, summary, request_id=context.aws_request_id)
        if summary.stop_reason is StopReason.TIME_BUDGET:
            self._relay(baton, context.invoked_function_arn, summary)
        logger.info("relay run finished", extra={"summary": summary.as_dict()})
        return summary.as_dict()

    def drain(
        self,
        budget: Budget,
        summary: RelaySummary,
        *,
        request_id: str | None = None,
        on_round: RoundCallback | None = None,
        stop_requested: Callable[[], bool] = lambda: False,
    ) -> RelaySummary:
        """Receive and process rounds until the queue is drained, time runs out, or a stop is requested."""
        started = budget.now()
        longest_round = 0.0
        while True:
            if stop_requested():
                summary.stop_reason = StopReason.INTERRUPTED
                break
            # An empty poll costs the wait time; a full one returns at once and costs the processing time.
            if budget.remaining() < max(self.settings.wait_time, longest_round):
                summary.stop_reason = StopReason.TIME_BUDGET
                break
            messages = self._receive()
            if not messages:
                summary.stop_reason = StopReason.DRAINED
                break
            round_started = budget.now()
            self._round(messages, budget, summary, request_id)
            longest_round = max(longest_round, budget.now() - round_started)
            if on_round is not None:
                on_round(summary)
        summary.seconds = budget.now() - started
        return summary

    def _receive(self) -> list[MessageTypeDef]:
        response = self._receiver.receive_message(
            QueueUrl=self.settings.core.queue_url,
            MaxNumberOfMessages=MAX_MESSAGES,
            WaitTimeSeconds=self.settings.wait_time,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages = response.get("Messages", [])
        count(Metric.RECEIVED, len(messages))
        return messages

    def _round(
        self, messages: list[MessageTypeDef], budget: Budget, summary: RelaySummary, request_id: str | None
    ) -> None:
        summary.rounds += 1
        summary.received += len(messages)
        done: list[Receipt] = []
        revisit: list[tuple[Receipt, int]] = []
        for index, message in enumerate(messages):
            receipt = Receipt(message["MessageId"], message["ReceiptHandle"])
            if budget.remaining() <= 0:
                unstarted = [Receipt(m["MessageId"], m["ReceiptHandle"]) for m in messages[index:]]
                revisit.extend((r, 0) for r in unstarted)
                summary.released += len(unstarted)
                count(Metric.RELEASED, len(unstarted))
                logger.info(
                    "time is up: returning unstarted messages to the queue", extra={"count": len(unstarted)}
                )
                break
            receives = _receive_count(message)
            result = self.engine.process(
                receipt.message_id,
                message.get("Body"),
                receive_count=receives,
                budget=budget,
                request_id=request_id,
            )
            self._tally(result, summary)
            if result.succeeded:
                done.append(receipt)
            else:
                revisit.append((receipt, self._backoff(result, receives)))
        if done:
            deleted = delete_messages(self._sqs, self.settings.core.queue_url, done)
            summary.deleted += len(deleted.succeeded)
            summary.delete_failures += len(deleted.failed)
        if revisit:
            change_visibility(self._sqs, self.settings.core.queue_url, revisit)

    def _backoff(self, result: MessageResult, receive_count: int) -> int:
        """Seconds until a failed message is retried: doubling per receive, capped; 0 when the next receive
        moves it to the DLQ anyway, so it gets there promptly."""
        if result.will_dead_letter:
            return 0
        base, cap = self.settings.backoff_base, self.settings.backoff_max
        return int(min(base * 2 ** max(receive_count - 1, 0), cap))

    @staticmethod
    def _tally(result: MessageResult, summary: RelaySummary) -> None:
        if result.outcome is Outcome.PROCESSED:
            summary.processed += 1
            summary.duplicates += result.duplicates
        elif result.outcome is Outcome.TEST_EVENT:
            summary.test_events += 1
        else:
            summary.failed += 1

    def _relay(self, baton: Baton, function_arn: str, summary: RelaySummary) -> None:
        if summary.received == 0:
            # Out of time before a single receive: a next run configured alike would do the same, so a relay
            # would only start a chain of empty runs. The next scheduled run tries again.
            count(Metric.RELAY_SKIPPED)
            logger.warning(
                "not relaying: this run received nothing before its time was up (is the time budget above "
                "the long-poll wait?)",
                extra={"wait_time": self.settings.wait_time, "time_budget": self.settings.time_budget},
            )
            return
        if self._invoker is None:
            logger.info("not relaying: this consumer has no Lambda client (a local run)")
            return
        if baton.hop >= self.settings.max_hops:
            summary.stop_reason = StopReason.HOP_LIMIT
            count(Metric.HOP_LIMIT)
            logger.warning(
                "hop limit reached: not relaying; the remaining messages wait for the next scheduled run",
                extra={"max_hops": self.settings.max_hops},
            )
            return
        summary.relayed = pass_baton(self._invoker, function_arn, baton.next())


def _receive_count(message: MessageTypeDef) -> int:
    raw = message.get("Attributes", {}).get("ApproximateReceiveCount", "1")
    try:
        return int(raw)
    except ValueError:
        return 1


@functools.cache
def consumer() -> RelayConsumer:
    """The container's consumer, built once (configuration is validated here)."""
    return RelayConsumer.from_env()


@functools.cache
def _entry(relay: RelayConsumer) -> Callable[[Any, Any], Any]:
    """The consumer's `handle`, instrumented as its settings say (the Tracer only when tracing is on)."""
    return instrument(relay.handle, tracing=relay.settings.core.tracing)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point for the schedule and for the relay's own asynchronous invocations."""
    return _entry(consumer())(event, context)  # type: ignore[no-any-return]


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    _entry(consumer())  # build during INIT: a configuration error fails the cold start, before any receive
