"""The soak's accounting: every uploaded object has a result record or a DLQ message, and nothing twice."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable


@dataclass(frozen=True, slots=True)
class Accounting:
    """Where every uploaded object ended."""

    uploaded: int
    recorded: int
    """A result record and no DLQ message."""
    recorded_and_dead_lettered: int
    """A result record and a DLQ message: processed, then its delete did not happen (a process killed after
    writing the result, say) and the redrive policy moved it. Counted apart, not as lost or duplicate."""
    dead_lettered: int
    """A DLQ message and no result record."""
    lost: int
    """Neither: must be 0."""
    duplicate_results: int
    """Result records beyond one per object: must be 0."""
    duplicate_dead_letters: int
    """DLQ messages beyond one per object (a message delivered twice and dead-lettered twice)."""
    recorded_on_redelivery: int
    """Results written on a receive after the first."""
    stray: int
    """Records or DLQ messages for objects this run did not upload: must be 0."""
    still_queued: int
    """Messages left in the source queue (visible or in flight) when the run ended: must be 0."""

    @property
    def balanced(self) -> bool:
        """Everything accounted for, once."""
        ends = self.recorded + self.recorded_and_dead_lettered + self.dead_lettered
        return (
            self.lost == 0
            and self.duplicate_results == 0
            and self.stray == 0
            and self.still_queued == 0
            and ends == self.uploaded
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "balanced": self.balanced}


def account(
    uploaded: Iterable[str],
    results: Iterable[tuple[str, int]],
    dead_letters: Iterable[str],
    still_queued: int = 0,
) -> Accounting:
    """Account for `uploaded` keys given (key, receive count) per result record and a key per DLQ message."""
    keys = set(uploaded)
    result_list = list(results)
    recorded = Counter(key for key, _ in result_list)
    dead = Counter(dead_letters)
    return Accounting(
        uploaded=len(keys),
        recorded=sum(1 for key in keys if recorded[key] and not dead[key]),
        recorded_and_dead_lettered=sum(1 for key in keys if recorded[key] and dead[key]),
        dead_lettered=sum(1 for key in keys if dead[key] and not recorded[key]),
        lost=sum(1 for key in keys if not recorded[key] and not dead[key]),
        duplicate_results=sum(count - 1 for count in recorded.values() if count > 1),
        duplicate_dead_letters=sum(count - 1 for count in dead.values() if count > 1),
        recorded_on_redelivery=sum(1 for key, receives in result_list if key in keys and receives > 1),
        stray=sum(1 for key in set(recorded) | set(dead) if key not in keys),
        still_queued=still_queued,
    )


ROWS = (
    ("uploaded", "objects uploaded"),
    ("recorded", "result record only"),
    ("recorded_and_dead_lettered", "result record and a DLQ message (counted apart)"),
    ("dead_lettered", "DLQ message only"),
    ("lost", "lost (neither)"),
    ("duplicate_results", "duplicate result records"),
    ("duplicate_dead_letters", "duplicate DLQ messages"),
    ("stray", "records or DLQ messages of objects not uploaded"),
    ("still_queued", "still in the source queue at the end"),
    ("recorded_on_redelivery", "results written on a redelivery (receive ≥ 2)"),
)
"""Table rows: field and label, in the order the table prints them."""
