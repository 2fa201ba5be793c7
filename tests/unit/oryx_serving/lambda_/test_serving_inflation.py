"""Bounded decompression: every gzip, deflate and zip stream stops at the size cap and at the ratio cap."""

from __future__ import annotations

import gzip
import io
import struct
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable

import pytest
from flask import Flask
from support.memory_topics import InMemoryBroker

from oryx_core.api.serving import OryxServingError
from oryx_serving.lambda_.inflation import RATIO_ALLOWANCE_BYTES, InflationLimits, inflate, unzip

MIB = 1 << 20
EXAMPLE = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
]


def gzip_of_zeros(mebibytes: int) -> bytes:
    """One valid gzip stream of ``mebibytes`` MiB of zeros, built without compressing them all.

    After a full flush deflate forgets its history, so every further MiB of zeros compresses to the same
    bytes; only the CRC has to see all the data. 1024 MiB give a body of about 1 MB.
    """
    zeros = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    compressor.compress(zeros)
    compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (mebibytes * MIB) & 0xFFFFFFFF)
    return header + block * mebibytes + compressor.flush() + trailer


def inflated(data: bytes, coding: str, limits: InflationLimits, chunk: int = 4096) -> bytes:
    return b"".join(inflate((data[i : i + chunk] for i in range(0, len(data), chunk)), coding, limits, "body"))


def refusal(call: Callable[[], object]) -> OryxServingError:
    with pytest.raises(OryxServingError) as raised:
        call()
    return raised.value


def test_the_zero_bomb_helper_is_a_valid_gzip_stream() -> None:
    assert gzip.decompress(gzip_of_zeros(3)) == bytes(3 * MIB)


def test_a_1_mb_gzip_of_1_gib_of_zeros_is_refused_quickly_in_little_memory(
    make_app: Callable[..., Flask], broker: InMemoryBroker
) -> None:
    """The issue's bomb, at the default 64 MiB body cap: refused by the ratio after a few MiB, not inflated."""
    bomb = gzip_of_zeros(1024)
    assert len(bomb) < 1_100_000
    client = make_app(*EXAMPLE).test_client()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        response = client.post("/add", data=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"})
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 413
    assert response.text == (
        "request body expands more than 100:1 when decompressed (oryx.serving.api.max-decompression-ratio)"
    )
    assert elapsed < 3.0
    assert peak < 16 * MIB  # the body itself is 1 MB (and the test client copies it); 1 GiB before the fix
    assert broker.messages("OryxInput") == []


def test_the_ratio_applies_only_beyond_the_first_mib() -> None:
    limits = InflationLimits(max_bytes=None, max_ratio=100)
    small_but_repetitive = gzip.compress(bytes(RATIO_ALLOWANCE_BYTES))  # about 1000:1, within the allowance
    assert inflated(small_but_repetitive, "gzip", limits) == bytes(RATIO_ALLOWANCE_BYTES)
    error = refusal(lambda: inflated(gzip.compress(bytes(2 * RATIO_ALLOWANCE_BYTES)), "gzip", limits))
    assert error.status == 413 and "100:1" in error.message


def test_text_that_compresses_normally_passes_the_ratio() -> None:
    lines = "".join(f"user{i % 997},item{i % 7919},{i % 5}.5,{1_700_000_000_000 + i * 37}\n" for i in range(200_000))
    data = gzip.compress(lines.encode())
    assert 3 < len(lines) / len(data) < 10  # a realistic ratio, far from the cap
    assert inflated(data, "gzip", InflationLimits(max_bytes=64 * MIB)).decode() == lines


def test_a_stream_past_the_size_cap_is_refused_naming_the_key() -> None:
    text = "".join(f"{i},{i * 7 % 1000}\n" for i in range(10_000)).encode()  # about 4:1
    error = refusal(lambda: inflated(gzip.compress(text), "gzip", InflationLimits(max_bytes=50_000)))
    assert (error.status, error.message) == (
        413,
        "body decompresses to more than 50000 bytes (oryx.serving.api.max-request-bytes)",
    )


def test_a_configured_ratio_is_applied(make_app: Callable[..., Flask]) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.max-decompression-ratio=2000")
    response = app.test_client().post(
        "/add", data=gzip_of_zeros(2), headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"}
    )
    # 2 MiB of zeros pass a 2000:1 ratio; a NUL "line" is then a word-count line like any other.
    assert response.status_code == 204


def test_concatenated_gzip_members_are_all_read() -> None:
    data = gzip.compress(b"a\n") + gzip.compress(b"b\n") + b"\0\0\0\0"  # zero padding after the last member
    assert inflated(data, "gzip", InflationLimits(max_bytes=1000), chunk=3) == b"a\nb\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (gzip.compress(b"a b\n" * 100)[:-12], "it ends before the stream does"),
        (b"\x1f\x8b\x08\x00garbage", "it ends before the stream does"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xffgarbage", "invalid"),
        (gzip.compress(b"a\n") + b"garbage", "incorrect header check"),  # only zeros may follow a member
    ],
)
def test_corrupt_gzip_is_400(data: bytes, reason: str) -> None:
    error = refusal(lambda: inflated(data, "gzip", InflationLimits(max_bytes=10_000)))
    assert error.status == 400 and error.message.startswith("body is not valid gzip data") and reason in error.message


def test_deflate_with_and_without_the_zlib_wrapper() -> None:
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    limits = InflationLimits(max_bytes=1000)
    assert inflated(zlib.compress(b"x,1\n"), "deflate", limits) == b"x,1\n"
    assert inflated(raw.compress(b"y,2\n") + raw.flush(), "deflate", limits) == b"y,2\n"


def test_an_unknown_coding_is_415() -> None:
    error = refusal(lambda: inflated(b"x", "br", InflationLimits(max_bytes=10)))
    assert (error.status, error.message) == (415, "Unsupported Content-Encoding 'br'; use gzip or deflate")


def zipped(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def unzipped(data: bytes, limits: InflationLimits) -> dict[str, bytes]:
    return {name: b"".join(pieces) for name, pieces in unzip(data, limits, "part")}


def test_stored_and_deflated_zip_members_are_read_in_order() -> None:
    limits = InflationLimits(max_bytes=1000)
    assert unzipped(zipped({"a": b"1\n", "b": b"2\n"}), limits) == {"part/a": b"1\n", "part/b": b"2\n"}
    assert unzipped(zipped({"s": b"3\n"}, zipfile.ZIP_STORED), limits) == {"part/s": b"3\n"}


def test_a_zip_member_of_another_method_is_400() -> None:
    error = refusal(lambda: unzipped(zipped({"a": b"1\n"}, zipfile.ZIP_BZIP2), InflationLimits(max_bytes=1000)))
    assert (error.status, error.message) == (400, "part/a uses zip method 12; use stored or deflated")


def test_a_zip_declaring_more_than_the_cap_is_413_before_inflating() -> None:
    error = refusal(lambda: unzipped(zipped({"a": b"x" * 2000}), InflationLimits(max_bytes=1000)))
    assert (error.status, error.message) == (
        413,
        "part unpacks to more than 1000 bytes (oryx.serving.api.max-request-bytes)",
    )


def test_a_zip_member_lying_about_its_size_is_read_only_that_far_and_fails_its_crc() -> None:
    honest = zipped({"a": bytes(8 * MIB)})
    # Claim 100 bytes unpacked in both headers (local at offset 22, central after the data) to pass the cap check.
    lying = bytearray(honest)
    for offset in (22, lying.rfind(b"PK\x01\x02") + 24):
        lying[offset : offset + 4] = struct.pack("<I", 100)
    error = refusal(lambda: unzipped(bytes(lying), InflationLimits(max_bytes=64 * MIB)))
    assert (error.status, error.message) == (400, "part/a is not a valid zip member: Bad CRC-32 for file 'a'")


def test_a_zip_bomb_member_is_413() -> None:
    error = refusal(lambda: unzipped(zipped({"zeros": bytes(4 * MIB)}), InflationLimits(max_bytes=64 * MIB)))
    assert (error.status, error.message) == (
        413,
        "part/zeros expands more than 100:1 when decompressed (oryx.serving.api.max-decompression-ratio)",
    )


def test_a_corrupt_zip_is_400() -> None:
    error = refusal(lambda: unzipped(b"not a zip", InflationLimits(max_bytes=1000)))
    assert (error.status, error.message) == (400, "part is not a valid zip archive: File is not a zip file")
