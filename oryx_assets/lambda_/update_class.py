"""The app named by ``oryx.batch.update-class``: a plain ``BatchLayerUpdate`` or an ML-tier ``MLApp``.

Found by name, never imported, so the generic and ML tiers work for every app. ``BatchAppResource`` builds it
once per run for every generation asset.
"""

from __future__ import annotations

from oryx_core.api.batch import BatchLayerUpdate, MLApp
from oryx_core.classnames import instantiate
from oryx_core.config import ConfigError, OryxConfig

UPDATE_CLASS_KEY = "oryx.batch.update-class"


def load_app(config: OryxConfig) -> BatchLayerUpdate | MLApp:
    """The configured app; an ``MLApp`` (build_model + evaluate) is preferred when a class is both."""
    name = config.get_optional_string(UPDATE_CLASS_KEY)
    if name is None:
        raise ConfigError(UPDATE_CLASS_KEY, "is not set; name the app's batch update class (Java or Python name)")
    app = instantiate(name, UPDATE_CLASS_KEY, config)
    if isinstance(app, MLApp | BatchLayerUpdate):
        return app
    raise ConfigError(
        UPDATE_CLASS_KEY,
        f"{name!r} is neither a BatchLayerUpdate (run_update) nor an MLApp "
        "(hyperparameter_values, build_model, evaluate)",
    )
