"""Processors the loader tests point BATON_PROCESSOR at."""

from __future__ import annotations

from typing import Any

from relay_common.errors import ConfigurationError
from relay_common.processor import BaseProcessor, ProcessorResult, ProcessorSettings

NOT_CALLABLE = 42


def ok(obj: Any, ctx: Any) -> ProcessorResult:
    return ProcessorResult("ok")


def one_argument(obj: Any) -> None:
    return None


class Counting(BaseProcessor):
    """A class the loader creates; counts its setups."""

    setups = 0

    def setup(self, settings: ProcessorSettings) -> None:
        super().setup(settings)
        type(self).setups += 1

    def process(self, obj: Any, context: Any) -> ProcessorResult:
        return ProcessorResult("counted")


instance = Counting()


class NeedsArguments(BaseProcessor):
    def __init__(self, table: str) -> None:
        self.table = table


class Misconfigured(BaseProcessor):
    """A processor whose own configuration check fails."""

    def setup(self, settings: ProcessorSettings) -> None:
        raise ConfigurationError("MISCONFIGURED_SETTING is not set")


misconfigured = Misconfigured()


def returns_a_dict(obj: Any, ctx: Any) -> dict[str, str]:
    return {"status": "duplicate"}
