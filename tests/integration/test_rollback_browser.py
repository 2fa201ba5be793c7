"""Roll back from Dagster's UI in a real headless Chromium, as an operator does it.

Two real ALS generations (Kafka, Spark, Dagster) are recorded in a Dagster instance on disk, and the Dagster
webserver is started on it with the same configuration. The test opens ``republished_model``'s page, clicks
"Materialize…", ticks the first generation in the partition picker and clicks "Launch 1 run". That run (a
subprocess of the webserver, as any UI launch) must succeed and publish the first generation's model again,
and serving, started afterwards, must answer from it. Screenshots of the dialog and of the run are kept under
the test's tmp_path.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from batch_support import materialize_generation, produce, update_messages
from browser_support import DevTools, requires_chromium
from dagster import AssetKey, DagsterRunStatus, RunsFilter
from dagster_ui_support import (
    LAUNCH_AT_ONCE,
    QUIET_INSTANCE,
    dagster_webserver,
    persistent_instance,
    persistent_instance_reader,
)
from rollback_support import (
    FIRST,
    FIRST_COUNT,
    FIRST_LINES,
    SECOND,
    SECOND_COUNT,
    SECOND_LINES,
    rollback_app,
    serving_config,
)
from support.waiting import wait_for

from oryx_serving import create_app

pytestmark = [requires_chromium, pytest.mark.usefixtures("spark_stopped_after_module")]


def mark(page: DevTools, candidates: str, text: str) -> bool:
    """Marks the innermost element among ``candidates`` whose text starts with ``text`` for ``page.click``."""
    script = f"""(() => {{
        document.querySelectorAll('[data-test=target]').forEach(e => e.removeAttribute('data-test'));
        const found = [...document.querySelectorAll({json.dumps(candidates)})]
            .filter(e => (e.innerText || '').trim().startsWith({json.dumps(text)}));
        if (found.length) found[found.length - 1].setAttribute('data-test', 'target');
        return found.length > 0; }})()"""
    return bool(page.evaluate(script))


def click_until(page: DevTools, candidates: str, text: str, appears: str, what: str) -> None:
    """Clicks the element ``text`` names until ``appears`` (a JavaScript condition) holds.

    The UI draws a control before it has loaded what the control needs, and re-renders it meanwhile; a click
    then does nothing, or misses a node that was just replaced. So each attempt finds the element again.
    """

    def attempt() -> bool:
        if page.evaluate(appears):
            return True
        if mark(page, candidates, text):
            try:
                page.click("[data-test=target]")
            except AssertionError:  # replaced between marking and clicking: the next attempt finds the new one
                return False
            time.sleep(2)  # a second click on a toggle (the picker) would close what the first one opened
        return bool(page.evaluate(appears))

    wait_for(attempt, 90, what)


def test_an_operator_rolls_back_from_the_asset_page(
    browser: Callable[..., DevTools], kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    oryx = rollback_app(kafka_brokers, fresh_topics, tmp_path)
    home, conf = tmp_path / "dagster", tmp_path / "oryx.conf"
    conf.write_text(oryx.load().to_hocon(), "utf-8")
    with persistent_instance(home, QUIET_INSTANCE + LAUNCH_AT_ONCE) as instance:
        produce(oryx, FIRST_LINES)
        materialize_generation(oryx, instance, FIRST)
        produce(oryx, SECOND_LINES)
        materialize_generation(oryx, instance, SECOND)
    first = update_messages(oryx, FIRST_COUNT)[:FIRST_COUNT]
    published = update_messages(oryx, FIRST_COUNT + SECOND_COUNT)

    with dagster_webserver(home, conf, tmp_path / "webserver.log") as base:
        page = browser(f"{base}/assets/republished_model", ready="true")
        try:
            dialog = "document.querySelector('[role=dialog]') !== null"
            click_until(page, "button", "Materialize", dialog, "the Materialize dialog")
            menu = "[...document.querySelectorAll('[role=menuitem]')].length > 0"
            click_until(page, "[role=dialog] *", "Select a partition", menu, "the partition picker")
            picked = "[...document.querySelectorAll('[role=dialog] button')].some(b => b.innerText.includes('1 run'))"
            click_until(page, "[role=menuitem]", str(FIRST), picked, "the first generation ticked")
            page.send("Input.dispatchKeyEvent", type="keyDown", key="Escape", code="Escape", windowsVirtualKeyCode=27)
            page.screenshot(tmp_path / "rollback_dialog.png")
            gone = "document.querySelector('[role=dialog]') === null"
            click_until(page, "[role=dialog] button", "Launch 1 run", gone, "the run launched")
            republished = AssetKey("republished_model")
            with persistent_instance_reader(home) as reader:
                # The generations' own runs succeeded before; any failed run now is the roll back's.
                failed = RunsFilter(statuses=[DagsterRunStatus.FAILURE])
                launched = "the roll back run launched from the UI"
                wait_for(
                    lambda: reader.get_latest_materialization_event(republished) or reader.get_runs(failed),
                    300,
                    launched,
                )
                event = reader.get_latest_materialization_event(republished)
                assert event is not None and event.asset_materialization is not None, (
                    tmp_path / "webserver.log"
                ).read_text(errors="replace")[-3000:]
                assert event.asset_materialization.partition == str(FIRST)
        finally:
            page.screenshot(tmp_path / "rollback_after_launch.png")

    republished = update_messages(oryx, len(published) + FIRST_COUNT)[len(published) :]
    assert [m.message for m in republished] == [m.message for m in first]
    assert republished[0].generation == FIRST
    app = create_app(serving_config(oryx))
    try:
        client = app.test_client()
        wait_for(lambda: client.get("/ready").headers.get("Oryx-Model-Generation") == str(FIRST), timeout=60)
        wait_for(lambda: client.get("/user/allIDs").text.split() == ["alice", "bob", "carol", "dave"])
    finally:
        app.extensions["oryx"].close()
