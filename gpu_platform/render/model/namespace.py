"""The model namespace: Pod Security labels, default-deny NetworkPolicies (ingress only from the proxy and
Prometheus), a GPU quota sized for peak replicas, and container defaults."""

from __future__ import annotations

from typing import Any

from ...sizing import Sizing, rollout_surge
from ...spec.model import ModelSpec
from ..labels import GPU_RESOURCE, MONITORING_NAMESPACE, PROXY_NAMESPACE
from .names import MODEL_LABEL, RAY_SERVE_PORT, SERVING_PORT, meta

POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32"


def _network_policy(name: str, namespace: str, spec: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return name, {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(name, namespace),
                  "spec": spec}


def _allow_proxy_and_prometheus() -> dict[str, Any]:
    """Model pods (serving and Ray Serve ports) from the proxy's and the monitoring namespace only."""
    return {
        "podSelector": {"matchExpressions": [{"key": MODEL_LABEL, "operator": "Exists"}]},
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "from": [
                    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}}
                    for ns in (PROXY_NAMESPACE, MONITORING_NAMESPACE)
                ],
                "ports": [
                    {"protocol": "TCP", "port": SERVING_PORT},
                    {"protocol": "TCP", "port": RAY_SERVE_PORT},
                ],
            }
        ],
    }


def _allow_egress() -> dict[str, Any]:
    """What every pod may reach: DNS, the Pod Identity agent and TLS (weights)."""
    return {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [
            # DNS.
            {
                "to": [
                    {
                        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                    }
                ],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            },
            # EKS Pod Identity agent (credentials for S3 weights).
            {"to": [{"ipBlock": {"cidr": POD_IDENTITY_AGENT_CIDR}}], "ports": [{"protocol": "TCP", "port": 80}]},
            # Weights: Hugging Face Hub and S3 over TLS.
            {"ports": [{"protocol": "TCP", "port": 443}]},
        ],
    }


def _limit_range(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": meta("limits", namespace),
        "spec": {
            "limits": [
                {
                    "type": "Container",
                    # The GPU default must be explicit: the LimitRanger admission plugin defaults a
                    # missing limit to `max` (plugin/pkg/admission/limitranger), and an extended resource's
                    # request to its limit, so without it every container that names no GPU (an injected
                    # sidecar, KServe's agent) would ask for 8 and the pod would break the GPU quota.
                    # Found by `verify` (ReplicaSet FailedCreate: requested nvidia.com/gpu=9).
                    "defaultRequest": {"cpu": "100m", "memory": "128Mi", GPU_RESOURCE: "0"},
                    "default": {"memory": "512Mi", GPU_RESOURCE: "0"},
                    "max": {GPU_RESOURCE: "8"},
                }
            ]
        },
    }


def namespace_objects(namespace: str, gpu_quota: int) -> list[tuple[str, dict[str, Any]]]:
    """The model namespace with default-deny policies (ingress only from the proxy and Prometheus), a GPU quota
    and container defaults. ``gpu_quota`` caps the GPUs all pods in the namespace may request."""
    ns_labels = {"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted"}
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": meta("gpu-quota", namespace),
        "spec": {"hard": {f"requests.{GPU_RESOURCE}": str(gpu_quota)}},
    }
    return [
        ("namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": meta(namespace, labels=ns_labels)}),
        _network_policy("default-deny", namespace, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _network_policy("allow-proxy-and-prometheus", namespace, _allow_proxy_and_prometheus()),
        _network_policy("allow-egress", namespace, _allow_egress()),
        ("gpu-quota", quota),
        ("limits", _limit_range(namespace)),
    ]


def gpu_quota(specs: list[ModelSpec], sizings: list[Sizing]) -> int:
    """GPUs a namespace needs at peak: max replicas plus a rollout's surge, canary and headroom placeholders."""
    total = 0
    for spec, s in zip(specs, sizings):
        replicas = spec.autoscaling.max_replicas + (spec.canary.replicas if spec.canary else 0) + spec.headroom_replicas
        total += (replicas + rollout_surge(spec, s.backend)) * s.gpus_per_replica
    return total
