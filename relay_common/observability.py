"""Powertools Logger (JSON), Metrics (CloudWatch EMF) and an optional Tracer, shared by both consumers.

The service name comes from `POWERTOOLS_SERVICE_NAME` and the namespace from `POWERTOOLS_METRICS_NAMESPACE`
(Powertools' own variables); the Tracer is on only when `BATON_TRACING` is true, since it needs X-Ray.
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "baton"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "Baton"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = Tracer(
    service=SERVICE,
    disabled=os.environ.get("BATON_TRACING", "false").strip().lower() not in {"1", "true", "on"},
)


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
    HOP_LIMIT = "RelayHopLimitReached"


_counts: Counter[Metric] = Counter()


def count(metric: Metric, value: int = 1) -> None:
    """Add `value` to a count metric. Counts are summed in memory and published once per invocation, so a run
    of thousands of messages emits one EMF document, not one value per message."""
    if value:
        _counts[metric] += value


def publish_counts() -> None:
    """Hand the invocation's summed counts to Powertools Metrics (flushed by `log_metrics`)."""
    for metric, value in sorted(_counts.items()):
        metrics.add_metric(name=metric.value, unit=MetricUnit.Count, value=value)
    _counts.clear()


def discard_counts() -> None:
    """Forget the summed counts (a local run such as `baton drain` publishes none)."""
    _counts.clear()
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
