"""Oryx 2's response formats (``HasCSV``) and request bodies (compressed, multipart) for every endpoint.

Responses: result endpoints offer text/plain, text/csv and application/json. With no ``Accept`` header, or
one that accepts anything, text/plain wins, so the body is CSV; ``Accept: application/json`` gives JSON.
Text answers of 2 KiB or more are gzip- or deflate-compressed for clients that accept it, as Tomcat did.

Requests: bodies may be gzip or deflate encoded (``Content-Encoding``), and multipart/form-data parts typed
as zip or gzip archives are unpacked, so a client can upload a compressed data file to ``/ingest`` or ``/add``.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any, NamedTuple

from flask import Response, current_app, request

from oryx_core.api.serving import OryxServingError
from oryx_core.input.lines import join_csv, split_body_lines

CSV_TYPES = ("text/plain", "text/csv")
JSON_TYPE = "application/json"
OFFERED_TYPES = (*CSV_TYPES, JSON_TYPE)

ZIP_TYPES = frozenset({"application/zip"})
GZIP_TYPES = frozenset({"application/gzip", "application/x-gzip"})


class IDValue(NamedTuple):
    """An ID with a score: ``id,value`` in CSV, ``{"id": .., "value": ..}`` in JSON."""

    id: str
    value: float


class IDCount(NamedTuple):
    """An ID with a count: ``id,count`` in CSV, ``{"id": .., "count": ..}`` in JSON."""

    id: str
    count: int


# ---- responses --------------------------------------------------------------------------------------------


def negotiated_type() -> str:
    """The response type for this request; 406 when the client accepts none of the offered types."""
    if not request.accept_mimetypes:
        return CSV_TYPES[0]
    best = request.accept_mimetypes.best_match(OFFERED_TYPES)
    if best is None:
        raise OryxServingError(406, f"Not acceptable; this endpoint offers {', '.join(OFFERED_TYPES)}")
    return best


def _json_ready(value: Any) -> Any:
    if isinstance(value, IDValue):
        return {"id": value.id, "value": value.value}
    if isinstance(value, IDCount):
        return {"id": value.id, "count": value.count}
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_ready(v) for v in value]
    return value


def _csv_field(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _csv_line(value: Any) -> str:
    """One element: an ID pair as ``id,value``; a list as a CSV row; anything else as its string form."""
    if isinstance(value, IDValue | IDCount | list | tuple):
        return join_csv([_csv_field(v) for v in value])
    return _csv_field(value)


def to_csv(value: Any) -> str:
    """A collection gives one line per element (a map: ``key,value`` lines); a scalar its string form."""
    if isinstance(value, IDValue | IDCount):
        return _csv_line(value)
    if isinstance(value, Mapping):
        lines = [join_csv([_csv_field(k), _csv_field(v)]) for k, v in value.items()]
    elif isinstance(value, list | tuple | set | frozenset):
        lines = [_csv_line(v) for v in value]
    else:
        return _csv_line(value)
    return "".join(f"{line}\n" for line in lines)


def to_json(value: Any) -> str:
    return json.dumps(_json_ready(value), ensure_ascii=False, separators=(",", ":"))


def respond(value: Any) -> Response:
    """Renders a scalar, a list (of IDValue/IDCount or plain values) or a dict as CSV or JSON."""
    mimetype = negotiated_type()
    body = to_json(value) if mimetype == JSON_TYPE else to_csv(value)
    return Response(body, status=200, mimetype=mimetype)


def no_content() -> Response:
    """Oryx 2's answer to a POST or DELETE that returns nothing."""
    return Response(status=204)


COMPRESSIBLE_TYPES = frozenset(
    {"text/html", "text/xml", "text/plain", "text/css", "text/csv", "application/json", "text/javascript"}
)
"""Tomcat's list in Oryx 2 (plus JavaScript for the console); other types are usually compressed already."""
COMPRESSION_MIN_BYTES = 2048
"""Tomcat's default ``compressionMinSize``: below it, compressing costs more than it saves."""


def _accepted_coding() -> str | None:
    accepted = request.accept_encodings
    for coding in ("gzip", "deflate"):
        if accepted[coding] > 0:
            return coding
    return None


def compress_response(response: Response) -> Response:
    """gzip (or deflate) for large enough text answers when the client accepts it; an ``after_request`` hook."""
    response.vary.add("Accept-Encoding")
    if (
        response.direct_passthrough
        or response.is_streamed
        or response.status_code != 200
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE_TYPES
        or (response.content_length or 0) < COMPRESSION_MIN_BYTES
    ):
        return response
    coding = _accepted_coding()
    if coding is None:
        return response
    wbits = 16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    response.set_data(compressor.compress(response.get_data()) + compressor.flush())
    response.headers["Content-Encoding"] = coding
    return response


# ---- requests ---------------------------------------------------------------------------------------------


_DECOMPRESSED_PER_REQUEST_BYTE = 16
"""Inflated bodies may be this many times the request size cap (``max-request-bytes``) before a 413."""

_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def _inflate(data: bytes, wbits: int, limit: int | None) -> bytes:
    """Decompresses every member (gzip files may be concatenated), refusing output past ``limit`` bytes."""
    out = bytearray()
    while data:
        inflater = zlib.decompressobj(wbits)
        room = 0 if limit is None else limit - len(out) + 1
        out += inflater.decompress(data, room)
        if limit is not None and (len(out) > limit or inflater.unconsumed_tail):
            raise OryxServingError(413, f"Decompressed request is larger than {limit} bytes")
        if not inflater.eof:
            raise zlib.error("compressed data is truncated")
        data = inflater.unused_data if wbits > zlib.MAX_WBITS else b""  # only gzip has members
    return bytes(out)


def _decompression_limit() -> int | None:
    cap = current_app.config.get("MAX_CONTENT_LENGTH")
    return None if cap is None else cap * _DECOMPRESSED_PER_REQUEST_BYTE


def _decompress(data: bytes, encoding: str, what: str) -> bytes:
    if encoding not in _WBITS:
        raise OryxServingError(415, f"Unsupported Content-Encoding {encoding!r}; use gzip or deflate")
    limit = _decompression_limit()
    try:
        if encoding == "deflate":
            try:
                return _inflate(data, zlib.MAX_WBITS, limit)
            except zlib.error:  # some clients send raw deflate without the zlib wrapper
                return _inflate(data, -zlib.MAX_WBITS, limit)
        return _inflate(data, _WBITS[encoding], limit)
    except zlib.error as e:
        raise OryxServingError(400, f"{what} is not valid {encoding} data: {e}") from e


def _text(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise OryxServingError(400, f"{what} is not UTF-8 text: {e}") from e


def _zip_lines(data: bytes, what: str) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            limit = _decompression_limit()
            if limit is not None and sum(info.file_size for info in members) > limit:
                raise OryxServingError(413, f"{what} unpacks to more than {limit} bytes")
            return [line for info in members for line in _lines(archive.read(info), f"{what}/{info.filename}")]
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise OryxServingError(400, f"{what} is not a valid zip archive: {e}") from e


def _lines(data: bytes, what: str) -> list[str]:
    return split_body_lines(_text(data, what))


def _part_lines(data: bytes, content_type: str | None, what: str) -> list[str]:
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in ZIP_TYPES:
        return _zip_lines(data, what)
    if kind in GZIP_TYPES:
        return _lines(_decompress(data, "gzip", what), what)
    return _lines(data, what)


def _too_large() -> OryxServingError:
    return OryxServingError(413, f"Request body is larger than {request.max_content_length} bytes")


def _check_stream_ended() -> None:
    """A streamed (chunked) body is cut silently at ``max-request-bytes``; data after the cut means too large.

    Werkzeug stops reading a body without Content-Length at the cap and reports no error, which would turn an
    oversized upload into a truncated one (lines lost, a partial last line sent) answered with 204.
    """
    cap = request.max_content_length
    if cap is not None and request.content_length is None and request.input_stream.read(1):
        raise _too_large()


def _body_bytes() -> bytes:
    data = request.get_data(cache=False)
    _check_stream_ended()
    return data


def _multipart_lines() -> list[str]:
    lines: list[str] = []
    for name, value in request.form.items(multi=True):
        lines.extend(_lines(value.encode("utf-8"), f"form field {name!r}"))
    for name, upload in request.files.items(multi=True):
        lines.extend(_part_lines(upload.read(), upload.content_type, f"part {name!r} ({upload.filename})"))
    _check_stream_ended()
    return lines


def read_body_lines() -> list[str]:
    """The request body as input lines, however it was encoded or packed; blank lines are dropped."""
    if request.mimetype == "multipart/form-data":
        return _multipart_lines()
    data = _body_bytes()
    codings = [c.strip().lower() for c in (request.content_encoding or "").split(",")]
    # Content-Encoding lists codings in the order applied, so they are undone in reverse.
    for encoding in reversed([c for c in codings if c and c != "identity"]):
        data = _decompress(data, encoding, "request body")
    return _lines(data, "request body")
