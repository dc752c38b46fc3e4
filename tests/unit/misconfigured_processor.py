"""A processor module whose own configuration check fails."""

from __future__ import annotations

from typing import Any

from relay_common.errors import ConfigurationError


def setup() -> None:
    raise ConfigurationError("MISCONFIGURED_SETTING is not set")


def process(obj: Any, ctx: Any) -> None:
    return None
