"""The PNG chart the README shows, drawn with matplotlib (a dev dependency) from the committed results."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

CHART = "relay-designs.png"


def draw(results: Path) -> Path:
    """Messages per second, invocations and SQS calls per message per design and N, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    document = json.loads((results / "relay.json").read_text())
    runs = [run for run in document["runs"] if not run["stalled"]]
    sizes = sorted({run["objects"] for run in runs})
    designs = list(dict.fromkeys(run["design"] for run in runs))
    by = {(run["design"], run["objects"]): run for run in runs}
    panels = (
        ("messages per second", lambda r: r["messages_per_second"] or 0.0, False),
        ("Lambda invocations", lambda r: r["invocations"], True),
        (
            "SQS calls per message (n/o: mapping)",
            lambda r: r["calls_per_message"].get("sqs", 0.0) if r["sqs_observable"] else 0.0,
            False,
        ),
    )
    figure, axes = plt.subplots(1, len(panels), figsize=(13, 4.2))
    width = 0.8 / max(len(designs), 1)
    for axis, (title, value, log) in zip(axes, panels, strict=True):
        for index, design in enumerate(designs):
            xs = [position + (index - (len(designs) - 1) / 2) * width for position in range(len(sizes))]
            ys = [value(by[(design, size)]) if (design, size) in by else 0 for size in sizes]
            bars = axis.bar(xs, ys, width, label=design)
            for x, y, size in zip(xs, ys, sizes, strict=True):
                run = by.get((design, size))
                if run is None:
                    label = "not run"
                elif "SQS" in title and not run["sqs_observable"]:
                    label = "n/o"
                else:
                    label = f"{y:g}"
                axis.annotate(label, (x, y), ha="center", va="bottom", fontsize=7)
            del bars
        axis.set_xticks(range(len(sizes)), [f"N = {size:,}" for size in sizes])
        axis.set_title(title)
        if log:
            axis.set_yscale("log")
    axes[0].legend(fontsize=8)
    figure.suptitle(
        f"Relay designs on LocalStack {document['localstack'].get('version')} "
        f"({document['localstack'].get('mode')} "
        f"mode), {document['machine'].get('cpus')} CPUs, {document['date'][:10]}: "
        "LocalStack's times, not AWS's",
        fontsize=9,
    )
    figure.tight_layout()
    path = results / CHART
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


WORKERS_CHART = "relay-workers.png"


def workers_series(runs: list[dict[str, Any]]) -> dict[str, list[tuple[int, float]]]:
    """Messages per second against workers, one series per design (the name without its matrix values)."""
    from tests.bench.harness.report import base_name, matrix_values

    series: dict[str, list[tuple[int, float]]] = {}
    for run in runs:
        workers = matrix_values(run["design"]).get("workers")
        if workers is None or run["stalled"] or not run.get("messages_per_second"):
            continue
        series.setdefault(base_name(run["design"]), []).append((int(workers), run["messages_per_second"]))
    return {design: sorted(points) for design, points in series.items()}


def draw_workers(results: Path) -> Path | None:
    """Messages per second and the speed-up over 1 worker, against workers (None without workers.json)."""
    source = results / "workers.json"
    if not source.exists():
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    document = json.loads(source.read_text())
    series = workers_series(document["runs"])
    figure, (rate, factor) = plt.subplots(1, 2, figsize=(11, 4.2))
    ticks: set[int] = set()
    for design, points in series.items():
        xs, ys = [w for w, _ in points], [r for _, r in points]
        ticks.update(xs)
        rate.plot(xs, ys, marker="o", label=design)
        base = dict(points).get(1)
        if base:
            factor.plot(xs, [y / base for y in ys], marker="o", label=design)
    if ticks:
        top = max(ticks)
        factor.plot([1, top], [1, top], linestyle=":", color="grey", label="linear")
    for axis, title in ((rate, "messages per second"), (factor, "speed-up over 1 worker")):
        axis.set_xscale("log", base=2)
        axis.set_xticks(sorted(ticks), [str(t) for t in sorted(ticks)])
        axis.set_xlabel("workers (BATON_WORKERS)")
        axis.set_title(title)
        axis.legend(fontsize=8)
    figure.suptitle(
        f"Relay workers on LocalStack {document['localstack'].get('version')} "
        f"({document['localstack'].get('mode')} mode), {document['machine'].get('cpus')} CPUs, "
        f"{document['date'][:10]}: LocalStack's times, not AWS's",
        fontsize=9,
    )
    figure.tight_layout()
    path = results / WORKERS_CHART
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
