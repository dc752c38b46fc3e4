"""The `baton` command: argument parsing, dispatch, and turning failures into one line each."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from importlib import metadata
from typing import TYPE_CHECKING

from consumer.cli import backfill, dlq, drain, send, smoke, status, try_, ui
from consumer.cli.argtypes import positive_float
from consumer.cli.aws import DEFAULT_TIMEOUT, Aws, AwsOptions, CliError
from relay_common.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Sequence

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

DESCRIPTION = """\
Operate a Baton pipeline (S3 -> SQS -> Lambda) on AWS or LocalStack: see its state, feed it, backfill the
objects already in its bucket, drain a queue locally, look into and redrive its dead-letter queue, try a
processor on one file, and smoke-test a deployment."""

EPILOG = """\
examples:
  baton status --stack terraform/stacks/relay --stack terraform/stacks/fifo
  baton send ./incoming --prefix 2026-11-22 --stack terraform/stacks/relay
  baton send --fifo-messages 20 --group a --group b --fail-at 7 --outputs fifo.json
  baton backfill s3://my-ingest-bucket/2026/ --stack terraform/stacks/relay --dry-run
  baton backfill s3://my-ingest-bucket/ --stack terraform/stacks/fifo --start-after 'tenant-a/0999.csv'
  baton drain --stack terraform/stacks/relay --max-seconds 600
  baton dlq peek --stack terraform/stacks/fifo
  baton dlq redrive --stack terraform/stacks/fifo --rate 50
  baton try consumer.processors.digest:process ./report.csv

finding resources:
  --stack DIR      a deployed Terraform stack directory (runs `terraform -chdir=DIR output -json`)
  --outputs FILE   the saved output of `terraform output -json` (or a flat {"queue_url": ...} object)
  --queue-url, --dlq-url, --bucket, --function, --table name resources directly (and override a stack's)

AWS access: the standard configuration (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ~/.aws, SSO) or
--profile/--region/--endpoint-url. LocalStack: AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1
AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test.

exit status: 0 ok, 1 error (one line on stderr; for backfill, objects not enqueued), 2 usage, 3 drain left
failed messages or the message baton try ran failed, 130 interrupted."""


def connection_options() -> argparse.ArgumentParser:
    """AWS connection options, accepted before or after the command (defaults are applied later)."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("AWS connection")
    group.add_argument(
        "--endpoint-url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="AWS endpoint, e.g. LocalStack's http://127.0.0.1:4566 (default: $AWS_ENDPOINT_URL)",
    )
    group.add_argument(
        "--profile", default=argparse.SUPPRESS, metavar="NAME", help="AWS profile (default: $AWS_PROFILE)"
    )
    group.add_argument(
        "--region",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help="AWS region (default: $AWS_REGION or the profile's)",
    )
    group.add_argument(
        "--timeout",
        type=positive_float,
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        help=f"connect and read timeout per AWS call (default {DEFAULT_TIMEOUT:g}); "
        "retries: $AWS_MAX_ATTEMPTS (default 3)",
    )
    group.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks on errors"
    )
    return parent


def resource_options() -> argparse.ArgumentParser:
    """Where the stack's resources are: Terraform outputs or explicit names."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("resources (a stack's outputs, or explicit names that override them)")
    group.add_argument(
        "--stack",
        action="append",
        metavar="DIR",
        help="deployed Terraform stack directory: reads `terraform -chdir=DIR output -json`",
    )
    group.add_argument(
        "--outputs",
        action="append",
        metavar="FILE",
        help="JSON written by `terraform output -json` ('-' reads standard input)",
    )
    group.add_argument("--queue-url", metavar="URL", help="source queue URL")
    group.add_argument("--dlq-url", metavar="URL", help="dead-letter queue URL")
    group.add_argument("--bucket", metavar="NAME", help="ingest bucket")
    group.add_argument("--function", metavar="NAME", help="consumer function name")
    group.add_argument("--table", dest="results_table", metavar="NAME", help="results table")
    return parent


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    connection = connection_options()
    parser = argparse.ArgumentParser(
        prog="baton",
        description=DESCRIPTION,
        epilog=EPILOG,
        parents=[connection],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"baton {_version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    parents = [connection, resource_options()]
    status.add_parser(commands, parents)
    send.add_parser(commands, parents)
    backfill.add_parser(commands, parents)
    drain.add_parser(commands, parents)
    dlq.add_parser(commands, parents, connection)
    smoke.add_parser(commands, parents)
    try_.add_parser(commands, connection)
    return parser


def _version() -> str:
    try:
        return metadata.version("baton")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def options_from(args: argparse.Namespace) -> AwsOptions:
    """The AWS options given, falling back to the environment."""
    return AwsOptions(
        endpoint_url=getattr(args, "endpoint_url", None) or None,
        profile=getattr(args, "profile", None) or None,
        region=getattr(args, "region", None) or None,
        timeout=getattr(args, "timeout", DEFAULT_TIMEOUT),
    )


def fail(message: str) -> None:
    """One line on stderr."""
    sys.stderr.write(f"baton: error: {message}\n")
    sys.stderr.flush()


def run(argv: Sequence[str] | None = None) -> int:
    """Parse, dispatch, and report errors; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        getattr(args, "usage_parser", parser).print_help(sys.stderr)
        return EXIT_USAGE
    debug = bool(getattr(args, "debug", False)) or bool(os.environ.get("BATON_DEBUG"))
    aws: Aws | None = None
    try:
        with ui.core_logs_to(sys.stderr):
            aws = Aws(options_from(args))
            return int(handler(args, aws))
    except CliError as error:
        if debug:
            traceback.print_exc()
        fail(error.message)
        return error.exit_code
    except ConfigurationError as error:
        if debug:
            traceback.print_exc()
        fail(str(error))
        return EXIT_ERROR
    except KeyboardInterrupt:
        fail("interrupted")
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, no traceback
        if debug:
            traceback.print_exc()
        advice = aws.explain(error) if aws is not None else None
        fail(advice or f"unexpected {type(error).__name__}: {error} (run with --debug for the traceback)")
        return EXIT_ERROR
