"""Broken inputs are refused by the component that owns the rule, and plans upgrade in place without rejection.

Each rejection test asserts on the API server's message, which names who refused: an admission webhook (``admission
webhook "<name>" denied the request``), a CRD's CEL rule (its ``message``), or the OpenAPI schema (``Required
value``). The broken objects are our own rendered objects with one thing broken.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from gpu_platform.plan.output import write_plan
from gpu_platform.plan.runner import run_stack
from gpu_platform.verify import ControlPlane, verify_plans
from stack_plans import REPO, planned

pytestmark = pytest.mark.controlplane


def _write(stack: str, d: Path) -> Path:
    _cfg, plan = planned(stack)
    write_plan(plan, d)
    return d


def _manifest(plan_dir: Path, name: str) -> dict:
    return yaml.safe_load((plan_dir / "manifests" / name).read_text())


@pytest.fixture(scope="module")
def dev_cluster(toolchain, tmp_path_factory):
    """A control plane holding the dev stack's objects, upgraded to a changed dev stack."""
    root = tmp_path_factory.mktemp("upgrade")
    dev = _write("dev", root / "dev")
    changed = root / "dev-changed"
    _cfg, plan = run_stack(str(_changed_dev_stack(root)), REPO)
    write_plan(plan, changed)
    with ControlPlane(toolchain) as cp:
        first = verify_plans([dev], toolchain, control_plane=cp)
        upgrade = verify_plans([changed], toolchain, control_plane=cp)
        yield cp, root, first, upgrade


def _changed_dev_stack(root: Path) -> Path:
    """dev with a changed model, a second model (more replicas) on a new pool, and a changed pool: day 2."""
    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())
    platform = doc["config"]["gpu-platform:platform"]
    pools = platform["gpu"]["node_pools"]
    pools[0]["limits"] = {"gpus": 6, "on_demand_gpus": 3}
    pools.append({"name": "l40s", "gpu_class": "l40s", "capacity": "on_demand", "limits": {"gpus": 4}})
    model = platform["models"][0]
    model["autoscaling"]["idle_seconds_before_zero"] = 600  # its cache is ReadWriteOnce: it stays at one replica
    model["max_model_len"] = 4096
    platform["models"].append({
        "name": "llama-3b", "model": "meta-llama/Llama-3.2-3B-Instruct", "served_name": "llama-3.2-3b-instruct",
        "gpu_class": "l40s", "backend": "deployment", "autoscaling": {"min_replicas": 1, "max_replicas": 2},
    })
    path = root / "Pulumi.dev-changed.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_dev_then_a_changed_dev_both_apply_cleanly(dev_cluster):
    _cp, _root, first, upgrade = dev_cluster
    assert first.ok, "\n".join(first.lines())
    assert upgrade.ok, "\n".join(upgrade.lines())
    kinds = {r.kind for r in upgrade.applied}
    assert {"InferenceService", "ScaledObject", "NodePool", "Deployment"} <= kinds


def _apply(cp: ControlPlane, tmp: Path, *docs: dict):
    path = tmp / "broken.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return cp.apply([path])


def test_kserve_webhook_rejects_keda_external_metric_without_target_value(dev_cluster, tmp_path):
    """KServe v0.20.0 inference_service_validation.go validateScalingKedaCompExtension: with autoscalerClass keda,
    every External metric needs target.value (our old render set averageValue)."""
    cp, root, _first, _up = dev_cluster
    isvc = _manifest(root / "dev", "models__inferenceservice.serving.kserve.io__qwen-7b.yaml")
    broken = copy.deepcopy(isvc)
    broken["metadata"]["name"] = "qwen-7b-keda"
    broken["metadata"]["annotations"]["serving.kserve.io/autoscalerClass"] = "keda"
    broken["spec"]["predictor"]["autoScaling"] = {"metrics": [{
        "type": "External",
        "external": {
            "metric": {"backend": "prometheus", "serverAddress": "http://prometheus:9090", "query": "sum(up)"},
            "target": {"type": "AverageValue", "averageValue": "4"},
        },
    }]}
    [result] = _apply(cp, tmp_path, broken)
    assert not result.admitted
    assert 'admission webhook "inferenceservice.kserve-webhook-server.validator" denied the request' in result.message
    assert result.ref == "InferenceService models/qwen-7b-keda"


def test_keda_webhook_rejects_a_second_scaled_object_on_the_same_deployment(dev_cluster, tmp_path):
    """KEDA v2.20.2 apis/keda/v1alpha1/scaledobject_webhook.go verifyScaledObjects: one workload, one ScaledObject."""
    cp, root, _first, _up = dev_cluster
    so = _manifest(root / "dev", "models__scaledobject.keda.sh__qwen-7b.yaml")
    second = copy.deepcopy(so)
    second["metadata"]["name"] = "qwen-7b-second"
    [result] = _apply(cp, tmp_path, second)
    assert not result.admitted
    assert 'admission webhook "vscaledobject.kb.io" denied the request' in result.message
    assert "qwen-7b-predictor" in result.message and "already managed" in result.message


def test_nodepool_cel_rule_rejects_gt_with_two_values(dev_cluster, tmp_path):
    """Karpenter v1.14.1 NodePool CRD, x-kubernetes-validations on requirements: Gt/Lt/Gte/Lte take a single
    non-negative integer. Only a server that runs the CRD's CEL rules refuses this; the JSON schema accepts it."""
    cp, root, _first, _up = dev_cluster
    pool = _manifest(root / "dev", "_cluster__nodepool.karpenter.sh__l4-spot.yaml")
    broken = copy.deepcopy(pool)
    broken["metadata"]["name"] = "l4-broken"
    broken["spec"]["template"]["spec"]["requirements"].append(
        {"key": "karpenter.k8s.aws/instance-gpu-count", "operator": "Gt", "values": ["1", "2"]}
    )
    [result] = _apply(cp, tmp_path, broken)
    assert not result.admitted
    assert "requirements operator 'Gt', 'Lt', 'Gte', or 'Lte' must have a single positive integer value" in result.message
    assert result.ref == "NodePool l4-broken"


def test_api_server_rejects_a_rayservice_without_its_head_group(dev_cluster, tmp_path):
    """KubeRay 1.7.0 CRD: rayClusterConfig.headGroupSpec is required (OpenAPI schema, enforced by the API server)."""
    cp, _root, _first, _up = dev_cluster
    prod = _write("prod", tmp_path / "prod")
    ray = _manifest(prod, "models__rayservice.ray.io__llama-405b.yaml")
    del ray["spec"]["rayClusterConfig"]["headGroupSpec"]
    [result] = _apply(cp, tmp_path, ray)
    assert not result.admitted
    assert "spec.rayClusterConfig.headGroupSpec: Required value" in result.message


def test_prometheus_operators_webhook_rejects_a_rule_prometheus_could_not_load(dev_cluster, tmp_path):
    """prometheus-operator v0.93.1's admission webhook (deployed by kube-prometheus-stack) loads every rule with
    Prometheus's rule parser: our recording rules and alerts are admitted (the stack tests), a broken one is not."""
    cp, root, _first, _up = dev_cluster
    rule = _manifest(root / "dev", "monitoring__prometheusrule.monitoring.coreos.com__gpu-platform-alerts.yaml")
    broken = copy.deepcopy(rule)
    broken["metadata"]["name"] = "broken-rules"
    broken["spec"]["groups"][0]["rules"][0]["expr"] = "sum(rate(vllm:num_requests_waiting[5m])"
    [result] = _apply(cp, tmp_path, broken)
    assert not result.admitted
    assert 'admission webhook "prometheusrulevalidate.monitoring.coreos.com" denied the request' in result.message
