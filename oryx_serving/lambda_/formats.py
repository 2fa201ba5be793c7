"""Oryx 2's response formats (``HasCSV``) and their compression, for every endpoint.

Result endpoints offer text/plain, text/csv and application/json, negotiated as Jersey did (``negotiation``):
with no ``Accept`` header, ``*/*`` or Java's default header, text/plain wins, so the body is CSV;
``Accept: application/json`` gives JSON.

Every non-empty text answer is gzip- or deflate-compressed when the client accepts it, whatever its size:
Oryx 2 registered Jersey's ``EncodingFilter``, which compresses any entity (its ``CompressedResponseTest``
reads a 27-byte answer through ``GZIPInputStream``). The standard library's zlib does the compressing and
werkzeug's RFC 9110 parser reads ``Accept-Encoding``; flask-compress was not taken because it answers
``Accept-Encoding: gzip;q=0`` with gzip and brings brotli and zstd bindings this API does not offer.

Request bodies are read by ``bodies``; ``read_body_lines`` is re-exported here for the apps that import it.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from typing import Any, NamedTuple

from flask import Response, g, request

from oryx_core.api.serving import OryxServingError
from oryx_core.input.lines import join_csv
from oryx_serving.lambda_.bodies import read_body_lines
from oryx_serving.lambda_.negotiation import parse_accept, select_coding, select_media_type

__all__ = [
    "CSV_TYPES",
    "JSON_TYPE",
    "OFFERED_TYPES",
    "IDCount",
    "IDValue",
    "compress_response",
    "negotiate",
    "negotiated_type",
    "no_content",
    "read_body_lines",
    "respond",
    "to_csv",
    "to_json",
]

CSV_TYPES = ("text/plain", "text/csv")
JSON_TYPE = "application/json"
OFFERED_TYPES = (*CSV_TYPES, JSON_TYPE)
_NEGOTIATED = "oryx_response_type"


class IDValue(NamedTuple):
    """An ID with a score: ``id,value`` in CSV, ``{"id": .., "value": ..}`` in JSON."""

    id: str
    value: float


class IDCount(NamedTuple):
    """An ID with a count: ``id,count`` in CSV, ``{"id": .., "count": ..}`` in JSON."""

    id: str
    count: int


# ---- responses --------------------------------------------------------------------------------------------


def negotiate(offered: tuple[str, ...] = OFFERED_TYPES) -> str:
    """Chooses (once per request) the response type among ``offered``; 406 when the client accepts none.

    Run before the view for endpoints that declare what they produce, so a 406 comes before any work, as
    Jersey refused before calling the resource method.
    """
    chosen = select_media_type(parse_accept(request.headers.get("Accept")), offered)
    if chosen is None:
        raise OryxServingError(406, f"Not acceptable; this endpoint offers {', '.join(offered)}")
    setattr(g, _NEGOTIATED, chosen)
    return chosen


def negotiated_type() -> str:
    """The response type chosen for this request, negotiating now if nothing has yet."""
    chosen: str | None = getattr(g, _NEGOTIATED, None)
    return chosen if chosen is not None else negotiate()


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
    """A collection gives one line per element (a map: ``key,value`` lines); a scalar its string form.

    An ``IDValue``/``IDCount`` alone is one line with its line break, as Oryx 2's ``CSVMessageBodyWriter`` wrote a
    ``HasCSV``; a plain number or string has none, as Jersey's own writers sent them.
    """
    if isinstance(value, IDValue | IDCount):
        return _csv_line(value) + "\n"
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


def compress_response(response: Response) -> Response:
    """gzip or deflate, as ``Accept-Encoding`` prefers, for every non-empty text answer; an ``after_request`` hook."""
    response.vary.add("Accept-Encoding")
    if (
        response.direct_passthrough
        or response.is_streamed
        or response.status_code != 200
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE_TYPES
        or not response.content_length
    ):
        return response
    coding = select_coding(request.accept_encodings)
    if coding is None:
        return response
    wbits = 16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    response.set_data(compressor.compress(response.get_data()) + compressor.flush())
    response.headers["Content-Encoding"] = coding
    return response
