"""The RayService backend: a KubeRay RayService running Ray Serve's vLLM app across nodes (pipeline parallel between
nodes, tensor parallel within); Ray Serve autoscales replicas and the in-tree autoscaler adds worker groups."""

from __future__ import annotations

from typing import Any, Optional

import yaml

from ...catalog.gpus import GPU_CLASSES
from ...catalog.versions import RAY_VERSION, image
from ...sizing import Sizing
from ...spec.model import ModelSpec
from .autoscaling import scale_down_seconds
from .names import DO_NOT_DISRUPT, MODEL_LABEL, RAY_SERVE_PORT, meta, service_account_name, workload_meta
from .pod import (
    container_security_context,
    gpu_pod,
    gpu_resources,
    pod_labels,
    pod_security_context,
    server_env,
    server_volumes,
)
from .priority import PRIORITY_CLASSES
from .rollout import await_annotations
from .engine_args import engine_kwargs

RAY_ACCELERATOR = {name: c.ray_accelerator for name, c in GPU_CLASSES.items()}
KUBERAY_OPERATOR_LABELS = {"app.kubernetes.io/name": "kuberay-operator"}


def serve_config(spec: ModelSpec, sizing: Sizing, environment: str) -> str:
    """Ray Serve config (the RayService `serveConfigV2` string): the OpenAI app over vLLM with autoscaling."""
    a = spec.autoscaling
    llm: dict[str, Any] = {
        "model_loading_config": {"model_id": spec.model_name, "model_source": spec.model},
        "accelerator_type": RAY_ACCELERATOR[sizing.gpu_class],
        "engine_kwargs": engine_kwargs(spec, sizing),
        "deployment_config": {
            "autoscaling_config": {
                "min_replicas": a.min_replicas,
                "max_replicas": a.max_replicas,
                "target_ongoing_requests": a.target_waiting_requests * 8,
                "upscale_delay_s": 30,
                "downscale_delay_s": scale_down_seconds(spec, environment),
            }
        },
        "runtime_env": {"env_vars": {"VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1"}},
        # One bundle per engine worker (Ray multiplies it by TP × PP), packed: a tensor-parallel group fills one
        # node, pipeline stages spill onto the next (ray/llm/_internal/common/placement.py, Ray 2.56.0).
        "placement_group_config": {
            "bundle_per_worker": {"GPU": 1, "CPU": max(1, sizing.cpu // max(1, sizing.gpus_per_pod))},
            "strategy": "PACK",
        },
    }
    config = {
        "applications": [
            {
                "name": spec.name,
                "route_prefix": "/",
                "import_path": "ray.serve.llm:build_openai_app",
                "args": {"llm_configs": [llm]},
            }
        ]
    }
    return yaml.safe_dump(config, sort_keys=False)


def ray_upgrade_strategy(new_cluster_fits: bool) -> dict[str, str]:
    """How KubeRay 1.7 rolls a RayService change (rayservice_types.go; the default is NewCluster).

    NewCluster starts a second, complete cluster and switches traffic once it serves: zero downtime, but twice the
    GPUs at max replicas. Where the pools cannot hold two clusters, that second cluster never schedules and the
    upgrade waits forever, so `None`: serve-config changes (model args, autoscaling) apply in place, and a change to
    the cluster itself (image, resources, node shape) needs the RayService recreated (the plan warns).
    """
    return {"type": "NewCluster" if new_cluster_fits else "None"}


def _head_pod(spec: ModelSpec, img: str, env: list[dict], volumes: list[dict], mounts: list[dict]) -> dict[str, Any]:
    """The CPU head: Ray's controller and HTTP proxy, with only the writable HOME and /tmp of the server's volumes."""
    return {
        "priorityClassName": PRIORITY_CLASSES[spec.priority][0],
        # The head runs the in-tree autoscaler sidecar, which talks to the API server: the one pod with a token.
        "automountServiceAccountToken": True,
        "enableServiceLinks": False,
        "securityContext": pod_security_context(),
        "volumes": [v for v in volumes if v["name"] in ("home", "tmp")],
        "containers": [
            {
                "name": "ray-head",
                "image": img,
                "env": env,
                "volumeMounts": [m for m in mounts if m["name"] in ("home", "tmp")],
                "resources": {"requests": {"cpu": "2", "memory": "8Gi"}, "limits": {"memory": "8Gi"}},
                "ports": [
                    {"name": "gcs", "containerPort": 6379},
                    {"name": "dashboard", "containerPort": 8265},
                    {"name": "serve", "containerPort": RAY_SERVE_PORT},
                    {"name": "metrics", "containerPort": 8080},
                ],
                "securityContext": container_security_context(),
            }
        ],
    }


def _worker_pod(
    spec: ModelSpec, sizing: Sizing, img: str, env: list[dict], volumes: list[dict], mounts: list[dict]
) -> dict[str, Any]:
    """A GPU worker: the shared GPU pod shape, running one pipeline stage of a replica."""
    pod: dict[str, Any] = {**gpu_pod(spec, sizing, spec.name), "volumes": volumes}
    pod.pop("serviceAccountName", None)
    sa = service_account_name(spec)
    if sa:
        # Workers stream the weights; the head keeps the autoscaler's own service account (KubeRay's RBAC).
        pod["serviceAccountName"] = sa
    pod["containers"] = [
        {
            "name": "ray-worker",
            "image": img,
            "env": env,
            "resources": gpu_resources(sizing),
            "volumeMounts": mounts,
            "securityContext": container_security_context(),
            "lifecycle": {"preStop": {"exec": {"command": ["/bin/sh", "-c", "ray stop"]}}},
        }
    ]
    return pod


def _ray_cluster_config(
    spec: ModelSpec, sizing: Sizing, environment: str, head_pod: dict[str, Any], worker_pod: dict[str, Any]
) -> dict[str, Any]:
    """The RayCluster: in-tree autoscaling (idle workers leave after the scale-down window), head and GPU group."""
    a = spec.autoscaling
    return {
        "rayVersion": RAY_VERSION,
        "enableInTreeAutoscaling": True,
        "autoscalerOptions": {
            "upscalingMode": "Default",
            "idleTimeoutSeconds": scale_down_seconds(spec, environment),
            "securityContext": container_security_context(),
        },
        "headGroupSpec": {
            # num-cpus 0 keeps model replicas off the head; it only runs the controller and the proxy.
            "rayStartParams": {"dashboard-host": "0.0.0.0", "num-cpus": "0"},
            "template": {"metadata": {"labels": pod_labels(spec, spec.name, "ray-head")}, "spec": head_pod},
        },
        "workerGroupSpecs": [
            {
                "groupName": "gpu",
                # One replica = `pipeline_parallel_size` hosts, scaled as a unit.
                "numOfHosts": sizing.pipeline_parallel_size,
                "replicas": a.min_replicas,
                "minReplicas": a.min_replicas,
                "maxReplicas": a.max_replicas,
                "rayStartParams": {},
                "template": {
                    "metadata": {
                        "labels": pod_labels(spec, spec.name, "ray-worker"),
                        "annotations": dict(DO_NOT_DISRUPT),
                    },
                    "spec": worker_pod,
                },
            }
        ],
    }


def ray_service(
    spec: ModelSpec,
    sizing: Sizing,
    *,
    environment: str,
    region: str,
    hf_secret: Optional[str],
) -> dict[str, Any]:
    """KubeRay RayService: a CPU head and one multi-host worker group per replica (one pod per pipeline stage)."""
    img = image("ray-llm").ref
    env = server_env(spec, region, hf_secret, sizing)
    volumes, mounts = server_volumes(spec, sizing)
    head_pod = _head_pod(spec, img, env, volumes, mounts)
    worker_pod = _worker_pod(spec, sizing, img, env, volumes, mounts)
    wait = await_annotations(sizing, min_replicas=spec.autoscaling.min_replicas)
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": workload_meta(spec, spec.name, wait),
        "spec": {
            "upgradeStrategy": ray_upgrade_strategy(sizing.second_cluster_fits),
            "serveConfigV2": serve_config(spec, sizing, environment),
            "rayClusterConfig": _ray_cluster_config(spec, sizing, environment, head_pod, worker_pod),
        },
    }


def ray_internal_policy(spec: ModelSpec) -> dict[str, Any]:
    """Ray head and workers talk on many ports (GCS, object store, NCCL) among themselves; KubeRay polls the head."""
    own = {"matchLabels": {MODEL_LABEL: spec.name}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta(f"{spec.name}-ray", spec.namespace),
        "spec": {
            "podSelector": own,
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {"from": [{"podSelector": own}]},
                {
                    "from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": dict(KUBERAY_OPERATOR_LABELS)}}],
                    "ports": [{"protocol": "TCP", "port": 8265}, {"protocol": "TCP", "port": 52365}],
                },
            ],
            "egress": [{"to": [{"podSelector": own}]}],
        },
    }


def ray_pods_at_minimum(spec: ModelSpec, sizing: Sizing) -> int:
    """Pods of a RayService's cluster at its minimum: the head plus `pipeline_parallel_size` hosts per replica."""
    return 1 + spec.autoscaling.min_replicas * sizing.pipeline_parallel_size
