"""Word co-occurrence counting for the example app.

Oryx 2's example counts, for each word, how many *distinct other* words appear with it on some line. The
batch layer does this over all data in Spark; the speed layer does it per micro-batch and adds the result
to its running model. Keeping the rule here means the layers cannot disagree about what a word is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping


def words_of(line: str) -> set[str]:
    """Words are whitespace-separated tokens; case is kept, like Oryx 2's example."""
    return set(line.split())


def distinct_other_words(lines: Iterable[str]) -> dict[str, set[str]]:
    """For each word, the set of other words it shares a line with."""
    pairs: dict[str, set[str]] = {}
    for line in lines:
        words = words_of(line)
        for word in words:
            pairs.setdefault(word, set()).update(words - {word})
    return pairs


def count_distinct_other_words(lines: Iterable[str]) -> dict[str, int]:
    return {word: len(others) for word, others in distinct_other_words(lines).items()}


def merge_counts(model: Mapping[str, int], new_counts: Mapping[str, int]) -> dict[str, int]:
    """Speed-layer approximation (as in Oryx 2): new co-occurrences are added to the batch counts."""
    merged = dict(model)
    for word, count in new_counts.items():
        merged[word] = merged.get(word, 0) + count
    return merged


def model_to_json(counts: Mapping[str, int]) -> str:
    return json.dumps(dict(sorted(counts.items())), separators=(",", ":"))


def model_from_json(text: str) -> dict[str, int]:
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError("example MODEL must be a JSON object of word -> count")
    return {str(word): int(count) for word, count in raw.items()}


def format_update(word: str, count: int) -> str:
    """The example's ``UP`` payload: ``word,count``."""
    return f"{word},{count}"


def parse_update(message: str) -> tuple[str, int]:
    word, _, count = message.rpartition(",")
    if not word:
        raise ValueError(f"example UP message must be 'word,count', got {message!r}")
    return word, int(count)
