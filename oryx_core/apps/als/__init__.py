"""ALS model math and formats shared by the speed and serving layers (no Spark, no Flask).

* ``state``: THE in-memory ALS model (vectors, known items, expected and recent IDs, fraction loaded) that the
  speed layer and serving both hold; ``state_updates`` applies ``MODEL`` / ``MODEL-REF`` / ``UP`` to it.
* ``vectors``: the thread-safe float32 feature-vector store, with ``vector_buffers`` (its arrays and snapshots),
  ``partition_scan`` (which rows a query scores, LSH partitions included), ``top_n`` (selection, filtering,
  rescoring) and ``vector_math`` (unit vectors, cosine, blocked dot products); ``known_items`` apart.
* ``foldin``: the speed-layer fold-in math and the Gram-matrix solver (with its background cache).
* ``aggregation``: input-record parsing and Oryx 2's per-(user, item) aggregation, decay and log strength.
* ``rescorer``: the ``Rescorer`` / ``RescorerProvider`` API for user-supplied rescoring.
* ``lsh``: locality-sensitive hashing behind ``oryx.als.sample-rate``.
* ``messages``: the ALS ``UP`` payload codec.
"""
