"""The apps this installation knows, found through Python entry points, so no generic module names an app.

An app registers itself with one line in its distribution's metadata::

    [project.entry-points."oryx.apps"]
    linear = "oryx_core.apps.linear.registration:APP"

pointing at an :class:`AppRegistration`: a descriptor of dotted strings only (it never imports a layer), naming
the app's class per layer, its serving endpoints, config rules, defaults, demo and Oryx 2 Java names. The
generic code asks this module instead of keeping lists: ``classnames`` builds Oryx 2's Java-name maps from it,
``config_rules`` collects the rules, ``config`` loads each app's defaults, and the CLI finds a demo. An app
outside this repository registers the same way from its own ``pyproject.toml``, or is simply named by dotted
path in ``oryx.batch.update-class`` and friends, which never needs a registration.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = [
    "ENTRY_POINT_GROUP",
    "AppRegistration",
    "AppRegistryError",
    "JavaNames",
    "import_attribute",
    "registered_apps",
    "registered_reference_texts",
]

ENTRY_POINT_GROUP = "oryx.apps"


class AppRegistryError(RuntimeError):
    """A registration is broken (unloadable, not a descriptor, or clashing with another app)."""


@dataclass(frozen=True)
class JavaNames:
    """The Oryx 2 Java names an Oryx 2 config file may use for this app's classes and endpoint packages."""

    batch_update_class: str | None = None
    speed_manager_class: str | None = None
    serving_manager_class: str | None = None
    resource_packages: tuple[str, ...] = ()
    """``oryx.serving.application-resources`` packages that mean this app's endpoints."""


@dataclass(frozen=True)
class AppRegistration:
    """One app across the layers, as dotted strings so that reading it imports none of them.

    Classes are ``package.module.Class``; ``serving_resources`` is the package whose ``blueprint`` the serving
    layer mounts; ``config_rules`` a module with a ``RULES`` tuple; ``reference_conf`` a packaged HOCON file
    ``package:file.conf`` holding the app's defaults (None when they live in ``oryx_core/apps/reference.conf``),
    under ``config_section``; ``demo`` the ``module:function`` that ``oryx demo`` runs for it.
    """

    name: str
    batch_update_class: str | None = None
    speed_manager_class: str | None = None
    serving_manager_class: str | None = None
    serving_resources: str | None = None
    config_rules: str | None = None
    config_section: str | None = None
    reference_conf: str | None = None
    demo: str | None = None
    java: JavaNames = JavaNames()

    def java_classes(self) -> dict[str, str]:
        """Oryx 2 Java class name -> this app's Python class, for the layers it has both."""
        pairs = (
            (self.java.batch_update_class, self.batch_update_class),
            (self.java.speed_manager_class, self.speed_manager_class),
            (self.java.serving_manager_class, self.serving_manager_class),
        )
        return {java: python for java, python in pairs if java and python}


def import_attribute(path: str) -> Any:
    """``package.module:attribute`` (or ``package.module.attribute``) imported and returned."""
    module, colon, attribute = path.partition(":")
    if not colon:
        module, _, attribute = path.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def _load(entry_point: importlib.metadata.EntryPoint) -> AppRegistration:
    try:
        found = entry_point.load()
    except Exception as e:
        raise AppRegistryError(
            f"app entry point {entry_point.name!r} ({entry_point.value}) failed to load: {e!r}"
        ) from e
    if not isinstance(found, AppRegistration):
        raise AppRegistryError(f"app entry point {entry_point.name!r} ({entry_point.value}) is not an AppRegistration")
    if found.name != entry_point.name:
        raise AppRegistryError(f"app entry point {entry_point.name!r} registers an app named {found.name!r}")
    return found


def _check_unique(apps: tuple[AppRegistration, ...]) -> None:
    """Two apps claiming one Java name would make an Oryx 2 config mean whichever loaded last."""
    owners: dict[str, str] = {}
    for app in apps:
        for java in (*app.java_classes(), *app.java.resource_packages):
            if owners.setdefault(java, app.name) != app.name:
                raise AppRegistryError(f"apps {owners[java]!r} and {app.name!r} both claim {java!r}")


@functools.cache
def registered_apps() -> Mapping[str, AppRegistration]:
    """Name -> registration of every installed app, in name order; read once per process."""
    entry_points = sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
    names = [ep.name for ep in entry_points]
    if len(set(names)) != len(names):
        raise AppRegistryError(f"an app name is registered twice under {ENTRY_POINT_GROUP!r}: {names}")
    apps = tuple(_load(ep) for ep in entry_points)
    _check_unique(apps)
    return {app.name: app for app in apps}


def registered_reference_texts() -> list[tuple[str, str]]:
    """(source, HOCON text) of each app's own ``reference_conf``, in app name order."""
    texts = []
    for app in registered_apps().values():
        if app.reference_conf:
            package, _, file_name = app.reference_conf.partition(":")
            texts.append((app.reference_conf, resources.files(package).joinpath(file_name).read_text("utf-8")))
    return texts
