"""The texts Oryx 2 writes to the update topic: PMML as jpmml-model serialises it, ``UP`` arrays as
``TextUtils.joinJSON`` writes them (floats in Java's ``Float.toString`` form). Written out here rather than produced
by our own codecs, so the suite checks that we read what Oryx 2 writes, not that we read what we write.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

# ---- PMML pieces, as jpmml-model serialises Oryx 2's documents ---------------------------------------------

PMML_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<PMML xmlns="http://www.dmg.org/PMML-4_4" xmlns:data="http://jpmml.org/jpmml-model/InlineTable" version="4.4">\n'
    '    <Header>\n        <Application name="Oryx"/>\n        <Timestamp>2016-05-04T12:00:00+0000</Timestamp>\n'
    "    </Header>\n"
)
PMML_CLOSE = "</PMML>\n"


def extension(name: str, value: object) -> str:
    return f'    <Extension name="{name}" value="{value}"/>\n'


def extension_content(name: str, values: Sequence[str]) -> str:
    return f'    <Extension name="{name}">{" ".join(values)}</Extension>\n'


def join_json(*elements: object) -> str:
    """``TextUtils.joinJSON``: a compact JSON array; float texts (already Java's form) are inserted verbatim."""
    return (
        "["
        + ",".join(e.raw if isinstance(e, JavaFloats) else json.dumps(e, separators=(",", ":")) for e in elements)
        + "]"
    )


class JavaFloats:
    """A float[] as Jackson writes it: each value in Java's ``Float.toString`` form (``-3.5398357E-16``)."""

    def __init__(self, *texts: str) -> None:
        self.texts = texts
        self.raw = "[" + ",".join(texts) + "]"

    @property
    def values(self) -> tuple[float, ...]:
        return tuple(float(text) for text in self.texts)
