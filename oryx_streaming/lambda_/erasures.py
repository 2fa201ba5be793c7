"""A micro-batch's erasure requests (``oryx_core.input.erasure``): taken out of its input, acted on first.

The publisher counts tombstones in the batch's one summary query, so a batch without any (nearly all of
them) costs nothing more. When there are some, they are collected (a few rows), and the lines handed to the
app lose the tombstones and every line the requests erase: an app never reads a tombstone as input, nor folds
in an interaction of a user erased in the same batch.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType

from oryx_core.input.erasure import ERASE_INPUT_KEY, requested_erasures
from oryx_core.input.erasure_frames import erased_lines

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)

ERASURES_COLUMN = f"count_if(key = '{ERASE_INPUT_KEY}') AS erasures"
"""Part of the publisher's summary query: how many rows of the batch are tombstones."""


def split_erasures(df: DataFrame) -> tuple[DataFrame, dict[str, int]]:
    """``(lines, erased)``: the batch without tombstones and erased lines, and ID -> time erased up to."""
    tombstones = df.filter(F.col("key") == ERASE_INPUT_KEY).select("value").collect()
    erased = requested_erasures((row["value"] for row in tombstones), log, "Speed layer erasures")
    erased_line = F.pandas_udf(erased_lines(erased), BooleanType())  # type: ignore[call-overload]
    lines = df.filter(F.col("key").isNull() | (F.col("key") != ERASE_INPUT_KEY)).filter(~erased_line(F.col("value")))
    return lines, erased
