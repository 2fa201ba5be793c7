"""Which response type and which content coding a request gets, chosen as Oryx 2's Jersey + Tomcat chose them.

``Accept`` is parsed by werkzeug (RFC 9110) after two repairs that Jersey also makes for old Java clients:
Java's ``HttpURLConnection`` sends ``Accept: text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2`` by default,
where a bare ``*`` means ``*/*`` and ``.2`` means ``0.2``; werkzeug alone drops both items as invalid, which
left such clients with nothing acceptable (406).

The choice among an endpoint's offered types follows Jersey's method selection for one resource method: the
client's ranges are taken by quality, then by specificity (``text/csv`` before ``text/*`` before ``*/*``),
then in the client's order; the first range that matches an offered type picks it, and within one range the
offered types are tried in the endpoint's declared order. So ``*/*`` (curl), a missing header and Java's
default all get ``text/plain`` (CSV), while ``text/csv`` or ``application/json`` get exactly that. Unlike
Jersey, a type whose most specific matching range has ``q=0`` is refused, as RFC 9110 says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from werkzeug.datastructures import Accept, MIMEAccept
from werkzeug.http import dump_options_header, parse_accept_header, parse_list_header, parse_options_header

_BARE_FRACTION = re.compile(r"\.\d{1,3}")
"""``q=.2``: not RFC 9110 syntax, but what Java's HttpURLConnection sends and Jersey accepts."""

RESPONSE_CODINGS = ("gzip", "deflate")
"""Codings offered for responses, preferred in this order when the client rates them equally (Jersey's encoders)."""


def parse_accept(header: str | None) -> MIMEAccept:
    """werkzeug's ``MIMEAccept`` of the header, with Jersey's reading of a bare ``*`` and of ``q=.2``."""
    if not header:
        return MIMEAccept(None)
    items = []
    for item in parse_list_header(header):
        media_range, options = parse_options_header(item)
        if not media_range:
            continue
        if media_range == "*":
            media_range = "*/*"
        quality = options.get("q", "").strip(" \t")
        if _BARE_FRACTION.fullmatch(quality):
            options["q"] = "0" + quality
        items.append(dump_options_header(media_range, options))
    return parse_accept_header(", ".join(items), MIMEAccept)


def _type_and_subtype(media_range: str) -> tuple[str, str]:
    """``text/csv; charset=x`` -> ("text", "csv"); a type without subtype (``text``) means ``text/*`` in Jersey."""
    bare = media_range.split(";", 1)[0].strip().lower()
    kind, _, subtype = bare.partition("/")
    return kind, subtype.strip() or "*"


def _specificity(media_range: str) -> int:
    kind, subtype = _type_and_subtype(media_range)
    return (kind != "*") + (subtype != "*")


def _matches(media_range: str, offered: str) -> bool:
    kind, subtype = _type_and_subtype(media_range)
    offered_kind, offered_subtype = _type_and_subtype(offered)
    return kind in ("*", offered_kind) and subtype in ("*", offered_subtype)


def _refused(accept: MIMEAccept, offered: str) -> bool:
    """RFC 9110: the most specific range matching a type sets its quality, so ``text/plain;q=0, */*`` refuses it."""
    matching = [(_specificity(value), quality) for value, quality in accept if _matches(value, offered)]
    return bool(matching) and max(matching, key=lambda item: item[0])[1] == 0


def select_media_type(accept: MIMEAccept, offered: Sequence[str]) -> str | None:
    """The offered type Jersey would answer with, or None when the client accepts none of them (406).

    With no usable ``Accept`` (missing, empty, or every item invalid) the first offered type wins, as Jersey
    treats a missing header as ``*/*``.
    """
    if not accept:
        return offered[0] if offered else None
    candidates = [candidate for candidate in offered if not _refused(accept, candidate)]
    ranges = [(value, quality) for value, quality in accept if quality > 0]
    # Python's sort is stable, so ranges of equal quality and specificity keep the client's order.
    ranges.sort(key=lambda item: (-item[1], -_specificity(item[0])))
    for media_range, _ in ranges:
        for candidate in candidates:
            if _matches(media_range, candidate):
                return candidate
    return None


def select_coding(accept_encoding: Accept) -> str | None:
    """gzip or deflate, whichever the client rates higher (gzip on a tie); None when it accepts neither.

    werkzeug's ``Accept`` already applies ``*`` and q-values: ``gzip;q=0`` or ``*;q=0`` rule a coding out.
    """
    best: str | None = None
    best_quality = 0.0
    for coding in RESPONSE_CODINGS:
        quality = accept_encoding[coding]
        if quality > best_quality:
            best, best_quality = coding, quality
    return best
