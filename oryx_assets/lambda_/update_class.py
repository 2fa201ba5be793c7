"""The app named by ``oryx.batch.update-class``: a plain ``BatchLayerUpdate`` or an ML-tier ``MLApp``.

Found by name, never imported, so the generic and ML tiers work for every app. Every generation asset asks
for the app itself (it is cheap to construct), so each asset can run alone from the Dagster UI.
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


def load_ml_app(config: OryxConfig) -> MLApp | None:
    """The app when it belongs to the ML tier, None for a plain ``BatchLayerUpdate`` (the ML assets pass through)."""
    app = load_app(config)
    return app if isinstance(app, MLApp) else None
