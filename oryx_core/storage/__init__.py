"""Model files on any Hadoop-compatible store (``file:``, ``s3a://``, ``hdfs://``), read without Spark.

The batch layer writes models through Spark's Hadoop ``FileSystem``; the speed and serving layers read the
``MODEL-REF`` files it names through ``pyarrow.fs``, configured from the same ``spark.hadoop.*`` settings, and
only from inside ``oryx.batch.storage.model-dir``.
"""
