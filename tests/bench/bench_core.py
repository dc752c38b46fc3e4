"""Benchmarks that print figures (`make bench`); nothing here asserts a speed.

* digest throughput and peak memory: the default processor's hashing/line counting over synthetic objects of
  growing size, read in the processor's 1 MiB chunks. Peak traced memory stays flat because the object is
  streamed, never held whole.
* engine overhead per message: parsing, the deadline guard (a real interval timer) and bookkeeping around a
  processor that does nothing, so the figure is what Baton adds to each message's own work.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tracemalloc
from typing import TYPE_CHECKING, Any

from consumer.processors.digest import digest_chunks
from consumer.processors.recording import CHUNK_SIZE
from relay_common.config import CoreSettings
from relay_common.deadline import Budget
from relay_common.observability import discard_counts, logger
from relay_common.processing import MessageEngine
from relay_common.processor import FunctionProcessor, ProcessingContext, ProcessorResult

if TYPE_CHECKING:
    from collections.abc import Iterator

    from relay_common.events import ObjectRef

MIB = 1024 * 1024


def synthetic(size: int) -> Iterator[bytes]:
    """`size` bytes of text in CHUNK_SIZE chunks, generated on the fly."""
    line = b"the quick brown fox jumps over the lazy dog 0123456789\n"
    block = line * (CHUNK_SIZE // len(line) + 1)
    sent = 0
    while sent < size:
        chunk = block[: min(CHUNK_SIZE, size - sent)]
        sent += len(chunk)
        yield chunk


def bench_digest(sizes_mib: list[int]) -> list[dict[str, Any]]:
    rows = []
    for size_mib in sizes_mib:
        tracemalloc.start()
        started = time.perf_counter()
        result = digest_chunks(synthetic(size_mib * MIB))
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append(
            {
                "object_mib": size_mib,
                "seconds": round(elapsed, 3),
                "mib_per_second": round(size_mib / elapsed, 1),
                "peak_traced_mib": round(peak / MIB, 2),
                "lines": result.lines,
            }
        )
    return rows


class _Context:
    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def _noop(obj: ObjectRef, ctx: ProcessingContext) -> ProcessorResult:
    return ProcessorResult("recorded")


def bench_engine(messages: int) -> dict[str, Any]:
    body = json.dumps(
        {
            "Records": [
                {
                    "eventSource": "aws:s3",
                    "eventName": "ObjectCreated:Put",
                    "eventTime": "2026-11-22T10:00:00.000Z",
                    "s3": {
                        "bucket": {"name": "bench"},
                        "object": {
                            "key": "folder/a+file%C3%BC.txt",
                            "size": 10,
                            "eTag": "e",
                            "sequencer": "01",
                        },
                    },
                }
            ]
        }
    )
    settings = CoreSettings(queue_url="https://sqs.invalid/1/bench", processor="bench:noop")
    engine = MessageEngine(settings, FunctionProcessor(_noop))
    budget = Budget(_Context(), safety_margin=2.0)
    timings = []
    logger.setLevel("WARNING")  # the per-message INFO line would dominate what is measured
    for index in range(messages):
        started = time.perf_counter()
        engine.process(f"m-{index}", body, receive_count=1, budget=budget)
        timings.append(time.perf_counter() - started)
    discard_counts()
    timings.sort()
    return {
        "messages": messages,
        "median_us": round(statistics.median(timings) * 1e6, 1),
        "p99_us": round(timings[int(len(timings) * 0.99)] * 1e6, 1),
        "messages_per_second": round(messages / sum(timings)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 64, 256], help="object sizes in MiB")
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    print("digest processor (streamed in 1 MiB chunks)")
    print(f"  {'object':>8} {'seconds':>8} {'MiB/s':>8} {'peak traced':>12}")
    for row in bench_digest(args.sizes):
        print(
            f"  {row['object_mib']:>5} MiB {row['seconds']:>8} {row['mib_per_second']:>8} "
            f"{row['peak_traced_mib']:>8} MiB"
        )
    engine = bench_engine(args.messages)
    print("engine overhead per message (no-op processor, deadline guard armed)")
    print(
        f"  median {engine['median_us']} us · p99 {engine['p99_us']} us · "
        f"{engine['messages_per_second']} messages/s over {engine['messages']} messages"
    )


if __name__ == "__main__":
    main()
