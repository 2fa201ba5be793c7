"""Properties of the input-line parser over generated lines: what ``join_csv`` writes reads back field for field,
JSON arrays keep their values' text, and no text at all makes the parser fail other than with ``BadLineError``."""

from __future__ import annotations

import csv
import json

from hypothesis import given
from hypothesis import strategies as st

from oryx_core.input import lines
from oryx_core.input.lines import BadLineError, join_csv, parse_line

# Any character but lone surrogates (not text a client can send as UTF-8): commas, quotes, backslashes, line
# breaks, control characters and brackets included, where the CSV rules are hard.
FIELD = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
SPICY = st.text(st.sampled_from(list(',"\\\r\n\t[] ab\x00\x85\u2028')), max_size=12)


@given(st.lists(st.one_of(FIELD, SPICY), min_size=1, max_size=8).filter(lambda fields: fields != [""]))
def test_a_written_record_reads_back_field_for_field(fields: list[str]) -> None:
    assert parse_line(join_csv(fields)) == fields


@given(st.lists(st.one_of(FIELD, SPICY), min_size=1, max_size=8))
def test_the_plain_join_shortcut_writes_what_the_csv_writer_writes(fields: list[str]) -> None:
    """``join_csv`` skips the csv writer for fields needing no quoting: its text must be the writer's own."""
    written = lines._write_csv(fields, csv.QUOTE_MINIMAL)
    if lines._plain(fields):
        assert ",".join(fields) == written


@given(st.one_of(st.text(max_size=40), SPICY, st.lists(st.one_of(FIELD, SPICY), max_size=6).map(",".join)))
def test_the_plain_line_shortcut_reads_what_the_csv_reader_reads(line: str) -> None:
    """``parse_line`` splits a line without quotes, escapes or line breaks itself: the csv reader must agree."""
    line = line.rstrip("\r\n")
    if lines._CSV_SPECIAL.search(line) or (line.startswith("[") and line.endswith("]")):
        return
    assert parse_line(line) == lines._parse_csv(line)


SCALAR = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=10),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)


@given(st.lists(SCALAR, max_size=8))
def test_a_json_array_reads_as_its_values_text(values: list[object]) -> None:
    line = json.dumps(values)
    expected = ["" if v is None else ("true" if v else "false") if isinstance(v, bool) else v for v in values]
    expected = [json.dumps(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in expected]
    assert parse_line(line) == expected


@given(st.one_of(st.text(max_size=60), SPICY, st.text(st.sampled_from(list('[]{}",1\\ ')), max_size=40)))
def test_any_text_is_fields_or_a_bad_line_error(line: str) -> None:
    try:
        fields = parse_line(line)
    except BadLineError as error:
        assert error.reason
    else:
        assert isinstance(fields, list) and all(isinstance(field, str) for field in fields)
