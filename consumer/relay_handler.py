"""Relay consumer: drain a standard queue and hand the baton on when time runs out.

A run takes the chain lease (one chain at a time), then drains the queue with `relay_loop`: several worker
processes by default (`BATON_WORKERS`), or one message after another in this process with one worker. Each
message runs under its deadline; successes (test events included) are deleted in batches, failures get a
visibility backoff that grows with their receive count, so a poison message does not spin and the queue's
redrive policy dead-letters it. The run stops when a long poll comes back empty (drained) or when what is left
of its time cannot fit more work; then it invokes itself asynchronously so the next run carries on without
waiting for the schedule. Reserved concurrency 1 keeps one run at a time and the lease keeps one chain, so the
data store sees no more load than the workers and the rate cap (`BATON_MAX_MESSAGES_PER_SECOND`) allow.
"""

from __future__ import annotations

import functools
import os
import time
from typing import TYPE_CHECKING, Any

from consumer import processors
from consumer.relay_loop import (
    ParallelDrain,
    Queue,
    RelaySummary,
    RoundCallback,
    SequentialDrain,
    StopCheck,
    StopReason,
)
from relay_common import clients as aws_clients
from relay_common.config import RelaySettings
from relay_common.deadline import Budget, Clock
from relay_common.lease import ChainLease
from relay_common.observability import Metric, count, instrument, logger
from relay_common.pacing import RateLimiter
from relay_common.processing import MessageEngine
from relay_common.relay import Baton, pass_baton
from relay_common.workers import WorkerPool

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient

    from relay_common.clients import Clients

__all__ = ["RelayConsumer", "RelaySummary", "StopReason", "consumer", "lambda_handler"]


class RelayConsumer:
    """The relay run, independent of Lambda so it can also run locally (`baton drain`)."""

    def __init__(
        self,
        settings: RelaySettings,
        engine: MessageEngine,
        *,
        receiver: SQSClient,
        sqs: SQSClient,
        invoker: LambdaClient | None = None,
        pool: WorkerPool | None = None,
        lease_client: DynamoDBClient | None = None,
        wall_clock: Clock = time.time,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.queue = Queue(settings, engine, receiver, sqs)
        self._invoker = invoker
        self.pool = pool
        """Worker processes; None processes messages one after another in this process."""
        self._lease_client = lease_client
        self._wall_clock = wall_clock

    @classmethod
    def from_env(cls, clients: Clients | None = None) -> RelayConsumer:
        """Build from the function's environment; raises `ConfigurationError` at cold start. With more than
        one worker the workers are forked here, so they start and set up during Lambda's INIT."""
        settings = RelaySettings.from_env(default_processor=processors.DEFAULT)
        clients = clients or aws_clients.default()
        engine = MessageEngine.from_settings(settings.core, clients)
        workers = settings.core.workers
        lease = settings.chain_lease and settings.lease_table is not None
        if settings.chain_lease and not lease:
            logger.warning(
                "no table for the chain lease (BATON_LEASE_TABLE): a second chain is not prevented"
            )
        return cls(
            settings,
            engine,
            receiver=clients.sqs_long_poll(),
            sqs=clients.sqs(),
            invoker=clients.lambda_(),
            pool=WorkerPool(engine, workers).start() if workers > 1 else None,
            lease_client=clients.dynamodb() if lease else None,
        )

    def handle(self, event: Any, context: LambdaContext, *, clock: Clock = time.monotonic) -> dict[str, Any]:
        """One Lambda run: take the chain lease, drain, then relay if time ran out with messages left."""
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
        lease = self._lease(baton, context.function_name)
        if lease is not None and not lease.acquire(budget.remaining()):
            summary.stop_reason = StopReason.CHAIN_RUNNING
            count(Metric.CHAIN_RUNNING)
            holder = lease.holder
            logger.info(
                "another chain is running: this start exits at once",
                extra={"running_chain": holder.chain_id if holder else None},
            )
            logger.info("relay run finished", extra={"summary": summary.as_dict()})
            return summary.as_dict()
        limiter = self._limiter(baton)
        self.drain(
            budget,
            summary,
            request_id=context.aws_request_id,
            limiter=limiter,
            should_stop=self._lease_check(lease, budget),
        )
        if summary.stop_reason is StopReason.TIME_BUDGET:
            self._relay(baton.next(limiter.next_allowed if limiter.rate else 0.0), context, summary)
        if lease is not None and not summary.relayed and summary.stop_reason is not StopReason.LEASE_LOST:
            lease.release()
        logger.info("relay run finished", extra={"summary": summary.as_dict()})
        return summary.as_dict()

    def drain(
        self,
        budget: Budget,
        summary: RelaySummary,
        *,
        request_id: str | None = None,
        on_round: RoundCallback | None = None,
        should_stop: StopCheck | None = None,
        limiter: RateLimiter | None = None,
    ) -> RelaySummary:
        """Process messages until the queue is drained, time runs out, or `should_stop` names a reason."""
        started = budget.now()
        check = should_stop or (lambda: None)
        if self.pool is None:
            SequentialDrain(self.queue).run(
                budget, summary, request_id=request_id, on_round=on_round, should_stop=check
            )
        else:
            limiter = limiter or RateLimiter(self.settings.max_messages_per_second, clock=self._wall_clock)
            keys = {"chain_id": summary.chain_id, "hop": summary.hop}
            ParallelDrain(self.queue, self.pool, limiter, log_keys=keys).run(
                budget, summary, request_id=request_id, on_round=on_round, should_stop=check
            )
        summary.seconds = budget.now() - started
        return summary

    def close(self) -> None:
        """Stop the worker processes (a local run ends; Lambda freezes and discards them itself)."""
        if self.pool is not None:
            self.pool.close()

    def _lease(self, baton: Baton, function_name: str) -> ChainLease | None:
        table = self.settings.lease_table
        if self._lease_client is None or table is None:
            return None
        return ChainLease(self._lease_client, table, function_name, baton.chain_id, clock=self._wall_clock)

    def _limiter(self, baton: Baton) -> RateLimiter:
        return RateLimiter(
            self.settings.max_messages_per_second, clock=self._wall_clock, not_before=baton.not_before
        )

    @staticmethod
    def _lease_check(lease: ChainLease | None, budget: Budget) -> StopCheck | None:
        if lease is None:
            return None

        def check() -> StopReason | None:
            if lease.renew(budget.remaining()):
                return None
            count(Metric.CHAIN_RUNNING)
            logger.warning(
                "the chain lease was taken over by another chain: this chain stops",
                extra={"running_chain": lease.holder.chain_id if lease.holder else None},
            )
            return StopReason.LEASE_LOST

        return check

    def _relay(self, baton: Baton, context: LambdaContext, summary: RelaySummary) -> None:
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
        if baton.hop > self.settings.max_hops:
            summary.stop_reason = StopReason.HOP_LIMIT
            count(Metric.HOP_LIMIT)
            logger.warning(
                "hop limit reached: not relaying; the remaining messages wait for the next scheduled run",
                extra={"max_hops": self.settings.max_hops},
            )
            return
        summary.relayed = pass_baton(self._invoker, context.invoked_function_arn, baton)


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
