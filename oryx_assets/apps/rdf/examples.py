"""Training examples in Spark: input lines parsed into typed columns, summarised, and turned into MLlib vectors.

A line that does not parse, has the wrong width, holds a non-number in a numeric column, lacks its target, or has
a missing predictor value (MLlib cannot train on those) is unusable: it is counted and logged with samples, and
never fails the generation. Categorical encodings come from the usable lines: each categorical column's distinct
values, sorted (so a generation is reproducible), are its encodings 0, 1, ...
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from oryx_assets.apps.rdf.split_candidates import Cuts, bin_indices
from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.input.lines import BadLineError, parse_line
from oryx_core.input.schema import InputSchema

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

log = logging.getLogger(__name__)

BAD = "_bad"
LABEL = "label"
FEATURES = "features"
_SAMPLES = 5


def _spark_schema(schema: InputSchema) -> Any:
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    assert schema.target is not None
    fields = [
        StructField(c, DoubleType() if schema.is_numeric(c) else StringType())
        for c in (*schema.predictors, schema.target)
    ]
    return StructType([*fields, StructField(BAD, StringType())])


def _parse_batches(schema: InputSchema) -> Any:
    """The ``mapInPandas`` function: typed columns per line, or the reason the line is unusable in ``_bad``."""
    assert schema.target is not None
    columns = [*schema.predictors, schema.target]

    def parse(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            rows = [parse_one(schema, columns, line) for line in batch["value"]]
            yield pd.DataFrame(rows, columns=[*columns, BAD])

    return parse


def parse_one(schema: InputSchema, columns: list[str], line: str | None) -> list[Any]:
    """``columns``' typed values of one line and None, or Nones and the reason the line is unusable."""
    empty: list[Any] = [None] * len(columns)
    if line is None:
        return [*empty, "null line"]
    try:
        row = schema.row(parse_line(line))
    except (BadLineError, ValueError) as e:
        return [*empty, f"{line[:200]!r}: {e}"]
    values = [row[c] if schema.is_numeric(c) or str(row[c]).strip() else None for c in columns]
    missing = [c for c, v in zip(columns, values, strict=True) if v is None or (isinstance(v, float) and math.isnan(v))]
    if missing:
        return [*empty, f"{line[:200]!r}: no value for {missing}"]
    return [*values, None]


def parse_examples(lines: DataFrame, schema: InputSchema) -> DataFrame:
    """Typed predictor and target columns per input line, and ``_bad`` (null when the line is usable)."""
    return lines.select("value").mapInPandas(_parse_batches(schema), _spark_schema(schema))


def usable(parsed: DataFrame) -> DataFrame:
    """The usable examples of ``parse_examples``' output, without the ``_bad`` column."""
    from pyspark.sql import functions as F

    return parsed.filter(F.col(BAD).isNull()).drop(BAD)


def summarise(parsed: DataFrame, schema: InputSchema) -> tuple[int, dict[str, list[str]]]:
    """In one pass: how many lines are usable, and each categorical column's distinct values among them, sorted
    (their positions are the encodings). Unusable lines are counted and a few logged."""
    from pyspark.sql import functions as F

    assert schema.target is not None
    columns = [c for c in (*schema.predictors, schema.target) if not schema.is_numeric(c)]
    good = F.col(BAD).isNull()
    row = parsed.agg(
        F.count(F.when(good, 1)).alias("_usable"),
        F.count(BAD).alias("_unusable"),
        *(F.array_sort(F.collect_set(F.when(good, F.col(c)))).alias(c) for c in columns),
    ).first()
    assert row is not None
    if row["_unusable"]:
        samples = [r[BAD] for r in parsed.filter(~good).limit(_SAMPLES).collect()]
        log.warning(
            "RDF training data: skipped %d unusable line(s); first %d: %s", row["_unusable"], len(samples), samples
        )
    return int(row["_usable"]), {c: list(row[c]) for c in columns}


def _binned(column: str, cuts: Any) -> Column:
    """The bin index of each value of ``column`` (see ``split_candidates.bin_indices``), computed in Arrow batches."""
    from pyspark.sql import functions as F
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("double")  # type: ignore[call-overload]
    def bin_of(values: pd.Series) -> pd.Series:
        return pd.Series(bin_indices(cuts, values.to_numpy()), dtype="float64")

    return bin_of(F.col(column))


def vectors(good: DataFrame, encodings: Encodings, cuts: Cuts | None = None) -> DataFrame:
    """``label`` and ``features`` with the ML attribute metadata MLlib reads categorical arities from.

    With ``cuts``, each numeric predictor that has cuts is replaced by its bin index, so MLlib's candidate
    thresholds are exactly ours (``split_candidates``); categorical predictors are their encodings either way.
    """
    from pyspark.ml.functions import array_to_vector
    from pyspark.sql import functions as F

    schema = encodings.schema
    assert schema.target is not None
    binned: Mapping[int, Any] = cuts.by_feature if cuts is not None else {}

    def encoded(column: str) -> Column:
        if schema.is_numeric(column):
            index = schema.predictors.index(column) if column in schema.predictors else -1
            if index in binned:
                return _binned(column, binned[index])
            return F.col(column).cast("double")
        values = F.array(*(F.lit(v) for v in encodings.values[column]))
        return (F.array_position(values, F.col(column)) - 1).cast("double")

    numeric_attrs, nominal_attrs = [], []
    for i, column in enumerate(schema.predictors):
        if schema.is_numeric(column):
            numeric_attrs.append({"idx": i, "name": column})
        else:
            nominal_attrs.append({"idx": i, "name": column, "vals": list(encodings.values[column])})
    attrs: dict[str, Any] = {"numeric": numeric_attrs} if numeric_attrs else {}
    if nominal_attrs:
        attrs["nominal"] = nominal_attrs
    feature_meta = {"ml_attr": {"attrs": attrs, "num_attrs": len(schema.predictors)}}
    label = encoded(schema.target)
    classes = encodings.classes
    if classes is not None:
        label = label.alias(LABEL, metadata={"ml_attr": {"type": "nominal", "name": LABEL, "vals": classes}})
    else:
        label = label.alias(LABEL)
    features = array_to_vector(F.array(*(encoded(c) for c in schema.predictors)))
    return good.select(label, features.alias(FEATURES, metadata=feature_meta))
