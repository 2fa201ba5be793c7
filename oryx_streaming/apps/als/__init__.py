"""ALS collaborative filtering in the speed layer; named by ``oryx.speed.model-manager-class``."""

from oryx_streaming.apps.als.manager import ALSSpeedModelManager

__all__ = ["ALSSpeedModelManager"]
