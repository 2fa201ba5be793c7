"""Request bodies as the text a client sent: every type Oryx 2 accepted, decoded, bounded and checked.

Accepted as text: ``text/plain``, ``text/csv``, ``application/json`` and ``application/x-www-form-urlencoded``.
The last is what curl ``--data``, Python's urllib, Java's ``HttpURLConnection`` and HTML forms send by default;
its body is taken as the raw text sent (``curl --data 5`` sends ``5``), never decoded into form fields. A
``charset`` parameter is honoured; without one the text is UTF-8.

``Content-Encoding: gzip|deflate`` is undone, and ``multipart/form-data`` is split into its parts, whose
``application/zip``, ``application/gzip`` or ``application/x-gzip`` content is unpacked, as Oryx 2 did. All
decompression goes through ``inflation``, which stops at the size and ratio caps. A multipart body without a
boundary, truncated, or without parts is a 400, as is an input line that is a JSON array nested too deeply to
parse (Python's JSON parser would fail with ``RecursionError`` past about 1000 levels).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import current_app, request
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from oryx_core.api.serving import OryxServingError
from oryx_core.input.lines import split_body_lines
from oryx_serving.lambda_.body_deadline import timed_reads
from oryx_serving.lambda_.inflation import DEFAULT_MAX_RATIO, InflationLimits, inflate, unzip

FORM_TYPE = "application/x-www-form-urlencoded"
MULTIPART_TYPE = "multipart/form-data"
ZIP_TYPES = frozenset({"application/zip"})
GZIP_TYPES = frozenset({"application/gzip", "application/x-gzip"})
MAX_DECOMPRESSION_RATIO_CONFIG = "ORYX_MAX_DECOMPRESSION_RATIO"
"""Flask config key ``create_app`` fills from ``oryx.serving.api.max-decompression-ratio``."""

MAX_JSON_DEPTH = 100
"""Input lines are JSON arrays of values (depth 1); this only keeps the parser far from Python's recursion limit."""
CHUNK_BYTES = 64 * 1024
_DEFAULT_MAX_PARTS = 1000

_TEXT_CHARSETS = frozenset(
    {"utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "ascii", "latin-1"}
)
"""Charsets read in linear time; others (e.g. ``punycode``, quadratic) are refused rather than risked."""
_JSON_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


@dataclass
class _Budget:
    """Decompressed bytes of the whole request so far, across every coding, part and zip member."""

    limit: int | None
    spent: int = 0

    def spend(self, size: int, what: str) -> None:
        self.spent += size
        if self.limit is not None and self.spent > self.limit:
            raise OryxServingError(
                413, f"{what} takes the request past {self.limit} bytes (oryx.serving.api.max-request-bytes)"
            )


def _limits() -> InflationLimits:
    return InflationLimits(
        current_app.config.get("MAX_CONTENT_LENGTH"),
        current_app.config.get(MAX_DECOMPRESSION_RATIO_CONFIG, DEFAULT_MAX_RATIO),
    )


def _too_large(cap: int) -> OryxServingError:
    return OryxServingError(413, f"Request body is larger than {cap} bytes (oryx.serving.api.max-request-bytes)")


def _raw_chunks() -> Iterator[bytes]:
    """The body as sent, in chunks, refused (413) as soon as it passes ``max-request-bytes``.

    A body without Content-Length (chunked) is read from the server's terminated stream and counted here:
    werkzeug's own cap cannot tell a body of exactly the cap from a longer one. Reads stop at the body's
    deadline (``body_deadline``, 408).
    """
    cap = request.max_content_length
    if request.content_length is None and cap is not None and "wsgi.input_terminated" in request.environ:
        total = 0
        for chunk in timed_reads(lambda: request.input_stream.read(CHUNK_BYTES)):
            total += len(chunk)
            if total > cap:
                raise _too_large(cap)
            yield chunk
        return
    stream = request.stream  # werkzeug's LimitedStream: 413 past the cap, 400 if the client sends too little
    yield from timed_reads(lambda: stream.read(CHUNK_BYTES))


def _decoded_chunks(limits: InflationLimits) -> Iterator[bytes]:
    """The body with its ``Content-Encoding`` undone (codings are listed in the order applied, so undone in reverse)."""
    chunks: Iterable[bytes] = _raw_chunks()
    codings = [c.strip().lower() for c in (request.content_encoding or "").split(",")]
    for coding in reversed([c for c in codings if c and c != "identity"]):
        chunks = inflate(chunks, coding, limits, "request body")
    return iter(chunks)


def _collect(pieces: Iterable[bytes], budget: _Budget, what: str) -> bytes:
    data = bytearray()
    for piece in pieces:
        budget.spend(len(piece), what)
        data += piece
    return bytes(data)


def _charset() -> str:
    declared = request.mimetype_params.get("charset")
    if declared is None:
        return "utf-8-sig"
    try:
        name = codecs.lookup(declared.strip()).name
    except LookupError:
        name = ""
    if name not in _TEXT_CHARSETS and not name.startswith(("iso8859-", "cp")):
        raise OryxServingError(415, f"Unsupported charset {declared!r}; send UTF-8")
    return "utf-8-sig" if name == "utf-8" else name


def _text(data: bytes, charset: str, what: str) -> str:
    try:
        return data.decode(charset)
    except UnicodeDecodeError as e:
        label = "UTF-8" if charset == "utf-8-sig" else charset
        raise OryxServingError(400, f"{what} is not {label} text: {e}") from e


@dataclass(frozen=True)
class _Part:
    name: str
    content_type: str
    data: bytes

    @property
    def what(self) -> str:
        return f"part {self.name!r}"


def _boundary() -> bytes:
    boundary = request.mimetype_params.get("boundary", "")
    if not boundary:
        raise OryxServingError(400, "multipart/form-data body without a boundary parameter in its Content-Type")
    try:
        return boundary.encode("ascii")
    except UnicodeEncodeError as e:
        raise OryxServingError(400, f"multipart/form-data boundary {boundary!r} is not ASCII") from e


def _multipart_parts(chunks: Iterable[bytes]) -> list[_Part]:
    """Every part in order; 400 for a body that is not well-formed multipart (truncated, no parts)."""
    cap = request.max_content_length
    decoder = MultipartDecoder(_boundary(), max_form_memory_size=cap, max_parts=_DEFAULT_MAX_PARTS)
    parts: list[_Part] = []
    current: Field | File | None = None
    data = bytearray()

    def drain() -> None:
        nonlocal current, data
        while not isinstance(event := decoder.next_event(), NeedData | Epilogue):
            if isinstance(event, Field | File):
                current, data = event, bytearray()
            elif isinstance(event, Data) and current is not None:
                data += event.data
                if not event.more_data:
                    parts.append(_Part(current.name or "", current.headers.get("Content-Type", ""), bytes(data)))

    try:
        for chunk in chunks:
            decoder.receive_data(chunk)
            drain()
        decoder.receive_data(None)
        drain()
    except ValueError as e:
        raise OryxServingError(400, f"malformed multipart/form-data body: {e}") from e
    if not parts:
        raise OryxServingError(400, "multipart/form-data body has no parts")
    return parts


def _part_texts(part: _Part, limits: InflationLimits, budget: _Budget) -> Iterator[str]:
    """A part's text; each member of a zip part separately. Parts are UTF-8, as Oryx 2 read them."""
    kind = part.content_type.split(";", 1)[0].strip().lower()
    if kind in ZIP_TYPES:
        for name, pieces in unzip(part.data, limits, part.what):
            yield _text(_collect(pieces, budget, name), "utf-8-sig", name)
    elif kind in GZIP_TYPES:
        data = _collect(inflate([part.data], "gzip", limits, part.what), budget, part.what)
        yield _text(data, "utf-8-sig", part.what)
    else:
        budget.spend(len(part.data), part.what)
        yield _text(part.data, "utf-8-sig", part.what)


def _body_texts() -> Iterator[str]:
    limits = _limits()
    budget = _Budget(limits.max_bytes)
    chunks = _decoded_chunks(limits)
    if request.mimetype == MULTIPART_TYPE:
        for part in _multipart_parts(chunks):
            yield from _part_texts(part, limits, budget)
    else:
        charset = _charset()
        yield _text(_collect(chunks, budget, "request body"), charset, "request body")


def read_body_text() -> str:
    """The whole body as text (multipart parts joined by line breaks), however it was encoded or packed."""
    return "\n".join(_body_texts())


def read_body_lines() -> list[str]:
    """The body's input lines, without blank ones; 400 for a line that is a JSON array nested too deeply."""
    texts = list(_body_texts())
    lines = [line for text in texts for line in split_body_lines(text)]
    if any(text.count("[") + text.count("{") > MAX_JSON_DEPTH for text in texts):  # else no line can nest that deep
        for number, line in enumerate(lines, start=1):
            check_json_depth(line, f"line {number} of the request body")
    return lines


def json_nesting_exceeds(text: str, limit: int) -> bool:
    """Whether brackets outside JSON strings nest deeper than ``limit``; linear, without parsing."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for token in _JSON_NESTING.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > limit:
                return True
        elif bracket in ("]", "}"):
            depth -= 1
    return False


def check_json_depth(value: str, what: str) -> None:
    """400 for a value that ``parse_line`` would parse as a JSON array nested deeper than ``MAX_JSON_DEPTH``."""
    line = value.rstrip("\r\n")
    if line.startswith("[") and line.endswith("]") and json_nesting_exceeds(line, MAX_JSON_DEPTH):
        raise OryxServingError(400, f"{what} is a JSON array nested deeper than {MAX_JSON_DEPTH} levels")
