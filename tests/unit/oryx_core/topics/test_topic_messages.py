"""Update-topic framing and input keys, as Oryx 2 defines them."""

from __future__ import annotations

import pytest

from oryx_core.topics.messages import (
    MODEL,
    MODEL_REF,
    KeyMessage,
    MessageTooLargeError,
    check_size,
    frame_model,
    input_key,
    java_string_hash,
)

PATH = "/models/1700000000000/model.pmml"


def test_model_exactly_at_the_limit_travels_as_model() -> None:
    assert frame_model("x" * 100, PATH, 100) == KeyMessage(MODEL, "x" * 100)


def test_model_one_byte_over_the_limit_travels_as_reference() -> None:
    assert frame_model("x" * 101, PATH, 100) == KeyMessage(MODEL_REF, PATH)


def test_limit_counts_utf8_bytes_not_characters() -> None:
    text = "é" * 50  # 50 characters, 100 bytes
    assert frame_model(text, PATH, 100).key == MODEL
    assert frame_model(text, PATH, 99) == KeyMessage(MODEL_REF, PATH)


def test_multibyte_character_crossing_the_limit_makes_a_reference() -> None:
    text = "x" * 98 + "€"  # 98 + 3 bytes = 101
    assert len(text) < 100
    assert frame_model(text, PATH, 100).key == MODEL_REF


def test_check_size_accepts_a_message_at_the_limit() -> None:
    check_size("€" * 10, 30)


def test_check_size_names_size_and_limit() -> None:
    with pytest.raises(MessageTooLargeError, match=r"31 bytes.*maximum of 30 bytes") as raised:
        check_size("€" * 10 + "x", 30)
    assert (raised.value.size, raised.value.max_message_bytes) == (31, 30)


@pytest.mark.parametrize(
    ("line", "key"),
    # Expected values printed by Java 17's Integer.toHexString(s.hashCode()).
    [
        ("", "0"),
        ("a", "61"),
        ("hello", "5e918d2"),
        ("196,242,3.0,881250949", "87414e31"),
        ("héllo wörld", "610b94d9"),
    ],
)
def test_input_key_is_java_hashcode_in_hex(line: str, key: str) -> None:
    assert input_key(line) == key


def test_input_key_of_a_negative_hash_is_unsigned_hex() -> None:
    assert java_string_hash("polygenelubricants") == -(2**31)
    assert input_key("polygenelubricants") == "80000000"


def test_input_key_hashes_utf16_code_units() -> None:
    # U+1F600 is the surrogate pair D83D DE00 in Java's UTF-16: 0xD83D * 31 + 0xDE00.
    assert input_key("\U0001f600") == format(0xD83D * 31 + 0xDE00, "x")


def test_key_message_is_immutable() -> None:
    message = KeyMessage(None, "v")
    with pytest.raises(AttributeError):
        message.key = "k"  # type: ignore[misc]
