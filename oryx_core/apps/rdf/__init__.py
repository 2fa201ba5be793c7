"""Random decision forest model math and formats shared by the batch, speed and serving layers (no Spark, no Flask).

* ``trees``: the forest as nodes with Oryx 2's ids (``r``, ``r+``, ``r-``...), routing (missing values follow the
  default child) and prediction (averaged class probabilities, or averaged leaf values).
* ``encoding``: categorical value <-> integer encodings read from the PMML ``DataDictionary``; input lines to
  feature vectors: for learning, a clear ``ValueError`` for unseen categories and wrong column counts; for
  predicting, unseen categories and missing values as NaN (the trees' missing-value path), named for counting.
* ``pmml``: the forest's PMML (a ``TreeModel``, or a ``MiningModel`` of them) written and read back.
* ``updates``: the ``UP`` message formats and the leaf update math of the speed and serving layers.
"""
