"""The Kafka offset range of one generation's input window, and the rules for re-running a generation.

The range is written next to the window's data (``_offsets.json``) before the offsets are committed, so a
generation that stopped between writing and committing can be re-run without reading its input twice or
losing it: the stored range says which records the folder holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

OFFSETS_FILE = "_offsets.json"
SUCCESS_FILE = "_SUCCESS"


@dataclass(frozen=True)
class OffsetRange:
    """Records ``start[p] <= offset < end[p]`` of each partition ``p`` of ``topic`` (Kafka's half-open ranges)."""

    topic: str
    start: dict[int, int]
    end: dict[int, int]

    def records(self, partition: int) -> int:
        return max(0, self.end[partition] - self.start.get(partition, 0))

    def is_empty(self) -> bool:
        return all(self.records(p) == 0 for p in self.end)

    def to_json(self) -> str:
        return json.dumps(
            {
                "topic": self.topic,
                "start": {str(p): o for p, o in sorted(self.start.items())},
                "end": {str(p): o for p, o in sorted(self.end.items())},
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> OffsetRange:
        raw = json.loads(text)
        return cls(
            topic=str(raw["topic"]),
            start={int(p): int(o) for p, o in raw["start"].items()},
            end={int(p): int(o) for p, o in raw["end"].items()},
        )

    def markdown(self) -> str:
        """A table for the Dagster UI: one row per partition."""
        rows = [f"| {p} | {self.start.get(p, 0)} | {self.end[p]} | {self.records(p)} |" for p in sorted(self.end)]
        return "\n".join(["| partition | from | until | records |", "|---|---|---|---|", *rows])


def offsets_to_commit(stored: OffsetRange, committed: dict[int, int]) -> dict[int, int] | None:
    """When reusing a stored window: its end offsets if the group still sits at its start, else None.

    If the group already moved past the window (the earlier run committed, or later generations ran),
    committing the window's end again would move the group backwards and make it read input twice.
    """
    if all(committed.get(p, 0) == o for p, o in stored.start.items()):
        return dict(stored.end)
    return None
