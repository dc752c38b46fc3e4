"""Errors an operator can act on: one line on stderr, exit status 1, no traceback."""

from __future__ import annotations

import json
import os
import stat
from typing import TYPE_CHECKING

import pytest

from consumer.cli.aws import is_local, queue_url_region

if TYPE_CHECKING:
    from pathlib import Path

    from tests.cli.conftest import Cloud, Result, Runner

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-relay"


def one_line(result: Result) -> str:
    assert result.code == 1, result
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


@pytest.fixture
def no_aws_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    for name in ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_aws_config")
def test_missing_credentials(baton: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)

    aws = baton("dlq", "peek", "--dlq-url", QUEUE)
    local = baton("dlq", "peek", "--dlq-url", QUEUE, "--endpoint-url", "http://127.0.0.1:4566")

    assert one_line(aws) == (
        "baton: error: no AWS credentials found: pass --profile or set AWS_PROFILE, or set AWS_ACCESS_KEY_ID "
        "and AWS_SECRET_ACCESS_KEY"
    )
    assert one_line(local).endswith("AWS_SECRET_ACCESS_KEY (LocalStack accepts test/test)")


@pytest.mark.usefixtures("no_aws_config")
def test_missing_region_and_unknown_profile(baton: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")

    no_region = baton("status", "--queue-url", QUEUE)
    profile = baton("status", "--queue-url", QUEUE, "--profile", "nope")

    assert one_line(no_region) == "baton: error: no AWS region configured: pass --region or set AWS_REGION"
    assert one_line(profile) == (
        "baton: error: AWS profile 'nope' is not configured: check --profile / AWS_PROFILE and ~/.aws/config"
    )


def test_queue_in_another_region(baton: Runner) -> None:
    other = "https://sqs.eu-west-1.amazonaws.com/123456789012/baton-relay"

    result = baton("drain", "--queue-url", other, "--table", "t")

    assert one_line(result) == (
        f"baton: error: queue {other} is in region eu-west-1, but baton uses us-east-1: "
        "pass --region eu-west-1 (or set AWS_REGION)"
    )


@pytest.mark.usefixtures("cloud")
def test_queue_that_does_not_exist(baton: Runner) -> None:
    missing = QUEUE.replace("baton-relay", "no-such-queue")

    drain = baton("drain", "--queue-url", missing, "--table", "t")
    peek = baton("dlq", "peek", "--dlq-url", missing)
    status = baton("status", "--queue-url", missing)

    assert one_line(drain) == f"baton: error: queue {missing} does not exist in region us-east-1"
    assert one_line(peek) == f"baton: error: dead-letter queue {missing} does not exist in region us-east-1"
    assert status.code == 1
    assert status.err == f"baton: queue {missing} does not exist in region us-east-1\n"


def test_unreachable_local_endpoint(baton: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")

    result = baton("status", "--queue-url", QUEUE, "--timeout", "0.5")
    explicit = baton(
        "dlq", "peek", "--dlq-url", QUEUE, "--endpoint-url", "http://localhost:9", "--timeout", "0.5"
    )

    assert one_line(result).startswith("baton: error: cannot reach http://127.0.0.1:9")
    assert result.err.rstrip().endswith("is LocalStack running? Start it with `make localstack-up`")
    assert "cannot reach http://localhost:9" in one_line(explicit)
    assert "make localstack-up" in explicit.err


def test_debug_shows_the_traceback(baton: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    result = baton("--debug", "dlq", "peek", "--dlq-url", QUEUE, "--endpoint-url", "http://127.0.0.1:9")

    assert result.code == 1
    assert "Traceback" in result.err
    assert result.err.splitlines()[-1].startswith("baton: error: cannot reach http://127.0.0.1:9")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON (Expecting value at line 1); write it with `terraform output -json`"),
        ("[]", "are a JSON list, not an object of outputs"),
        ("{}", "has no outputs: is the stack deployed (terraform apply) and its state reachable?"),
        (
            '{"other": {"value": "x"}}',
            "has none of Baton's stack outputs (queue_url, bucket_name, ...): other",
        ),
        (
            '{"variant": {"value": "batch"}, "queue_url": {"value": "q"}}',
            "is 'batch', not one of relay, fifo",
        ),
        ('{"queue_url": {"value": 3}}', "output 'queue_url' from"),
    ],
)
def test_bad_outputs_file(baton: Runner, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(content)

    assert message in one_line(baton("status", "--outputs", str(path)))


def test_outputs_file_that_does_not_exist_or_lacks_what_is_needed(baton: Runner, tmp_path: Path) -> None:
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"queue_url": QUEUE}))  # a flat object is accepted too

    missing = baton("status", "--outputs", str(tmp_path / "nope.json"))
    no_bucket = baton("send", "x", "--outputs", str(partial))
    two = baton("drain", "--outputs", str(partial), "--outputs", str(partial))

    assert one_line(missing) == f"baton: error: outputs file {tmp_path / 'nope.json'} does not exist"
    assert one_line(no_bucket) == (
        "baton: error: no bucket known: pass --bucket or --stack/--outputs with output 'bucket_name'"
    )
    assert one_line(two) == "baton: error: this command works on one stack: give one --stack or --outputs"


def fake_terraform(tmp_path: Path, script: str) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    terraform = bin_dir / "terraform"
    terraform.write_text("#!/bin/sh\n" + script)
    terraform.chmod(terraform.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def test_stack_directory_reads_terraform_output(
    cloud: Cloud, baton: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = tmp_path / "stacks" / "relay"
    stack.mkdir(parents=True)
    bin_dir = fake_terraform(
        tmp_path,
        f'[ "$1" = "-chdir={stack}" ] && [ "$2" = output ] && [ "$3" = -json ] || exit 9\n'
        f'cat "{cloud.relay_outputs}"\n',
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    result = baton("status", "--stack", str(stack), "--json")

    assert result.code == 0, result.err
    assert result.json()[0]["source"] == str(stack)
    assert result.json()[0]["queue"]["name"] == "baton-relay"


def test_stack_directory_errors(baton: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = tmp_path / "stack"
    stack.mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    not_installed = baton("status", "--stack", str(stack))
    bin_dir = fake_terraform(
        tmp_path, 'echo "╷" >&2\necho "│ Error: Backend initialization required" >&2\nexit 1\n'
    )
    monkeypatch.setenv("PATH", str(bin_dir))
    failing = baton("status", "--stack", str(stack))
    no_dir = baton("status", "--stack", str(tmp_path / "nowhere"))

    assert one_line(not_installed).startswith("baton: error: terraform is not on PATH")
    assert one_line(failing) == (
        f"baton: error: `terraform output` failed in {stack}: Error: Backend initialization required"
    )
    assert one_line(no_dir) == f"baton: error: stack directory {tmp_path / 'nowhere'} does not exist"


def test_explicit_names_cannot_override_several_stacks(cloud: Cloud, baton: Runner) -> None:
    result = baton("status", *cloud.outputs("relay"), *cloud.outputs("fifo"), "--function", "x")

    assert (
        one_line(result) == "baton: error: --function cannot be combined with several stacks: give one stack"
    )


def test_region_and_endpoint_parsing() -> None:
    assert queue_url_region("https://sqs.eu-west-1.amazonaws.com/1/q") == "eu-west-1"
    assert queue_url_region("https://us-gov-west-1.queue.amazonaws.com/1/q") == "us-gov-west-1"
    assert queue_url_region("http://sqs.us-east-1.localhost.localstack.cloud:4566/0/q") == "us-east-1"
    assert queue_url_region("http://localhost:4566/000000000000/q") is None
    assert is_local("http://localhost.localstack.cloud:4566")
    assert is_local("http://127.0.0.1:4566")
    assert not is_local("https://sqs.us-east-1.amazonaws.com")
    assert not is_local(None)
