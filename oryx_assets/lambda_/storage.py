"""Small file operations on any Hadoop URI (``file:``, ``hdfs:``, ``s3a:`` ...) through the Spark session's JVM.

Data and model folders can live on any file system Hadoop knows; going through Hadoop's ``FileSystem`` in the
driver JVM (rather than Python's ``os``) gives one code path for all of them, with the session's Hadoop
configuration and credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def child_uri(parent: str, name: str) -> str:
    """``parent/name`` for a folder URI that may or may not end with a slash."""
    return f"{parent.rstrip('/')}/{name}"


class HadoopStorage:
    """One folder (a URI) and the operations the batch layer needs on its direct children."""

    def __init__(self, spark: SparkSession, uri: str) -> None:
        self.uri = uri
        self._jvm: Any = spark._jvm
        self._root = self._jvm.org.apache.hadoop.fs.Path(uri)
        self._fs = self._root.getFileSystem(spark._jsc.hadoopConfiguration())

    def _path(self, relative: str) -> Any:
        return self._jvm.org.apache.hadoop.fs.Path(child_uri(self.uri, relative))

    def exists(self, relative: str) -> bool:
        return bool(self._fs.exists(self._path(relative)))

    def child_dirs(self) -> list[str]:
        """Names of the sub-folders, sorted; an absent folder has none."""
        if not self._fs.exists(self._root):
            return []
        return sorted(str(s.getPath().getName()) for s in self._fs.listStatus(self._root) if s.isDirectory())

    def files(self, relative: str) -> list[str]:
        """Names of the plain files directly in a child folder, sorted; an absent folder has none."""
        folder = self._path(relative)
        if not self._fs.exists(folder):
            return []
        return sorted(str(s.getPath().getName()) for s in self._fs.listStatus(folder) if s.isFile())

    def subfolders(self, relative: str) -> list[str]:
        """Names of the folders directly in a child folder, sorted; an absent folder has none."""
        folder = self._path(relative)
        if not self._fs.exists(folder):
            return []
        return sorted(str(s.getPath().getName()) for s in self._fs.listStatus(folder) if s.isDirectory())

    def delete(self, relative: str) -> None:
        self._fs.delete(self._path(relative), True)

    def rename(self, relative: str, new_relative: str) -> None:
        """Moves a child (a whole folder) to a new name under the same root; the target must not exist.

        A rename is atomic on HDFS and local disks, so readers see either the old name or the complete new one.
        """
        target = self._path(new_relative)
        parent = target.getParent()
        if parent is not None and not self._fs.exists(parent):
            self._fs.mkdirs(parent)
        if not self._fs.rename(self._path(relative), target):
            raise OSError(f"could not rename {child_uri(self.uri, relative)} to {child_uri(self.uri, new_relative)}")

    def size(self, relative: str) -> int:
        """A file's length in bytes."""
        return int(self._fs.getFileStatus(self._path(relative)).getLen())

    def qualified(self, relative: str) -> str:
        """The fully qualified URI of a child (``file:/tmp/m/1/model.pmml``), as consumers of MODEL-REF need."""
        return str(self._fs.makeQualified(self._path(relative)).toString())

    def read_text(self, relative: str) -> str:
        stream = self._fs.open(self._path(relative))
        try:
            return str(self._jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8"))
        finally:
            stream.close()

    def write_text(self, relative: str, text: str) -> None:
        """Writes a small file whole (overwriting), closing it so it is durable before the caller goes on."""
        stream = self._fs.create(self._path(relative), True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()
