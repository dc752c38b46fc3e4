"""One relay chain at a time: a lease the running chain holds and renews.

Reserved concurrency 1 keeps one execution at a time, but not one chain: a scheduled start that fires while a
chain runs is throttled and retried by Lambda for up to the event's maximum age, runs in a gap between two
hops, and starts a second chain with its own hop count; over a long backlog every schedule tick adds one. So
a run first takes the chain lease, an item in the results table. A start that finds another chain's live
lease exits at once and says so; a lease that lapsed (its run was killed, a hop was lost) is taken over.

The lease is written with conditional `PutItem` only (take, renew, hand back), the one write the function
already may make on that table. Its item (`pk = "baton#lease"`) has none of the result attributes, so it
stays out of the table's `recent` index; readers of the table skip `pk` values starting with `baton#`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from relay_common.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from relay_common.deadline import Clock

RESERVED_PREFIX = "baton#"
"""Results-table keys that are Baton's own bookkeeping, not results."""
LEASE_PK = f"{RESERVED_PREFIX}lease"
GRACE = 60.0
"""Seconds a lease outlives the run that wrote it: room for the asynchronous hand-over to the next hop."""


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a lease, until when (wall-clock seconds)."""

    chain_id: str
    expires_at: float


class ChainLease:
    """The lease of one relay function's chain (`name`: the function)."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        name: str,
        chain_id: str,
        *,
        grace: float = GRACE,
        clock: Clock = time.time,
    ) -> None:
        self._client = client
        self._table = table
        self._name = name
        self.chain_id = chain_id
        self._grace = grace
        self._clock = clock
        self._renewed = 0.0
        self._expires = 0.0
        self.holder: Holder | None = None
        """After a refused `acquire`: the chain that holds the lease."""

    def acquire(self, seconds_left: float) -> bool:
        """Take the lease for this run (free, lapsed, or already this chain's); False when another chain's
        lease is live."""
        return self._write(seconds_left, "attribute_not_exists(pk) OR expires_at < :now OR chain_id = :me")

    def renew(self, seconds_left: float) -> bool:
        """Extend the lease when a third of it has passed; False when it was lost to another chain."""
        now = self._clock()
        if now - self._renewed < (self._expires - self._renewed) / 3:
            return True
        return self._write(seconds_left, "chain_id = :me OR attribute_not_exists(pk) OR expires_at < :now")

    def release(self) -> None:
        """Hand the lease back (the chain ended): the next scheduled start may begin a chain at once."""
        try:
            self._put(0.0, "chain_id = :me", now=self._clock())
        except ClientError as error:
            if _code(error) != "ConditionalCheckFailedException":
                logger.warning("could not release the chain lease", extra={"error": str(error)})

    def _write(self, seconds_left: float, condition: str) -> bool:
        now = self._clock()
        expires = now + max(seconds_left, 0.0) + self._grace
        try:
            self._put(expires, condition, now=now)
        except ClientError as error:
            if _code(error) != "ConditionalCheckFailedException":
                raise
            self.holder = _holder(error)
            return False
        self._renewed, self._expires = now, expires
        return True

    def _put(self, expires: float, condition: str, *, now: float) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": LEASE_PK},
                "sk": {"S": self._name},
                "chain_id": {"S": self.chain_id},
                "expires_at": {"N": f"{expires:.3f}"},
                "written_at": {"N": f"{now:.3f}"},
            },
            ConditionExpression=condition,
            ExpressionAttributeValues={":now": {"N": f"{now:.3f}"}, ":me": {"S": self.chain_id}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _holder(error: ClientError) -> Holder | None:
    item: dict[str, Any] = error.response.get("Item") or {}  # type: ignore[assignment]
    try:
        return Holder(item["chain_id"]["S"], float(item["expires_at"]["N"]))
    except (KeyError, TypeError, ValueError):
        return None
