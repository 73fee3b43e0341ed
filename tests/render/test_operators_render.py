"""Operator Helm values and install order: only chart-defined keys, pinned charts, controllers on system nodes."""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gpu_platform.catalog.versions import CHARTS
from gpu_platform.render import karpenter as rk
from gpu_platform.render.cluster import system_node_group_args
from gpu_platform.render.labels import MONITORING_NAMESPACE, PROMETHEUS_RELEASE
from gpu_platform.render.operators import (
    FREE_FORM_VALUES,
    GRAFANA_DASHBOARD_LABEL,
    SUBCHART_VALUES,
    controller_replicas,
    operator_releases,
)
from gpu_platform.spec import PlatformSpec, validate_spec
from gpu_platform.spec.platform import Environment
from branches import reaches
from support import UPSTREAM, assert_helm_values_known, chart_values, requires_upstream, selects

BASE = {"environment": "staging", "region": "us-west-2", "cluster": {"name": "gpu-test"}}


def spec_of(operators: dict | None = None, environment: str = "staging") -> PlatformSpec:
    """A validated spec; prod is derived from staging so unrelated production rules (AMI pins …) stay out."""
    spec = validate_spec(PlatformSpec, {**BASE, "operators": operators or {}})
    if environment != "staging":
        spec.operators.check_environment(environment == "prod")
        spec = spec.model_copy(update={"environment": Environment(environment)})
    return spec


def releases(spec: PlatformSpec) -> dict[str, Any]:
    return {p.key: p for p in operator_releases(spec)}


def _strip(values: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    out = copy.deepcopy(values)
    for path in paths:
        *parents, leaf = path.split(".")
        node = out
        for part in parents:
            node = node.get(part, {})
        node.pop(leaf, None)
    return out


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")


switches = st.fixed_dictionaries(
    {
        "kserve": st.fixed_dictionaries({"enabled": st.booleans()}),
        "kuberay": st.fixed_dictionaries({"enabled": st.booleans()}),
        "keda": st.booleans().flatmap(
            lambda on: st.fixed_dictionaries({"enabled": st.just(on), "http_addon": st.booleans() if on else st.just(False)})
        ),
        "monitoring": st.booleans().flatmap(
            lambda on: st.fixed_dictionaries(
                {
                    "enabled": st.just(on),
                    "grafana": st.fixed_dictionaries(
                        {"enabled": st.booleans() if on else st.just(False),
                         "persistence_gib": st.none() | st.integers(1, 50)}
                    ),
                    "alertmanager": st.fixed_dictionaries(
                        {"enabled": st.booleans() if on else st.just(False), "replicas": st.integers(1, 3)}
                    ),
                    "prometheus": st.fixed_dictionaries(
                        {"storage_gib": st.none() | st.integers(10, 500), "replicas": st.integers(1, 3)}
                    ),
                }
            )
        ),
        "controller_replicas": st.none() | st.integers(1, 3),
    }
)


SWITCH_ARMS = (
    "dev", "staging", "kserve on", "kserve off", "kuberay on", "kuberay off", "keda off", "keda without http add-on",
    "keda with http add-on", "monitoring off", "grafana on", "grafana off", "alertmanager on", "alertmanager off",
    "prometheus volume", "prometheus emptyDir", "controller replicas default", "controller replicas set",
)


def switch_arms(operators: dict, environment: str) -> Iterator[str]:
    """The arms of the operator renders a draw of `switches` takes."""
    yield environment
    for key in ("kserve", "kuberay"):
        yield f"{key} {'on' if operators[key]['enabled'] else 'off'}"
    keda, monitoring = operators["keda"], operators["monitoring"]
    yield "keda off" if not keda["enabled"] else f"keda {'with' if keda['http_addon'] else 'without'} http add-on"
    if not monitoring["enabled"]:
        yield "monitoring off"
    else:
        yield from (f"{key} {'on' if monitoring[key]['enabled'] else 'off'}" for key in ("grafana", "alertmanager"))
        yield "prometheus emptyDir" if monitoring["prometheus"]["storage_gib"] is None else "prometheus volume"
    yield "controller replicas default" if operators["controller_replicas"] is None else "controller replicas set"


def every_switch_arm(test):
    """Examples that take every arm of SWITCH_ARMS between them: all on, all off, and on with its parts off."""
    on = {"enabled": True}
    off = {"enabled": False}
    return example(environment="staging", operators={
        "kserve": on, "kuberay": on, "keda": {"enabled": True, "http_addon": True},
        "monitoring": {"enabled": True, "grafana": {"enabled": True, "persistence_gib": 10},
                       "alertmanager": {"enabled": True, "replicas": 2},
                       "prometheus": {"storage_gib": 100, "replicas": 2}},
        "controller_replicas": 2,
    })(example(environment="dev", operators={
        "kserve": off, "kuberay": off, "keda": {"enabled": False, "http_addon": False},
        "monitoring": {"enabled": False, "grafana": {"enabled": False, "persistence_gib": None},
                       "alertmanager": {"enabled": False, "replicas": 1},
                       "prometheus": {"storage_gib": None, "replicas": 1}},
        "controller_replicas": None,
    })(example(environment="dev", operators={
        "kserve": on, "kuberay": off, "keda": {"enabled": True, "http_addon": False},
        "monitoring": {"enabled": True, "grafana": {"enabled": False, "persistence_gib": None},
                       "alertmanager": {"enabled": False, "replicas": 1},
                       "prometheus": {"storage_gib": None, "replicas": 1}},
        "controller_replicas": None,
    })(test)))


@requires_upstream
@reaches(*SWITCH_ARMS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@every_switch_arm
@given(operators=switches, environment=st.sampled_from(["dev", "staging"]))
def test_values_use_only_keys_the_charts_define(branch, operators, environment):
    for arm in switch_arms(operators, environment):
        branch(arm)
    for plan in operator_releases(spec_of(operators, environment)):
        subchart = SUBCHART_VALUES.get(plan.key, ())
        assert_helm_values_known(plan.key, _strip(plan.values, subchart), free_form=FREE_FORM_VALUES.get(plan.key, ()))


@requires_upstream
def test_subchart_paths_sit_under_a_subchart_the_parent_configures():
    upstream = chart_values("kube-prometheus-stack")
    for path in SUBCHART_VALUES["kube-prometheus-stack"]:
        parent, leaf = path.split(".", 1)
        assert parent in upstream, path
        # …and the parent chart does not define the key itself (otherwise it must be checked, not stripped).
        assert leaf.split(".")[0] not in upstream[parent], path


@requires_upstream
@reaches(*SWITCH_ARMS)
@every_switch_arm
@given(operators=switches, environment=st.sampled_from(["dev", "staging"]))
@settings(max_examples=40, deadline=None)
def test_install_order_is_topological_and_complete(branch, operators, environment):
    for arm in switch_arms(operators, environment):
        branch(arm)
    plans = operator_releases(spec_of(operators, environment))
    seen: set[str] = set()
    for plan in plans:
        missing = [d for d in plan.depends_on if d not in seen]
        assert not missing, f"{plan.key} listed before {missing}"
        seen.add(plan.key)
    keys = [p.key for p in plans]
    assert len(keys) == len(set(keys))
    spec = spec_of(operators, environment)
    assert ("kube-prometheus-stack" in keys) == spec.operators.monitoring.enabled
    assert ("kserve-resources" in keys) == spec.operators.kserve.enabled
    assert ("keda-add-ons-http" in keys) == spec.operators.keda.http_addon


def test_kserve_order_crds_then_controller_after_cert_manager_and_keda():
    by_key = releases(spec_of())
    assert by_key["kserve-crd"].depends_on == ("cert-manager",)
    assert set(by_key["kserve-resources"].depends_on) == {"kserve-crd", "cert-manager", "keda"}
    without_keda = releases(spec_of({"keda": {"enabled": False}}))
    assert set(without_keda["kserve-resources"].depends_on) == {"kserve-crd", "cert-manager"}
    assert "kserve-runtime-configs" not in by_key  # runtimes are ours (pinned vLLM), not the chart's


def test_charts_with_service_monitors_wait_for_the_prometheus_crds():
    by_key = releases(spec_of())
    for key in ("cert-manager", "keda", "kuberay-operator"):
        assert "kube-prometheus-stack" in by_key[key].depends_on, key
    off = releases(spec_of({"monitoring": {"enabled": False, "grafana": {"enabled": False},
                                           "alertmanager": {"enabled": False}}}))
    assert all("kube-prometheus-stack" not in p.depends_on for p in off.values())
    # Without the CRDs a ServiceMonitor template fails the whole release.
    assert off["cert-manager"].values["prometheus"]["servicemonitor"]["enabled"] is False
    assert off["keda"].values["prometheus"]["operator"]["serviceMonitor"]["enabled"] is False
    assert off["kuberay-operator"].values["metrics"]["serviceMonitor"]["enabled"] is False


@requires_upstream
def test_every_chart_is_pinned_to_the_upstream_ground_truth():
    upstream = {c["chart"]: c for c in json.loads((UPSTREAM / "charts" / "charts.json").read_text())["charts"]}
    for plan in operator_releases(spec_of({"keda": {"http_addon": True}})):
        chart = CHARTS[plan.key]
        assert chart.version == upstream[plan.key]["chart_version"], plan.key
        assert chart.version and "latest" not in chart.version
        if chart.repository is None:
            assert chart.chart == upstream[plan.key]["install_from"].split()[0], plan.key


# Every place a controller, webhook or hook Job is scheduled, per chart.
PLACEMENT_PATHS = {
    "cert-manager": ["", "webhook", "cainjector", "startupapicheck"],
    "kserve-crd": [],  # CRDs only, no workload
    "kserve-resources": ["kserve.controller"],
    "kuberay-operator": [""],
    "keda": ["", "operator", "metricsServer", "webhooks"],
    "keda-add-ons-http": ["operator", "scaler", "interceptor"],
    "kube-prometheus-stack": [
        "prometheus.prometheusSpec",
        "alertmanager.alertmanagerSpec",
        "prometheusOperator",
        "prometheusOperator.admissionWebhooks.patch",
        "kube-state-metrics",
        "grafana",
    ],
}


def _at(values: dict[str, Any], path: str) -> dict[str, Any]:
    node = values
    for part in filter(None, path.split(".")):
        node = node[part]
    return node


# The labels every node carries that a controller's nodeSelector might also name (kubelet's well-known labels).
WELL_KNOWN = {"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}


def karpenter_node_labels(spec: PlatformSpec) -> dict[str, dict[str, str]]:
    """Template labels of every NodePool Karpenter may launch for ``spec``, with one GPU pool added so GPU nodes
    are among them."""
    with_gpu = validate_spec(PlatformSpec, {**spec.model_dump(mode="json", exclude_none=True),
                                            "gpu": {"node_pools": [{"name": "l40s", "gpu_class": "l40s"}]}})
    pools = [o for p in with_gpu.gpu.node_pools for o in rk.gpu_node_pools(with_gpu, p)] + rk.cpu_node_pools(with_gpu)
    assert {p["metadata"]["name"] for p in pools} >= {"cpu-spot", "cpu-on-demand"} and len(pools) > 2
    return {p["metadata"]["name"]: {**p["spec"]["template"]["metadata"]["labels"], **WELL_KNOWN} for p in pools}


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_controllers_land_on_system_nodes_and_tolerate_nothing_gpu(environment):
    """Controllers run on the managed system node group, never on nodes Karpenter provisions: Karpenter removes
    those when it consolidates, and a controller on a GPU node would hold it up (or sit on costly capacity)."""
    spec = spec_of({"keda": {"http_addon": True}}, environment)
    by_key = releases(spec)
    system = {**system_node_group_args(spec)["labels"], **WELL_KNOWN}
    karpenter = karpenter_node_labels(spec)
    assert set(by_key) == set(PLACEMENT_PATHS)
    for key, paths in PLACEMENT_PATHS.items():
        for path in paths:
            section = _at(by_key[key].values, path)
            assert section["nodeSelector"], f"{key}:{path} has no nodeSelector"
            assert section["tolerations"] == [], f"{key}:{path}"
        for where, value in _walk(by_key[key].values):
            if where.endswith("tolerations"):
                # nvidia.com/gpu: the taint GPU nodes carry for the device plugin (facts.md, default tolerations).
                assert "nvidia.com/gpu" not in json.dumps(value), f"{key}:{where} tolerates GPU nodes"
            if where.endswith("nodeSelector"):
                assert value and selects(value, system), f"{key}:{where} misses the system nodes"
                landing = [name for name, labels in karpenter.items() if selects(value, labels)]
                assert landing == [], f"{key}:{where} also selects Karpenter pools {landing}"


def test_kserve_standard_mode_pinned_version_no_istio_no_ingress():
    values = releases(spec_of())["kserve-resources"].values["kserve"]
    assert values["controller"]["deploymentMode"] == "Standard"
    assert values["version"] == CHARTS["kserve-resources"].version == "v0.20.0"
    assert values["controller"]["gateway"]["disableIstioVirtualHost"] is True
    assert values["controller"]["gateway"]["disableIngressCreation"] is True
    assert "servingruntime" not in values


def test_cert_manager_installs_and_keeps_its_crds():
    values = releases(spec_of())["cert-manager"].values
    assert values["crds"] == {"enabled": True, "keep": True}
    assert "installCRDs" not in values  # deprecated


def test_crd_bearing_charts_install_their_crds():
    by_key = releases(spec_of({"keda": {"http_addon": True}}))
    assert by_key["keda"].values["crds"]["install"] is True
    assert by_key["keda-add-ons-http"].values["crds"]["install"] is True
    assert by_key["kube-prometheus-stack"].values["crds"]["enabled"] is True


def test_prometheus_selects_monitors_and_rules_from_everywhere():
    spec = releases(spec_of())["kube-prometheus-stack"].values["prometheus"]["prometheusSpec"]
    for kind in ("serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"):
        assert spec[f"{kind}SelectorNilUsesHelmValues"] is False, kind
        # No explicit selector or namespace selector: the chart's `{}` means every namespace.
        assert f"{kind}Selector" not in spec and f"{kind}NamespaceSelector" not in spec


@requires_upstream
def test_dashboard_label_matches_the_grafana_sidecar():
    upstream = chart_values("kube-prometheus-stack")["grafana"]["sidecar"]["dashboards"]
    assert (upstream["label"], str(upstream["labelValue"])) == GRAFANA_DASHBOARD_LABEL
    ours = releases(spec_of())["kube-prometheus-stack"].values["grafana"]["sidecar"]["dashboards"]
    assert (ours["label"], ours["labelValue"]) == GRAFANA_DASHBOARD_LABEL
    assert ours["searchNamespace"] == "ALL"


def test_prometheus_sizing_follows_the_spec():
    spec = spec_of(
        {"monitoring": {"prometheus": {"retention": "30d", "retention_size": "180GB", "storage_gib": 200,
                                       "replicas": 2, "resources": {"cpu": "1", "memory": "4Gi", "memory_limit": "6Gi"}}}},
        environment="prod",
    )
    prom = releases(spec)["kube-prometheus-stack"].values["prometheus"]["prometheusSpec"]
    assert prom["retention"] == "30d" and prom["retentionSize"] == "180GB" and prom["replicas"] == 2
    claim = prom["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["resources"]["requests"]["storage"] == "200Gi"
    assert claim["storageClassName"] == "gp3-encrypted"
    # StatefulSets keep their claims on delete unless told (Kubernetes' default Retain): destroy left the volumes.
    assert prom["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Delete", "whenScaled": "Retain"}
    assert prom["resources"] == {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "6Gi"}}
    assert prom["externalLabels"] == {"cluster": "gpu-test", "environment": "prod"}


def test_ephemeral_prometheus_has_no_volume_claim():
    prom = releases(spec_of({"monitoring": {"prometheus": {"storage_gib": None}}}, "dev"))["kube-prometheus-stack"]
    assert "storageSpec" not in prom.values["prometheus"]["prometheusSpec"]


def test_grafana_and_alertmanager_switches():
    dev = releases(spec_of({"monitoring": {"grafana": {"enabled": False}, "alertmanager": {"enabled": False}}}, "dev"))
    values = dev["kube-prometheus-stack"].values
    assert values["grafana"] == {"enabled": False}
    assert values["alertmanager"] == {"enabled": False}
    prod = releases(spec_of({"monitoring": {"grafana": {"persistence_gib": 10, "admin_existing_secret": "grafana-admin"},
                                            "alertmanager": {"replicas": 2}}}, "prod"))
    values = prod["kube-prometheus-stack"].values
    assert values["grafana"]["persistence"] == {"enabled": True, "storageClassName": "gp3-encrypted", "size": "10Gi"}
    assert values["grafana"]["admin"] == {"existingSecret": "grafana-admin"}
    assert values["grafana"]["deploymentStrategy"] == {"type": "Recreate"}  # RWO volume
    assert "adminPassword" not in values["grafana"]  # never a plain password in values (Pulumi state)
    assert values["alertmanager"]["alertmanagerSpec"]["replicas"] == 2


def test_unreachable_eks_control_plane_targets_are_not_scraped():
    values = releases(spec_of())["kube-prometheus-stack"].values
    for component in ("kubeEtcd", "kubeControllerManager", "kubeScheduler", "kubeProxy"):
        assert values[component] == {"enabled": False}


@pytest.mark.parametrize(("min_size", "explicit", "expected"), [
    # Two replicas only where the system group always has two nodes to spread them over; an explicit choice wins.
    (1, None, 1), (2, None, 2), (3, None, 2), (1, 3, 3), (3, 1, 1),
])
def test_controller_replicas_follow_the_system_group(min_size, explicit, expected):
    spec = validate_spec(PlatformSpec, {**BASE, "system_nodes": {"min_size": min_size, "desired_size": min_size},
                                        "operators": {"controller_replicas": explicit}})
    by_key = releases(spec)
    assert by_key["cert-manager"].values["replicaCount"] == expected
    assert by_key["cert-manager"].values["webhook"]["replicaCount"] == expected
    assert by_key["cert-manager"].values["podDisruptionBudget"]["enabled"] is (expected > 1)
    assert by_key["keda"].values["operator"]["replicaCount"] == expected
    assert by_key["kuberay-operator"].values["replicas"] == expected
    assert ("podDisruptionBudget" in by_key["keda"].values) is (expected > 1)


def test_release_names_and_namespaces():
    by_key = releases(spec_of({"keda": {"http_addon": True}}))
    kps = by_key["kube-prometheus-stack"]
    assert (kps.release, kps.namespace) == (PROMETHEUS_RELEASE, MONITORING_NAMESPACE)
    # KServe's chart points its webhooks at kserve/serving-cert.
    assert by_key["kserve-resources"].namespace == by_key["kserve-crd"].namespace == "kserve"
    assert by_key["keda-add-ons-http"].namespace == by_key["keda"].namespace == "keda"


def test_own_service_monitors_carry_the_release_label():
    by_key = releases(spec_of())
    assert by_key["cert-manager"].values["prometheus"]["servicemonitor"]["labels"] == {"release": PROMETHEUS_RELEASE}
    assert by_key["kuberay-operator"].values["metrics"]["serviceMonitor"]["additionalLabels"] == {
        "release": PROMETHEUS_RELEASE
    }
    keda = by_key["keda"].values["prometheus"]
    for part in ("operator", "metricServer"):
        assert keda[part]["serviceMonitor"]["additionalLabels"] == {"release": PROMETHEUS_RELEASE}
