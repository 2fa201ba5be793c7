"""Oryx 2's input-line rule: a JSON array of strings, or one CSV record.

A line that starts with ``[`` and ends with ``]`` is a JSON array; anything else is CSV per RFC 4180 with
backslash as the escape character (Apache Commons CSV's ``RFC4180.withEscape('\\')`` in Oryx 2). Python's csv
module does the quoting; a small pre-pass gives backslash escapes Commons CSV's meaning, which differs from
Python's in two ways that matter for real data: ``\\n``, ``\\r``, ``\\t``, ``\\b``, ``\\f`` stand for control
characters, and a backslash before any other ordinary character is kept (``C:\\data`` stays ``C:\\data``).

Bad lines are data, not bugs: layers skip them, count them with ``BadLineCounter`` and log a few samples.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Sequence
from typing import Any

_DIALECT: dict[str, Any] = {
    "delimiter": ",",
    "quotechar": '"',
    "escapechar": "\\",
    "doublequote": True,
    "strict": True,
}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_META = {",", '"', "\\"}
_NEEDS_QUOTING = re.compile(r'[,"\\\r\n]')
_CSV_SPECIAL = re.compile(r'["\\\r\n]')
_NAMED_ESCAPES = {"r": "\r", "n": "\n", "t": "\t", "b": "\b", "f": "\f"}
_LITERAL_ESCAPES = set(_NAMED_ESCAPES.values())
_MAX_SHOWN_LINE = 200
SAMPLE_SIZE = 5


class BadLineError(ValueError):
    """An input line that is neither a valid JSON array of scalars nor a valid CSV record."""

    def __init__(self, line: str, reason: str) -> None:
        super().__init__(f"bad input line {_shorten(line)!r}: {reason}")
        self.line = line
        self.reason = reason


def parse_line(line: str) -> list[str]:
    """Splits one input line into its fields (all strings; the apps decide what is numeric).

    JSON numbers keep their text (``1.0`` stays ``"1.0"``, as Jackson gave Oryx 2 a String), ``null``
    becomes ``""`` and booleans ``"true"``/``"false"``. An empty line has no fields.
    """
    line = line.rstrip("\r\n")
    if line.startswith("[") and line.endswith("]"):
        return _parse_json_array(line)
    if not _CSV_SPECIAL.search(line):
        # No quote, escape or line break: the record is its text split at commas, as the csv reader reads it
        # (a property test pins the two together), at a fifth of the reader's cost. Most real lines are these.
        return line.split(",") if line else []
    return _parse_csv(line)


def _parse_json_array(line: str) -> list[str]:
    try:
        values = json.loads(line, parse_int=str, parse_float=str, parse_constant=_reject_constant)
    except ValueError as error:
        raise BadLineError(line, f"invalid JSON array: {error}") from error
    except RecursionError:
        # Python's parser recurses once per nesting level; a line nested past the interpreter's limit (about
        # 1,000) would otherwise escape as RecursionError and stop the speed or batch layer reading it.
        raise BadLineError(line, "invalid JSON array: nested too deeply (a field must be a string or number)") from None
    fields = []
    for index, value in enumerate(values):
        if value is None:
            fields.append("")
        elif isinstance(value, bool):
            fields.append("true" if value else "false")
        elif isinstance(value, str):
            fields.append(value)
        else:
            raise BadLineError(line, f"element {index} is a nested {type(value).__name__}; expected a string or number")
    return fields


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _parse_csv(line: str) -> list[str]:
    if (len(line) - len(line.rstrip("\\"))) % 2:
        raise BadLineError(line, "ends inside an escape sequence (a lone trailing backslash)")
    # The added line break lets the reader finish a record whose last character is an escaped line break.
    text = _ESCAPE.sub(_commons_escape, line) + "\n"
    try:
        records = list(csv.reader(io.StringIO(text), **_DIALECT))
    except csv.Error as error:
        raise BadLineError(line, f"invalid CSV: {error}") from error
    if len(records) > 1:
        raise BadLineError(line, "holds more than one CSV record (an unquoted line break)")
    return records[0] if records else []


def _commons_escape(match: re.Match[str]) -> str:
    """Rewrites one backslash escape so Python's csv module reads it as Commons CSV would."""
    char = match.group(1)
    if char in _META or char in _LITERAL_ESCAPES:
        return "\\" + char
    if char in _NAMED_ESCAPES:
        # The csv module takes an escaped control character literally (an escaped line break too).
        return "\\" + _NAMED_ESCAPES[char]
    return "\\\\" + char


def join_csv(fields: Sequence[str]) -> str:
    """The inverse of ``parse_line`` for CSV: quotes only fields that need it, escapes backslashes.

    A record that would start with ``[`` and end with ``]`` gets its first field quoted, or ``parse_line``
    would read it back as a JSON array.
    """
    if _plain(fields):  # the common case (IDs and numbers), 20x cheaper than a csv.writer per record
        return ",".join(fields)
    text = _write_csv(fields, csv.QUOTE_MINIMAL)
    if text.startswith("[") and text.endswith("]"):
        # Here the first field starts with "[", so it was written unquoted and alone it is written the same.
        first = fields[0]
        text = _write_csv([first], csv.QUOTE_ALL) + text[len(_write_csv([first], csv.QUOTE_MINIMAL)) :]
    return text


def _plain(fields: Sequence[str]) -> bool:
    """True when the csv writer would write the fields joined by commas as they are: none holds a delimiter,
    quote, escape or line break, the record is not one empty field (written ``""``) and does not start with ``[``
    (``join_csv`` quotes that)."""
    return (
        bool(fields)
        and not (len(fields) == 1 and fields[0] == "")
        and not fields[0].startswith("[")
        and not any(_NEEDS_QUOTING.search(field) for field in fields)
    )


def _write_csv(fields: Sequence[str], quoting: int) -> str:
    buffer = io.StringIO()
    # "\r\n" as terminator makes the writer quote fields holding line breaks; it is stripped afterwards.
    csv.writer(buffer, quoting=quoting, lineterminator="\r\n", **_DIALECT).writerow(fields)
    return buffer.getvalue()[:-2]


def split_body_lines(text: str) -> list[str]:
    """Lines of a request body or file, without empty ones.

    Splits on ``\\n``, ``\\r\\n`` and a lone ``\\r`` (what Java's ``readLine`` did for Oryx 2), but not on the
    other Unicode separators ``str.splitlines`` knows, which can legitimately appear inside a field.
    """
    return [line for line in re.split(r"\r\n|\n|\r", text) if line]


class BadLineCounter:
    """Counts skipped lines and keeps the first few, so a run can report "skipped N bad lines, e.g. ..."."""

    def __init__(self, sample_size: int = SAMPLE_SIZE) -> None:
        self.count = 0
        self.samples: list[tuple[str, str]] = []
        self._sample_size = sample_size

    def record(self, line: str, reason: str) -> None:
        self.count += 1
        if len(self.samples) < self._sample_size:
            self.samples.append((line, reason))

    def parse(self, line: str) -> list[str] | None:
        """``parse_line`` for the skip-and-count rule: the fields, or None after recording a bad line."""
        try:
            return parse_line(line)
        except BadLineError as error:
            self.record(line, error.reason)
            return None

    def log_summary(self, logger: logging.Logger, where: str) -> None:
        """One warning per run (not per line), so a flood of bad input cannot flood the log."""
        if not self.count:
            return
        examples = "; ".join(f"{_shorten(line)!r} ({reason})" for line, reason in self.samples)
        logger.warning("%s: skipped %d bad input line(s); first %d: %s", where, self.count, len(self.samples), examples)


def _shorten(line: str) -> str:
    return line if len(line) <= _MAX_SHOWN_LINE else line[:_MAX_SHOWN_LINE] + "..."
