"""The harness as a FIFO event source mapping that mixes message groups in a batch (`start = "poll"`).

Why: AWS's mapping may hand a function one batch holding several message groups, in order within each, and
Baton's FIFO handler runs the groups of a batch on parallel workers. LocalStack's mapping only ever delivers
one group per batch, so on LocalStack that parallelism cannot show through it. This poller stands in for
the mapping: it receives from the queue (FIFO semantics still decide what it may hold: nothing more of a
group while some of it is in flight), forms batches of up to `batch_size` records by taking the oldest held
record of each group in turn, invokes the function synchronously with the SQS event Lambda would send, and
then does what the mapping does with the answer: deletes the records not reported in `batchItemFailures`
and makes the failed ones visible again (with every record of their group it still holds, so a group's
order survives a failure). One batch at a time, like a mapping at concurrency 1.

Its SQS calls are the harness's own (counted and subtracted): the function made none.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from typing import Any

BUFFER = 40
"""Most messages the poller holds (received, not yet handed over): enough for four groups of one receive."""


class BatchPoller:
    """Feeds a FIFO queue's messages to a function in mixed-group batches until stopped."""

    def __init__(
        self,
        sqs: Any,
        lam: Any,
        *,
        queue_url: str,
        queue_arn: str,
        function_name: str,
        batch_size: int = 10,
        buffer: int = BUFFER,
    ) -> None:
        self._sqs, self._lambda = sqs, lam
        self._url, self._arn, self._function = queue_url, queue_arn, function_name
        self._batch_size, self._buffer = batch_size, buffer
        self._held: dict[str, deque[dict[str, Any]]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.invocations = 0
        self.failed_records = 0
        self.errors: list[str] = []

    # life cycle

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="batch-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the batch in hand; what is still held is made visible again."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=120)
        self._release([m for group in self._held.values() for m in group])
        self._held.clear()

    # one round

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception as error:  # noqa: BLE001 - a bench thread reports, it does not die silently
                self.errors.append(f"{type(error).__name__}: {error}")
                self._stop.wait(1.0)

    def step(self) -> int:
        """Receive what the buffer has room for, hand one batch over, settle it; returns its size."""
        self._fill()
        batch = self.next_batch()
        if not batch:
            return 0
        failed = self._invoke(batch)
        self._delete([m for m in batch if m["MessageId"] not in failed])
        if failed:
            self.failed_records += len(failed)
            groups = {group_of(m) for m in batch if m["MessageId"] in failed}
            again = [m for m in batch if m["MessageId"] in failed]
            for group in groups:
                again += list(self._held.pop(group, ()))
            self._release(again)
        return len(batch)

    def _fill(self) -> None:
        wait = 0 if self.held else 1
        while self.held < self._buffer and not self._stop.is_set():
            messages = self._sqs.receive_message(
                QueueUrl=self._url,
                MaxNumberOfMessages=min(10, self._buffer - self.held),
                WaitTimeSeconds=wait,
                MessageSystemAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                return
            for message in messages:
                self._held.setdefault(group_of(message), deque()).append(message)
            wait = 0

    @property
    def held(self) -> int:
        return sum(len(group) for group in self._held.values())

    def next_batch(self) -> list[dict[str, Any]]:
        """Up to `batch_size` held records, each group's oldest in turn: groups mix, each keeps its order."""
        batch: list[dict[str, Any]] = []
        while len(batch) < self._batch_size and self._held:
            for group in sorted(self._held):
                if len(batch) == self._batch_size:
                    break
                batch.append(self._held[group].popleft())
                if not self._held[group]:
                    del self._held[group]
        return batch

    def _invoke(self, batch: list[dict[str, Any]]) -> set[str]:
        """The function's answer as the set of failed message ids (all of them when the invocation failed)."""
        event = {"Records": [self.record(m) for m in batch]}
        response = self._lambda.invoke(
            FunctionName=self._function, InvocationType="RequestResponse", Payload=json.dumps(event).encode()
        )
        self.invocations += 1
        payload = response["Payload"].read()
        if response.get("FunctionError"):
            self.errors.append(f"invocation failed: {payload[:300]!r}")
            return {m["MessageId"] for m in batch}
        answer = json.loads(payload or b"{}") or {}
        return {str(item["itemIdentifier"]) for item in answer.get("batchItemFailures", [])}

    def record(self, message: dict[str, Any]) -> dict[str, Any]:
        """The SQS event record Lambda builds from a received message."""
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": {},
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self._arn,
            "awsRegion": self._arn.split(":")[3] if self._arn.count(":") >= 5 else "us-east-1",
        }

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )

    def _release(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            self._sqs.change_message_visibility_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(chunk)
                ],
            )


def group_of(message: dict[str, Any]) -> str:
    """A received FIFO message's MessageGroupId."""
    return str(message.get("Attributes", {}).get("MessageGroupId", ""))
