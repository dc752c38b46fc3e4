"""The rate cap and the capacity estimate, against a clock the test moves by hand."""

from __future__ import annotations

import itertools

import pytest

from relay_common.pacing import RateLimiter, Throughput
from tests.unit.builders import FakeClock


class TestRateLimiter:
    def test_starts_are_spaced_one_interval_apart_without_a_burst(self) -> None:
        clock = FakeClock(100.0)
        limiter = RateLimiter(20.0, clock=clock)
        starts = []
        while len(starts) < 100:
            if limiter.delay() == 0:
                limiter.take()
                starts.append(clock.now)
            clock.advance(0.001)
        assert starts[0] == 100.0
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        assert min(gaps) == pytest.approx(0.05, abs=0.0011)
        assert (starts[-1] - starts[0]) / 99 == pytest.approx(0.05, rel=0.02)

    def test_a_late_start_does_not_push_the_schedule_back(self) -> None:
        # A dispatcher that gets round to each start 2 ms after its slot, at 50 per second (20 ms slots).
        clock = FakeClock(0.0)
        limiter = RateLimiter(50.0, clock=clock)
        starts = []
        while len(starts) < 500:
            clock.advance(limiter.delay() + 0.002)
            limiter.take()
            starts.append(clock.now)
        rate = (len(starts) - 1) / (starts[-1] - starts[0])
        assert rate == pytest.approx(50.0, rel=0.001)  # a strict spacing from each start would make 45.5
        assert rate <= 50.0 * (1 + 1e-9)

    def test_no_second_holds_more_starts_than_the_cap_and_none_come_closer_than_three_quarters(self) -> None:
        # Lateness that varies from 0 to 10 ms per start (a busy dispatcher), at 20 per second.
        clock = FakeClock(0.0)
        limiter = RateLimiter(20.0, clock=clock)
        starts = []
        for lateness in itertools.islice(itertools.cycle([0.0, 0.01, 0.003, 0.0, 0.007]), 400):
            clock.advance(limiter.delay() + lateness)
            limiter.take()
            starts.append(clock.now)
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        assert min(gaps) >= 0.75 * 0.05 - 1e-9
        for index, first in enumerate(starts):
            assert sum(1 for t in starts[index:] if t <= first + 1.0) <= 21  # rate + 1 in a closed second
        assert (len(starts) - 1) / (starts[-1] - starts[0]) <= 20.0 * (1 + 1e-9)

    def test_the_delay_says_how_long_to_wait(self) -> None:
        clock = FakeClock(0.0)
        limiter = RateLimiter(4.0, clock=clock)
        limiter.take()
        assert limiter.delay() == pytest.approx(0.25)
        clock.advance(0.1)
        assert limiter.delay() == pytest.approx(0.15)
        clock.advance(1.0)
        assert limiter.delay() == 0.0

    def test_an_idle_spell_does_not_save_up_a_burst(self) -> None:
        clock = FakeClock(0.0)
        limiter = RateLimiter(10.0, clock=clock)
        limiter.take()
        clock.advance(60.0)
        limiter.take()
        assert limiter.delay() == pytest.approx(0.1)  # the schedule restarts from now

    def test_the_next_start_carries_over_to_the_next_hop(self) -> None:
        clock = FakeClock(0.0)
        limiter = RateLimiter(2.0, clock=clock)
        limiter.take()
        next_hop = RateLimiter(2.0, clock=clock, not_before=limiter.next_allowed)
        assert next_hop.delay() == pytest.approx(0.5)

    def test_no_rate_means_no_limit(self) -> None:
        limiter = RateLimiter(None)
        for _ in range(1000):
            limiter.take()
        assert limiter.delay() == 0.0

    @pytest.mark.parametrize("rate", [0.0, -1.0])
    def test_a_rate_must_be_positive(self, rate: float) -> None:
        with pytest.raises(ValueError, match="positive"):
            RateLimiter(rate)


class TestThroughput:
    def test_before_any_measurement_one_message_per_worker(self) -> None:
        assert Throughput().capacity(100.0, workers=4) == 4

    def test_capacity_follows_the_slowest_recent_message(self) -> None:
        throughput = Throughput()
        for seconds in (0.1, 0.5, 0.2):
            throughput.observe(seconds)
        assert throughput.per_message == 0.5
        assert throughput.capacity(10.0, workers=4) == 80
        assert throughput.capacity(0.4, workers=4) == 0
        assert throughput.capacity(-1.0, workers=4) == 0

    def test_the_rate_cap_bounds_the_capacity(self) -> None:
        throughput = Throughput()
        throughput.observe(0.01)
        assert throughput.capacity(10.0, workers=8, rate=5.0) == 51
