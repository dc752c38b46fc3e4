"""Processors the loader tests point BATON_PROCESSOR at."""

from __future__ import annotations

from typing import Any

NOT_CALLABLE = 42


def ok(obj: Any, ctx: Any) -> dict[str, str]:
    return {"status": "ok"}


def one_argument(obj: Any) -> None:
    return None
