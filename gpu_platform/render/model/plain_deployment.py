"""The plain Deployment backend: a Deployment running `vllm serve` and its ClusterIP Service (KEDA scales it)."""

from __future__ import annotations

from typing import Any, Optional

from ...catalog.versions import image
from ...sizing import Sizing
from ...spec.model import ModelSpec
from .names import DO_NOT_DISRUPT, MODEL_LABEL, SERVING_PORT, meta, workload_meta
from .pod import Workload, gpu_pod, pod_labels, server_container
from .rollout import await_annotations, rollout_strategy


def deployment(
    spec: ModelSpec, sizing: Sizing, workload: Workload, *, replicas: Optional[int] = None
) -> dict[str, Any]:
    """A plain Deployment running `vllm serve` (replicas owned by KEDA unless ``replicas`` is fixed)."""
    container = server_container(spec, sizing, workload, "vllm")
    container["image"] = image("vllm").ref
    container["command"] = ["vllm", "serve"]
    container["args"] = [*container["args"], f"--port={SERVING_PORT}"]
    container["ports"] = [{"name": "http", "containerPort": SERVING_PORT, "protocol": "TCP"}]
    labels = pod_labels(spec, workload.name, "server")
    cold_start = sizing.cold_start
    body: dict[str, Any] = {
        "selector": {"matchLabels": {MODEL_LABEL: workload.name}},
        "strategy": rollout_strategy(spec),
        "progressDeadlineSeconds": max(600, sizing.startup_budget_s + cold_start.node_s + cold_start.image_s),
        "template": {
            "metadata": {"labels": labels, "annotations": dict(DO_NOT_DISRUPT)},
            "spec": {**gpu_pod(spec, sizing, workload.name), "containers": [container]},
        },
    }
    if replicas is not None:
        body = {"replicas": replicas, **body}
    min_replicas = spec.autoscaling.min_replicas if replicas is None else replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": workload_meta(spec, workload.name, await_annotations(sizing, min_replicas=min_replicas)),
        "spec": body,
    }


def service(spec: ModelSpec, workload: Optional[str] = None) -> dict[str, Any]:
    """ClusterIP Service on port 80 for the Deployment backend (same shape as KServe's predictor Service)."""
    workload = workload or spec.name
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(workload, spec.namespace, labels={MODEL_LABEL: workload}),
        "spec": {
            "type": "ClusterIP",
            "selector": {MODEL_LABEL: workload},
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }
