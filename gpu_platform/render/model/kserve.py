"""The KServe backend: the pinned vLLM ClusterServingRuntime and an InferenceService in Standard mode on it.

KServe creates the `<name>-predictor` Deployment and Service (autoscalerClass `external`); our KEDA ScaledObject
scales that Deployment, so every autoscaling field of the spec reaches KEDA unchanged.
"""

from __future__ import annotations

from typing import Any, Optional

from ...catalog.versions import image
from ...sizing import Sizing
from ...spec.model import ModelSpec
from .names import DO_NOT_DISRUPT, SERVING_PORT, meta, workload_meta
from .pod import Workload, container_security_context, gpu_pod, pod_labels, server_container
from .rollout import await_annotations, rollout_strategy

RUNTIME_NAME = "vllm-0-33"
"""The pinned vLLM ClusterServingRuntime (one per cluster, created by ModelServingBase)."""
RUNTIME_FORMAT = "vLLM"


def cluster_serving_runtime() -> dict[str, Any]:
    """The pinned vLLM 0.33 runtime every InferenceService names (no `latest`, unlike KServe's built-in one)."""
    img = image("vllm")
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": "ClusterServingRuntime",
        "metadata": meta(RUNTIME_NAME, labels={"app.kubernetes.io/version": img.tag}),
        "spec": {
            "supportedModelFormats": [{"name": RUNTIME_FORMAT, "version": "1", "autoSelect": False}],
            # No protocolVersions, like KServe's own kserve-vllmserver: its defaulting webhook sets protocolVersion
            # v2 on every vLLM-format model (inference_service_defaults.go), and the controller refuses a runtime
            # whose list lacks it ("does not support specified protocol version", components/predictor.go).
            # Listing "v1" here stopped every InferenceService we shipped; found by `verify`.
            "containers": [
                {
                    "name": "kserve-container",
                    "image": img.ref,
                    "command": ["vllm", "serve"],
                    "args": [f"--port={SERVING_PORT}"],
                    "ports": [{"containerPort": SERVING_PORT, "protocol": "TCP", "name": "http"}],
                    "securityContext": container_security_context(),
                }
            ],
        },
    }


def inference_service(
    spec: ModelSpec, sizing: Sizing, workload: Workload, *, replicas: Optional[tuple[int, int]] = None
) -> dict[str, Any]:
    """KServe InferenceService (Standard mode) on the pinned vLLM ClusterServingRuntime; scaled by our ScaledObject.

    ``replicas``: a fixed ``(min, max)`` (canaries) instead of the spec's autoscaling range.
    """
    lo, hi = replicas or (spec.autoscaling.min_replicas, spec.autoscaling.max_replicas)
    container = server_container(spec, sizing, workload, "kserve-container")
    container.pop("name")
    # KServe appends these to the runtime's args; repeating the port keeps the pod right even where it replaces them.
    container["args"] = [*container["args"], f"--port={SERVING_PORT}"]
    predictor: dict[str, Any] = {
        "minReplicas": lo,
        "maxReplicas": hi,
        "labels": pod_labels(spec, workload.name, "server"),
        "annotations": dict(DO_NOT_DISRUPT),
        "deploymentStrategy": rollout_strategy(spec),
        **gpu_pod(spec, sizing, workload.name),
        "model": {"modelFormat": {"name": RUNTIME_FORMAT}, "runtime": RUNTIME_NAME, **container},
    }
    annotations = {
        **await_annotations(sizing, min_replicas=lo),
        "serving.kserve.io/deploymentMode": "Standard",
        # `external`: KServe creates no autoscaler and leaves the Deployment's replicas alone; our ScaledObject
        # on `<name>-predictor` owns them. (With `keda`, KServe's translation keeps only
        # stabilizationWindowSeconds of the behaviour, no cooldown or polling, copies thresholds as strings
        # KEDA 2.20 cannot parse, and its webhook insists on target.value: keda_reconciler.go and
        # inference_service_validation.go at v0.20.0.) `none`: fixed replicas (canaries) from minReplicas.
        "serving.kserve.io/autoscalerClass": "external" if replicas is None else "none",
    }
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": workload_meta(spec, workload.name, annotations),
        "spec": {"predictor": predictor},
    }
