"""The serving layer's app tier: one package per app, each exposing a Flask ``blueprint`` and its model manager."""
