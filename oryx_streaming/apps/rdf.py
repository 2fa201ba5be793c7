"""The random decision forest speed layer (Oryx 2's ``RDFSpeedModelManager``).

It keeps the batch layer's last forest (``MODEL`` or ``MODEL-REF``, checked against ``oryx.input-schema``) and
routes each micro-batch's new examples down every tree. For each (tree, leaf) reached it publishes an ``UP``:
the new examples' class counts (classification) or their target mean and count (regression); the serving layer
folds them into the leaf. The forest is the shared RDF state (``oryx_core.apps.rdf.state``, built with
``apply_updates=False``): ``UP`` messages are ignored, its own included, so the speed layer always counts from
the batch model and every update it sends is a delta (spec 2.4).

Routing happens on the executors (``mapInPandas``): each partition sends back only per-leaf partial sums, which
the driver merges, so the driver never holds the micro-batch's lines. Lines that do not parse, do not fit the
schema, lack a target or hold a category the model never saw are skipped, counted and logged.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd

from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.state import RDFState
from oryx_core.apps.rdf.trees import Forest
from oryx_core.apps.rdf.updates import ClassCountsUpdate, LeafUpdate, MeanUpdate, format_update, updates_for_examples
from oryx_core.config import OryxConfig
from oryx_core.input.lines import BadLineError, parse_line

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)

BAD_TREE = -1
"""Tree index of the partial row that carries a partition's bad-line count."""
_PARTIALS_SCHEMA = "tree int, node string, code int, total double, count long"


class RDFSpeedModelManager:
    """The current batch forest; each micro-batch becomes per-leaf ``UP`` deltas."""

    def __init__(self, config: OryxConfig) -> None:
        self.state = RDFState.from_config(config, apply_updates=False)
        self.schema = self.state.schema

    def consume_key_message(self, key: str | None, message: str) -> None:
        self.state.consume_key_message(key, message)

    def fraction_loaded(self) -> float | None:
        """A forest arrives whole in one MODEL: None before it, 1 after."""
        return self.state.fraction_loaded()

    def build_updates(self, new_data: DataFrame) -> Iterable[str]:
        model = self.state.model
        if model is None:
            return []
        forest, encodings = model.forest, model.encodings
        partials = new_data.select("value").mapInPandas(_partial_sums(forest, encodings), _PARTIALS_SCHEMA)
        rows = [(r["tree"], r["node"], r["code"], r["total"], r["count"]) for r in partials.collect()]
        updates, bad = merge_partials(rows, forest.is_classification)
        if bad:
            log.warning("RDF speed layer: skipped %d unusable input line(s) in this micro-batch", bad)
        return [format_update(update) for update in updates]

    def model(self) -> Forest | None:
        """The current forest (for monitoring and tests)."""
        model = self.state.model
        return None if model is None else model.forest

    def close(self) -> None:
        self.state.close()


def examples_of(lines: Iterable[str | None], encodings: Encodings) -> tuple[list[tuple[list[float], float]], int]:
    """(features, target) of every usable line, and how many lines were not usable."""
    examples, bad = [], 0
    for line in lines:
        try:
            if line is None:
                raise ValueError("null line")
            fields = parse_line(line)
            examples.append((encodings.features(fields), encodings.target(fields)))
        except (BadLineError, ValueError):
            bad += 1
    return examples, bad


def _partial_rows(updates: list[LeafUpdate], bad: int) -> list[tuple[int, str, int, float, int]]:
    rows: list[tuple[int, str, int, float, int]] = [(BAD_TREE, "", 0, 0.0, bad)] if bad else []
    for update in updates:
        if isinstance(update, ClassCountsUpdate):
            rows += [(update.tree, update.node_id, code, float(n), n) for code, n in update.counts.items()]
        else:
            rows.append((update.tree, update.node_id, -1, update.mean * update.count, update.count))
    return rows


def _partial_sums(forest: Forest, encodings: Encodings) -> Any:
    """The ``mapInPandas`` function: one partition's examples as per-(tree, leaf, class) sums and counts."""

    def partials(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        lines = [line for batch in batches for line in batch["value"]]
        examples, bad = examples_of(lines, encodings)
        rows = _partial_rows(updates_for_examples(forest, examples), bad)
        yield pd.DataFrame(rows, columns=["tree", "node", "code", "total", "count"])

    return partials


def merge_partials(
    rows: Iterable[tuple[int, str, int, float, int]], classification: bool
) -> tuple[list[LeafUpdate], int]:
    """Partitions' partial sums merged into one update per (tree, leaf), sorted; and the bad-line count."""
    bad = 0
    counts: dict[tuple[int, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    sums: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0])
    for tree, node, code, total, count in rows:
        if tree == BAD_TREE:
            bad += int(count)
        elif classification:
            counts[(tree, node)][int(code)] += int(count)
        else:
            sums[(tree, node)][0] += float(total)
            sums[(tree, node)][1] += int(count)
    if classification:
        return [ClassCountsUpdate(t, n, dict(c)) for (t, n), c in sorted(counts.items())], bad
    return [MeanUpdate(t, n, s / c, int(c)) for (t, n), (s, c) in sorted(sums.items()) if c], bad
