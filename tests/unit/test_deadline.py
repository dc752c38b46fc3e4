"""The deadline guard interrupts work at its deadline; the budget accounts for margin and cap."""

from __future__ import annotations

import threading
import time

import pytest

from relay_common.deadline import Budget, deadline_guard
from relay_common.errors import DeadlineExceeded
from tests.unit.builders import FakeClock, FakeContext


def test_guard_interrupts_a_sleeping_block() -> None:
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded) as caught, deadline_guard(0.2, "m-1"):
        time.sleep(30)
    elapsed = time.monotonic() - started
    assert elapsed < 30, "the sleep ran to completion instead of being interrupted"
    assert caught.value.message_id == "m-1"
    assert "deadline of 0.20s" in str(caught.value)


def spin() -> None:
    while True:
        sum(range(1000))


def test_guard_interrupts_a_busy_loop() -> None:
    with pytest.raises(DeadlineExceeded), deadline_guard(0.1, "m-2"):
        spin()


def test_guard_interrupts_again_when_the_first_interrupt_is_swallowed() -> None:
    swallowed: list[DeadlineExceeded] = []

    def retry_once_then_give_up() -> None:
        for _ in range(100):
            try:
                time.sleep(30)
            except DeadlineExceeded as error:  # a careless broad retry swallows the first interrupt
                swallowed.append(error)
                if len(swallowed) == 1:
                    continue
                raise

    with pytest.raises(DeadlineExceeded), deadline_guard(0.1, "m-3"):
        retry_once_then_give_up()
    assert len(swallowed) == 2


def test_guard_does_nothing_to_fast_work_and_leaves_no_timer_behind() -> None:
    with deadline_guard(1.0, "m-4"):
        value = 21 * 2
    assert value == 42
    time.sleep(1.2)  # a leftover timer would fire here and raise


def test_disabled_guard_lets_work_run_past_the_deadline() -> None:
    with deadline_guard(0.05, "m-5", enabled=False):
        time.sleep(0.2)


def test_no_time_left_fails_at_once() -> None:
    with pytest.raises(DeadlineExceeded), deadline_guard(0, "m-6"):
        pytest.fail("the block must not run")


def test_off_the_main_thread_the_guard_cannot_interrupt() -> None:
    outcome: list[str] = []

    def worker() -> None:
        with deadline_guard(0.05, "m-7"):
            time.sleep(0.2)
        outcome.append("completed")

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert outcome == ["completed"]


def test_budget_is_remaining_time_minus_margin() -> None:
    clock = FakeClock()
    budget = Budget(FakeContext(timeout=60, clock=clock), safety_margin=5, clock=clock)
    assert budget.remaining() == pytest.approx(55)
    clock.advance(50)
    assert budget.remaining() == pytest.approx(5)
    assert budget.until_hard_stop() == pytest.approx(10)


def test_budget_cap_is_measured_from_the_start() -> None:
    clock = FakeClock()
    budget = Budget(FakeContext(timeout=900, clock=clock), safety_margin=5, cap=30, clock=clock)
    assert budget.remaining() == pytest.approx(30)
    clock.advance(25)
    assert budget.remaining() == pytest.approx(5)
