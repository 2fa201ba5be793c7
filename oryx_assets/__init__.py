"""Oryx batch layer: one Dagster code location of generation assets on Spark (see ``definitions``).

``python -m oryx_assets`` runs one generation now; ``workspace.yaml`` loads ``oryx_assets.definitions``
for the Dagster UI and daemon, whose sensor starts a generation every generation interval.
"""
