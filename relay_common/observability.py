"""Powertools Logger (JSON), Metrics (CloudWatch EMF) and an optional Tracer, shared by both consumers.

The service name comes from `POWERTOOLS_SERVICE_NAME` and the namespace from `POWERTOOLS_METRICS_NAMESPACE`
(Powertools' own variables); the Tracer is on only when `BATON_TRACING` is true, since it needs X-Ray.
"""

from __future__ import annotations

import os
from enum import StrEnum

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


def count(metric: Metric, value: int = 1) -> None:
    """Add `value` to a count metric (nothing is emitted for 0)."""
    if value:
        metrics.add_metric(name=metric.value, unit=MetricUnit.Count, value=value)
