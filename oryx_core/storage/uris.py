"""Hadoop-style file URIs split into scheme, authority and a normalised path, so two of them can be compared.

The batch layer names model files as Hadoop's ``Path`` prints them (``s3a://bucket/model/1/model.pmml``,
``hdfs://namenode:8020/oryx/model/1/model.pmml``, ``file:/tmp/Oryx/model/1/model.pmml``). Whether a ``MODEL-REF``
lies inside the model directory is decided on these parts: same scheme, same authority (bucket or name node),
and a path strictly below the directory's once ``.``/``..`` segments and doubled slashes are removed, as
Hadoop's ``Path`` removes them before it reads. The reader then opens the normalised path, so the path checked
is the path read.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

__all__ = ["LOCAL_SCHEMES", "StorageURI"]

LOCAL_SCHEMES = frozenset({"", "file"})
"""A plain path or a ``file:`` URI names this machine's file system."""

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+")
"""RFC 3986 scheme characters, at least two of them: a single letter before ``:`` is a Windows drive."""


@dataclass(frozen=True)
class StorageURI:
    """One file or folder location: ``scheme`` lower-cased (empty for a plain path), ``authority`` as written
    (the bucket for ``s3a``, ``host:port`` for ``hdfs``, empty when absent), ``path`` normalised and, unless the
    original was a relative plain path, absolute."""

    scheme: str
    authority: str
    path: str

    @classmethod
    def parse(cls, text: str) -> StorageURI:
        """Splits ``text`` as Hadoop's ``Path(String)`` does: no query or fragment, everything after the
        authority is path (an S3 key may hold ``?`` or ``#``)."""
        scheme, rest = "", text
        colon, slash = text.find(":"), text.find("/")
        if colon > 0 and (slash == -1 or colon < slash) and _SCHEME.fullmatch(text[:colon]):
            scheme, rest = text[:colon].lower(), text[colon + 1 :]
        authority = ""
        if rest.startswith("//"):
            end = rest.find("/", 2)
            authority, rest = (rest[2:], "/") if end == -1 else (rest[2:end], rest[end:])
        return cls(scheme, authority, _normalise(rest))

    @property
    def is_local(self) -> bool:
        return self.scheme in LOCAL_SCHEMES

    @property
    def is_absolute(self) -> bool:
        return self.path.startswith("/")

    def resolve(self, relative: StorageURI) -> StorageURI:
        """``relative`` (a plain relative path) taken inside this folder; any other URI is returned as is."""
        if relative.scheme or relative.authority or relative.is_absolute:
            return relative
        return StorageURI(self.scheme, self.authority, _normalise(f"{self.path}/{relative.path}"))

    def with_authority(self, authority: str) -> StorageURI:
        return StorageURI(self.scheme, authority, self.path)

    def contains(self, other: StorageURI) -> bool:
        """True when ``other`` is strictly below this folder on the same file system (never the folder itself)."""
        if (other.scheme, other.authority.lower()) != (self.scheme, self.authority.lower()):
            return False
        root = self.path.rstrip("/") + "/"
        return other.path.startswith(root) and len(other.path) > len(root)

    def __str__(self) -> str:
        prefix = f"{self.scheme}:" if self.scheme else ""
        if self.authority or self.scheme not in LOCAL_SCHEMES:
            prefix += f"//{self.authority}"
        return prefix + self.path


def _normalise(path: str) -> str:
    """``.`` and ``..`` segments resolved and repeated slashes folded; ``..`` never climbs above the root."""
    if not path:
        return ""
    absolute = path.startswith("/")
    # posixpath keeps exactly two leading slashes (POSIX leaves their meaning open); Hadoop folds them.
    normalised = posixpath.normpath("/" + path.lstrip("/") if absolute else path)
    return "" if normalised == "." else normalised
