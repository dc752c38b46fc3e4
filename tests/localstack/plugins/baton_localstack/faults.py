"""Seeded fault injection and an inside view of LocalStack, for Baton's soak and benchmarks (test code).

Registered as an ``on_infra_start`` hook, it adds one resource, ``/_localstack/baton/faults``:

* ``POST`` a JSON configuration (below) to arm the faults; it resets the counters.
* ``GET`` returns the configuration and the counters: what was injected, and the calls LocalStack made to
  itself (``internal_calls``, e.g. an event source mapping's ``sqs.ReceiveMessage``), which its request log
  does not show at the default log level.
* ``DELETE`` disarms every fault (the counters stay readable).

Configuration (every key optional)::

    {"seed": 7,
     "delete_fail_rate": 0.02,  "delete_queues": ["baton-soak"],       # DeleteMessageBatch entries
     "invoke_refuse_rate": 0.2, "invoke_functions": ["baton-soak"]}    # asynchronous self-invokes

* A ``DeleteMessageBatch`` entry on a listed queue (by name; empty list: every queue) is failed with
  probability ``delete_fail_rate``: the message is not deleted and the entry is reported in the 200 response's
  ``Failed`` list (``Code`` ``InternalError``, ``SenderFault`` false), as SQS does when a delete fails.
* An asynchronous ``Invoke`` (``InvocationType=Event``) of a listed function that does not come from
  LocalStack itself (so from function code: the relay's self-invoke; not the EventBridge schedule) is refused
  with probability ``invoke_refuse_rate``: HTTP 429 ``TooManyRequestsException``. The decision is keyed on
  the payload, so a client's retry of the same hand-over is refused too and the chain is really broken.

Every decision is a hash of the seed and what the call is about (the receipt handle; the function and
payload), not a random draw, so it does not depend on thread timing.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from localstack.runtime import hooks

if TYPE_CHECKING:
    from localstack.aws.api import RequestContext
    from localstack.aws.chain import HandlerChain
    from localstack.http import Request, Response

LOG = logging.getLogger(__name__)

RESOURCE_PATH = "/_localstack/baton/faults"


def _fraction(seed: int, *parts: str | bytes) -> float:
    """A number in [0, 1) determined by the seed and the parts."""
    digest = hashlib.sha256(str(seed).encode())
    for part in parts:
        digest.update(b"\0")
        digest.update(part if isinstance(part, bytes) else part.encode())
    return int.from_bytes(digest.digest()[:8], "big") / 2**64


@dataclass
class FaultConfig:
    """What to inject; all rates 0 means nothing is."""

    seed: int = 0
    delete_fail_rate: float = 0.0
    delete_queues: list[str] = field(default_factory=list)
    invoke_refuse_rate: float = 0.0
    invoke_functions: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, document: Any) -> FaultConfig:
        """Validate a JSON document; raises ValueError listing every problem."""
        if not isinstance(document, dict):
            raise ValueError("the configuration must be a JSON object")
        problems = [f"unknown key {key!r}" for key in document if key not in cls.__dataclass_fields__]
        config = cls()
        seed = document.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            problems.append("seed must be an integer")
        else:
            config.seed = seed
        for name in ("delete_fail_rate", "invoke_refuse_rate"):
            rate = document.get(name, 0.0)
            if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
                problems.append(f"{name} must be a number between 0 and 1")
            else:
                setattr(config, name, float(rate))
        for name in ("delete_queues", "invoke_functions"):
            names = document.get(name, [])
            if not isinstance(names, list) or not all(isinstance(item, str) for item in names):
                problems.append(f"{name} must be a list of names")
            else:
                setattr(config, name, names)
        if problems:
            raise ValueError("; ".join(problems))
        return config


class FaultState:
    """The armed configuration and the counters, shared by the patches and the resource."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.config = FaultConfig()
        self.injected: Counter[str] = Counter()
        self.internal_calls: Counter[str] = Counter()

    def arm(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self.injected.clear()
            self.internal_calls.clear()

    def disarm(self) -> None:
        with self._lock:
            self.config = FaultConfig(seed=self.config.seed)

    def count(self, counter: Counter[str], key: str, amount: int = 1) -> None:
        with self._lock:
            counter[key] += amount

    def document(self) -> dict[str, Any]:
        with self._lock:
            return {
                "config": asdict(self.config),
                "injected": dict(self.injected),
                "internal_calls": dict(self.internal_calls),
            }

    def delete_fails(self, queue_name: str, receipt_handle: str) -> bool:
        config = self.config
        if config.delete_fail_rate <= 0 or (config.delete_queues and queue_name not in config.delete_queues):
            return False
        return _fraction(config.seed, "delete", receipt_handle) < config.delete_fail_rate

    def invoke_refused(self, function_name: str, payload: bytes) -> bool:
        config = self.config
        if config.invoke_refuse_rate <= 0:
            return False
        if config.invoke_functions and function_name not in config.invoke_functions:
            return False
        return _fraction(config.seed, "invoke", function_name, payload) < config.invoke_refuse_rate


STATE = FaultState()


def _short_name(name_or_arn: str) -> str:
    """The last component of an ARN or URL (queue or function name)."""
    return name_or_arn.rstrip("/").replace(":", "/").rsplit("/", 1)[-1]


class FaultsResource:
    """``/_localstack/baton/faults``: arm, read and disarm."""

    def on_get(self, request: Request) -> dict[str, Any]:
        return STATE.document()

    def on_post(self, request: Request) -> Any:
        from localstack.http import Response

        try:
            config = FaultConfig.parse(json.loads(request.get_data() or b"{}"))
        except ValueError as error:
            return Response(json.dumps({"error": str(error)}), status=400, mimetype="application/json")
        STATE.arm(config)
        LOG.info("Baton faults armed: %s", asdict(config))
        return STATE.document()

    def on_delete(self, request: Request) -> dict[str, Any]:
        STATE.disarm()
        LOG.info("Baton faults disarmed")
        return STATE.document()


def count_internal_calls(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    """Response handler: count the AWS calls LocalStack makes to itself."""
    if context.is_internal_call and context.service and context.operation:
        STATE.count(STATE.internal_calls, f"{context.service.service_name}.{context.operation.name}")


def _patch_sqs() -> None:
    from localstack.aws.api.sqs import BatchResultErrorEntry, DeleteMessageBatchResult
    from localstack.services.sqs.provider import SqsProvider
    from localstack.utils.patch import patch

    @patch(SqsProvider.delete_message_batch)
    def delete_message_batch(
        fn: Any, self: Any, context: RequestContext, queue_url: str, entries: list[Any], **kwargs: Any
    ) -> Any:
        queue = _short_name(queue_url)
        failing = [entry for entry in entries if STATE.delete_fails(queue, entry["ReceiptHandle"])]
        if not failing:
            return fn(self, context, queue_url, entries, **kwargs)
        kept = [entry for entry in entries if entry not in failing]
        result = (
            fn(self, context, queue_url, kept, **kwargs)
            if kept
            else DeleteMessageBatchResult(Successful=[], Failed=[])
        )
        result.setdefault("Failed", []).extend(
            BatchResultErrorEntry(
                Id=entry["Id"], SenderFault=False, Code="InternalError", Message="injected by the Baton soak"
            )
            for entry in failing
        )
        STATE.count(STATE.injected, "delete_entries_failed", len(failing))
        return result


def _patch_lambda() -> None:
    from localstack.aws.api.lambda_ import InvocationType, TooManyRequestsException
    from localstack.services.lambda_.provider import LambdaProvider
    from localstack.utils.patch import patch

    @patch(LambdaProvider.invoke)
    def invoke(
        fn: Any,
        self: Any,
        context: RequestContext,
        function_name: str,
        invocation_type: str | None = None,
        *args: Any,
        payload: Any = None,
        **kwargs: Any,
    ) -> Any:
        if invocation_type == InvocationType.Event and not context.is_internal_call:
            raw = payload.read() if hasattr(payload, "read") else (payload or b"")
            payload = io.BytesIO(raw)
            if STATE.invoke_refused(_short_name(function_name), raw):
                STATE.count(STATE.injected, "invokes_refused")
                raise TooManyRequestsException(
                    "Rate Exceeded.", Type="User", Reason="ReservedFunctionConcurrentInvocationLimitExceeded"
                )
        return fn(self, context, function_name, invocation_type, *args, payload=payload, **kwargs)


@hooks.on_infra_start()
def register_faults() -> None:
    """Install the patches, the internal-call counter and the resource."""
    from localstack.aws import handlers
    from localstack.http import Resource
    from localstack.services.internal import get_internal_apis

    _patch_sqs()
    _patch_lambda()
    handlers.run_custom_response_handlers.append(count_internal_calls)
    get_internal_apis().add(Resource(RESOURCE_PATH, FaultsResource()))
    LOG.debug("Baton fault injection registered at %s", RESOURCE_PATH)
