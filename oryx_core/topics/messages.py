"""Update- and input-topic message framing, byte for byte compatible with Oryx 2.

Consumers written for Oryx 2 (and our own layers) dispatch on the key of each update-topic message, so the
three keys and the rule that chooses between ``MODEL`` and ``MODEL-REF`` live here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MODEL = "MODEL"
"""Key of a message whose value is a whole model (PMML text, or the example app's JSON map)."""

MODEL_REF = "MODEL-REF"
"""Key of a message whose value is the path of a model too large to travel through Kafka."""

UP = "UP"
"""Key of an incremental model update (app-specific JSON, or ``word,count`` for the example app)."""

EXPIRE = "EXPIRE"
"""Key of a message saying an ID left the model by expiry (not in Oryx 2; ALS: ``oryx_core.apps.als.expiry``)."""

DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""Oryx 2's ``oryx.update-topic.message.max-size`` default, and the topics' ``max.message.bytes``."""

_INT_MASK = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class KeyMessage:
    """One Kafka record as the layers see it: a string key (None when the producer sent none) and a value.

    ``generation`` is the batch generation the record belongs to, from its ``oryx.generation`` header
    (``oryx_core.topics.model_generation``), or None. It is not part of equality: two records with the same key
    and value are the same message to Oryx 2.
    """

    key: str | None
    message: str
    generation: int | None = field(default=None, compare=False)


class MessageTooLargeError(ValueError):
    """A message is larger than the topic accepts; raised before sending so the caller learns which one."""

    def __init__(self, size: int, max_message_bytes: int) -> None:
        super().__init__(
            f"message of {size} bytes (UTF-8) exceeds the maximum of {max_message_bytes} bytes "
            "(oryx.update-topic.message.max-size / the topic's max.message.bytes)"
        )
        self.size = size
        self.max_message_bytes = max_message_bytes


def utf8_size(text: str) -> int:
    """Kafka limits bytes, not characters: a PMML file with non-ASCII names is larger than ``len()`` says."""
    return len(text.encode("utf-8", errors="surrogatepass"))


def frame_model(pmml_text: str, model_path: str, max_message_bytes: int) -> KeyMessage:
    """Oryx 2's publishing rule: the model itself when it fits (size <= max), otherwise a reference to its file.

    Consumers of ``MODEL-REF`` read the file from shared storage, so ``model_path`` must be a location every
    speed and serving process can reach.
    """
    if utf8_size(pmml_text) <= max_message_bytes:
        return KeyMessage(MODEL, pmml_text)
    return KeyMessage(MODEL_REF, model_path)


def check_size(message: str, max_message_bytes: int) -> None:
    """Fails fast and by name instead of letting the broker reject the record after a round trip."""
    size = utf8_size(message)
    if size > max_message_bytes:
        raise MessageTooLargeError(size, max_message_bytes)


def java_string_hash(text: str) -> int:
    """Java's ``String.hashCode()``: ``s[0]*31^(n-1) + ... + s[n-1]`` over UTF-16 code units, as signed 32 bits."""
    units = text.encode("utf-16-be", errors="surrogatepass")
    h = 0
    for i in range(0, len(units), 2):
        h = (31 * h + (units[i] << 8 | units[i + 1])) & _INT_MASK
    return h - (1 << 32) if h & 0x80000000 else h


def input_key(line: str) -> str:
    """The key Oryx 2's serving layer writes with each input line: ``Integer.toHexString(line.hashCode())``.

    ``toHexString`` prints the two's complement bits unsigned, lowercase and unpadded, so a negative hash
    becomes eight hex digits starting with 8-f. Keeping the same keys lets data written by either system be
    stored and partitioned alike.
    """
    return format(java_string_hash(line) & _INT_MASK, "x")
