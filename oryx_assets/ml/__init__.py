"""The ML tier of the batch layer (Oryx 2's ``MLUpdate``): train/test split, hyperparameter search, best model.

It serves apps implementing ``oryx_core.api.batch.MLApp``; for a plain ``BatchLayerUpdate`` its assets pass
through without doing anything, so every app has the same asset graph.
"""
