"""Re-invocation: hand the baton to the next run with an asynchronous self-invoke.

A run that stops with messages still waiting invokes its own function with `InvocationType="Event"` and a
payload carrying the chain id and the next hop number. A hop limit ends runaway chains with a logged reason.
An invoke that fails (throttle, error) is logged and counted; the messages stay in the queue and the next
scheduled run picks them up, so nothing is lost.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from relay_common.observability import Metric, count, logger

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

PAYLOAD_KEY = "baton"


@dataclass(frozen=True, slots=True)
class Baton:
    """Where a run stands in its relay chain."""

    chain_id: str
    hop: int = 0
    not_before: float = 0.0
    """Wall-clock time before which the next message may not start (the rate cap, carried across hops)."""

    @classmethod
    def new_chain(cls) -> Baton:
        """The first run of a chain (a scheduled or manual start)."""
        return cls(chain_id=str(uuid.uuid4()), hop=0)

    @classmethod
    def from_event(cls, event: Any) -> tuple[Baton, str]:
        """The baton an event carries, or a new chain; also says what triggered the run."""
        if isinstance(event, dict):
            carried = event.get(PAYLOAD_KEY)
            if isinstance(carried, dict):
                chain_id, hop = carried.get("chain_id"), carried.get("hop")
                not_before = carried.get("not_before", 0.0)
                if (
                    isinstance(chain_id, str)
                    and chain_id
                    and isinstance(hop, int)
                    and not isinstance(hop, bool)
                    and hop >= 0
                    and isinstance(not_before, int | float)
                ):
                    return cls(chain_id=chain_id, hop=hop, not_before=float(not_before)), "relay"
                logger.warning(
                    "ignoring a malformed relay payload; starting a new chain", extra={"baton": carried}
                )
            if event.get("source") == "aws.events" or event.get("detail-type") == "Scheduled Event":
                return cls.new_chain(), "schedule"
        return cls.new_chain(), "manual"

    def next(self, not_before: float = 0.0) -> Baton:
        """The baton for the next run of this chain."""
        return Baton(chain_id=self.chain_id, hop=self.hop + 1, not_before=not_before)

    def payload(self) -> dict[str, Any]:
        """The event the next run receives."""
        carried: dict[str, Any] = {"chain_id": self.chain_id, "hop": self.hop}
        if self.not_before:
            carried["not_before"] = round(self.not_before, 3)
        return {PAYLOAD_KEY: carried}


def pass_baton(client: LambdaClient, function_arn: str, baton: Baton) -> bool:
    """Invoke `function_arn` asynchronously with `baton`; True when Lambda accepted the invocation."""
    try:
        response = client.invoke(
            FunctionName=function_arn,
            InvocationType="Event",
            Payload=json.dumps(baton.payload()).encode(),
        )
    except (ClientError, BotoCoreError) as error:
        count(Metric.RELAY_FAILURES)
        logger.error(
            "relay invoke failed; the remaining messages wait for the next scheduled run",
            extra={"error": str(error), "function": function_arn, "next_hop": baton.hop},
        )
        return False
    status = response.get("StatusCode")
    if status != 202:
        count(Metric.RELAY_FAILURES)
        logger.error(
            "relay invoke was not accepted; the remaining messages wait for the next scheduled run",
            extra={"status": status, "function": function_arn, "next_hop": baton.hop},
        )
        return False
    count(Metric.RELAY_HOPS)
    logger.info("relayed to the next run", extra={"function": function_arn, "next_hop": baton.hop})
    return True
