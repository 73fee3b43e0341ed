"""Warm headroom: placeholder pods that hold GPU nodes of the model's shape, with its serving image pulled, and
give them up at once to any real replica (lowest priority)."""

from __future__ import annotations

from typing import Any, Optional

from ...catalog.versions import image
from ...sizing import Sizing
from ...spec.model import Backend, ModelSpec
from ..labels import GPU_RESOURCE, GPU_TOLERATION
from .names import MODEL_LABEL, workload_meta
from .pod import PLACEHOLDER_UID, container_security_context, node_selector, pod_labels
from .priority import HEADROOM_PRIORITY_CLASS
from .rollout import await_annotations


def serving_image(backend: Backend) -> str:
    """The image a backend's GPU pods run (what a warm node should already have pulled)."""
    return image("ray-llm" if backend is Backend.RAYSERVICE else "vllm").ref


def _placeholder_container(sizing: Sizing) -> dict[str, Any]:
    gpus = str(sizing.gpus_per_pod)
    return {
        "name": "placeholder",
        # The serving image itself, idling: the node keeps it pulled for the replica that
        # preempts us.
        "image": serving_image(sizing.backend),
        "command": ["sleep", "infinity"],
        "resources": {
            "requests": {"cpu": "10m", "memory": "16Mi", GPU_RESOURCE: gpus},
            "limits": {"cpu": "10m", "memory": "16Mi", GPU_RESOURCE: gpus},
        },
        # Nothing to serve; the probes only confirm the placeholder process is alive.
        "readinessProbe": {"exec": {"command": ["true"]}, "periodSeconds": 60},
        "livenessProbe": {"exec": {"command": ["true"]}, "periodSeconds": 60},
        "securityContext": container_security_context(uid=PLACEHOLDER_UID, read_only_root=True),
    }


def headroom(spec: ModelSpec, sizing: Sizing) -> Optional[dict[str, Any]]:
    """Placeholder pods holding warm GPU nodes of the model's shape, with the serving image already pulled."""
    if spec.headroom_replicas == 0:
        return None
    workload = f"{spec.name}-headroom"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": workload_meta(
            spec, workload, await_annotations(sizing, min_replicas=spec.headroom_replicas, placeholder=True)
        ),
        "spec": {
            "replicas": spec.headroom_replicas * sizing.nodes_per_replica,
            "selector": {"matchLabels": {MODEL_LABEL: workload}},
            "template": {
                "metadata": {"labels": pod_labels(spec, workload, "headroom")},
                "spec": {
                    "priorityClassName": HEADROOM_PRIORITY_CLASS[0],
                    "nodeSelector": node_selector(sizing),
                    "tolerations": [dict(GPU_TOLERATION)],
                    "terminationGracePeriodSeconds": 0,
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": PLACEHOLDER_UID,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [_placeholder_container(sizing)],
                },
            },
        },
    }
