"""Code every layer shares: configuration, topic I/O, message framing, input parsing and model math.

It imports no Dagster and no Flask, and only ``oryx_core.spark`` touches pyspark, so the three layers can
depend on it without depending on each other.
"""
