"""The k-means ``UP`` message: ``[clusterID, [center coordinates], count]`` (spec 2.3), as Oryx 2 writes it."""

from __future__ import annotations

import json
import math

from oryx_core.apps.kmeans.clusters import ClusterUpdate

__all__ = ["format_update", "parse_update"]


def format_update(update: ClusterUpdate) -> str:
    """Compact JSON; floats in their shortest round-trip form, so the serving layer gets the exact center."""
    return json.dumps([update.cluster_id, list(update.center), update.count], separators=(",", ":"))


def _integer(value: object, what: str, message: str) -> int:
    # Oryx 2 writes integers; a Java consumer would also accept "3", so a numeric string is tolerated.
    if isinstance(value, bool):
        raise ValueError(f"k-means UP {message!r}: {what} must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(f"k-means UP {message!r}: {what} must be an integer, got {value!r}")


def parse_update(message: str) -> ClusterUpdate:
    """The update in an ``UP`` value; ValueError naming the message when it is not the k-means format."""
    try:
        value = json.loads(message)
    except ValueError as error:
        raise ValueError(f"k-means UP {message!r} is not JSON: {error}") from None
    if not isinstance(value, list) or len(value) != 3 or not isinstance(value[1], list):
        raise ValueError(f"k-means UP {message!r} must be [clusterID, [center], count]")
    center = []
    for v in value[1]:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ValueError(f"k-means UP {message!r}: center values must be finite numbers")
        center.append(float(v))
    return ClusterUpdate(_integer(value[0], "clusterID", message), tuple(center), _integer(value[2], "count", message))
