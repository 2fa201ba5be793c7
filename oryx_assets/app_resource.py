"""``BatchAppResource``: the run's typed settings, its app built once, and each generation's input parsed once.

Every generation asset asks for this one resource instead of reading keys and instantiating the app itself:
Dagster initialises resources once per run, so the settings are parsed, and the app (``oryx.batch.update-class``)
is built and validates its keys, once per run however many assets use it.

An app may define ``parse_input`` (see ``oryx_core.api.batch``). Then :meth:`BatchAppResource.parsed` parses a
generation's new lines, or its past lines, on first request and keeps the result persisted for the rest of the
run, so the split, every candidate, the refit and the publication share one parse; the run's end unpersists
them. With Dagster's in-process executor (the generation job's) all steps share that cache; a step in another
process parses again, with the same result.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from oryx_assets.lambda_.update_class import load_app
from oryx_assets.resources import OryxConfigResource
from oryx_assets.settings import BatchSettings
from oryx_core.api.batch import BatchLayerUpdate, MLApp

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


class BatchAppResource(ConfigurableResource):
    """The configured app and settings of one run, and the run's cache of parsed input."""

    oryx: OryxConfigResource
    _settings: BatchSettings | None = PrivateAttr(default=None)
    _app: BatchLayerUpdate | MLApp | None = PrivateAttr(default=None)
    _parsed: dict[tuple[str, str], Any] = PrivateAttr(default_factory=dict)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def settings(self) -> BatchSettings:
        if self._settings is None:
            self._settings = BatchSettings.from_config(self.oryx.load())
        return self._settings

    @property
    def app(self) -> BatchLayerUpdate | MLApp:
        """The app named by ``oryx.batch.update-class``, built on first use."""
        if self._app is None:
            self._app = load_app(self.oryx.load())
        return self._app

    @property
    def ml_app(self) -> MLApp | None:
        """The app when it belongs to the ML tier, None for a plain ``BatchLayerUpdate``."""
        app = self.app
        return app if isinstance(app, MLApp) else None

    def parsed(self, partition_key: str, which: str, lines: DataFrame | None) -> DataFrame | None:
        """``lines`` as the app's parsed rows, persisted for the run (``which``: "new" or "past"); the lines
        themselves when the app parses nothing up front (no ``parse_input``)."""
        parse = getattr(self.app, "parse_input", None)
        if lines is None or parse is None:
            return lines
        with self._lock:
            key = (partition_key, which)
            if key not in self._parsed:
                self._parsed[key] = parse(lines.sparkSession, lines).persist()
            frame: DataFrame = self._parsed[key]
            return frame

    def release(self) -> None:
        """Unpersists every parsed frame of the run."""
        with self._lock:
            for frame in self._parsed.values():
                frame.unpersist()
            self._parsed.clear()

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        self.release()
