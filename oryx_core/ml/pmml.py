"""PMML 4.4 reading and writing with a hardened XML parser and Oryx 2's extension conventions.

PMML arrives from the update topic, i.e. from whoever can write to Kafka, so it is parsed as untrusted XML:
``defusedxml`` refuses any DOCTYPE, entity declaration or external reference, which rules out XXE (reading local
files or URLs through entities) and entity-expansion bombs ("billion laughs"). A PMML document never needs a DTD.

A ``MODEL-REF`` message names a file instead of carrying the PMML; ``oryx_core.storage.model_refs`` reads it,
only from inside the configured model directory, and raises this module's errors when it refuses one.

Element helpers work on ``xml.etree.ElementTree`` elements and match tags by local name, so documents written
with any PMML namespace (Oryx 2 wrote ``PMML-4_3`` in older releases) or none are read alike. ``write_pmml``
always writes the PMML 4.4 namespace.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET

__all__ = [
    "PMML_NAMESPACE",
    "PMML_VERSION",
    "PMMLError",
    "UnsafePMMLError",
    "add_array",
    "add_child",
    "add_extension",
    "add_extension_content",
    "array_values",
    "find_child",
    "find_children",
    "get_extension",
    "get_extension_content",
    "get_timestamp_ms",
    "iter_descendants",
    "local_name",
    "parse_pmml_array_content",
    "pmml_skeleton",
    "pmml_tag",
    "read_pmml",
    "to_pmml_array_content",
    "write_pmml",
]

PMML_NAMESPACE = "http://www.dmg.org/PMML-4_4"
PMML_VERSION = "4.4"
_PMML_NAMESPACE_PREFIX = "http://www.dmg.org/PMML-"
_APPLICATION = "Oryx"


class PMMLError(ValueError):
    """A PMML document or reference that cannot be used (malformed XML, not PMML, unreadable reference)."""


class UnsafePMMLError(PMMLError):
    """PMML input refused for safety: a DTD, entity or external reference, or a MODEL-REF outside the model dir."""


# ---- tags and elements ---------------------------------------------------------------------------------


def local_name(tag: str) -> str:
    """``{namespace}Name`` -> ``Name``; an unqualified tag is returned unchanged."""
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def pmml_tag(name: str) -> str:
    """The tag ``name`` in the PMML 4.4 namespace."""
    return f"{{{PMML_NAMESPACE}}}{name}"


def _attribute_text(value: Any) -> str:
    # Java's toString() for booleans, which Oryx 2 readers (and ours) expect.
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def add_child(
    parent: ET.Element, name: str, attrib: Mapping[str, Any] | None = None, text: str | None = None
) -> ET.Element:
    """Appends a PMML element ``name`` with attributes (converted to text, booleans as ``true``/``false``)."""
    child = ET.SubElement(parent, pmml_tag(name), {k: _attribute_text(v) for k, v in (attrib or {}).items()})
    if text is not None:
        child.text = text
    return child


def _is_named(element: ET.Element, name: str) -> bool:
    return isinstance(element.tag, str) and local_name(element.tag) == name


def find_child(element: ET.Element, name: str) -> ET.Element | None:
    """The first direct child whose local name is ``name``, whatever its namespace."""
    return next((child for child in element if _is_named(child, name)), None)


def find_children(element: ET.Element, name: str) -> list[ET.Element]:
    """All direct children whose local name is ``name``, in document order."""
    return [child for child in element if _is_named(child, name)]


def iter_descendants(element: ET.Element, name: str) -> Iterator[ET.Element]:
    """Every element below ``element`` (not itself) whose local name is ``name``, depth first."""
    return (e for e in element.iter() if e is not element and _is_named(e, name))


# ---- reading and writing -------------------------------------------------------------------------------


def read_pmml(text: str | bytes) -> ET.Element:
    """Parses a PMML document; refuses DTDs, entities and external references with UnsafePMMLError."""
    try:
        root = SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as e:
        raise UnsafePMMLError(
            f"PMML rejected: it contains {e}; DOCTYPE declarations, entities and external references are not "
            "allowed in PMML (they enable XXE file disclosure and entity-expansion attacks)"
        ) from e
    except ET.ParseError as e:
        raise PMMLError(f"PMML is not well-formed XML: {e}") from e
    if local_name(root.tag) != "PMML":
        raise PMMLError(f"not a PMML document: the root element is <{local_name(root.tag)}>, expected <PMML>")
    return root


def _in_default_namespace(element: ET.Element) -> ET.Element:
    """A copy with every PMML (any version) or unqualified tag bare, and ``xmlns`` set to PMML 4.4 on the root.

    ElementTree's ``default_namespace`` option cannot serialise unqualified attributes (CPython issue 61290), and
    every PMML attribute is unqualified; bare tags under an explicit ``xmlns`` give the same document.
    """
    result = copy.deepcopy(element)
    for e in result.iter():
        if isinstance(e.tag, str) and (not e.tag.startswith("{") or e.tag.startswith("{" + _PMML_NAMESPACE_PREFIX)):
            e.tag = local_name(e.tag)
    result.set("xmlns", PMML_NAMESPACE)
    if result.tag == "PMML":
        result.set("version", PMML_VERSION)
    return result


def write_pmml(root: ET.Element) -> str:
    """The document as pretty-printed UTF-8 XML text with a declaration and PMML 4.4 as the default namespace.

    Tags without a namespace, or in another PMML version's namespace, are written in the 4.4 namespace (and a
    ``PMML`` root gets ``version="4.4"``), so codecs may build elements either way. ``root`` is not modified.
    """
    document = _in_default_namespace(root)
    ET.indent(document, space="  ")
    body = ET.tostring(document, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _format_timestamp(timestamp_ms: int) -> str:
    instant = dt.datetime.fromtimestamp(timestamp_ms / 1000, tz=dt.UTC)
    return instant.isoformat(timespec="milliseconds")


def pmml_skeleton(timestamp_ms: int | None = None) -> ET.Element:
    """``<PMML version="4.4">`` with a Header naming the application "Oryx" and the build time (UTC, ISO 8601)."""
    when = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    root = ET.Element(pmml_tag("PMML"), {"version": PMML_VERSION})
    header = add_child(root, "Header")
    add_child(header, "Application", {"name": _APPLICATION})
    add_child(header, "Timestamp", text=_format_timestamp(when))
    return root


def get_timestamp_ms(root: ET.Element) -> int | None:
    """The Header's Timestamp as epoch milliseconds, or None when absent or not ISO 8601."""
    header = find_child(root, "Header")
    stamp = find_child(header, "Timestamp") if header is not None else None
    if stamp is None or not stamp.text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(stamp.text.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return round(parsed.timestamp() * 1000)


# ---- PMML array content ----------------------------------------------------------------------------------

_NEEDS_QUOTES = frozenset(' \t\r\n"\\')


def _array_item(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def to_pmml_array_content(values: Iterable[Any]) -> str:
    """Space-separated values with PMML's Array quoting (``ab "a b" "say \\"hi\\""``).

    A value is double-quoted when it is empty or holds whitespace, a double quote or a backslash; inside quotes,
    ``"`` and ``\\`` are backslash-escaped. Plain values are written as they are, as Oryx 2 does.
    """
    items = []
    for value in values:
        text = _array_item(value)
        if text and not _NEEDS_QUOTES.intersection(text):
            items.append(text)
        else:
            items.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(items)


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The value of the quoted item opening at ``text[start]`` and the index just past its closing quote."""
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            chars.append(text[i + 1])
            i += 2
        elif c == '"' and text.startswith('""', i):  # RFC 4180 style doubled quote, which Oryx 2 also accepts
            chars.append('"')
            i += 2
        elif c == '"':
            return "".join(chars), i + 1
        else:
            chars.append(c)
            i += 1
    raise PMMLError(f"unterminated quoted value in PMML array content starting at character {start}: {text!r}")


def parse_pmml_array_content(text: str | None) -> list[str]:
    """Splits space-separated PMML array content, undoing the quoting of :func:`to_pmml_array_content`.

    Whitespace between items is insignificant (XML pretty-printing may add newlines); a quoted ``""`` is an
    empty value.
    """
    if not text:
        return []
    if '"' not in text:  # no quoted value: plain whitespace splitting, ~25x the loop below (a model's ID lists)
        return text.split()
    values: list[str] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text[i] == '"':
            value, i = _read_quoted(text, i)
            values.append(value)
        else:
            end = i
            while end < len(text) and not text[end].isspace():
                end += 1
            values.append(text[i:end])
            i = end
    return values


def add_array(parent: ET.Element, values: Iterable[Any], array_type: str = "string") -> ET.Element:
    """Appends ``<Array n=".." type="..">`` holding ``values`` (type ``int``, ``real`` or ``string``)."""
    items = list(values)
    return add_child(parent, "Array", {"n": len(items), "type": array_type}, to_pmml_array_content(items))


def array_values(array: ET.Element) -> list[str]:
    """The values of an ``Array`` element, as strings."""
    return parse_pmml_array_content(array.text)


# ---- Oryx 2 extensions -----------------------------------------------------------------------------------


def _insert_extension(element: ET.Element, extension: ET.Element) -> None:
    # PMML's schema puts Extension elements last under <PMML> and first everywhere else.
    if _is_named(element, "PMML"):
        element.append(extension)
        return
    position = 0
    while position < len(element) and _is_named(element[position], "Extension"):
        position += 1
    element.insert(position, extension)


def add_extension(element: ET.Element, name: str, value: Any) -> ET.Element:
    """Adds ``<Extension name=".." value=".."/>`` (booleans as ``true``/``false``), as Oryx 2's ``addExtension``."""
    extension = ET.Element(pmml_tag("Extension"), {"name": name, "value": _attribute_text(value)})
    _insert_extension(element, extension)
    return extension


def add_extension_content(element: ET.Element, name: str, values: Iterable[Any]) -> ET.Element | None:
    """Adds ``<Extension name="..">content</Extension>`` with the values as PMML array content (XIDs, YIDs).

    Like Oryx 2, nothing is added for no values; :func:`get_extension_content` then returns an empty list.
    """
    content = to_pmml_array_content(values)
    if not content:
        return None
    extension = ET.Element(pmml_tag("Extension"), {"name": name})
    extension.text = content
    _insert_extension(element, extension)
    return extension


def _extension(root: ET.Element, name: str) -> ET.Element | None:
    return next((e for e in find_children(root, "Extension") if e.get("name") == name), None)


def get_extension(root: ET.Element, name: str) -> str | None:
    """The ``value`` of the direct child Extension called ``name``, or None when there is none."""
    extension = _extension(root, name)
    return extension.get("value") if extension is not None else None


def get_extension_content(root: ET.Element, name: str) -> list[str]:
    """The values held as content by the direct child Extension called ``name`` (empty when absent)."""
    extension = _extension(root, name)
    return parse_pmml_array_content(extension.text) if extension is not None else []
