"""The PNG chart the README shows, drawn with matplotlib (a dev dependency) from the committed results."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

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
                label = "n/o" if run and "SQS" in title and not run["sqs_observable"] else f"{y:g}"
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
