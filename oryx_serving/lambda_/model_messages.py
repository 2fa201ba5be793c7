"""Serving's name for ``oryx_core.topics.model_messages`` (the MODEL / MODEL-REF reader every layer shares)."""

from oryx_core.topics.model_messages import is_model_key, model_dir_of, model_pmml, model_text

__all__ = ["is_model_key", "model_dir_of", "model_pmml", "model_text"]
