"""``POST|DELETE /pref/{user}/{item}`` and ``POST /ingest``: user interactions to the input topic; and
``DELETE /user/{user}``, a request to forget the user, sent as an erasure tombstone (``oryx_core.input.erasure``).

Every line reaching the topic has Oryx 2's four fields ``user,item,strength,timestamp`` (an empty strength is
a delete), so the batch and speed layers never see the short forms. A whole ``/ingest`` request is checked
before anything is sent: one bad line gives 400 and no line of that request reaches the topic.

The strength is written as Oryx 2 wrote it (``Preference.validateAndStandardizeStrength``): a given number is
read as a 32-bit float and written in Java's ``Float.toString`` form (``1`` -> ``1.0``, ``2.5`` -> ``2.5``,
``1e10`` -> ``1.0E10``); a missing or blank one is ``1``; an empty ``/ingest`` field is the delete marker.
Oryx 2's own ``IngestTest`` and ``PreferenceTest`` expect exactly these texts.
"""

from __future__ import annotations

import re
import time

import numpy as np
from flask import Response

from oryx_core.input.erasure import ERASE_INPUT_KEY, Erasure
from oryx_core.input.lines import BadLineError, join_csv, parse_line
from oryx_serving.lambda_.bodies import read_body_lines, read_body_text
from oryx_serving.lambda_.errors import check, fail
from oryx_serving.lambda_.formats import no_content
from oryx_serving.lambda_.input import send_input, send_records
from oryx_serving.lambda_.registry import TEXT_BODY_TYPES, ApiBlueprint, Body, Param
from oryx_serving.lambda_.state import serving_state

DEFAULT_STRENGTH = "1"
_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_JAVA_DECIMAL_RANGE = range(-3, 7)
"""``Float.toString`` writes plain decimals for magnitudes in [1e-3, 1e7) and scientific notation otherwise."""


def now_ms() -> int:
    return int(time.time() * 1000)


def _scientific_digits(text: str) -> tuple[str, int]:
    significand, _, exponent = text.partition("e")
    return significand.replace(".", "").rstrip("0") or "0", int(exponent)


def _shortest_digits(value: np.float32) -> tuple[str, int]:
    """Significant digits and decimal exponent; Java shows at least two digits, the closer pair when one is short."""
    digits, exponent = _scientific_digits(np.format_float_scientific(value, unique=True, trim="-"))
    if len(digits) == 1:
        closest_two = np.format_float_scientific(value, precision=1, unique=False)
        if np.float32(closest_two) == value:
            return _scientific_digits(closest_two)
    return digits, exponent


def java_float_text(value: np.float32) -> str:
    """Java's ``Float.toString``: the shortest digits that read back as the same float, in Java's layout."""
    if value == 0:
        return "-0.0" if np.signbit(value) else "0.0"
    digits, exponent = _shortest_digits(abs(value))
    sign = "-" if value < 0 else ""
    if exponent not in _JAVA_DECIMAL_RANGE:
        return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"
    if exponent < 0:
        return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
    whole = digits[: exponent + 1].ljust(exponent + 1, "0")
    return f"{sign}{whole}.{digits[exponent + 1 :] or '0'}"


def standard_strength(raw: str, what: str) -> str:
    """Oryx 2's ``validateAndStandardizeStrength``: blank -> ``1``; else a finite 32-bit float in Java's form."""
    text = raw.strip()
    if not text:
        return DEFAULT_STRENGTH
    try:
        if not text.isascii() or "_" in text:
            raise ValueError(text)  # Python-only spellings (digit separators, non-ASCII digits)
        value = float(text)
    except ValueError:
        fail(400, f"bad strength {raw!r} in {what}: not a number")
    with np.errstate(over="ignore"):
        single = np.float32(value)
    check(bool(np.isfinite(single)), f"bad strength {raw!r} in {what}: not a finite 32-bit number")
    return java_float_text(single)


def pref_post(user_id: str, item_id: str) -> Response:
    """The body's first line is the strength: ``1`` when there is none, else a number written as Oryx 2 did."""
    first_line = _LINE_BREAK.split(read_body_text(), maxsplit=1)[0]
    strength = standard_strength(first_line, "the request body")
    send_input(serving_state(), [join_csv([user_id, item_id, strength, str(now_ms())])])
    return no_content()


def pref_delete(user_id: str, item_id: str) -> Response:
    send_input(serving_state(), [join_csv([user_id, item_id, "", str(now_ms())])])
    return no_content()


def user_delete(user_id: str) -> Response:
    """Writes one tombstone whether or not the model knows the user: the stored input may hold their lines even
    when no model does (a new user not yet in a generation, or one the model dropped), and only the batch layer
    can remove those. The ID is taken as given, like every ID in a path; a blank one is refused as a client's
    mistake (an unfilled field), not sent to erase nobody. ``oryx erase`` reaches the IDs a path cannot hold."""
    check(bool(user_id.strip()), f"bad user ID {user_id!r}: must not be empty or blank")
    send_records(serving_state(), [(ERASE_INPUT_KEY, Erasure(user_id, now_ms()).to_line())])
    return no_content()


def normalize_line(line: str, timestamp_ms: int) -> str:
    """``user,item[,strength[,timestamp]]`` (CSV or JSON array) as four CSV fields; 400 naming the line.

    Fields after the fourth are dropped, as Oryx 2's ``Ingest`` wrote only tokens 0-3 of a longer line.
    """
    try:
        fields = parse_line(line)[:4]
    except BadLineError as error:
        fail(400, str(error))
    check(len(fields) >= 2, f"bad line {line!r}: expected user,item[,strength[,timestamp]]")
    user, item = fields[0], fields[1]
    check(bool(user) and bool(item), f"bad line {line!r}: user and item IDs must not be empty")
    if len(fields) < 3:
        strength = DEFAULT_STRENGTH
    elif fields[2] == "":
        strength = ""  # a delete
    else:
        strength = standard_strength(fields[2], f"line {line!r}")
    timestamp = timestamp_ms
    if len(fields) == 4:
        raw = fields[3].strip()
        try:
            timestamp = int(raw) if "_" not in raw else 0
        except ValueError:
            fail(400, f"bad timestamp {raw!r} in line {line!r}: not an integer (epoch milliseconds)")
        check(timestamp > 0, f"bad timestamp {raw!r} in line {line!r}: must be positive")
    return join_csv([user, item, strength, str(timestamp)])


def ingest() -> Response:
    timestamp = now_ms()
    lines = [normalize_line(line, timestamp) for line in read_body_lines()]
    send_input(serving_state(), lines)
    return no_content()


def register(blueprint: ApiBlueprint) -> None:
    params = [Param("user_id", "a user ID", example="u1"), Param("item_id", "an item ID", example="i1")]
    blueprint.api_route(
        "/pref/<user_id>/<item_id>",
        pref_post,
        "POST",
        summary="Records that the user interacted with the item (body: strength, default 1)",
        params=params,
        body=Body("the strength, a number (empty means 1)", TEXT_BODY_TYPES, example="1"),
        writes=True,
    )
    blueprint.api_route(
        "/pref/<user_id>/<item_id>",
        pref_delete,
        "DELETE",
        summary="Deletes the user's interaction with the item",
        params=params,
        writes=True,
    )
    blueprint.api_route(
        "/user/<user_id>",
        user_delete,
        "DELETE",
        summary="Forgets the user: writes an erasure to the input topic, after which the speed layer drops the "
        "user's vector and known items and the next batch generation drops the user's stored lines",
        params=[Param("user_id", "the user ID to erase (need not be known to the model)", example="u1")],
        writes=True,
        console=False,  # irreversible, and the console pre-fills a real user ID of the model: one click would erase
    )
    blueprint.api_route(
        "/ingest",
        ingest,
        "POST",
        summary="Sends user,item[,strength[,timestamp]] lines to the input topic (compressed or multipart too)",
        body=Body("lines user,item[,strength[,timestamp]]", example="u1,i1,1\nu2,i2,3,1700000000000"),
        writes=True,
    )
