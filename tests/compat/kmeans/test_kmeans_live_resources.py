"""Oryx 2's k-means resource tests again, end to end: ``python -m oryx_serving`` (gunicorn) over real HTTP, the
``TestKMeansModelFactory`` model from the real broker's update topic, written lines read back from the real input
topic, and read-only mode for real. Ids are ``<UpstreamClass>.<method>``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import test_kmeans_AddTest
import test_kmeans_AssignTest
import test_kmeans_ConsoleTest
import test_kmeans_DistanceToNearestTest
import test_kmeans_ReadOnlyTest
import test_kmeans_ReadyTest
from compat import oryx2_kmeans_models as kmeans_models
from compat.conftest import READ_ONLY
from compat.live_serving import LiveServer, create_topics, gunicorn, publish, topic_config
from compat.upstream_cases import UpstreamTest, upstream_cases

pytestmark = pytest.mark.integration

CASES = upstream_cases(
    test_kmeans_AddTest,
    test_kmeans_AssignTest,
    test_kmeans_ConsoleTest,
    test_kmeans_DistanceToNearestTest,
    test_kmeans_ReadOnlyTest,
    test_kmeans_ReadyTest,
)


@pytest.fixture(scope="module")
def live_servers(kafka_brokers: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveServer]]:
    input_topic, update_topic = create_topics(kafka_brokers, "kmeans-live")
    publish(kafka_brokers, update_topic, [("MODEL", kmeans_models.KMEANS_TEST_MODEL_PMML)])
    config = [*kmeans_models.KMEANS_CONFIG, *topic_config(kafka_brokers, input_topic, update_topic)]
    servers = [
        (tmp_path_factory.mktemp("kmeans"), config),
        (tmp_path_factory.mktemp("kmeans-ro"), [*config, READ_ONLY]),
    ]
    with gunicorn(*servers) as (url, read_only_url):
        yield {
            "kmeans": LiveServer(url, kafka_brokers, input_topic),
            "kmeans_read_only": LiveServer(read_only_url, kafka_brokers, input_topic),
        }


@pytest.mark.parametrize(("upstream", "fixture"), CASES)
def test_upstream_over_http(upstream: UpstreamTest, fixture: str, live_servers: dict[str, LiveServer]) -> None:
    upstream(live_servers[fixture].clear_input())
