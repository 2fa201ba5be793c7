"""Finds the classes a configuration names, so Oryx 2 config files that name Java classes keep working.

Layers find their app by name from configuration rather than importing it, which keeps the generic tier
free of app imports; this module is the one place that turns such a name into a class. The Oryx 2 Java names
come from the apps' own registrations (``oryx_core.app_registry``), so this module names no app.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from oryx_core.app_registry import registered_apps
from oryx_core.config_values import ConfigError, OryxConfig

__all__ = [
    "GENERIC_JAVA_RESOURCE_PACKAGES",
    "JAVA_CLASSES",
    "JAVA_RESOURCE_PACKAGES",
    "instantiate",
    "load_class",
    "resolve_resource_packages",
]

_ORYX_JAVA = "com.cloudera.oryx"

GENERIC_JAVA_RESOURCE_PACKAGES = ("com.cloudera.oryx.app.serving", "com.cloudera.oryx.lambda.serving")
"""Oryx 2's packages of the endpoints every app has (``/ready``, errors), which the serving layer always mounts."""


def _java_classes() -> dict[str, str]:
    classes: dict[str, str] = {}
    for app in registered_apps().values():
        classes.update(app.java_classes())
    return classes


def _java_resource_packages() -> dict[str, str | None]:
    packages: dict[str, str | None] = dict.fromkeys(GENERIC_JAVA_RESOURCE_PACKAGES)
    for app in registered_apps().values():
        packages.update(dict.fromkeys(app.java.resource_packages, app.serving_resources))
    return packages


JAVA_CLASSES: dict[str, str] = _java_classes()
"""Oryx 2 Java class -> our Python ``package.module.Class``, from every registered app's ``JavaNames``."""

JAVA_RESOURCE_PACKAGES: dict[str, str | None] = _java_resource_packages()
"""Oryx 2 JAX-RS package -> our Python endpoints package (from the registered apps); None for the generic
endpoints every app has."""


def _python_path(name: str, key: str) -> str:
    name = name.strip()
    if name in JAVA_CLASSES:
        return JAVA_CLASSES[name]
    if name.startswith(f"{_ORYX_JAVA}."):
        known = ", ".join(sorted(JAVA_CLASSES))
        raise ConfigError(key, f"{name!r} is an Oryx 2 Java class with no Python equivalent; known: {known}")
    return name


def _split_path(path: str, key: str) -> tuple[list[str], list[str] | None]:
    """``pkg.mod:Outer.Inner`` is explicit; for ``pkg.mod.Class`` the module part is found by importing."""
    module, colon, attrs = path.partition(":")
    parts = module.split(".")
    attr_parts = attrs.split(".") if colon else None
    names = parts + (attr_parts or [])
    if not names or not all(part.isidentifier() for part in names):
        raise ConfigError(key, f"{path!r} is not a class name like package.module.ClassName or package.module:Class")
    if attr_parts is None and len(parts) < 2:
        raise ConfigError(key, f"{path!r} names no module; use package.module.ClassName")
    return parts, attr_parts


def _is_missing(error: ModuleNotFoundError, module: str) -> bool:
    """True when the module itself (or a parent) is absent, not some import inside it that failed."""
    missing = error.name or ""
    return missing == module or module.startswith(f"{missing}.")


def _import(module: str, key: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if _is_missing(e, module):
            return None
        raise ConfigError(key, f"importing {module!r} failed: {e}") from e
    except Exception as e:
        raise ConfigError(key, f"importing {module!r} failed: {e!r}") from e


def _find(parts: list[str], attr_parts: list[str] | None, key: str) -> tuple[Any, list[str]]:
    """Imports the longest importable module prefix and returns it with the attribute names left over."""
    if attr_parts is not None:
        module = _import(".".join(parts), key)
        if module is None:
            raise ConfigError(key, f"module {'.'.join(parts)!r} cannot be found; is its package installed?")
        return module, attr_parts
    for split in range(len(parts) - 1, 0, -1):
        module = _import(".".join(parts[:split]), key)
        if module is not None:
            return module, parts[split:]
    raise ConfigError(key, f"{'.'.join(parts)!r} cannot be found: no module on its path can be imported")


def load_class(name: str, key: str) -> type:
    """The class named by an Oryx 2 Java name from ``JAVA_CLASSES`` or a Python path; errors name the key."""
    if not name or not name.strip():
        raise ConfigError(key, "is empty; name an Oryx 2 Java class or a Python class as package.module.Class")
    path = _python_path(name, key)
    parts, attr_parts = _split_path(path, key)
    found, attrs = _find(parts, attr_parts, key)
    for attr in attrs:
        found = getattr(found, attr, None)
        if found is None:
            raise ConfigError(key, f"{path!r} cannot be found: no attribute {attr!r}")
    if not isinstance(found, type):
        raise ConfigError(key, f"{path!r} is not a class")
    return found


def _accepts(cls: type, *args: Any) -> bool:
    try:
        inspect.signature(cls).bind(*args)
    except TypeError:
        return False
    except ValueError:  # no signature available (some builtins): only the no-argument form is safe to try
        return not args
    return True


def instantiate(name: str, key: str, config: OryxConfig) -> Any:
    """Like Oryx 2: a constructor taking the configuration is preferred, else the no-argument one."""
    cls = load_class(name, key)
    if _accepts(cls, config):
        return cls(config)
    if _accepts(cls):
        return cls()
    raise ConfigError(key, f"{cls.__qualname__} needs a constructor taking (config) or no arguments")


def _resource_package(name: str, key: str) -> str | None:
    if name in JAVA_RESOURCE_PACKAGES:
        return JAVA_RESOURCE_PACKAGES[name]
    if name.startswith(f"{_ORYX_JAVA}."):
        known = ", ".join(sorted(JAVA_RESOURCE_PACKAGES))
        raise ConfigError(key, f"{name!r} is an Oryx 2 Java package with no Python equivalent; known: {known}")
    if not all(part.isidentifier() for part in name.split(".")):
        raise ConfigError(key, f"{name!r} is neither a known Oryx 2 Java package nor a Python package name")
    return name


def resolve_resource_packages(value: str | None, key: str) -> list[str]:
    """The Python endpoint packages for ``oryx.serving.application-resources``, in order, without repeats.

    The generic endpoints (``/ready``, errors) are always present, so Oryx 2's generic packages map to
    nothing rather than to a package the serving layer would have to special-case.
    """
    packages: list[str] = []
    for item in (value or "").split(","):
        name = item.strip()
        package = _resource_package(name, key) if name else None
        if package is not None and package not in packages:
            packages.append(package)
    return packages
