"""In Lambda the consumer is built while the module is imported (INIT): a bad configuration stops the cold
start with a clear error, before any message is received."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/baton"


def cold_start(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BATON_", "AWS_"))}
    base.update(AWS_DEFAULT_REGION="us-east-1", AWS_LAMBDA_FUNCTION_NAME="baton-test", **env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import {module}"], env=base, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("module", ["consumer.relay_handler", "consumer.fifo_handler"])
def test_a_valid_configuration_starts(module: str) -> None:
    result = cold_start(module, BATON_QUEUE_URL=QUEUE, BATON_RESULTS_TABLE="baton-results")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("module", "env", "message"),
    [
        ("consumer.relay_handler", {}, "BATON_QUEUE_URL is not set"),
        (
            "consumer.relay_handler",
            {"BATON_QUEUE_URL": QUEUE, "BATON_WAIT_TIME_SECONDS": "30", "BATON_RESULTS_TABLE": "t-1"},
            "BATON_WAIT_TIME_SECONDS=30 is above the maximum of 20",
        ),
        ("consumer.relay_handler", {"BATON_QUEUE_URL": QUEUE}, "BATON_RESULTS_TABLE is not set"),
        (
            "consumer.fifo_handler",
            {"BATON_QUEUE_URL": QUEUE, "BATON_PROCESSOR": "consumer.processors.digest"},
            "must look like 'package.module:attribute'",
        ),
        (
            "consumer.fifo_handler",
            {"BATON_QUEUE_URL": QUEUE, "BATON_FAILURE_POLICY": "hold_group", "BATON_MAX_RECEIVE_COUNT": "1"},
            "hold_group needs the queue's maxReceiveCount",
        ),
    ],
)
def test_a_bad_configuration_stops_the_cold_start(module: str, env: dict[str, str], message: str) -> None:
    result = cold_start(module, **env)
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr
    assert message in result.stderr


def test_outside_lambda_importing_builds_nothing() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BATON_", "AWS_LAMBDA"))}
    result = subprocess.run(
        [sys.executable, "-c", "import consumer.relay_handler, consumer.fifo_handler"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("tracing", "loaded"), [("false", False), ("yes", True), ("on", True), ("0", False)])
def test_the_tracer_is_loaded_only_when_tracing_is_on(tracing: str, loaded: bool) -> None:
    """BATON_TRACING is read once, with the same rules as every flag; off, the X-Ray SDK is never imported."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BATON_", "AWS_"))}
    base.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_LAMBDA_FUNCTION_NAME="baton-test",
        BATON_QUEUE_URL=QUEUE,
        BATON_RESULTS_TABLE="baton-results",
        BATON_TRACING=tracing,
        POWERTOOLS_TRACE_DISABLED="true",  # no X-Ray daemon here; the Tracer is still created when on
    )
    script = "import sys, consumer.relay_handler; print('aws_xray_sdk' in sys.modules)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=base, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(loaded)
