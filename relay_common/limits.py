"""The bounds of every numeric setting, in one table.

`config` enforces them when a function starts; the Terraform pipeline module enforces the same bounds at plan
time, so a bad value never reaches a deployed function (with maxReceiveCount 1 a refused cold start would send
every FIFO message to the DLQ). A test derives its Terraform cases from this table, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass

RELAY = frozenset({"relay"})
FIFO = frozenset({"fifo"})
BOTH = RELAY | FIFO

MAX_VISIBILITY_TIMEOUT = 43_200
"""SQS refuses longer visibility timeouts (12 hours)."""


@dataclass(frozen=True, slots=True)
class Limit:
    """The allowed range of one setting, and where it is set."""

    env: str
    """The environment variable the function reads."""
    variable: str
    """The Terraform variable that sets it."""
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    """Whole numbers only."""
    variants: frozenset[str] = BOTH
    """The consumers that read it."""


MESSAGE_TIMEOUT = Limit("BATON_MESSAGE_TIMEOUT_SECONDS", "message_timeout_seconds", minimum=0.05)
SAFETY_MARGIN = Limit("BATON_SAFETY_MARGIN_SECONDS", "safety_margin_seconds", minimum=0, maximum=60)
MAX_RECEIVE_COUNT = Limit(
    "BATON_MAX_RECEIVE_COUNT", "max_receive_count", minimum=1, maximum=1000, integer=True
)
IDEMPOTENCY_TTL = Limit("BATON_IDEMPOTENCY_TTL_SECONDS", "idempotency_ttl_seconds", minimum=60, integer=True)
WAIT_TIME = Limit("BATON_WAIT_TIME_SECONDS", "wait_time_seconds", 1, 20, integer=True, variants=RELAY)
TIME_BUDGET = Limit("BATON_TIME_BUDGET_SECONDS", "time_budget_seconds", minimum=1, variants=RELAY)
MAX_HOPS = Limit("BATON_MAX_HOPS", "max_hops", minimum=0, integer=True, variants=RELAY)
RETRY_BACKOFF = Limit(
    "BATON_RETRY_BACKOFF_SECONDS",
    "retry_backoff_seconds",
    0,
    MAX_VISIBILITY_TIMEOUT,
    integer=True,
    variants=RELAY,
)
RETRY_BACKOFF_MAX = Limit(
    "BATON_RETRY_BACKOFF_MAX_SECONDS",
    "retry_backoff_max_seconds",
    0,
    MAX_VISIBILITY_TIMEOUT,
    integer=True,
    variants=RELAY,
)

WORKERS = Limit("BATON_WORKERS", "workers", minimum=1, maximum=32, integer=True)
MAX_MESSAGES_PER_SECOND = Limit(
    "BATON_MAX_MESSAGES_PER_SECOND", "max_messages_per_second", minimum=0.1, maximum=10_000, variants=RELAY
)

LIMITS: tuple[Limit, ...] = (
    MESSAGE_TIMEOUT,
    SAFETY_MARGIN,
    MAX_RECEIVE_COUNT,
    IDEMPOTENCY_TTL,
    WAIT_TIME,
    TIME_BUDGET,
    MAX_HOPS,
    RETRY_BACKOFF,
    RETRY_BACKOFF_MAX,
    WORKERS,
    MAX_MESSAGES_PER_SECOND,
)
"""Every bounded setting."""
