"""Configuration is validated at cold start, with every problem named in one error."""

from __future__ import annotations

import pytest

from consumer.processors import DEFAULT
from relay_common import limits
from relay_common.config import FailurePolicy, FifoSettings, RelaySettings
from relay_common.errors import ConfigurationError
from relay_common.limits import LIMITS, Limit

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-relay"


def test_relay_defaults() -> None:
    settings = RelaySettings.from_env(default_processor=DEFAULT, environ={"BATON_QUEUE_URL": QUEUE})
    assert settings.wait_time == 10
    assert settings.time_budget is None
    assert settings.max_hops == 100
    assert settings.core.queue_name == "baton-relay"
    assert settings.core.deadline_guard is True
    assert settings.core.processor == "consumer.processors.digest:process"


def test_relay_reads_everything() -> None:
    settings = RelaySettings.from_env(
        default_processor=DEFAULT,
        environ={
            "BATON_QUEUE_URL": QUEUE,
            "BATON_WAIT_TIME_SECONDS": "20",
            "BATON_TIME_BUDGET_SECONDS": "45.5",
            "BATON_MAX_HOPS": "3",
            "BATON_MESSAGE_TIMEOUT_SECONDS": "2.5",
            "BATON_SAFETY_MARGIN_SECONDS": "1",
            "BATON_DEADLINE_GUARD": "off",
            "BATON_MAX_RECEIVE_COUNT": "5",
            "BATON_RETRY_BACKOFF_SECONDS": "10",
            "BATON_RETRY_BACKOFF_MAX_SECONDS": "60",
        },
    )
    assert (settings.wait_time, settings.time_budget, settings.max_hops) == (20, 45.5, 3)
    assert (settings.backoff_base, settings.backoff_max) == (10, 60)
    core = settings.core
    assert (core.message_timeout, core.safety_margin, core.deadline_guard, core.max_receive_count) == (
        2.5,
        1.0,
        False,
        5,
    )


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigurationError) as caught:
        RelaySettings.from_env(
            default_processor=DEFAULT,
            environ={
                "BATON_WAIT_TIME_SECONDS": "25",
                "BATON_MAX_HOPS": "many",
                "BATON_DEADLINE_GUARD": "maybe",
                "BATON_MESSAGE_TIMEOUT_SECONDS": "0",
            },
        )
    message = str(caught.value)
    assert "BATON_QUEUE_URL is not set" in message
    assert "BATON_WAIT_TIME_SECONDS=25 is above the maximum of 20" in message
    assert "BATON_MAX_HOPS='many' is not an integer" in message
    assert "BATON_DEADLINE_GUARD='maybe' is not a boolean" in message
    assert "BATON_MESSAGE_TIMEOUT_SECONDS=0 is below the minimum" in message


@pytest.mark.parametrize("wait", ["0", "21", "-1"])
def test_wait_time_outside_1_to_20_is_refused(wait: str) -> None:
    with pytest.raises(ConfigurationError, match="BATON_WAIT_TIME_SECONDS"):
        RelaySettings.from_env(
            default_processor=DEFAULT, environ={"BATON_QUEUE_URL": QUEUE, "BATON_WAIT_TIME_SECONDS": wait}
        )


def test_backoff_cap_below_base_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="BATON_RETRY_BACKOFF_MAX_SECONDS=5 is below"):
        RelaySettings.from_env(
            default_processor=DEFAULT,
            environ={
                "BATON_QUEUE_URL": QUEUE,
                "BATON_RETRY_BACKOFF_SECONDS": "10",
                "BATON_RETRY_BACKOFF_MAX_SECONDS": "5",
            },
        )


def test_fifo_defaults_to_skip() -> None:
    settings = FifoSettings.from_env(default_processor=DEFAULT, environ={"BATON_QUEUE_URL": QUEUE + ".fifo"})
    assert settings.failure_policy is FailurePolicy.SKIP
    assert settings.core.message_timeout == 5.0


@pytest.mark.parametrize("max_receive", [None, "1"])
def test_hold_group_needs_max_receive_count_of_two(max_receive: str | None) -> None:
    environ = {"BATON_QUEUE_URL": QUEUE, "BATON_FAILURE_POLICY": "hold_group"}
    if max_receive:
        environ["BATON_MAX_RECEIVE_COUNT"] = max_receive
    with pytest.raises(ConfigurationError, match="hold_group needs the queue's maxReceiveCount") as caught:
        FifoSettings.from_env(default_processor=DEFAULT, environ=environ)
    assert "dead-lettered on their first receive" in str(caught.value)


def test_hold_group_with_retries_is_accepted() -> None:
    settings = FifoSettings.from_env(
        default_processor=DEFAULT,
        environ={
            "BATON_QUEUE_URL": QUEUE,
            "BATON_FAILURE_POLICY": "HOLD_GROUP",
            "BATON_MAX_RECEIVE_COUNT": "3",
        },
    )
    assert settings.failure_policy is FailurePolicy.HOLD_GROUP


def test_unknown_policy_lists_the_choices() -> None:
    with pytest.raises(ConfigurationError, match="is not one of: skip, hold_group"):
        FifoSettings.from_env(
            default_processor=DEFAULT, environ={"BATON_QUEUE_URL": QUEUE, "BATON_FAILURE_POLICY": "retry"}
        )


def _reader(limit: Limit) -> type[RelaySettings] | type[FifoSettings]:
    return RelaySettings if "relay" in limit.variants else FifoSettings


def _outside(limit: Limit) -> list[str]:
    step = 1 if limit.integer else 0.01
    values = []
    if limit.minimum is not None:
        values.append(f"{limit.minimum - step:.10g}")
    if limit.maximum is not None:
        values.append(f"{limit.maximum + step:.10g}")
    if limit.integer:
        values.append(f"{(limit.minimum or 0) + 1.5:.10g}")
    return values


@pytest.mark.parametrize(
    ("limit", "value"), [(limit, value) for limit in LIMITS for value in _outside(limit)], ids=str
)
def test_every_limit_refuses_a_value_outside_it(limit: Limit, value: str) -> None:
    """The same table drives the Terraform validations (tests/terraform), so the two cannot drift."""
    with pytest.raises(ConfigurationError, match=limit.env):
        _reader(limit).from_env(
            default_processor=DEFAULT, environ={"BATON_QUEUE_URL": QUEUE, limit.env: value}
        )


# Settings a bound needs beside it to be valid as a whole (a budget must exceed the wait; the backoff cap must
# not be below its base).
COMPANIONS = {
    limits.RETRY_BACKOFF: {"BATON_RETRY_BACKOFF_MAX_SECONDS": "43200"},
    limits.RETRY_BACKOFF_MAX: {"BATON_RETRY_BACKOFF_SECONDS": "0"},
}


@pytest.mark.parametrize(
    ("limit", "bound"),
    [
        (limit, bound)
        for limit in LIMITS
        for bound in (limit.minimum, limit.maximum)
        # a budget at its minimum of 1 s cannot exceed the smallest wait (1 s): see the test below
        if bound is not None and not (limit is limits.TIME_BUDGET and bound == limit.minimum)
    ],
    ids=str,
)
def test_every_limit_accepts_its_bounds(limit: Limit, bound: float) -> None:
    environ = {"BATON_QUEUE_URL": QUEUE, "BATON_WAIT_TIME_SECONDS": "1", limit.env: f"{bound:g}"}
    environ.update(COMPANIONS.get(limit, {}))
    _reader(limit).from_env(default_processor=DEFAULT, environ=environ)


def test_a_time_budget_not_above_the_wait_time_is_refused() -> None:
    with pytest.raises(
        ConfigurationError, match="every run would stop on its budget before its first receive"
    ):
        RelaySettings.from_env(
            default_processor=DEFAULT,
            environ={
                "BATON_QUEUE_URL": QUEUE,
                "BATON_TIME_BUDGET_SECONDS": "5",
                "BATON_WAIT_TIME_SECONDS": "10",
            },
        )
