"""The Dagster-on-Kubernetes configuration in infra/k8s/dagster is accepted by Dagster and dagster-k8s themselves.

``dagster.yaml`` is validated with Dagster's own instance loader (the code ``DagsterInstance`` runs at start), and
its ``run_launcher`` section is processed against ``K8sRunLauncher``'s config schema and then used to construct a
real ``K8sRunLauncher`` (with a throwaway kubeconfig: construction reads it, it never contacts a cluster). The
Helm values are translated the way the chart's instance template does (camelCase -> snake_case, plus the fields
the chart fills in) and must pass the same schema, so values and dagster.yaml cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster import Shape
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster._serdes.config_class import class_from_code_pointer
from dagster_k8s import K8sRunLauncher
from k8s_schema import build_model

REPO = Path(__file__).resolve().parents[3]
DAGSTER = REPO / "infra" / "k8s" / "dagster"
KUBECONFIG = """
apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: test, user: {token: not-a-real-token}}]
contexts: [{name: test, context: {cluster: test, user: test, namespace: oryx}}]
current-context: test
"""


def instance_yaml() -> dict[str, Any]:
    return dict(yaml.safe_load((DAGSTER / "dagster.yaml").read_text()))


def helm_values() -> dict[str, Any]:
    return dict(yaml.safe_load((DAGSTER / "values.yaml").read_text()))


def run_launcher_config(config: dict[str, Any]) -> dict[str, Any]:
    result = process_config(Shape(K8sRunLauncher.config_type()), config)
    assert result.success, [error.message for error in result.errors or []]
    return dict(result.value or {})


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def chart_run_launcher_config(values: dict[str, Any], release: str = "dagster", namespace: str = "oryx") -> dict:
    """What the chart's instance ConfigMap holds under run_launcher.config for these values."""
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    config = {snake(key): value for key, value in launcher.items() if key != "runK8sConfig"}
    config["run_k8s_config"] = {
        snake(part): {snake(k): v for k, v in settings.items()} for part, settings in launcher["runK8sConfig"].items()
    }
    config.update(
        job_namespace=launcher.get("jobNamespace") or namespace,
        dagster_home=values["global"]["dagsterHome"],
        instance_config_map=f"{release}-instance",
        postgres_password_secret=values["global"]["postgresqlSecretName"],
        service_account_name=release,
    )
    return config


def test_dagster_yaml_is_a_valid_instance_config_with_postgres_and_the_k8s_run_launcher() -> None:
    config, custom_class = dagster_instance_config(str(DAGSTER))

    assert custom_class is None
    assert set(config["storage"]) == {"postgres"}
    assert (config["run_launcher"]["module"], config["run_launcher"]["class"]) == ("dagster_k8s", "K8sRunLauncher")


def test_every_class_named_by_dagster_yaml_can_be_imported() -> None:
    config = instance_yaml()
    for section in ("scheduler", "run_coordinator", "run_launcher"):
        assert class_from_code_pointer(config[section]["module"], config[section]["class"]) is not None


def test_run_launcher_section_builds_a_real_k8s_run_launcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    config = run_launcher_config(instance_yaml()["run_launcher"]["config"])
    # Outside a cluster: the same settings, with a kubeconfig file instead of the pod's service account.
    config.update(load_incluster_config=False, kubeconfig_file=str(kubeconfig))

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    launcher = K8sRunLauncher.from_config_value(None, config)

    assert launcher.job_namespace == "oryx"
    assert launcher.instance_config_map == "dagster-instance"
    assert launcher.fail_pod_on_run_failure is True
    assert launcher.run_k8s_config["pod_spec_config"]["service_account_name"] == "oryx-spark"
    assert launcher.resources["requests"] == {"cpu": "1", "memory": "2Gi"}


def test_helm_values_give_the_same_run_launcher_settings_as_dagster_yaml() -> None:
    from_values = run_launcher_config(chart_run_launcher_config(helm_values()))
    from_yaml = run_launcher_config(instance_yaml()["run_launcher"]["config"])

    for key in (
        "resources",
        "run_k8s_config",
        "labels",
        "fail_pod_on_run_failure",
        "image_pull_policy",
        "job_namespace",
    ):
        assert from_values[key] == from_yaml[key], key
    assert helm_values()["runLauncher"]["type"] == "K8sRunLauncher"


def test_helm_values_select_postgres_the_daemon_and_our_code_location() -> None:
    values = helm_values()
    assert values["postgresql"]["enabled"] is True
    assert values["dagsterDaemon"]["enabled"] is True
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["--module-name", "oryx_assets.definitions"]
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True
    workspace = yaml.safe_load((REPO / "workspace.yaml").read_text())
    assert workspace["load_from"] == [{"python_module": "oryx_assets.definitions"}]


@pytest.mark.parametrize(
    ("key", "model"),
    [("env", "V1EnvVar"), ("volumes", "V1Volume"), ("volumeMounts", "V1VolumeMount"), ("resources", None)],
)
def test_code_location_kubernetes_fields_are_valid_kubernetes_objects(key: str, model: str | None) -> None:
    (deployment,) = helm_values()["dagster-user-deployments"]["deployments"]
    if model is None:
        build_model(deployment[key], "V1ResourceRequirements", key)
    else:
        build_model(deployment[key], f"list[{model}]", key)


def test_run_pod_resources_are_valid_kubernetes_resources() -> None:
    launcher = helm_values()["runLauncher"]["config"]["k8sRunLauncher"]
    build_model(launcher["resources"], "V1ResourceRequirements", "k8sRunLauncher.resources")


def test_run_monitoring_marks_dead_run_pods_failed_in_dagster_yaml_and_helm_values_alike() -> None:
    config, _ = dagster_instance_config(str(DAGSTER))
    monitoring = config["run_monitoring"]
    chart = {snake(key): value for key, value in helm_values()["dagsterDaemon"]["runMonitoring"].items()}

    assert monitoring["enabled"] is True and monitoring["max_resume_run_attempts"] == 0
    assert {key: monitoring[key] for key in chart} == chart
