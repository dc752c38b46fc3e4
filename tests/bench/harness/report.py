"""Results: raw JSON and a Markdown table per suite in tests/bench/results/, with machine, mode and date."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

from consumer.local.deploy import ROOT

RESULTS = Path(__file__).resolve().parents[1] / "results"
NOT_OBSERVABLE = "n/o"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return info


def commit() -> str:
    """The commit the harness ran from (with `+dirty` when the tree had changes)."""
    try:
        head = subprocess.run(  # noqa: S603
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def header(
    suite: str, description: str, localstack: dict[str, Any], settings: dict[str, Any]
) -> dict[str, Any]:
    """The part of a results document that says where and when."""
    return {
        "suite": suite,
        "description": description,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(),
        "localstack": localstack,
        "settings": settings,
        "runs": [],
    }


def write(document: dict[str, Any], markdown: str, directory: Path = RESULTS) -> Path:
    """Write `<suite>.json` and `<suite>.md`; returns the JSON path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{document['suite']}.json"
    path.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n")
    (directory / f"{document['suite']}.md").write_text(markdown)
    return path


def table(headings: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table; None renders as a dash."""

    def cell(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(headings) + " |", "|" + "|".join(" --- " for _ in headings) + "|"]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def where(document: dict[str, Any]) -> str:
    """One line: machine, LocalStack mode and version, date, commit."""
    m, ls = document["machine"], document["localstack"]
    return (
        f"Measured {document['date']} at commit {document['commit']} on {m.get('cpus')} CPUs "
        f"({m.get('cpu', 'unknown CPU')}), {m.get('memory_gib', '?')} GiB, {m.get('system')}; "
        f"LocalStack {ls.get('version', '?')} in {ls.get('mode', '?')} mode. "
        "Absolute times are LocalStack's, not AWS's." + earlier(document)
    )


def provenance(run: dict[str, Any], document: dict[str, Any]) -> dict[str, str]:
    """The date and commit of the invocation that measured `run`, kept in `document`."""
    return dict(run.get("measured") or {"date": document["date"], "commit": document["commit"]})


def earlier(document: dict[str, Any]) -> str:
    """Where runs kept from earlier invocations (`--append`) come from: one sentence per invocation."""
    sources: dict[tuple[str, str], list[str]] = {}
    for run in document["runs"]:
        source = provenance(run, document)
        if (source["date"], source["commit"]) != (document["date"], document["commit"]):
            label = f"{run['design']} {run.get('objects', '')}".strip()
            sources.setdefault((source["date"], source["commit"]), []).append(label)
    return "".join(
        f" Kept from {date} (commit {commit}): {', '.join(sorted(runs))}."
        for (date, commit), runs in sorted(sources.items())
    )


def matrix_values(design: str) -> dict[str, str]:
    """The matrix values in a design's name: `relay-50ms[workers=4]` -> {"workers": "4"}."""
    if not design.endswith("]") or "[" not in design:
        return {}
    label = design[design.index("[") + 1 : -1]
    return dict(part.split("=", 1) for part in label.split(",") if "=" in part)


def base_name(design: str) -> str:
    """A design's name without its matrix values."""
    return design.split("[", 1)[0]


def design_value(document: dict[str, Any], design: str, variable: str, environment: str) -> str | None:
    """A design's setting: its Terraform variable, else the environment variable it passes instead."""
    variables = document.get("designs", {}).get(design, {}).get("variables", {})
    if variable in variables:
        return str(variables[variable])
    value = variables.get("extra_environment_variables", {}).get(environment)
    return None if value is None else str(value)


def over_one(
    run: dict[str, Any], runs: list[dict[str, Any]], axis: str, rate: Callable[[dict[str, Any]], float | None]
) -> float | None:
    """`rate(run)` over that of the run of the same design and N with matrix value `axis` = 1
    (`a[workers=4]` over `a[workers=1]`); None when the run has no such axis or there is no such run."""
    values = matrix_values(run["design"])
    if axis not in values or not rate(run):
        return None
    for other in runs:
        if (
            base_name(other["design"]) == base_name(run["design"])
            and other["objects"] == run["objects"]
            and matrix_values(other["design"]) == {**values, axis: "1"}
            and rate(other)
        ):
            return round(rate(run) / rate(other), 2)  # type: ignore[operator]
    return None


def speedup(run: dict[str, Any], runs: list[dict[str, Any]]) -> float | None:
    """A run's messages per second over the 1-worker run of the same design and N (None without one)."""
    return over_one(run, runs, "workers", lambda r: r.get("messages_per_second"))


def function_ms(run: dict[str, Any]) -> float | None:
    """Milliseconds of function time (the REPORT lines' durations) per message; None when not recorded."""
    seconds = run.get("function_seconds")
    return round(seconds * 1000 / run["objects"], 1) if seconds and run.get("objects") else None


def group_speedup(
    run: dict[str, Any], runs: list[dict[str, Any]], *, by_function_time: bool = False
) -> float | None:
    """A grouped run's messages per second (or per second of function time) over the 1-group run of the same
    design and N (`name[message_groups=4]` over `name[message_groups=1]`); None without one."""

    def rate(r: dict[str, Any]) -> float | None:
        if by_function_time:
            ms = function_ms(r)
            return 1000 / ms if ms else None
        return r.get("messages_per_second")

    return over_one(run, runs, "message_groups", rate)


def order_kept(run: dict[str, Any]) -> str:
    """Whether every message group's results came in enqueue order."""
    order = run.get("group_order") or {}
    if not order:
        return "-"
    broken = {group: o["inversions"] for group, o in order.items() if o["inversions"]}
    return "yes" if not broken else "no (" + ", ".join(f"{g}: {n}" for g, n in broken.items()) + ")"


def calls_cells(run: dict[str, Any]) -> list[str]:
    """SQS, S3 and DynamoDB calls per message as table cells."""
    per = run["calls_per_message"]
    sqs = per.get("sqs", 0.0) if run["sqs_observable"] else None
    return [
        f"{sqs:.2f}" if sqs is not None else f"{NOT_OBSERVABLE} ¹",
        f"{per.get('s3', 0.0):.2f}",
        f"{per.get('dynamodb', 0.0):.2f}",
    ]


def drain_markdown(document: dict[str, Any]) -> str:
    """The drain table: one row per design and N (a rate-capped suite gets its own table)."""
    runs = document["runs"]
    if any(run.get("measure_seconds") for run in runs):
        return rate_markdown(document)
    workers = any("workers" in matrix_values(run["design"]) for run in runs)
    grouped = any(run.get("message_groups") for run in runs)
    rows = []
    for run in runs:
        row = [
            run["objects"],
            run["design"],
            run["invocations"],
            *calls_cells(run),
            run["messages_per_second"] if not run["stalled"] else "stalled",
        ]
        if workers:
            factor = speedup(run, runs)
            row.append(f"{factor:.2f}" if factor is not None else None)
        if grouped:
            factor = group_speedup(run, runs)
            by_time = group_speedup(run, runs, by_function_time=True)
            row += [
                run.get("message_groups"),
                f"{factor:.2f}" if factor is not None else None,
                function_ms(run),
                f"{by_time:.2f}" if by_time is not None else None,
                order_kept(run),
            ]
        row += [run["seconds_until_empty"], run["results_recorded"], run["dlq_depth"]]
        rows.append(row)
    headings = [
        "N",
        "design",
        "Lambda invocations",
        "SQS calls / message",
        "S3 calls / message",
        "DynamoDB calls / message",
        "messages / s",
        *(["speed-up over 1 worker"] if workers else []),
        *(
            [
                "message groups",
                "speed-up over 1 group",
                "function ms / message",
                "speed-up in function time",
                "order kept in every group",
            ]
            if grouped
            else []
        ),
        "s until queue empty",
        "results recorded",
        "DLQ depth",
    ]
    body = table(headings, rows)
    mapping = any(not run["sqs_observable"] for run in runs)
    notes = [
        f"# {document['suite']}: {document['description']}",
        "",
        where(document),
        "",
        body,
        *([MAPPING_NOTE, ""] if mapping or not runs else []),
        *([busy(document)] if busy(document) else []),
        CALLS_NOTE,
        "",
        *run_notes(runs),
    ]
    return "\n".join(notes)


def run_notes(runs: list[dict[str, Any]]) -> list[str]:
    """Each distinct run note once, after the runs it is about."""
    about: dict[str, list[str]] = {}
    for run in runs:
        if run.get("note"):
            about.setdefault(run["note"], []).append(f"{run['design']} N={run['objects']:,}")
    return [f"{', '.join(names)}: {note}\n" for note, names in about.items()]


MAPPING_NOTE = (
    "¹ Not observable: an event source mapping's ReceiveMessage and DeleteMessageBatch calls are made "
    "inside LocalStack and leave no request log line; its invocations are counted from the function's "
    "REPORT lines. The function itself made no SQS call. LocalStack's own count of its internal SQS "
    "calls "
    "during the run (its poller, not AWS's) is in the JSON as `mapping_internal_sqs_calls`."
)
CALLS_NOTE = (
    "Calls are counted from LocalStack's request log between two offsets, minus the harness's own calls "
    "(counted by its clients and listed per run as `harness_calls_subtracted`)."
)
RATE_TOLERANCE = 0.10
RATE_ENVIRONMENT = "BATON_MAX_MESSAGES_PER_SECOND"


def busiest_second(run: dict[str, Any]) -> int | None:
    """The most results recorded in one second of the measured window (from the first result's second)."""
    counts = run.get("results_per_second") or []
    first = next((index for index, count in enumerate(counts) if count), None)
    if first is None:
        return None
    return max(counts[first : first + int(run.get("measure_seconds") or len(counts))])


def rate_markdown(document: dict[str, Any]) -> str:
    """A rate cap's table: the rate achieved over a fixed window from the first result, against the cap."""
    rows = []
    for run in document["runs"]:
        cap = design_value(
            document, run["design"], "max_messages_per_second", "BATON_MAX_MESSAGES_PER_SECOND"
        )
        achieved = run.get("window_rate")
        deviation = achieved / float(cap) - 1 if cap and achieved is not None else None
        rows.append(
            [
                run["design"],
                run["objects"],
                float(cap) if cap else None,
                achieved,
                f"{deviation:+.1%}" if deviation is not None else None,
                ("yes" if abs(deviation) <= RATE_TOLERANCE else "no") if deviation is not None else None,
                busiest_second(run),
                run["invocations"],
                *calls_cells(run),
                run["results_recorded"],
                run["dlq_depth"],
            ]
        )
    seconds = max((run.get("measure_seconds") or 0 for run in document["runs"]), default=0)
    body = table(
        [
            "design",
            "N queued",
            "cap (messages / s)",
            f"achieved (results / s, first {seconds:g} s)",
            "vs cap",
            f"within {RATE_TOLERANCE:.0%}",
            "most results in one second",
            "Lambda invocations",
            "SQS calls / message",
            "S3 calls / message",
            "DynamoDB calls / message",
            "results recorded",
            "DLQ depth",
        ],
        rows,
    )
    notes = [
        f"# {document['suite']}: {document['description']}",
        "",
        where(document),
        "",
        body,
        f"The rate is the results recorded in the {seconds:g} s after the first one, divided by {seconds:g}. "
        "The queue held more than the window needs; the rest was purged after it, so calls per message are "
        "per result recorded.",
        "",
        *([busy(document)] if busy(document) else []),
        CALLS_NOTE,
        "",
    ]
    return "\n".join(notes)


def table_only(markdown: str) -> str:
    """The tables (and their footnotes) of a results Markdown file, without its title."""
    lines = markdown.splitlines()
    return "\n".join(lines[1:]).strip() + "\n" if lines and lines[0].startswith("# ") else markdown


def update_readme(readme: Path, directory: Path = RESULTS) -> list[str]:
    """Replace each `<!-- bench:SUITE -->` ... `<!-- /bench:SUITE -->` block of the README with the suite's
    committed Markdown; returns the suites replaced."""
    text = readme.read_text()
    replaced = []
    for source in sorted(directory.glob("*.md")):
        suite = source.stem
        start, end = f"<!-- bench:{suite} -->", f"<!-- /bench:{suite} -->"
        if start in text and end in text:
            head, rest = text.split(start, 1)
            _, tail = rest.split(end, 1)
            text = f"{head}{start}\n{table_only(source.read_text())}{end}{tail}"
            replaced.append(suite)
    readme.write_text(text)
    return replaced


OTHER_CPUS_NOTED = 0.2
"""CPUs that processes outside a run may take on average before its table says the machine was shared."""
STOLEN_CPUS_NOTED = 0.05
"""Steal time below this is not worth naming (in CPUs on average)."""


def _stolen(cpu: dict[str, float]) -> str:
    stolen = cpu.get("stolen_cpus", 0.0)
    return f", {stolen:.2f} of it stolen by the hypervisor" if stolen >= STOLEN_CPUS_NOTED else ""


def busy(document: dict[str, Any]) -> str:
    """A note naming the runs during which other work took CPU: measured (`cpu`, see `machine`) where the run
    has it, else from the load average exceeding the CPUs (runs recorded before the measurement existed)."""
    cpus = document["machine"].get("cpus") or 1
    measured = [run for run in document["runs"] if run.get("cpu")]
    shared = [
        f"{run['design']} N={run['objects']:,} ({run['cpu']['other_cpus']:.2f}{_stolen(run['cpu'])})"
        for run in measured
        if run["cpu"]["other_cpus"] > OTHER_CPUS_NOTED
    ]
    note = ""
    if measured:
        most = max(run["cpu"]["other_cpus"] for run in measured)
        note = (
            "CPU taken by processes outside the run (the machine's busy time minus that of LocalStack's "
            f"process tree, the function's processes included, and the harness), in CPUs of {cpus} on "
            "average: "
            + (
                f"above {OTHER_CPUS_NOTED} during {'; '.join(shared)}; their times are slower than alone."
                if shared
                else f"at most {most:.2f} in any run: the runs had the machine to themselves."
            )
            + "\n"
        )
    loaded = [
        f"{run['design']} N={run['objects']:,} (load {run['load_average']['mean']:.1f})"
        for run in document["runs"]
        if not run.get("cpu") and run.get("load_average") and run["load_average"]["mean"] > cpus
    ]
    if not loaded:
        return note
    return note + (
        f"Mean 1-minute load average above the machine's {cpus} CPUs during: {'; '.join(loaded)}. These runs "
        "predate the measurement of other work's CPU, and the load counts the run's own processes too "
        "(LocalStack, the function's, the harness), so it bounds rather than shows other work; call counts "
        "and invocations are not affected by either.\n"
    )
