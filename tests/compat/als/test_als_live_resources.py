"""Oryx 2's ALS resource tests again, end to end: ``python -m oryx_serving`` (gunicorn) over real HTTP, the
``TestALSModelFactory`` model from the real broker's update topic, written lines read back from the real input
topic, and read-only mode for real (which Oryx 2 could only test with a mock manager, spec section 8).

Every ported method of the modules below runs again here, unchanged; their ids are ``<UpstreamClass>.<method>``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import test_als_AllItemIDsTest
import test_als_AllUserIDsTest
import test_als_BecauseTest
import test_als_CompressedResponseTest
import test_als_ConsoleTest
import test_als_EstimateForAnonymousTest
import test_als_EstimateTest
import test_als_IngestTest
import test_als_KnownItemsTest
import test_als_MostActiveUsersTest
import test_als_MostPopularItemsTest
import test_als_MostSurprisingTest
import test_als_PopularRepresentativeItemsTest
import test_als_PreferenceTest
import test_als_ReadOnlyTest
import test_als_ReadyTest
import test_als_RecommendTest
import test_als_RecommendToAnonymousTest
import test_als_RecommendToManyTest
import test_als_RecommendWithContextTest
import test_als_SimilarityTest
import test_als_SimilarityToItemTest
from compat import oryx2_models as models
from compat.conftest import READ_ONLY
from compat.live_serving import LiveServer, create_topics, gunicorn, publish, topic_config
from compat.upstream_cases import UpstreamTest, upstream_cases

pytestmark = pytest.mark.integration

CASES = upstream_cases(
    test_als_AllItemIDsTest,
    test_als_AllUserIDsTest,
    test_als_BecauseTest,
    test_als_CompressedResponseTest,
    test_als_ConsoleTest,
    test_als_EstimateForAnonymousTest,
    test_als_EstimateTest,
    test_als_IngestTest,
    test_als_KnownItemsTest,
    test_als_MostActiveUsersTest,
    test_als_MostPopularItemsTest,
    test_als_MostSurprisingTest,
    test_als_PopularRepresentativeItemsTest,
    test_als_PreferenceTest,
    test_als_ReadOnlyTest,
    test_als_ReadyTest,
    test_als_RecommendTest,
    test_als_RecommendToAnonymousTest,
    test_als_RecommendToManyTest,
    test_als_RecommendWithContextTest,
    test_als_SimilarityTest,
    test_als_SimilarityToItemTest,
)


@pytest.fixture(scope="module")
def live_servers(kafka_brokers: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveServer]]:
    """The model published once; one serving layer for writes, one read-only, both following the topic."""
    input_topic, update_topic = create_topics(kafka_brokers, "als-live")
    publish(kafka_brokers, update_topic, models.als_test_model_messages())
    config = [*models.ALS_CONFIG, *topic_config(kafka_brokers, input_topic, update_topic)]
    servers = [(tmp_path_factory.mktemp("als-live"), config), (tmp_path_factory.mktemp("als-ro"), [*config, READ_ONLY])]
    with gunicorn(*servers) as (url, read_only_url):
        yield {
            "als": LiveServer(url, kafka_brokers, input_topic),
            "als_read_only": LiveServer(read_only_url, kafka_brokers, input_topic),
        }


@pytest.mark.parametrize(("upstream", "fixture"), CASES)
def test_upstream_over_http(upstream: UpstreamTest, fixture: str, live_servers: dict[str, LiveServer]) -> None:
    upstream(live_servers[fixture].clear_input())
