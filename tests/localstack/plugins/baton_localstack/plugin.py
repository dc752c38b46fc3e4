"""The plux plugin that registers the executor under ``LAMBDA_RUNTIME_EXECUTOR=baton-process``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin

if TYPE_CHECKING:
    from baton_localstack.executor import ProcessRuntimeExecutor


class ProcessRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    """Runs each Lambda execution environment as a local process instead of a Docker container."""

    name = "baton-process"

    def load(self, *args: Any, **kwargs: Any) -> type[ProcessRuntimeExecutor]:
        """Import the executor only when LocalStack selects it."""
        from baton_localstack.executor import ProcessRuntimeExecutor

        return ProcessRuntimeExecutor
