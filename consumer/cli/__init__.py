"""`baton`: the operator's command line for a deployed pipeline (status, send, backfill, drain, DLQ peek and
redrive).

Runs on a workstation or in CI, never in the function: rich (tables, progress bars) is a CLI-only dependency
(`pip install 'baton[cli]'`) and `consumer/cli` is left out of the Lambda artifact.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point; returns the process exit code."""
    if importlib.util.find_spec("rich") is None:
        sys.stderr.write("baton: error: the CLI needs rich: pip install 'baton[cli]'\n")
        return 1
    from consumer.cli.app import run  # noqa: PLC0415 - keeps `import consumer.cli` free of rich

    return run(argv)


__all__ = ["main"]
