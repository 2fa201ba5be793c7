"""``MODEL-REF`` files: read through ``pyarrow.fs``, and only from inside ``oryx.batch.storage.model-dir``.

A ``MODEL-REF`` message names a file instead of carrying the PMML (the batch layer sends one when the model is
larger than ``oryx.update-topic.message.max-size``). Whoever can write the update topic can forge one, so a
reference is read only when it lies strictly inside the model directory:

* on this machine (``file:`` or a plain path), after resolving symlinks and ``..`` on the real file system, so
  neither can lead out of it;
* elsewhere (``s3a://``, ``hdfs://``), with the same scheme, the same bucket or name node (a missing one is
  ``fs.defaultFS``'s), and a path below the directory's once ``.``/``..`` are removed. The normalised URI is the
  one read, so the checked path is the read path.

A relative reference is taken relative to the model directory. Refusals raise ``UnsafePMMLError`` and a missing
file ``FileNotFoundError``; the update-topic followers log either and keep the current model (Oryx 2 logs and
ignores a missing file).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from oryx_core.config import OryxConfig
from oryx_core.ml.pmml import PMMLError, UnsafePMMLError
from oryx_core.storage.filesystems import HadoopSettings, filesystem_for
from oryx_core.storage.uris import StorageURI

__all__ = ["MODEL_DIR_KEY", "ModelDirectory"]

MODEL_DIR_KEY = "oryx.batch.storage.model-dir"
"""The only directory a ``MODEL-REF`` may point into."""
_LOCAL_HOSTS = frozenset({"", "localhost"})


@dataclass(frozen=True)
class ModelDirectory:
    """The model directory's URI and the Hadoop settings its file system is reached with."""

    uri: str
    hadoop: HadoopSettings = field(default_factory=HadoopSettings)

    @classmethod
    def from_config(cls, config: OryxConfig) -> ModelDirectory | None:
        """``oryx.batch.storage.model-dir`` with the batch layer's ``spark.hadoop.*`` keys; None when unset."""
        uri = config.get_optional_string(MODEL_DIR_KEY)
        return cls(uri, HadoopSettings.from_config(config)) if uri else None

    def confine(self, reference: str) -> StorageURI:
        """The location to read for ``reference``, after checking it lies strictly inside this directory.

        Raises ``UnsafePMMLError`` when it does not, and ``PMMLError`` for a ``file:`` URI naming another host.
        """
        root = StorageURI.parse(self.uri)
        target = root.resolve(StorageURI.parse(reference.strip()))
        if target.is_local and root.is_local:
            return self._confine_local(reference, root, target)
        if target.scheme != root.scheme:
            raise UnsafePMMLError(
                f"MODEL-REF {reference!r} is outside the model directory {self.uri!r}: it is on another file "
                f"system ({target.scheme or 'a local path'}, not {root.scheme or 'a local path'})"
            )
        root, target = self._with_default_authority(root), self._with_default_authority(target)
        if not root.contains(target):
            raise UnsafePMMLError(
                f"MODEL-REF {reference!r} is outside the model directory {self.uri!r} (it resolves to "
                f"{str(target)!r}); only files under {str(root)!r} are read"
            )
        return target

    def read_text(self, reference: str) -> str:
        """The UTF-8 text of the file ``reference`` names, read only after :meth:`confine` accepts it."""
        location = self.confine(reference)
        filesystem, path = filesystem_for(location, self.hadoop)
        try:
            with filesystem.open_input_stream(path) as stream:
                data = stream.read()
        except FileNotFoundError:
            raise FileNotFoundError(
                f"MODEL-REF {reference.strip()!r} names no file ({location}); it may have been deleted by "
                "oryx.batch.storage.max-age-model-hours. The current model stays."
            ) from None
        return bytes(data).decode("utf-8")

    def _with_default_authority(self, uri: StorageURI) -> StorageURI:
        default = self.hadoop.default_fs()
        if uri.authority or default is None or default.scheme != uri.scheme:
            return uri
        return uri.with_authority(default.authority)

    def _confine_local(self, reference: str, root: StorageURI, target: StorageURI) -> StorageURI:
        for uri in (root, target):
            if uri.authority.lower() not in _LOCAL_HOSTS:
                raise PMMLError(
                    f"MODEL-REF {reference!r} or model directory {self.uri!r} names host {uri.authority!r}; "
                    "only local file: URIs can be read as local files"
                )
        real_root = Path(os.path.realpath(root.path))
        real_target = Path(os.path.realpath(target.path if target.is_absolute else real_root / target.path))
        if real_target == real_root or not real_target.is_relative_to(real_root):
            raise UnsafePMMLError(
                f"MODEL-REF path {reference!r} is outside the model directory {self.uri!r} "
                f"(it resolves to {str(real_target)!r}); only files under {str(real_root)!r} are read"
            )
        return StorageURI("file", "", str(real_target))
