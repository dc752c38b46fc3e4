"""LocalStack's Lambda as Baton relies on it: the process-based executor in host mode, Docker otherwise.

Each test creates its own functions and queues under fresh names, so the suite can run repeatedly against one
LocalStack. Run with ``make test-localstack-executor``.
"""

from __future__ import annotations

import base64
import io
import json
import os
import textwrap
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from tests.unit.builders import create_results_table

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

pytestmark = pytest.mark.integration

ROLE_ARN = "arn:aws:iam::000000000000:role/baton-executor-test"

HANDLER_SOURCE = textwrap.dedent(
    '''
    """Test function: what it does is chosen by the event's "action"."""
    import logging
    import os
    import sys
    import time
    import uuid

    import boto3  # provided by the Lambda runtime, not bundled

    ENVIRONMENT_ID = uuid.uuid4().hex  # module code runs once per execution environment
    print(f"init {ENVIRONMENT_ID}")


    class BatonTestError(Exception):
        """Raised on purpose."""


    def describe(context):
        return {
            "environment_id": ENVIRONMENT_ID,
            "pid": os.getpid(),
            "env": dict(os.environ),
            "context": {
                "aws_request_id": context.aws_request_id,
                "function_name": context.function_name,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": str(context.memory_limit_in_mb),
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining_ms": context.get_remaining_time_in_millis(),
            },
        }


    def handler(event, context):
        if "Records" in event:
            sqs = boto3.client("sqs")
            for record in event["Records"]:
                sqs.send_message(QueueUrl=os.environ["OUTPUT_QUEUE_URL"], MessageBody=record["body"])
            return {"forwarded": len(event["Records"])}
        action = event.get("action")
        marker = event.get("marker", "")
        if action == "log":
            print(f"stdout {marker}")
            print(f"stderr {marker}", file=sys.stderr)
            logging.getLogger().warning("logging %s", marker)
        elif action == "sleep":
            print(f"before sleep {marker}")
            started = time.time()
            time.sleep(event["seconds"])
            print(f"after sleep {marker}")
            return {**describe(context), "started": started, "ended": time.time()}
        elif action == "raise":
            raise BatonTestError(f"broken on purpose {marker}")
        elif action == "send":
            boto3.client("sqs").send_message(QueueUrl=event["queue_url"], MessageBody=marker)
        return {**describe(context), "event": event}
    '''
)


def build_zip(files: dict[str, str]) -> bytes:
    """A function zip with the given files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def fresh_name(label: str) -> str:
    """A resource name no earlier run used."""
    return f"baton-exec-{label}-{uuid.uuid4().hex[:8]}"


def decode_logs(response: dict[str, Any]) -> str:
    """The log tail of an invocation made with LogType=Tail."""
    return base64.b64decode(response["LogResult"]).decode("utf-8", errors="replace")


def invoke(lambda_client: Any, name: str, event: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Invoke synchronously with the log tail; returns the response and the decoded payload."""
    response = lambda_client.invoke(FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail")
    return response, json.loads(response["Payload"].read())


def is_host_mode(description: dict[str, Any]) -> bool:
    """Whether the function ran in a local process (the Docker runtime's code root is /var/task)."""
    return not str(description["env"].get("LAMBDA_TASK_ROOT", "")).startswith("/var/task")


@pytest.fixture
def lambda_client(aws_client: Callable[[str], Any]) -> Any:
    """Lambda client."""
    return aws_client("lambda")


@pytest.fixture
def sqs_client(aws_client: Callable[[str], Any]) -> Any:
    """SQS client."""
    return aws_client("sqs")


@pytest.fixture
def make_function(lambda_client: Any) -> Iterator[Callable[..., str]]:
    """Create functions from the test handler; deleted (and their environments stopped) afterwards."""
    created: list[str] = []

    def make(
        label: str,
        timeout: int = 10,
        env: dict[str, str] | None = None,
        handler: str = "app.handler",
        memory: int = 256,
    ) -> str:
        name = fresh_name(label)
        lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=ROLE_ARN,
            Handler=handler,
            Code={"ZipFile": build_zip({"app.py": HANDLER_SOURCE})},
            Timeout=timeout,
            MemorySize=memory,
            Environment={"Variables": env or {}},
        )
        created.append(name)
        lambda_client.get_waiter("function_active_v2").wait(FunctionName=name)
        return name

    yield make
    for name in created:
        lambda_client.delete_function(FunctionName=name)


@pytest.fixture
def make_queue(sqs_client: Any) -> Iterator[Callable[[str], str]]:
    """Create queues; deleted afterwards. Returns the queue URL."""
    created: list[str] = []

    def make(label: str) -> str:
        url: str = sqs_client.create_queue(QueueName=fresh_name(label))["QueueUrl"]
        created.append(url)
        return url

    yield make
    for url in created:
        sqs_client.delete_queue(QueueUrl=url)


def receive_bodies(sqs_client: Any, queue_url: str, expected: int, within: float) -> list[str]:
    """Long-poll a queue until ``expected`` messages arrived or time ran out."""
    bodies: list[str] = []
    deadline = time.monotonic() + within
    while len(bodies) < expected and time.monotonic() < deadline:
        wait = max(1, min(5, int(deadline - time.monotonic())))
        messages = sqs_client.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait
        ).get("Messages", [])
        for message in messages:
            bodies.append(message["Body"])
            sqs_client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def test_sync_invoke_returns_the_payload(lambda_client: Any, make_function: Callable[..., str]) -> None:
    """The handler's return value comes back as the invocation payload."""
    name = make_function("sync")
    event = {"action": "echo", "value": [1, "two", {"three": 3.5}], "text": "é ✓"}

    response, payload = invoke(lambda_client, name, event)

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert payload["event"] == event


def test_environment_variables_and_context(lambda_client: Any, make_function: Callable[..., str]) -> None:
    """The function's and Lambda's variables reach the handler, and so does a Lambda context."""
    value = uuid.uuid4().hex
    name = make_function("env", timeout=7, memory=256, env={"BATON_EXECUTOR_TEST": value})

    _, payload = invoke(lambda_client, name, {"action": "echo"})

    env, context = payload["env"], payload["context"]
    assert env["BATON_EXECUTOR_TEST"] == value
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_REGION"] == "us-east-1"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"
    assert env["AWS_ENDPOINT_URL"].startswith("http")
    assert env["AWS_ACCESS_KEY_ID"]
    assert env["_HANDLER"] == "app.handler"
    assert context["function_name"] == name
    assert context["invoked_function_arn"].endswith(f":function:{name}")
    assert context["memory_limit_in_mb"] == "256"
    assert context["log_group_name"] == f"/aws/lambda/{name}"
    assert context["log_stream_name"]
    assert 0 < context["remaining_ms"] <= 7000


def test_async_invoke_runs_the_function(
    lambda_client: Any,
    sqs_client: Any,
    make_function: Callable[..., str],
    make_queue: Callable[[str], str],
) -> None:
    """InvocationType=Event returns 202 and the function runs (it sends a message with runtime boto3)."""
    name = make_function("async")
    queue_url = make_queue("async-out")
    marker = uuid.uuid4().hex

    response = lambda_client.invoke(
        FunctionName=name,
        InvocationType="Event",
        Payload=json.dumps({"action": "send", "queue_url": queue_url, "marker": marker}).encode(),
    )

    assert response["StatusCode"] == 202
    assert receive_bodies(sqs_client, queue_url, expected=1, within=30) == [marker]


def test_timeout_is_enforced_and_the_environment_replaced(
    lambda_client: Any, make_function: Callable[..., str]
) -> None:
    """Past the function timeout the invocation fails like Lambda's; the next gets a new environment."""
    name = make_function("timeout", timeout=2)
    _, before = invoke(lambda_client, name, {"action": "echo"})
    marker = uuid.uuid4().hex

    started = time.monotonic()
    response, payload = invoke(lambda_client, name, {"action": "sleep", "seconds": 30, "marker": marker})
    elapsed = time.monotonic() - started

    assert response["FunctionError"] == "Unhandled"
    assert "Task timed out after 2.00 seconds" in payload["errorMessage"]
    assert 1.9 <= elapsed < 8, f"the invocation took {elapsed:.1f} s for a 2 s timeout"
    logs = decode_logs(response)
    assert f"before sleep {marker}" in logs, "output written before the timeout was lost"
    assert f"after sleep {marker}" not in logs
    assert "Task timed out after 2.00 seconds" in logs

    after_response, after = invoke(lambda_client, name, {"action": "echo"})

    assert "FunctionError" not in after_response
    assert after["environment_id"] != before["environment_id"], "the timed-out environment was reused"
    if is_host_mode(before):
        with pytest.raises(ProcessLookupError):
            os.kill(before["pid"], 0)


def test_handler_exception_is_a_function_error(lambda_client: Any, make_function: Callable[..., str]) -> None:
    """A handler exception comes back with type, message and stack trace; the environment stays."""
    name = make_function("raise")
    marker = uuid.uuid4().hex
    _, before = invoke(lambda_client, name, {"action": "echo"})

    response, payload = invoke(lambda_client, name, {"action": "raise", "marker": marker})

    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "BatonTestError"
    assert payload["errorMessage"] == f"broken on purpose {marker}"
    assert any("app.py" in line for line in payload["stackTrace"])
    assert "BatonTestError" in decode_logs(response)
    _, after = invoke(lambda_client, name, {"action": "echo"})
    assert after["environment_id"] == before["environment_id"]


def test_import_error_is_reported(lambda_client: Any, make_function: Callable[..., str]) -> None:
    """A handler module that cannot be imported fails the invocation with Runtime.ImportModuleError."""
    name = make_function("import", handler="missing_module.handler")

    response, payload = invoke(lambda_client, name, {"action": "echo"})

    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert "missing_module" in payload["errorMessage"]


def test_logs_reach_log_result_and_cloudwatch(
    lambda_client: Any, aws_client: Callable[[str], Any], make_function: Callable[..., str]
) -> None:
    """stdout, stderr and logging output are in the LogResult tail and in CloudWatch Logs."""
    name = make_function("logs")
    marker = uuid.uuid4().hex

    response, _ = invoke(lambda_client, name, {"action": "log", "marker": marker})

    tail = decode_logs(response)
    for line in (
        f"stdout {marker}",
        f"stderr {marker}",
        f"logging {marker}",
        "START RequestId:",
        "END RequestId:",
    ):
        assert line in tail
    logs_client = aws_client("logs")
    group = f"/aws/lambda/{name}"
    found: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            events = logs_client.filter_log_events(logGroupName=group)["events"]
        except logs_client.exceptions.ResourceNotFoundException:
            events = []
        found = [event["message"] for event in events if marker in event["message"]]
        if len(found) >= 3:
            break
        time.sleep(0.5)
    assert len(found) >= 3, f"CloudWatch Logs of {group} have {found}"
    stream = logs_client.describe_log_streams(logGroupName=group)["logStreams"][0]["logStreamName"]
    messages = [
        e["message"] for e in logs_client.get_log_events(logGroupName=group, logStreamName=stream)["events"]
    ]
    assert any(f"stdout {marker}" in message for message in messages)


def test_concurrent_invocations_run_in_separate_environments(
    lambda_client: Any, make_function: Callable[..., str]
) -> None:
    """Two invocations at once run side by side, each in its own environment."""
    name = make_function("concurrent")

    def call(_: int) -> dict[str, Any]:
        response, payload = invoke(lambda_client, name, {"action": "sleep", "seconds": 2})
        assert "FunctionError" not in response, payload
        return payload  # type: ignore[no-any-return]

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(call, range(2))

    assert first["environment_id"] != second["environment_id"]
    assert max(first["started"], second["started"]) < min(first["ended"], second["ended"]), (
        "ran one after another"
    )
    if is_host_mode(first):
        assert first["pid"] != second["pid"]


def test_sqs_event_source_mapping_invokes_the_function(
    lambda_client: Any,
    sqs_client: Any,
    make_function: Callable[..., str],
    make_queue: Callable[[str], str],
) -> None:
    """Messages on a queue with an event source mapping reach the function."""
    source_url = make_queue("esm-in")
    output_url = make_queue("esm-out")
    name = make_function("esm", env={"OUTPUT_QUEUE_URL": output_url})
    source_arn = sqs_client.get_queue_attributes(QueueUrl=source_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    mapping = lambda_client.create_event_source_mapping(
        EventSourceArn=source_arn, FunctionName=name, BatchSize=5, MaximumBatchingWindowInSeconds=0
    )
    try:
        deadline = time.monotonic() + 30
        while lambda_client.get_event_source_mapping(UUID=mapping["UUID"])["State"] != "Enabled":
            assert time.monotonic() < deadline, "the event source mapping did not become Enabled"
            time.sleep(0.5)
        markers = [uuid.uuid4().hex for _ in range(3)]
        for marker in markers:
            sqs_client.send_message(QueueUrl=source_url, MessageBody=marker)

        assert sorted(receive_bodies(sqs_client, output_url, expected=3, within=60)) == sorted(markers)
    finally:
        lambda_client.delete_event_source_mapping(UUID=mapping["UUID"])
        deadline = time.monotonic() + 15  # let the poller stop before the queues go
        while time.monotonic() < deadline:
            try:
                lambda_client.get_event_source_mapping(UUID=mapping["UUID"])
            except lambda_client.exceptions.ResourceNotFoundException:
                break
            time.sleep(0.5)


def test_dynamodb_answers_conditional_writes_and_index_queries(aws_client: Callable[[str], Any]) -> None:
    """DynamoDB works without the download LocalStack's default provider needs (host mode serves it from
    moto); the results table relies on conditional puts and the `recent` index."""
    dynamodb = aws_client("dynamodb")
    table = f"baton-it-{uuid.uuid4().hex[:8]}"
    create_results_table(dynamodb, table)
    try:
        item = {
            "pk": {"S": "b/k"},
            "sk": {"S": "s#1"},
            "day": {"S": "2026-11-22"},
            "processed_at": {"S": "1"},
        }
        dynamodb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException):
            dynamodb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        found = dynamodb.query(
            TableName=table,
            IndexName="recent",
            KeyConditionExpression="#d = :d",
            ExpressionAttributeNames={"#d": "day"},
            ExpressionAttributeValues={":d": {"S": "2026-11-22"}},
        )
        assert found["Count"] == 1
    finally:
        dynamodb.delete_table(TableName=table)
