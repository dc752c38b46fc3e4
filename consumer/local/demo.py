"""`make demo`: both variants end to end on a local LocalStack, with a summary readable at a glance.

The stacks are applied with Terraform into `.demo/` (local state kept there, so running the demo again
re-applies and reuses them; `make demo-down` destroys them). Each run uploads a fresh set of sample files
under its own prefix with `baton send`, starts the relay chain as its schedule would, shows progress while the
files flow through, and ends with, per variant: files uploaded, results recorded, messages in the DLQ, relay
hops and elapsed time. The FIFO set replays the original FIFO design's stall: its fifth file hangs.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from consumer.local.deploy import LOCAL_CREDENTIALS, ROOT, DeployError, Deployment
from consumer.local.provider_mirror import ProviderMirrorError
from consumer.local.session import endpoint_url, localstack_session

DESCRIPTION = "Both variants end to end on a local LocalStack, with a summary readable at a glance."
DEMO_DIR = ROOT / ".demo"
ENDPOINT = endpoint_url()
BATON = [sys.executable, "-m", "consumer.cli"]
TIMEOUT = 300.0

# The relay works in 5 s slices so a few hundred files make a chain of several runs.
RELAY = {"time_budget_seconds": 5, "wait_time_seconds": 1, "retry_backoff_seconds": 5}
# The original FIFO design's numbers; the chaos processor hangs on keys containing "hang-on-purpose".
FIFO = {
    "function_timeout": 5,
    "visibility_timeout_seconds": 30,
    "batch_size": 5,
    "max_receive_count": 1,
    "processor": "consumer.processors.chaos:process",
    "message_timeout_seconds": 0.8,
    "safety_margin_seconds": 0.75,
}
AWKWARD = [
    "report final.csv",
    "a+b=c.txt",
    "100% done.log",
    "ünïcödé 日本語.txt",
    "semi;colon (1).txt",
    "empty.txt",
]

console = Console()


@dataclass
class Variant:
    """One deployed variant and what this run sent through it."""

    deployment: Deployment
    files: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    dlq_seen: tuple[str, set[str]] | None = None
    """(DLQ depth, this run's keys in it) at the last peek."""

    @property
    def out(self) -> dict[str, Any]:
        return self.deployment.outputs

    @property
    def stack_dir(self) -> str:
        return str(self.deployment.stack_dir)


@functools.cache
def client(service: str) -> Any:
    """A LocalStack client, one per service for the whole run."""
    return localstack_session().client(service)


def baton(*args: str) -> None:
    """Run the operator CLI against LocalStack, echoing the command."""
    console.print(f"[dim]$ baton {' '.join(args)}[/dim]")
    env = {**os.environ, **LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": ENDPOINT}
    subprocess.run([*BATON, *args], check=True, env=env, cwd=ROOT)  # noqa: S603


def deploy(stacks: dict[str, dict[str, Any]]) -> dict[str, Deployment]:
    """Apply the stacks side by side."""
    deployments = {
        variant: Deployment(variant, f"baton-demo-{variant}", DEMO_DIR / variant, variables)
        for variant, variables in stacks.items()
    }
    started = time.monotonic()
    with (
        console.status(f"terraform apply: {', '.join(stacks)} stacks (about two minutes the first time)"),
        ThreadPoolExecutor(max_workers=len(deployments)) as pool,
    ):
        for future in [pool.submit(d.apply, ENDPOINT) for d in deployments.values()]:
            future.result()
    console.print(f"[green]✓[/green] {', '.join(stacks)} stacks applied in {time.monotonic() - started:.0f}s")
    return deployments


def write_samples(folder: Path, count: int) -> None:
    """`count` files: a few awkward names, nested folders, one empty and one of a few MiB."""
    for index in range(count):
        name = AWKWARD[index] if index < len(AWKWARD) else f"batch {index % 5}/file-{index:03d}.txt"
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        body = (
            b""
            if name == "empty.txt"
            else "".join(f"line {n} of {name}\n" for n in range(index + 1)).encode()
        )
        path.write_bytes(body)
    (folder / "large file.bin").write_bytes(os.urandom(3 * 1024 * 1024))


def send_relay(variant: Variant, run: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        write_samples(folder, count)
        variant.files = sorted(
            f"{run}/{p.relative_to(folder).as_posix()}" for p in folder.rglob("*") if p.is_file()
        )
        variant.started = time.monotonic()
        baton("send", str(folder), "--prefix", run, "--stack", variant.stack_dir)
    # What the schedule does every five minutes: start a chain now rather than waiting for it.
    client("lambda").invoke(FunctionName=variant.out["function_name"], InvocationType="Event", Payload=b"{}")


def send_fifo(variant: Variant, run: str) -> None:
    """Ten files in order into one message group; the fifth hangs past the function timeout."""
    s3 = client("s3")
    variant.started = time.monotonic()
    console.print(f"[dim]uploading 10 files to s3://{variant.out['bucket_name']}/{run}/ in order[/dim]")
    for index in range(1, 11):
        key = f"{run}/{index:02d}{'-hang-on-purpose' if index == 5 else ''}.txt"
        s3.put_object(Bucket=variant.out["bucket_name"], Key=key, Body=f"file {index}\n".encode())
        variant.files.append(key)
        time.sleep(0.3)


def recorded(variant: Variant, run: str) -> set[str]:
    keys: set[str] = set()
    for page in (
        client("dynamodb")
        .get_paginator("scan")
        .paginate(
            TableName=variant.out["results_table_name"],
            ProjectionExpression="#k",
            ExpressionAttributeNames={"#k": "key"},
        )
    ):
        # Items without a key are Baton's own bookkeeping (the chain lease), not results.
        found = (item["key"]["S"] for item in page["Items"] if "key" in item)
        keys.update(key for key in found if key.startswith(run + "/"))
    return keys


def dead_lettered(variant: Variant, run: str) -> set[str]:
    """Keys of this run's messages in the DLQ (peeked: visibility 0 leaves them there). Peeking counts as a
    receive, so the DLQ is only read again when its depth has changed."""
    sqs = client("sqs")
    depth = sqs.get_queue_attributes(
        QueueUrl=variant.out["dlq_url"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    if variant.dlq_seen is not None and variant.dlq_seen[0] == depth:
        return variant.dlq_seen[1]
    keys: set[str] = set()
    seen: set[str] = set()
    for _ in range(50):
        messages = sqs.receive_message(
            QueueUrl=variant.out["dlq_url"], MaxNumberOfMessages=10, VisibilityTimeout=0
        ).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            keys.update(key for key in _keys(message["Body"]) if key.startswith(run + "/"))
    variant.dlq_seen = (depth, keys)
    return keys


def _keys(body: str) -> list[str]:
    try:
        event = json.loads(body)
    except ValueError:
        return []
    if isinstance(event, dict) and "detail" in event:
        return [unquote_plus(event["detail"]["object"]["key"])]
    return [unquote_plus(r["s3"]["object"]["key"]) for r in event.get("Records", []) if "s3" in r]


def relay_hops(variant: Variant, since_ms: int) -> int:
    """How often the relay handed the baton on during this run (from its summaries in the logs)."""
    logs, hops, token = client("logs"), 0, None
    while True:
        kwargs: dict[str, Any] = {"logGroupName": variant.out["log_group_name"], "startTime": since_ms}
        if token:
            kwargs["nextToken"] = token
        page = logs.filter_log_events(**kwargs)
        for event in page["events"]:
            for line in event["message"].splitlines():
                if '"relay run finished"' in line:
                    hops += bool(json.loads(line)["summary"]["relayed"])
        token = page.get("nextToken")
        if not token:
            return hops


def accounted(variant: Variant, run: str) -> int:
    """This run's files that have a result or sit in the DLQ."""
    return len(recorded(variant, run) | dead_lettered(variant, run))


def follow(variants: dict[str, Variant], run: str) -> None:
    """Progress bars until every file has a result or sits in the DLQ."""
    columns = (TextColumn("{task.description:>6}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    deadline = time.monotonic() + TIMEOUT
    with Progress(*columns, console=console) as progress:
        tasks = {name: progress.add_task(name, total=len(v.files)) for name, v in variants.items()}
        pending = set(variants)
        while pending and time.monotonic() < deadline:
            for name in list(pending):
                completed = accounted(variants[name], run)
                progress.update(tasks[name], completed=completed)
                if completed >= len(variants[name].files):
                    variants[name].finished = time.monotonic()
                    pending.discard(name)
            time.sleep(1)
    if pending:
        console.print(f"[red]timed out after {TIMEOUT:.0f}s waiting for: {', '.join(sorted(pending))}[/red]")


def summary(variants: dict[str, Variant], run: str, since_ms: int) -> Table:
    table = Table(title=f"Baton demo · run {run}", title_justify="left")
    for column in ("variant", "files uploaded", "results recorded", "in DLQ", "relay hops", "elapsed"):
        table.add_column(column, justify="left" if column == "variant" else "right")
    for name, variant in variants.items():
        results, dlq = len(recorded(variant, run)), len(dead_lettered(variant, run))
        hops = str(relay_hops(variant, since_ms)) if name == "relay" else "-"
        elapsed = (variant.finished or time.monotonic()) - variant.started
        style = "green" if results + dlq == len(variant.files) else "red"
        table.add_row(
            name, str(len(variant.files)), f"[{style}]{results}[/{style}]", str(dlq), hops, f"{elapsed:.1f}s"
        )
    return table


def up(count: int) -> int:
    run = time.strftime("demo-%Y%m%d-%H%M%S")
    since_ms = int(time.time() * 1000) - 1000
    started = time.monotonic()
    variants = {name: Variant(d) for name, d in deploy({"relay": RELAY, "fifo": FIFO}).items()}
    send_relay(variants["relay"], run, count)
    send_fifo(variants["fifo"], run)
    follow(variants, run)
    console.print()
    console.print(summary(variants, run, since_ms))
    console.print(
        "[dim]FIFO file 05 hung past its deadline: it was interrupted and dead-lettered (maxReceiveCount 1), "
        "and files 06-10 went on at once instead of waiting out its 30 s visibility timeout.[/dim]"
    )
    baton("dlq", "peek", "--stack", variants["fifo"].stack_dir, "--max", "3")
    baton(
        "status",
        "--stack",
        variants["relay"].stack_dir,
        "--stack",
        variants["fifo"].stack_dir,
        "--results",
        "3",
    )
    console.print(f"demo finished in {time.monotonic() - started:.0f}s · `make demo-down` removes everything")
    complete = all(accounted(v, run) == len(v.files) for v in variants.values())
    return 0 if complete else 1


def down() -> int:
    for variant in ("fifo", "relay"):
        deployment = Deployment(variant, f"baton-demo-{variant}", DEMO_DIR / variant)
        if deployment.workdir.exists():
            with console.status(f"terraform destroy: {variant} stack"):
                deployment.destroy()
            console.print(f"[green]✓[/green] {variant} stack destroyed")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m consumer.local.demo", description=DESCRIPTION)
    parser.add_argument("action", choices=("up", "down"))
    parser.add_argument("--files", type=int, default=200, help="sample files for the relay (default 200)")
    args = parser.parse_args(argv)
    try:
        return up(args.files) if args.action == "up" else down()
    except ProviderMirrorError as error:
        # No registry and no provider mirror: one line that says what to set, not a traceback.
        print(f"demo: {error}", file=sys.stderr)
        return 2
    except DeployError as error:
        print(f"demo: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
