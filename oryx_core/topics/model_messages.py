"""Turns the update topic's ``MODEL`` / ``MODEL-REF`` messages into model text or parsed PMML, safely.

Every app manager, speed or serving, goes through here, so none can forget the two rules for untrusted model
messages (they come from whoever can write to the update topic): PMML is parsed only by
``oryx_core.ml.pmml.read_pmml`` (no DTDs, entities or external references: no XXE, no billion laughs), and a
``MODEL-REF`` is read only when its path resolves inside ``oryx.batch.storage.model-dir``, on whichever file
system that is (``file:``, ``s3a://``, ``hdfs://``; see ``oryx_core.storage.model_refs``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from oryx_core.config import OryxConfig
from oryx_core.ml.pmml import PMMLError, read_pmml
from oryx_core.storage.model_refs import MODEL_DIR_KEY, ModelDirectory
from oryx_core.topics.messages import MODEL, MODEL_REF

__all__ = ["MODEL_DIR_KEY", "ModelDirectory", "is_model_key", "model_dir_of", "model_pmml", "model_text"]


def model_dir_of(config: OryxConfig) -> ModelDirectory | None:
    """The one directory MODEL-REF files may be read from (with its file system's settings), or None."""
    return ModelDirectory.from_config(config)


def is_model_key(key: str | None) -> bool:
    return key in (MODEL, MODEL_REF)


def model_text(key: str | None, message: str, model_dir: ModelDirectory | str | None) -> str:
    """A ``MODEL``'s own text, or the text of the file a ``MODEL-REF`` names (confined to ``model_dir``).

    ``model_dir`` given as text is read with no Hadoop settings (local files, or the AWS default credentials).
    Raises ``ValueError`` (``PMMLError``/``UnsafePMMLError``) for any other key or a reference outside the model
    directory, ``FileNotFoundError`` for a reference to a missing file, and ``OSError`` when the store cannot be
    reached; the update followers log such a message and skip it, keeping the current model.
    """
    if key == MODEL:
        return message
    if key != MODEL_REF:
        raise ValueError(f"update-topic key {key!r} carries no model; expected {MODEL!r} or {MODEL_REF!r}")
    if model_dir is None:
        raise PMMLError(f"MODEL-REF {message.strip()!r} cannot be read: {MODEL_DIR_KEY} is not set")
    directory = ModelDirectory(model_dir) if isinstance(model_dir, str) else model_dir
    return directory.read_text(message.strip())


def model_pmml(key: str | None, message: str, model_dir: ModelDirectory | str | None) -> ET.Element:
    """The parsed PMML root of a ``MODEL`` or ``MODEL-REF`` message, through the hardened parser."""
    return read_pmml(model_text(key, message, model_dir))
