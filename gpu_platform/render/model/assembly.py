"""All objects of one model, in the order the ModelDeployment registers them, on the backend sizing chose."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ...sizing import Sizing
from ...spec.model import Backend, ModelSpec
from ..observability import model_slo_rules, vllm_pod_monitor
from .autoscaling import scaled_object
from .plain_deployment import deployment, service
from .disruption import disruption_budgets
from .placeholders import headroom
from .kserve import inference_service
from .names import MODEL_GROUP_LABEL, SERVING_PORT, endpoint_url, hf_secret_name, predictor_name
from .pod import Workload
from .ray import ray_internal_policy, ray_service
from .weights import s3_read_policy, weight_access_objects

Objects = list[tuple[str, dict[str, Any]]]


@dataclass
class RenderedModel:
    """Everything one ModelDeployment registers, in order, plus its outputs."""

    objects: Objects = field(default_factory=list)
    """``(part, object)``: the component registers each as ``f"{name}-{part}"``."""
    endpoint: str = ""
    canary_endpoint: Optional[str] = None
    s3_policy: Optional[str] = None
    """Read-only IAM policy JSON for the model's Pod Identity role (S3 sources)."""
    hf_secret: Optional[str] = None
    """Name of the Secret that must carry `HF_TOKEN` (filled by the component with a Pulumi secret)."""


def metrics_monitor(spec: ModelSpec, backend: Backend) -> dict[str, Any]:
    """PodMonitor for every serving pod of the model group (canary included): vLLM's `/metrics` on the serving port,
    or Ray's metrics port on RayService pods (Ray Serve exports the engine's metrics through its metrics agent)."""
    port = 8080 if backend is Backend.RAYSERVICE else SERVING_PORT
    return vllm_pod_monitor(f"{spec.name}-vllm", spec.namespace, {MODEL_GROUP_LABEL: spec.name}, port=port)


def _canary(spec: ModelSpec, main: Workload) -> Workload:
    """The canary workload: the model on the canary's revision, beside the main one."""
    assert spec.canary is not None
    return Workload(f"{spec.name}-canary", main.region, spec.canary.revision, main.hf_secret)


def _kserve_objects(spec: ModelSpec, sizing: Sizing, main: Workload, environment: str) -> Objects:
    out = [
        ("isvc", inference_service(spec, sizing, main)),
        ("scaledobject", scaled_object(spec, environment=environment, target=predictor_name(spec.name))),
    ]
    if spec.canary:
        fixed = spec.canary.replicas
        out.append(("canary", inference_service(spec, sizing, _canary(spec, main), replicas=(fixed, fixed))))
    return out


def _deployment_objects(
    spec: ModelSpec, sizing: Sizing, main: Workload, environment: str
) -> Objects:
    out = [
        ("deployment", deployment(spec, sizing, main)),
        ("service", service(spec)),
        ("scaledobject", scaled_object(spec, environment=environment)),
    ]
    if spec.canary:
        canary = _canary(spec, main)
        out += [
            ("canary", deployment(spec, sizing, canary, replicas=spec.canary.replicas)),
            ("canary-service", service(spec, canary.name)),
        ]
    return out


def _backend_objects(
    spec: ModelSpec, sizing: Sizing, main: Workload, environment: str
) -> Objects:
    """The serving workloads and how they scale; a canary where the backend supports one."""
    backend = sizing.backend
    if backend is Backend.KSERVE:
        return _kserve_objects(spec, sizing, main, environment)
    if backend is Backend.DEPLOYMENT:
        return _deployment_objects(spec, sizing, main, environment)
    if backend is Backend.RAYSERVICE:
        rayservice = ray_service(spec, sizing, environment=environment, region=main.region, hf_secret=main.hf_secret)
        return [("rayservice", rayservice), ("ray-policy", ray_internal_policy(spec))]
    raise ValueError(f"unresolved backend {backend}")  # pragma: no cover - sizing always resolves AUTO


def _monitoring_objects(spec: ModelSpec, backend: Backend) -> Objects:
    out: Objects = [("metrics", metrics_monitor(spec, backend))]
    if spec.ttft_p95_slo_seconds is not None:
        # A recording rule, not an alert: the platform's one TTFT alert compares each model with its own SLO. Named
        # after the model (a DNS label unique among the namespace's models, like its other objects), not its served
        # name, whose cleaned-up form can collide (`Qwen/Qwen2.5-7B` and `qwen-qwen2.5-7b` both cleaned up to
        # slo-qwen-qwen2-5-7b).
        slo = model_slo_rules([(spec.model_name, spec.ttft_p95_slo_seconds)], name=f"slo-{spec.name}",
                              namespace=spec.namespace)
        out.append(("slo", slo))
    return out


def render_model(
    spec: ModelSpec,
    sizing: Sizing,
    *,
    environment: str,
    region: str,
    with_hf_token: bool = False,
    monitor: bool = True,
) -> RenderedModel:
    """All objects for one model on the backend sizing chose.

    ``monitor``: add the PodMonitor that feeds Prometheus the vLLM metrics the KEDA triggers, dashboards and alerts
    read (needs the Prometheus Operator CRDs, so the component passes False when monitoring is off).
    """
    ns = spec.namespace
    backend = sizing.backend
    hf_secret = hf_secret_name(spec) if with_hf_token else None
    out = RenderedModel(hf_secret=hf_secret, s3_policy=s3_read_policy(spec, region))
    out.objects += weight_access_objects(spec, hf_secret)
    out.objects += _backend_objects(spec, sizing, Workload(spec.name, region, hf_secret=hf_secret), environment)
    out.objects += disruption_budgets(spec, sizing)
    placeholder = headroom(spec, sizing)
    if placeholder is not None:
        out.objects.append(("headroom", placeholder))
    if monitor:
        out.objects += _monitoring_objects(spec, backend)
    out.endpoint = endpoint_url(spec.name, ns, backend)
    if spec.canary:
        out.canary_endpoint = endpoint_url(f"{spec.name}-canary", ns, backend)
    return out
