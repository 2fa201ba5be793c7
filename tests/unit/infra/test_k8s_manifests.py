"""Every manifest in infra/k8s is valid against the Kubernetes API schemas, and the pieces refer to each other.

Core kinds are checked against the official Python client's models (the generated OpenAPI types that
``dagster-k8s`` already installs): every key must be a field of its model (no misspelt or misplaced key passes
silently, unlike a lenient YAML load), every value must have the field's type, and constructing the model
enforces its required fields. Strimzi's kinds (CRDs, not in the client) are checked for the fields Strimzi's
reference marks as required, plus the choices Oryx relies on (KRaft roles, replication 3, min ISR 2).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from k8s_schema import SchemaError, build_model

from oryx_core.config import OryxConfig, load_config, topic_settings

REPO = Path(__file__).resolve().parents[3]
K8S = REPO / "infra" / "k8s"
MANIFEST_FILES = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
STRIMZI_KINDS = {"Kafka", "KafkaNodePool", "KafkaTopic"}


def model_name(document: dict[str, Any]) -> str:
    """The client model of a document: ``apps/v1`` Deployment -> V1Deployment, ``autoscaling/v2`` -> V2..."""
    version = document["apiVersion"].rsplit("/", 1)[-1]
    return version[0].upper() + version[1:] + document["kind"]


def load_documents() -> list[tuple[str, dict[str, Any]]]:
    documents = []
    for path in MANIFEST_FILES:
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                documents.append((f"{path.name}:{document['kind']}/{document['metadata']['name']}", document))
    return documents


DOCUMENTS = load_documents()
CORE = [(name, doc) for name, doc in DOCUMENTS if doc["kind"] not in STRIMZI_KINDS]


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in DOCUMENTS if doc["kind"] == kind}


@pytest.mark.parametrize(("name", "document"), CORE, ids=[name for name, _ in CORE])
def test_core_manifest_matches_the_kubernetes_schema(name: str, document: dict[str, Any]) -> None:
    built = build_model(document, model_name(document), name)
    assert built.metadata.name == document["metadata"]["name"]


def test_the_validator_rejects_an_unknown_field_a_wrong_type_and_a_missing_required_field() -> None:
    deployment = next(doc for _, doc in CORE if doc["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    broken = [
        {**deployment, "spec": {**deployment["spec"], "replica": 2}},
        {**deployment, "spec": {**deployment["spec"], "replicas": "2"}},
        {
            **deployment,
            "spec": {
                **deployment["spec"],
                "template": {
                    "metadata": {},
                    "spec": {"containers": [{k: v for k, v in container.items() if k != "name"}]},
                },
            },
        },
    ]
    for document in broken:
        with pytest.raises(SchemaError):
            build_model(document, "V1Deployment", "broken")


def test_every_manifest_file_is_in_the_kustomization() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == [p.name for p in MANIFEST_FILES]


def test_every_core_kind_used_is_checked() -> None:
    kinds = {doc["kind"] for _, doc in CORE}
    assert {"ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler", "PersistentVolumeClaim"} <= kinds


# ---- Strimzi custom resources: required fields and Oryx's settings -----------------------------------------------


def test_kafka_runs_in_kraft_mode_on_a_three_voter_node_pool() -> None:
    kafka = of_kind("Kafka")["oryx-kafka"]
    assert kafka["apiVersion"] == "kafka.strimzi.io/v1beta2"
    assert "zookeeper" not in kafka["spec"]
    listeners = kafka["spec"]["kafka"]["listeners"]
    assert listeners and all({"name", "port", "type", "tls"} <= set(listener) for listener in listeners)
    config = kafka["spec"]["kafka"]["config"]
    assert (config["default.replication.factor"], config["min.insync.replicas"]) == (3, 2)
    pools = [
        pool
        for pool in of_kind("KafkaNodePool").values()
        if pool["metadata"]["labels"]["strimzi.io/cluster"] == "oryx-kafka"
    ]
    assert pools and all({"replicas", "roles", "storage"} <= set(pool["spec"]) for pool in pools)
    voters = sum(pool["spec"]["replicas"] for pool in pools if "controller" in pool["spec"]["roles"])
    assert voters == 3
    assert all(pool["spec"]["storage"]["type"] in {"ephemeral", "persistent-claim", "jbod"} for pool in pools)


def test_topics_match_the_oryx_configuration_and_are_replicated(oryx_conf_file: Path) -> None:
    config = oryx_conf(oryx_conf_file)
    topics = {topic["spec"]["topicName"]: topic for topic in of_kind("KafkaTopic").values()}
    settings = topic_settings(config)
    assert set(topics) == {settings.input_topic, settings.update_topic}
    for topic in topics.values():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "oryx-kafka"
        assert topic["spec"]["replicas"] == 3 and topic["spec"]["config"]["min.insync.replicas"] == 2
    assert topics[settings.update_topic]["spec"]["partitions"] == 1
    # Strimzi names the bootstrap Service <cluster>-kafka-bootstrap.
    assert settings.input_broker == settings.update_broker == "oryx-kafka-kafka-bootstrap:9092"


# ---- consistency between the pieces ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oryx_conf_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ConfigMap's oryx.conf as the pods see it, mounted as a file."""
    path = tmp_path_factory.mktemp("configmap") / "oryx.conf"
    path.write_text(of_kind("ConfigMap")["oryx-config"]["data"]["oryx.conf"])
    return path


def oryx_conf(path: Path) -> OryxConfig:
    return load_config(path)


def test_the_configmap_holds_a_loadable_oryx_conf_pointing_at_cluster_engines(oryx_conf_file: Path) -> None:
    config = oryx_conf(oryx_conf_file)
    for layer in ("batch", "speed"):
        assert config.get_string(f"oryx.{layer}.streaming.master").startswith("k8s://https://")
    assert config.get_string("oryx.batch.storage.model-dir").startswith("file:/var/lib/oryx/shared/")


def test_serving_probes_use_the_configured_port_and_ready_endpoint(oryx_conf_file: Path) -> None:
    container = of_kind("Deployment")["oryx-serving"]["spec"]["template"]["spec"]["containers"][0]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports["http"] == oryx_conf(oryx_conf_file).get_int("oryx.serving.api.port")
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert "livenessProbe" in container and "/ready" not in str(container["livenessProbe"])
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])


def test_services_and_autoscaler_target_existing_deployments() -> None:
    deployments = of_kind("Deployment")
    labels = [d["spec"]["template"]["metadata"]["labels"] for d in deployments.values()]
    for service in of_kind("Service").values():
        selector = service["spec"]["selector"]
        assert any(selector.items() <= label.items() for label in labels), service["metadata"]["name"]
    for hpa in of_kind("HorizontalPodAutoscaler").values():
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments


def test_referenced_configmaps_claims_and_service_accounts_exist() -> None:
    text = "\n".join(path.read_text() for path in MANIFEST_FILES)
    claims = set(re.findall(r"claimName:\s*\"?([\w-]+)", text))
    maps = {
        v["configMap"]["name"]
        for d in of_kind("Deployment").values()
        for v in d["spec"]["template"]["spec"]["volumes"]
        if "configMap" in v
    }
    accounts = {d["spec"]["template"]["spec"].get("serviceAccountName") for d in of_kind("Deployment").values()} - {
        None
    }
    assert claims <= set(of_kind("PersistentVolumeClaim"))
    assert maps <= set(of_kind("ConfigMap"))
    assert accounts <= set(of_kind("ServiceAccount"))
