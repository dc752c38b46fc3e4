"""`python -m tests.bench.harness run SUITE [options]`, `... chart`, `... list`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

from tests.bench.harness import report, spec
from tests.bench.harness.aws import ENDPOINT, LOCALSTACK_LOG, Harness, localstack_mode
from tests.bench.harness.deploy import apply_all, build_artifact, deployment_for, destroy_all
from tests.bench.harness.stack import StackView

if TYPE_CHECKING:
    from consumer.local.deploy import Deployment


def _deploy(
    suite: spec.Suite, harness: Harness, run_id: str
) -> tuple[dict[str, StackView], dict[str, Deployment]]:
    build_artifact()
    deployments = {design.name: deployment_for(design, run_id) for design in suite.designs}
    started = time.monotonic()
    print(f"applying {len(deployments)} deployments at once: {', '.join(deployments)}", flush=True)
    apply_all(deployments, harness.endpoint)
    print(f"applied in {time.monotonic() - started:.0f} s", flush=True)
    views = {d.name: StackView(d, deployments[d.name], harness) for d in suite.designs}
    return views, deployments


def with_chaos(suite: spec.Suite, settings: dict[str, Any]) -> spec.Suite:
    """The suite with the chaos processor's seeded fault settings in every design's environment."""
    from tests.bench.harness.soak import chaos_environment

    chaos = chaos_environment(settings, int(settings["seed"]))
    designs = tuple(
        dataclasses.replace(
            design,
            variables={
                **design.variables,
                "extra_environment_variables": {
                    **design.variables.get("extra_environment_variables", {}),
                    **chaos,
                },
            },
        )
        for design in suite.designs
    )
    return dataclasses.replace(suite, designs=designs)


def run_suite(  # noqa: PLR0912 - one dispatch over the suite kinds
    suite: spec.Suite, args: argparse.Namespace
) -> int:
    """Deploy, run every design one after another, write results; returns the exit status."""
    harness = Harness(args.endpoint)
    health = harness.health()
    localstack = {
        "mode": localstack_mode(),
        "version": health.get("version", "unknown"),
        "endpoint": args.endpoint,
    }
    if not LOCALSTACK_LOG.exists():
        print(f"LocalStack's log {LOCALSTACK_LOG} is missing: start LocalStack with `make localstack-up`")
        return 2
    if args.designs:
        suite, unknown = suite.only(args.designs)
        if unknown:
            print(f"not designs of {suite.name}: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
    settings: dict[str, Any] = dict(suite.settings)
    if args.sizes:
        settings["sizes"] = args.sizes
    if args.objects:
        settings["objects"] = args.objects
    if suite.kind == "soak":
        settings["seed"] = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
        suite = with_chaos(suite, settings)
    if suite.kind != "soak" and harness.faults() is not None:
        harness.arm_faults({})  # nothing injected; the counters of LocalStack's internal calls start at 0
    document = report.header(suite.name, suite.description, localstack, settings)
    previous = args.results / f"{suite.name}.json"
    if args.append and previous.exists():
        # Keep the earlier runs of this suite that this invocation does not repeat (another N, say).
        kept = json.loads(previous.read_text())
        sizes = settings.get("sizes") or [None]
        planned = {(design.name, size) for design in suite.designs for size in sizes}
        # Each kept run carries the invocation that measured it, so runs kept across several appends
        # still say where they come from.
        document["runs"] = [
            {**run, "measured": report.provenance(run, kept)}
            for run in kept["runs"]
            if (run["design"], run.get("objects")) not in planned
        ]
    document["designs"] = {
        **(kept.get("designs", {}) if args.append and previous.exists() else {}),
        **{
            d.name: {"description": d.description, "root": d.root, "variables": d.variables}
            for d in suite.designs
        },
    }
    run_id = args.run_id or uuid.uuid4().hex[:4]
    views, deployments = _deploy(suite, harness, run_id)
    status = 0
    try:
        if suite.kind == "drain":
            from tests.bench.harness.drain import drain

            for size in settings["sizes"]:
                for view in views.values():
                    document["runs"].append(
                        drain(
                            view,
                            size,
                            object_bytes=settings["object_bytes"],
                            stall_timeout=settings["stall_timeout_seconds"],
                            measure_seconds=settings.get("measure_seconds"),
                        )
                    )
                    report.write(document, report.drain_markdown(document), args.results)
        elif suite.kind == "fifo_stall":
            from tests.bench.harness.fifo_stall import stall, stall_markdown

            for view in views.values():
                document["runs"].append(stall(view, settings))
                report.write(document, stall_markdown(document), args.results)
        elif suite.kind == "soak":
            from tests.bench.harness.soak import soak, soak_markdown

            status = soak(views, settings, document, args.results)
            report.write(document, soak_markdown(document), args.results)
    finally:
        if not args.keep:
            destroy_all(deployments)
    print(f"results: {args.results}/{suite.name}.json and .md", flush=True)
    if args.chart:
        from tests.bench.harness.chart import draw, draw_workers

        print(f"chart: {draw(args.results)}")
        workers = draw_workers(args.results)
        if workers:
            print(f"chart: {workers}")
    return status


def markdown_for(document: dict[str, Any], kind: str) -> str:
    """The Markdown of a results document of a suite of `kind`."""
    if kind == "drain":
        return report.drain_markdown(document)
    if kind == "fifo_stall":
        from tests.bench.harness.fifo_stall import stall_markdown

        return stall_markdown(document)
    from tests.bench.harness.soak import soak_markdown

    return soak_markdown(document)


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0911 - one return per command
    parser = argparse.ArgumentParser(prog="python -m tests.bench.harness", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="deploy a suite's designs, run them one after another, write results"
    )
    run.add_argument("suite", help="a suite of tests/bench/suites.toml (relay, fifo-stall, soak, ...)")
    run.add_argument("--sizes", type=int, nargs="+", help="drain: object counts (default: the suite's)")
    run.add_argument("--objects", type=int, help="soak: objects per variant (default: the suite's)")
    run.add_argument("--seed", type=int, help="soak: fault seed (default: a random one, printed)")
    run.add_argument("--keep", action="store_true", help="leave the deployments in place")
    run.add_argument("--designs", nargs="+", help="run only these designs of the suite")
    run.add_argument(
        "--append",
        action="store_true",
        help="keep the earlier runs (designs, sizes) this run does not repeat",
    )
    run.add_argument(
        "--run-id", help="reuse the deployments of an earlier run kept with --keep (its 4-character id)"
    )
    run.add_argument("--results", type=lambda p: __import__("pathlib").Path(p), default=report.RESULTS)
    run.add_argument("--endpoint", default=ENDPOINT)
    run.add_argument("--chart", action="store_true", help="redraw the chart afterwards")
    chart = commands.add_parser("chart", help="draw the PNG chart from the results folder")
    chart.add_argument("--results", type=lambda p: __import__("pathlib").Path(p), default=report.RESULTS)
    commands.add_parser("list", help="list suites and their designs")
    render = commands.add_parser("render", help="rewrite a suite's Markdown from its committed JSON")
    render.add_argument("suite")
    render.add_argument("--results", type=lambda p: __import__("pathlib").Path(p), default=report.RESULTS)
    readme = commands.add_parser(
        "readme", help="copy the committed result tables into README.md's bench blocks"
    )
    readme.add_argument("--results", type=lambda p: __import__("pathlib").Path(p), default=report.RESULTS)
    args = parser.parse_args(argv)
    try:
        suites = spec.load()
    except spec.SpecError as error:
        print(error, file=sys.stderr)
        return 2
    if args.command == "list":
        for suite in suites.values():
            print(f"{suite.name} ({suite.kind}): {suite.description}")
            for design in suite.designs:
                print(f"  {design.name}: {design.description}")
        return 0
    if args.command == "render":
        document = json.loads((args.results / f"{args.suite}.json").read_text())
        report.write(document, markdown_for(document, suites[args.suite].kind), args.results)
        print(f"rendered {args.results}/{args.suite}.md")
        return 0
    if args.command == "readme":
        from consumer.local.deploy import ROOT

        print("updated:", ", ".join(report.update_readme(ROOT / "README.md", args.results)) or "nothing")
        return 0
    if args.command == "chart":
        from tests.bench.harness.chart import draw, draw_workers

        print(draw(args.results))
        workers = draw_workers(args.results)
        if workers:
            print(workers)
        return 0
    if args.suite not in suites:
        print(f"unknown suite {args.suite!r}; known: {', '.join(suites)}", file=sys.stderr)
        return 2
    return run_suite(suites[args.suite], args)
