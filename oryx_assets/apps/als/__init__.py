"""The ALS collaborative-filtering batch app (Oryx 2's ``ALSUpdate``); named ``oryx_assets.apps.als.ALSUpdate``."""

from oryx_assets.apps.als.update import ALSUpdate

__all__ = ["ALSUpdate"]
