"""Powertools Logger (JSON), Metrics (CloudWatch EMF) and an optional Tracer, shared by both consumers.

The service name comes from `POWERTOOLS_SERVICE_NAME` and the namespace from `POWERTOOLS_METRICS_NAMESPACE`
(Powertools' own variables). The Tracer needs X-Ray and its SDK takes a third of a second to import, so it is
created only when the consumer's settings turn tracing on (`BATON_TRACING`), by `instrument`.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import Counter
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "baton"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "Baton"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


class Metric(StrEnum):
    """Every metric Baton emits (all counts)."""

    RECEIVED = "MessagesReceived"
    PROCESSED = "MessagesProcessed"
    FAILED = "MessagesFailed"
    TEST_EVENTS = "TestEventsSkipped"
    DEAD_LETTERED = "MessagesDeadLettered"
    """Failed on their last allowed receive: the redrive policy moves them to the DLQ on the next receive."""
    DEADLINE_EXCEEDED = "DeadlineExceeded"
    DUPLICATES = "DuplicatesSkipped"
    DELETE_FAILURES = "DeleteFailures"
    VISIBILITY_FAILURES = "VisibilityChangeFailures"
    HELD = "MessagesHeld"
    """FIFO `hold_group`: returned unattempted behind an earlier failure in their group."""
    RELEASED = "MessagesReleased"
    """Received but returned unattempted because the run's time was up (relay)."""
    RELAY_HOPS = "RelayHops"
    RELAY_FAILURES = "RelayInvokeFailures"
    WORKERS_REPLACED = "WorkersReplaced"
    """Worker processes killed at a message's hard deadline (or found dead) and replaced."""
    CHAIN_RUNNING = "ChainAlreadyRunning"
    """A start found another chain's live lease and exited (or a chain lost its lapsed lease)."""
    RELAY_SKIPPED = "RelaySkippedEmptyRun"
    """A run that ran out of time before its first receive did not relay (it would start empty runs)."""
    HOP_LIMIT = "RelayHopLimitReached"


_counts: Counter[Metric] = Counter()
_counts_lock = threading.Lock()
"""The relay's send thread counts failed deletes while the parent counts outcomes. No thread holds it across
a fork: the relay settles its threads before the pool forks."""


def count(metric: Metric, value: int = 1) -> None:
    """Add `value` to a count metric. Counts are summed in memory and published once per invocation, so a run
    of thousands of messages emits one EMF document, not one value per message."""
    if value:
        with _counts_lock:
            _counts[metric] += value


def take_counts() -> dict[str, int]:
    """The counts summed so far, cleared (a worker process sends them to its parent with each outcome)."""
    with _counts_lock:
        taken = {metric.value: value for metric, value in _counts.items()}
        _counts.clear()
    return taken


def publish_counts() -> None:
    """Hand the invocation's summed counts to Powertools Metrics (flushed by `log_metrics`)."""
    for name, value in sorted(take_counts().items()):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def discard_counts() -> None:
    """Forget the summed counts (a local run such as `baton drain` publishes none)."""
    take_counts()
    metrics.clear_metrics()


F = TypeVar("F", bound=Callable[..., Any])


def with_counts(handler: F) -> F:
    """Publish the counts when the handler returns or raises; place it inside `metrics.log_metrics`."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        finally:
            publish_counts()

    return wrapper  # type: ignore[return-value]


Handler = Callable[[Any, Any], Any]


def instrument(handler: Handler, *, tracing: bool) -> Handler:
    """Wrap a Lambda handler in the Logger's context, the optional Tracer, Metrics and the counts (in that
    order, outermost first)."""
    wrapped: Handler = metrics.log_metrics(with_counts(handler))
    if tracing:
        from aws_lambda_powertools.tracing import Tracer  # noqa: PLC0415 - loads aws_xray_sdk: only when on

        wrapped = Tracer(service=SERVICE).capture_lambda_handler(wrapped)
    return logger.inject_lambda_context(wrapped, clear_state=True)
