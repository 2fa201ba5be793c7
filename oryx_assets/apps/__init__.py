"""Batch-layer apps: each is a ``BatchLayerUpdate`` named by ``oryx.batch.update-class``."""
