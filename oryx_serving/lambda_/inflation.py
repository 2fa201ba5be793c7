"""Undoing gzip, deflate and zip on request data without ever inflating more than the caps allow.

A request of 1 MB can hold a gzip stream that inflates to 1 GiB. Decompressing it whole before checking its
size cost 15 s and 6.7 GB of memory, so here every stream is inflated in small pieces and stopped as soon as
it passes either cap:

- the body-size cap (``oryx.serving.api.max-request-bytes``): no stream inflates to more bytes than a plain
  body could have;
- the ratio cap (``oryx.serving.api.max-decompression-ratio``, 100 by default): beyond a first MiB, a stream
  may not produce more than that many bytes per compressed byte read so far. Real CSV, JSON and text compress
  by 3-20x; streams of one repeated byte reach about 1000x, and only such streams are refused by this rule.

Both refusals are 413 with a message naming the key to raise, and neither reads the rest of the stream.
Zip members are read like Oryx 2's ``ZipInputStream`` could: stored or deflated, not encrypted.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from oryx_core.api.serving import OryxServingError

PIECE_BYTES = 256 * 1024
"""Largest piece one decompression call may produce: the unit of both checks and of peak memory."""
RATIO_ALLOWANCE_BYTES = 1 << 20
"""Output always allowed before the ratio applies, so small, very repetitive bodies still pass."""
DEFAULT_MAX_RATIO = 100

_GZIP_WBITS = 16 + zlib.MAX_WBITS
GZIP_CODINGS = frozenset({"gzip", "x-gzip"})
DEFLATE_CODING = "deflate"
SUPPORTED_CODINGS = GZIP_CODINGS | {DEFLATE_CODING}
_READABLE_ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_ENCRYPTED_FLAG = 0x1


@dataclass(frozen=True)
class InflationLimits:
    """The two caps every decompressed stream of one request is held to."""

    max_bytes: int | None
    max_ratio: int = DEFAULT_MAX_RATIO

    def check(self, produced: int, consumed: int, what: str) -> None:
        """413 once ``produced`` output bytes pass either cap, given ``consumed`` compressed bytes."""
        if self.max_bytes is not None and produced > self.max_bytes:
            raise OryxServingError(
                413, f"{what} decompresses to more than {self.max_bytes} bytes (oryx.serving.api.max-request-bytes)"
            )
        if produced > RATIO_ALLOWANCE_BYTES + self.max_ratio * consumed:
            raise OryxServingError(
                413,
                f"{what} expands more than {self.max_ratio}:1 when decompressed "
                "(oryx.serving.api.max-decompression-ratio)",
            )


def _deflate_wbits(first_bytes: bytes) -> int:
    """zlib-wrapped deflate (RFC 1950, what Java's DeflaterOutputStream writes) or raw deflate (some browsers)."""
    if len(first_bytes) >= 2:
        cmf, flg = first_bytes[0], first_bytes[1]
        if cmf & 0x0F == zlib.DEFLATED and cmf >> 4 <= 7 and (cmf * 256 + flg) % 31 == 0:
            return zlib.MAX_WBITS
    return -zlib.MAX_WBITS


class _StreamInflater:
    """One gzip (possibly of several members) or deflate stream, fed chunk by chunk, checked piece by piece."""

    def __init__(self, coding: str, limits: InflationLimits, what: str) -> None:
        self.gzip = coding in GZIP_CODINGS
        self.limits = limits
        self.what = what
        self.decompressor: zlib._Decompress | None = None
        self.finished_once = False
        self.consumed = 0
        self.produced = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            if self.decompressor is None:
                if self.finished_once and (not self.gzip or not data.strip(b"\0")):
                    return  # after the stream: gzip's zero padding, or whatever trails a deflate stream
                wbits = _GZIP_WBITS if self.gzip else _deflate_wbits(data)
                self.decompressor = zlib.decompressobj(wbits)
            data = yield from self._drain(self.decompressor, data)

    def _drain(self, decompressor: zlib._Decompress, data: bytes) -> Iterator[bytes]:
        """Inflates ``data`` in pieces; returns what follows the end of the stream (the next gzip member)."""
        while True:
            try:
                piece = decompressor.decompress(data, PIECE_BYTES)
            except zlib.error as e:
                raise OryxServingError(400, f"{self.what} is not valid {self._name} data: {e}") from e
            rest = decompressor.unused_data if decompressor.eof else decompressor.unconsumed_tail
            self.consumed += len(data) - len(rest)
            self.produced += len(piece)
            self.limits.check(self.produced, self.consumed, self.what)
            if piece:
                yield piece
            if decompressor.eof:
                self.decompressor = None
                self.finished_once = True
                return rest
            data = rest
            if not data and len(piece) < PIECE_BYTES:
                return b""

    def finish(self) -> None:
        if self.decompressor is not None:
            raise OryxServingError(400, f"{self.what} is not valid {self._name} data: it ends before the stream does")

    @property
    def _name(self) -> str:
        return "gzip" if self.gzip else DEFLATE_CODING


def inflate(chunks: Iterable[bytes], coding: str, limits: InflationLimits, what: str) -> Iterator[bytes]:
    """The decoded pieces of a ``coding`` (gzip, x-gzip or deflate) stream; 415 for any other coding."""
    if coding not in SUPPORTED_CODINGS:
        raise OryxServingError(415, f"Unsupported Content-Encoding {coding!r}; use gzip or deflate")
    inflater = _StreamInflater(coding, limits, what)
    for chunk in chunks:
        yield from inflater.feed(chunk)
    inflater.finish()


def _readable_members(archive: zipfile.ZipFile, limits: InflationLimits, what: str) -> list[zipfile.ZipInfo]:
    members = [info for info in archive.infolist() if not info.is_dir()]
    for info in members:
        if info.compress_type not in _READABLE_ZIP_METHODS:
            method = info.compress_type
            raise OryxServingError(400, f"{what}/{info.filename} uses zip method {method}; use stored or deflated")
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise OryxServingError(400, f"{what}/{info.filename} is encrypted")
    declared = sum(info.file_size for info in members)
    if limits.max_bytes is not None and declared > limits.max_bytes:
        raise OryxServingError(
            413, f"{what} unpacks to more than {limits.max_bytes} bytes (oryx.serving.api.max-request-bytes)"
        )
    return members


def _member_pieces(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int, limits: InflationLimits, what: str
) -> Iterator[bytes]:
    # The declared compressed size can lie; the archive's own size bounds what can really be read.
    consumed = min(info.compress_size, size)
    produced = 0
    with archive.open(info) as member:
        while piece := member.read(PIECE_BYTES):
            produced += len(piece)
            limits.check(produced, consumed, what)
            yield piece


def unzip(data: bytes, limits: InflationLimits, what: str) -> Iterator[tuple[str, Iterator[bytes]]]:
    """Each file member of a zip archive, in archive order, as (its name, its inflated pieces)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError) as e:
        raise OryxServingError(400, f"{what} is not a valid zip archive: {e}") from e
    with archive:
        for info in _readable_members(archive, limits, what):
            name = f"{what}/{info.filename}"
            yield name, _checked_member(archive, info, len(data), limits, name)


def _checked_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int, limits: InflationLimits, what: str
) -> Iterator[bytes]:
    try:
        yield from _member_pieces(archive, info, size, limits, what)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as e:
        raise OryxServingError(400, f"{what} is not a valid zip member: {e}") from e
