"""One chain at a time: the chain lease in the results table, and what a relay run does with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from consumer.processors.digest import DigestProcessor
from consumer.relay_handler import RelayConsumer
from relay_common.config import CoreSettings, RelaySettings
from relay_common.lease import LEASE_PK, ChainLease
from relay_common.processing import MessageEngine
from tests.unit.builders import FakeClock, FakeContext, body_for_upload, set_up

if TYPE_CHECKING:
    from tests.unit.builders import Aws


def lease(aws: Aws, chain: str, clock: FakeClock) -> ChainLease:
    return ChainLease(aws.dynamodb, aws.results_table, "baton-relay", chain, grace=60, clock=clock)


def test_a_free_lease_is_taken_and_a_live_one_refused(aws: Aws) -> None:
    clock = FakeClock(1_000.0)
    first, second = lease(aws, "chain-a", clock), lease(aws, "chain-b", clock)
    assert first.acquire(100)
    assert not second.acquire(100)
    assert second.holder is not None
    assert (second.holder.chain_id, second.holder.expires_at) == ("chain-a", 1_160.0)


def test_the_same_chain_takes_its_lease_again_on_the_next_hop(aws: Aws) -> None:
    clock = FakeClock(1_000.0)
    assert lease(aws, "chain-a", clock).acquire(100)
    assert lease(aws, "chain-a", clock).acquire(100)


def test_a_lapsed_lease_is_taken_over(aws: Aws) -> None:
    clock = FakeClock(1_000.0)
    assert lease(aws, "chain-a", clock).acquire(100)
    clock.advance(161)
    assert lease(aws, "chain-b", clock).acquire(100)


def test_renewal_extends_and_detects_a_take_over(aws: Aws) -> None:
    clock = FakeClock(1_000.0)
    held = lease(aws, "chain-a", clock)
    assert held.acquire(30)  # until 1,090
    clock.advance(80)
    assert held.renew(30)  # until 1,170
    clock.advance(80)
    assert not lease(aws, "chain-b", clock).acquire(30), "the renewal kept it"
    clock.advance(200)
    assert lease(aws, "chain-b", clock).acquire(30)
    assert not held.renew(30)
    assert held.holder is not None
    assert held.holder.chain_id == "chain-b"


def test_released_lease_is_free_at_once(aws: Aws) -> None:
    clock = FakeClock(1_000.0)
    held = lease(aws, "chain-a", clock)
    held.acquire(100)
    held.release()
    assert lease(aws, "chain-b", clock).acquire(100)
    held.release()  # no longer ours: nothing happens
    assert not lease(aws, "chain-c", clock).acquire(100)


def test_the_lease_item_is_not_a_result(aws: Aws) -> None:
    lease(aws, "chain-a", FakeClock()).acquire(10)
    (item,) = aws.results()
    assert item["pk"] == LEASE_PK
    assert "day" not in item, "it stays out of the results index"


def relay(aws: Aws, queue_url: str, clock: FakeClock) -> RelayConsumer:
    core = CoreSettings(queue_url=queue_url, processor="digest", results_table=aws.results_table, workers=1)
    settings = RelaySettings(core=core, wait_time=1, lease_table=aws.results_table)
    engine = MessageEngine(core, set_up(DigestProcessor(), aws.results_table))
    return RelayConsumer(
        settings, engine, receiver=aws.sqs, sqs=aws.sqs, lease_client=aws.dynamodb, wall_clock=clock
    )


def scheduled() -> dict[str, Any]:
    return {"source": "aws.events", "detail-type": "Scheduled Event"}


def test_a_start_that_finds_a_live_chain_exits_at_once(aws: Aws) -> None:
    clock = FakeClock(1_000.0)
    queue = aws.queue("leased")
    key = "in/a.txt"
    queue.send(body_for_upload(aws, key, aws.put(key)))
    lease(aws, "running-chain", clock).acquire(300)

    summary = relay(aws, queue.url, clock).handle(scheduled(), FakeContext(timeout=60))  # type: ignore[arg-type]

    assert summary["stop_reason"] == "chain_running"
    assert (summary["received"], summary["relayed"]) == (0, False)
    assert queue.depth() == (1, 0), "the running chain's messages were not touched"


def test_a_lapsed_chain_is_taken_over_and_the_lease_released_when_drained(aws: Aws) -> None:
    clock = FakeClock(1_000.0)
    queue = aws.queue("lapsed")
    key = "in/b.txt"
    queue.send(body_for_upload(aws, key, aws.put(key)))
    lease(aws, "killed-chain", clock).acquire(30)
    clock.advance(500)

    summary = relay(aws, queue.url, clock).handle(scheduled(), FakeContext(timeout=60))  # type: ignore[arg-type]

    assert (summary["stop_reason"], summary["processed"]) == ("drained", 1)
    assert lease(aws, "next-chain", clock).acquire(30), "a drained chain hands its lease back"


@pytest.mark.parametrize("hops", [1, 3])
def test_the_chain_keeps_its_lease_across_hops(aws: Aws, hops: int) -> None:
    clock = FakeClock(1_000.0)
    queue = aws.queue(f"hops-{hops}")
    consumer = relay(aws, queue.url, clock)
    assert lease(aws, "chain-h", clock).acquire(30)
    event = {"baton": {"chain_id": "chain-h", "hop": hops}}
    summary = consumer.handle(event, FakeContext(timeout=60))  # type: ignore[arg-type]
    assert summary["stop_reason"] == "drained", "the chain's own hop is not refused"
