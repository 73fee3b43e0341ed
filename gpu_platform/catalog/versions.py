"""Every Helm chart and container image the platform deploys, pinned, with where the pin was read.

One place to bump versions; tests assert nothing here floats (no `latest`, no empty versions). Sources are the
upstream repositories at the tags named (see ../shared/upstream/charts/charts.json), reviewed 2026-11.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Chart:
    """A pinned Helm chart: ``repository`` is a classic repo URL, or None when ``chart`` is an ``oci://`` reference."""

    chart: str
    version: str
    repository: Optional[str]
    source: str


@dataclass(frozen=True)
class Image:
    """A pinned container image."""

    repository: str
    tag: str
    source: str

    @property
    def ref(self) -> str:
        return f"{self.repository}:{self.tag}"


CHARTS: dict[str, Chart] = {
    "karpenter-crd": Chart(
        "oci://public.ecr.aws/karpenter/karpenter-crd", "1.14.1", None, "aws/karpenter-provider-aws v1.14.1"
    ),
    "karpenter": Chart("oci://public.ecr.aws/karpenter/karpenter", "1.14.1", None, "aws/karpenter-provider-aws v1.14.1"),
    "nvidia-device-plugin": Chart(
        "nvidia-device-plugin", "0.20.0", "https://nvidia.github.io/k8s-device-plugin", "NVIDIA/k8s-device-plugin v0.20.0"
    ),
    "dcgm-exporter": Chart(
        "dcgm-exporter",
        "4.8.2",
        "https://nvidia.github.io/dcgm-exporter/helm-charts",
        "NVIDIA/dcgm-exporter 4.5.3-4.8.2",
    ),
    "cert-manager": Chart(
        "oci://quay.io/jetstack/charts/cert-manager", "v1.21.1", None, "cert-manager/cert-manager v1.21.1"
    ),
    "kserve-crd": Chart("oci://ghcr.io/kserve/charts/kserve-crd", "v0.20.0", None, "kserve/kserve v0.20.0"),
    "kserve-resources": Chart("oci://ghcr.io/kserve/charts/kserve-resources", "v0.20.0", None, "kserve/kserve v0.20.0"),
    "kuberay-operator": Chart(
        "kuberay-operator", "1.7.0", "https://ray-project.github.io/kuberay-helm/", "ray-project/kuberay v1.7.0"
    ),
    "keda": Chart("keda", "2.20.2", "https://kedacore.github.io/charts", "kedacore/charts v2.20.2"),
    "keda-add-ons-http": Chart(
        "keda-add-ons-http", "0.15.0", "https://kedacore.github.io/charts", "kedacore/charts v2.20.2 (http-add-on 0.15.0)"
    ),
    "kube-prometheus-stack": Chart(
        "oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack",
        "88.5.3",
        None,
        "prometheus-community/helm-charts kube-prometheus-stack-88.5.3",
    ),
}

IMAGES: dict[str, Image] = {
    # vLLM's OpenAI-compatible server; the flags we render are checked against vLLM 0.33.0 (facts.md).
    "vllm": Image("vllm/vllm-openai", "v0.33.0", "vllm-project/vllm v0.33.0 (PyPI wheel vllm==0.33.0)"),
    # RayService head and workers: Ray Serve LLM needs `ray[serve,llm]` plus the vLLM that Ray release pins, and
    # KubeRay drives it through the dashboard (:8265) and the dashboard agent (:52365), none of which the vLLM image
    # has (vLLM 0.33 declares no ray dependency). Ray's own LLM image, at the tag KubeRay v1.7.0's LLM sample uses
    # (ray-operator/config/samples/ray-service.high-throughput-llm.yaml, rayVersion 2.56.0). Ray 2.56.0's `llm`
    # extra pins vllm[audio]==0.22.0 (ray-2.56.0 wheel METADATA), so RayService models run vLLM 0.22, not 0.33.
    "ray-llm": Image(
        "rayproject/ray-llm",
        "2.56.0-py312-cu130",
        "ray-project/kuberay v1.7.0 samples; ray==2.56.0 wheel METADATA: vllm[audio]==0.22.0",
    ),
    # LiteLLM proxy; the config we render is checked against litellm==1.109.1 (facts.md, integration test). Since
    # 1.84.0 LiteLLM tags images `v<version>` without the old `-stable` suffix (docs.litellm.ai/blog/cleaner-release-versions).
    # The project's non-root variant (docker/Dockerfile.non_root, USER nobody): the gateway never needs root.
    "litellm": Image("ghcr.io/berriai/litellm-non_root", "v1.109.1", "BerriAI/litellm v1.109.1 (non_root image)"),
    # Pause image for warm-headroom placeholder pods.
    "pause": Image("registry.k8s.io/pause", "3.10", "kubernetes/kubernetes pause 3.10"),
}


def chart(key: str) -> Chart:
    """The pinned chart ``key``; a KeyError names the known keys."""
    try:
        return CHARTS[key]
    except KeyError:
        raise KeyError(f"unknown chart {key!r}; known: {', '.join(sorted(CHARTS))}") from None


EKS_ADDON_VERSIONS: dict[str, dict[str, str]] = {
    # The EKS user guide's "latest version of the Amazon EKS add-on type for each Kubernetes version" table
    # (managing-coredns.html, read 2026-11). A minor missing here cannot be deployed until it is pinned.
    "coredns": {"1.34": "v1.12.4-eksbuild.1", "1.33": "v1.12.4-eksbuild.1", "1.32": "v1.11.4-eksbuild.24"},
    # The EKS user guide has no per-version table for these two; AWS's own cdk-eks-blueprints pins a default per
    # minor: awslabs/cdk-eks-blueprints lib/addons/eks-pod-identity-agent/index.ts @2ae00be (versionMap).
    "eks-pod-identity-agent": {
        "1.34": "v1.3.10-eksbuild.2",
        "1.33": "v1.3.10-eksbuild.2",
        "1.32": "v1.3.10-eksbuild.2",
    },
    # awslabs/cdk-eks-blueprints lib/addons/ebs-csi-driver/index.ts @0f89ff7 ("the default version" per minor).
    "aws-ebs-csi-driver": {
        "1.34": "v1.56.0-eksbuild.1",
        "1.33": "v1.56.0-eksbuild.1",
        "1.32": "v1.56.0-eksbuild.1",
    },
}


def eks_addon_version(addon: str, kubernetes_version: str) -> str:
    """The pinned version of an EKS managed add-on for a Kubernetes minor; KeyError names what is missing."""
    if addon not in EKS_ADDON_VERSIONS:
        raise KeyError(f"unknown EKS add-on {addon!r}; pinned: {', '.join(sorted(EKS_ADDON_VERSIONS))}")
    versions = EKS_ADDON_VERSIONS[addon]
    if kubernetes_version not in versions:
        raise KeyError(f"no pinned {addon} add-on version for Kubernetes {kubernetes_version} (pinned: "
                       f"{', '.join(sorted(versions))}); add it to EKS_ADDON_VERSIONS with its source")
    return versions[kubernetes_version]


RAY_VERSION = "2.56.0"
"""The Ray release inside the `ray-llm` image: KubeRay's `rayVersion` must name it."""


def image(key: str) -> Image:
    """The pinned image ``key``; a KeyError names the known keys."""
    try:
        return IMAGES[key]
    except KeyError:
        raise KeyError(f"unknown image {key!r}; known: {', '.join(sorted(IMAGES))}") from None
