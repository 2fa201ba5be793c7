"""Oryx 2's input-line rule: JSON array or CSV (RFC 4180, backslash escapes), and bad-line accounting."""

from __future__ import annotations

import logging

import pytest

from oryx_core.input.lines import BadLineCounter, BadLineError, join_csv, parse_line, split_body_lines


def test_plain_csv_splits_on_commas() -> None:
    assert parse_line("196,242,3.0,881250949") == ["196", "242", "3.0", "881250949"]


def test_quoted_field_keeps_its_commas() -> None:
    assert parse_line('"a,b",c') == ["a,b", "c"]


def test_doubled_quote_inside_quotes_is_one_quote() -> None:
    assert parse_line('"say ""hi""",x') == ['say "hi"', "x"]


def test_backslash_escapes_delimiter_quote_and_backslash() -> None:
    assert parse_line(r'a\,b,"c\"d",e\\f') == ["a,b", 'c"d', "e\\f"]


def test_backslash_before_an_ordinary_character_is_kept() -> None:
    assert parse_line(r"C:\data,x") == ["C:\\data", "x"]


def test_named_escapes_become_control_characters() -> None:
    assert parse_line(r"a\tb,c\nd,e\n") == ["a\tb", "c\nd", "e\n"]


def test_empty_fields_are_kept() -> None:
    assert parse_line("u1,i1,") == ["u1", "i1", ""]


def test_line_not_ending_in_a_bracket_is_csv() -> None:
    assert parse_line('["a",') == ['["a"', ""]


def test_empty_line_has_no_fields() -> None:
    assert parse_line("") == []


def test_trailing_carriage_return_is_dropped() -> None:
    assert parse_line("a,b\r") == ["a", "b"]


def test_json_array_elements_become_strings() -> None:
    assert parse_line('["u1","i1",1.0,881250949]') == ["u1", "i1", "1.0", "881250949"]


def test_json_numbers_keep_their_text() -> None:
    assert parse_line("[1.50,1e3,-0]") == ["1.50", "1e3", "-0"]


def test_json_null_is_empty_and_booleans_are_words() -> None:
    assert parse_line('["a",null,true,false]') == ["a", "", "true", "false"]


def test_json_string_may_hold_commas_and_quotes() -> None:
    assert parse_line('["a,b","c\\"d"]') == ["a,b", 'c"d']


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[a,b]", "invalid JSON"),
        ('["a",]', "invalid JSON"),
        ('["a",["b"]]', "nested list"),
        ('[{"a":1}]', "nested dict"),
        ("[NaN]", "invalid JSON"),
        ('"unclosed,x', "invalid CSV"),
        ('"a"b,c', "invalid CSV"),
        ("a,b\\", "lone trailing backslash"),
        ("a\nb", "more than one CSV record"),
    ],
)
def test_malformed_lines_raise_bad_line_error(line: str, reason: str) -> None:
    with pytest.raises(BadLineError, match=reason) as raised:
        parse_line(line)
    assert raised.value.line == line.rstrip("\r\n")


@pytest.mark.parametrize("open_, close", [("[", "]"), ('[{"a":', "}]")])
def test_a_line_nested_past_the_recursion_limit_is_a_bad_line_not_a_crash(open_: str, close: str) -> None:
    """Written straight to Kafka, such a line reaches the speed and batch layers' parse_line: it must be counted and
    skipped like any bad line, never raise RecursionError out of the micro-batch or the generation."""
    depth = 100_000
    line = open_ * depth + close * depth
    with pytest.raises(BadLineError, match="nested too deeply"):
        parse_line(line)
    counter = BadLineCounter()
    assert counter.parse(line) is None
    assert (counter.count, counter.samples[0][1]) == (
        1,
        "invalid JSON array: nested too deeply (a field must be a string or number)",
    )


@pytest.mark.parametrize(
    "fields",
    [
        ["u1", "i1", "3.0"],
        ["a,b", "c"],
        ['say "hi"'],
        ["C:\\data"],
        ["line\nbreak", "cr\rhere"],
        [""],
        ["", ""],
        ["[a", "b]"],
        ["[]"],
    ],
)
def test_join_csv_round_trips_through_parse_line(fields: list[str]) -> None:
    assert parse_line(join_csv(fields)) == fields


def test_join_csv_quotes_only_when_needed() -> None:
    assert join_csv(["u1", "i 1", "a,b", 'q"']) == 'u1,i 1,"a,b","q"""'


def test_join_csv_never_produces_a_json_lookalike() -> None:
    assert join_csv(["[a", "b]"]) == '"[a",b]'


def test_split_body_lines_handles_all_line_endings_and_drops_empty_lines() -> None:
    assert split_body_lines("a,1\r\nb,2\n\nc,3\rd,4\n") == ["a,1", "b,2", "c,3", "d,4"]


def test_split_body_lines_keeps_unicode_separators_inside_lines() -> None:
    assert split_body_lines("a\u2028b\n") == ["a\u2028b"]


def test_counter_keeps_the_first_five_samples() -> None:
    counter = BadLineCounter()
    for i in range(7):
        counter.record(f"line {i}", "bad")
    assert counter.count == 7
    assert counter.samples == [(f"line {i}", "bad") for i in range(5)]


def test_counter_parse_counts_bad_lines_and_returns_good_fields() -> None:
    counter = BadLineCounter()
    assert counter.parse("a,b") == ["a", "b"]
    assert counter.parse("[oops]") is None
    assert counter.count == 1
    assert counter.samples[0][0] == "[oops]"


def test_counter_logs_one_summary(caplog: pytest.LogCaptureFixture) -> None:
    counter = BadLineCounter()
    counter.record("[oops]", "invalid JSON")
    counter.record('"x', "invalid CSV")
    with caplog.at_level(logging.WARNING):
        counter.log_summary(logging.getLogger("test"), "speed batch 7")
    assert len(caplog.records) == 1
    assert "speed batch 7: skipped 2 bad input line(s)" in caplog.text
    assert "'[oops]' (invalid JSON)" in caplog.text


def test_counter_with_nothing_to_report_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        BadLineCounter().log_summary(logging.getLogger("test"), "batch")
    assert caplog.records == []
