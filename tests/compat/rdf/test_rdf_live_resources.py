"""Oryx 2's RDF resource tests again, end to end: ``python -m oryx_serving`` (gunicorn) over real HTTP, the
``TestRDFRegressionModelFactory`` and ``TestRDFClassificationModelFactory`` forests from the real broker's update
topics, written lines read back from the real input topic, and read-only mode for real. Ids are
``<UpstreamClass>.<method>``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import test_rdf_ClassificationDistributionTest
import test_rdf_ConsoleTest
import test_rdf_FeatureImportanceTest
import test_rdf_PredictTest
import test_rdf_ReadOnlyTest
import test_rdf_ReadyTest
import test_rdf_TrainTest
from compat import oryx2_rdf_models as rdf_models
from compat.conftest import READ_ONLY
from compat.live_serving import LiveServer, create_topics, gunicorn, publish, topic_config
from compat.upstream_cases import UpstreamTest, upstream_cases

pytestmark = pytest.mark.integration

CASES = upstream_cases(
    test_rdf_ClassificationDistributionTest,
    test_rdf_ConsoleTest,
    test_rdf_FeatureImportanceTest,
    test_rdf_PredictTest,
    test_rdf_ReadOnlyTest,
    test_rdf_ReadyTest,
    test_rdf_TrainTest,
)


@pytest.fixture(scope="module")
def live_servers(kafka_brokers: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveServer]]:
    input_topic, update_topic = create_topics(kafka_brokers, "rdf-live")
    publish(kafka_brokers, update_topic, [("MODEL", rdf_models.RDF_REGRESSION_PMML)])
    regression = [*rdf_models.RDF_REGRESSION_CONFIG, *topic_config(kafka_brokers, input_topic, update_topic)]
    classes_input, classes_update = create_topics(kafka_brokers, "rdf-classes-live")
    publish(kafka_brokers, classes_update, [("MODEL", rdf_models.RDF_CLASSIFICATION_PMML)])
    classification = [
        *rdf_models.RDF_CLASSIFICATION_CONFIG,
        *topic_config(kafka_brokers, classes_input, classes_update),
    ]
    servers = [
        (tmp_path_factory.mktemp("rdf"), regression),
        (tmp_path_factory.mktemp("rdf-ro"), [*regression, READ_ONLY]),
        (tmp_path_factory.mktemp("rdf-classes"), classification),
    ]
    with gunicorn(*servers) as (url, read_only_url, classification_url):
        yield {
            "rdf": LiveServer(url, kafka_brokers, input_topic),
            "rdf_read_only": LiveServer(read_only_url, kafka_brokers, input_topic),
            "rdf_classification": LiveServer(classification_url, kafka_brokers, classes_input),
        }


@pytest.mark.parametrize(("upstream", "fixture"), CASES)
def test_upstream_over_http(upstream: UpstreamTest, fixture: str, live_servers: dict[str, LiveServer]) -> None:
    upstream(live_servers[fixture].clear_input())
