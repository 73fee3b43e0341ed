"""A model needs the operators whose objects it renders: KServe's InferenceService (plus the KEDA ScaledObject that
scales it, since we run KServe's `external` autoscaler class), KubeRay's RayService, or for the plain Deployment only
KEDA; and Prometheus, which the KEDA triggers query. Turning one off is refused at the model's `backend`, naming the
switch, before anything is created."""

from __future__ import annotations

import pytest

from gpu_platform.resolve import resolve
from gpu_platform.spec import SpecError

BASE = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-ops"},
        "gpu": {"node_pools": [{"name": "l40s", "gpu_class": "l40s", "capacity": "on_demand", "limits": {"gpus": 16}}]}}
MODEL = {"name": "m", "model": "Qwen/Qwen2.5-7B-Instruct", "gpu_class": "l40s"}
NO_MONITORING = {"monitoring": {"enabled": False, "grafana": {"enabled": False}, "alertmanager": {"enabled": False}}}


def _resolve(operators: dict, **model):
    return resolve({**BASE, "operators": operators, "models": [{**MODEL, **model}]})


@pytest.mark.parametrize("backend, needs", [
    ("kserve", ("kserve", "keda")), ("rayservice", ("kuberay",)), ("deployment", ("keda",))])
def test_each_backend_needs_its_operators(backend, needs):
    assert _resolve({}, backend=backend).models[0].operators() == needs


@pytest.mark.parametrize("backend, operators, message", [
    ("kserve", {"kserve": {"enabled": False}}, "kserve needs operators.kserve.enabled: true (or choose another backend)"),
    ("kserve", {"keda": {"enabled": False}}, "KServe models autoscale with KEDA; set operators.keda.enabled"),
    ("rayservice", {"kuberay": {"enabled": False}},
     "rayservice needs operators.kuberay.enabled: true (or choose another backend)"),
    ("deployment", {"keda": {"enabled": False}}, "deployment needs operators.keda.enabled: true (or choose another backend)"),
])
def test_a_disabled_operator_is_refused_at_the_models_backend(backend, operators, message):
    with pytest.raises(SpecError) as info:
        _resolve(operators, backend=backend)
    assert info.value.problems == [("models[0].backend", message)]


def test_a_model_scaled_on_vllm_metrics_needs_prometheus_but_a_rayservice_does_not():
    """KServe and Deployment models scale with KEDA triggers that query Prometheus; a RayService scales with Ray
    Serve's own autoscaler, so it needs neither KEDA, KServe nor monitoring."""
    with pytest.raises(SpecError) as info:
        _resolve(NO_MONITORING, backend="deployment")
    assert info.value.problems == [(
        "operators.monitoring.enabled",
        "models[0] (m) autoscales on vLLM metrics from Prometheus; keep monitoring enabled")]
    bare = {**NO_MONITORING, "keda": {"enabled": False}, "kserve": {"enabled": False}}
    assert _resolve(bare, backend="rayservice").models[0].operators() == ("kuberay",)
