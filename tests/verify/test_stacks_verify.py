"""Every stack in stacks/ goes through the real control plane: kube-apiserver 1.34 with the pinned CRDs (schemas and
CEL), KServe's, KEDA's and KubeRay's admission webhooks, and their controllers plus kube-controller-manager.

The assertions read what the controllers made of our objects (``derived/``), never our own dicts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gpu_platform.verify import verify_plans
from stack_plans import STACKS, planned

pytestmark = pytest.mark.controlplane


def _plan_dir(stack: str, root: Path) -> Path:
    from gpu_platform.plan.output import write_plan

    _cfg, plan = planned(stack)
    d = root / stack
    write_plan(plan, d)
    return d


@pytest.fixture(scope="session")
def verified(toolchain, tmp_path_factory):
    """stack -> (plan dir, verdict), each stack on a control plane of its own."""
    cache: dict[str, tuple[Path, object]] = {}

    def get(stack: str):
        if stack not in cache:
            d = _plan_dir(stack, tmp_path_factory.mktemp("verify"))
            cache[stack] = (d, verify_plans([d], toolchain))
        return cache[stack]

    return get


def derived(plan_dir: Path, kind: str, name: str, namespace: str = "models") -> dict:
    path = plan_dir / "derived" / f"{namespace}.{kind}.{name}.yaml"
    assert path.is_file(), f"the controllers derived no {kind} {namespace}/{name}: {sorted(p.name for p in path.parent.glob('*'))}"
    return yaml.safe_load(path.read_text())


def derived_of_kind(plan_dir: Path, kind: str, namespace: str = "models") -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted((plan_dir / "derived").glob(f"{namespace}.{kind}.*.yaml"))]


@pytest.mark.parametrize("stack", STACKS)
def test_every_object_is_admitted_and_reconciled_without_error(verified, stack):
    _d, verdict = verified(stack)
    assert verdict.ok, "\n".join(verdict.lines())
    assert verdict.applied and all(r.admitted for r in verdict.applied)
    assert verdict.derived > 0


def _hpa_for(plan_dir: Path, scaled_object: str) -> dict:
    # KEDA names the HPA it owns keda-hpa-<ScaledObject> (pkg/scaling/resolver, controllers/keda/hpa.go).
    return derived(plan_dir, "HorizontalPodAutoscaler", f"keda-hpa-{scaled_object}")


def test_kserve_predictor_is_scaled_by_the_hpa_keda_derives_from_our_scaled_object(verified):
    """dev's qwen-7b: KServe derives the predictor Deployment and Service; KEDA derives the HPA that scales it."""
    d, _ = verified("dev")
    deploy = derived(d, "Deployment", "qwen-7b-predictor")
    svc = derived(d, "Service", "qwen-7b-predictor")
    [container] = [c for c in deploy["spec"]["template"]["spec"]["containers"] if c["name"] == "kserve-container"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] in (1, "1")
    assert deploy["spec"]["template"]["spec"]["nodeSelector"]["node.kubernetes.io/instance-type"] == "g6.xlarge"
    # The gateway calls http://qwen-7b-predictor.models.svc.cluster.local/v1 (port 80): the Service must map 80 to the
    # port vLLM listens on (--port=8080 in the pod's args).
    [port] = svc["spec"]["ports"]
    assert port["port"] == 80
    assert "--port=8080" in container["args"]
    target = port["targetPort"]
    assert target == 8080 or any(p.get("name") == target and p["containerPort"] == 8080 for p in container.get("ports", []))
    # KServe made no autoscaler of its own (autoscalerClass external): exactly one HPA, KEDA's, targets the predictor.
    hpas = derived_of_kind(d, "HorizontalPodAutoscaler")
    assert [h["metadata"]["name"] for h in hpas] == ["keda-hpa-qwen-7b"]
    hpa = hpas[0]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "qwen-7b-predictor"}
    # dev: 0..1 with scale to zero. KEDA keeps the HPA's minimum at 1 and does 0<->1 itself.
    assert hpa["spec"]["minReplicas"] == 1 and hpa["spec"]["maxReplicas"] == 1
    metrics = hpa["spec"]["metrics"]
    assert len(metrics) == 3 and all(m["type"] == "External" for m in metrics)
    targets = sorted((m["external"]["target"]["type"], str(m["external"]["target"].get("averageValue") or m["external"]["target"].get("value"))) for m in metrics)
    # waiting requests: AverageValue 4 per pod; KV cache: Value 0.85 (KEDA writes 850m); wake: Value 1.
    assert targets == [("AverageValue", "4"), ("Value", "1"), ("Value", "850m")]
    behavior = hpa["spec"]["behavior"]
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] == 300
    assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0
    so = yaml.safe_load((d / "applied" / "models.ScaledObject.qwen-7b.yaml").read_text())  # as the server holds it
    assert so["spec"]["pollingInterval"] == 15 and so["spec"]["cooldownPeriod"] == 900
    assert so["spec"]["minReplicaCount"] == 0


def test_deployment_backend_scaled_object_yields_an_hpa(verified):
    """staging's qwen-3b (plain Deployment): KEDA derives the HPA with the spec's min/max and triggers."""
    d, _ = verified("staging")
    hpa = _hpa_for(d, "qwen-3b")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "qwen-3b"
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 3)
    types = sorted(m["external"]["target"]["type"] for m in hpa["spec"]["metrics"])
    assert types == ["AverageValue", "Value"]  # waiting requests per pod, KV-cache usage (no wake: min 1)
    pods = derived_of_kind(d, "Pod")
    assert any(p["metadata"]["labels"].get("gpu-platform.io/model") == "qwen-3b" for p in pods)


def test_rayservice_yields_a_raycluster_with_our_image_gpus_and_nodes(verified):
    """prod's llama-405b: KubeRay derives a RayCluster whose head and workers carry our image, GPUs and selectors."""
    d, _ = verified("prod")
    rayservice = yaml.safe_load((d / "manifests" / "models__rayservice.ray.io__llama-405b.yaml").read_text())
    [cluster] = derived_of_kind(d, "RayCluster")
    assert cluster["metadata"]["name"].startswith("llama-405b-")
    want = rayservice["spec"]["rayClusterConfig"]
    head = cluster["spec"]["headGroupSpec"]["template"]["spec"]
    assert head["containers"][0]["image"] == want["headGroupSpec"]["template"]["spec"]["containers"][0]["image"]
    [workers] = cluster["spec"]["workerGroupSpecs"]
    wspec = workers["template"]["spec"]
    assert wspec["containers"][0]["image"] == want["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["image"]
    assert str(wspec["containers"][0]["resources"]["limits"]["nvidia.com/gpu"]) == "8"
    assert wspec["nodeSelector"]["gpu-platform.io/gpu-class"] == "h100"
    # KubeRay turned the RayCluster into pods: a head pod exists (workers need the head to be ready first).
    pods = derived_of_kind(d, "Pod")
    assert any(p["metadata"]["labels"].get("ray.io/node-type") == "head" for p in pods)
