"""Shared helpers of the workflow tests (run by `make test-workflows`, and by `make test-unit`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


def load_workflow(name: str) -> dict[str, Any]:
    """A workflow as data. YAML 1.1 reads the key `on` as True: it is put back under "on"."""
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def clean_make_env(**extra: str) -> dict[str, str]:
    """The environment for a nested make: without the parent make's flags and jobserver."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}
    }
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def ci() -> dict[str, Any]:
    return load_workflow("ci.yml")


@pytest.fixture(scope="session")
def deploy() -> dict[str, Any]:
    return load_workflow("deploy.yml")
