"""Operator switches: which cluster operators run (cert-manager, KServe, KubeRay, KEDA) and how monitoring is sized.

Rules between switches are checked here (KServe needs cert-manager, Grafana needs monitoring …); rules that depend
on the environment (production keeps monitoring, alerting and persistent metrics) are checked by
:meth:`OperatorsSpec.check_environment`, which ``PlatformSpec`` calls with its environment.
"""

from __future__ import annotations

import re
from typing import Optional

from pydantic import Field, field_validator, model_validator

from ._base import K8S_NAME, FieldError, SpecModel

_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
"""Prometheus duration (`15d`, `12h`, `1w`)."""
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$")
"""Kubernetes resource quantity (`500m`, `2`, `4Gi`)."""
_BYTES = re.compile(r"^[0-9]+(B|KB|MB|GB|TB|PB|EB)$")
"""Prometheus byte size (`45GB`)."""


def _duration(v: str) -> str:
    if not _DURATION.match(v):
        raise ValueError(f"must be a Prometheus duration such as 30s, 12h or 15d (got {v!r})")
    return v


def _bytes(size: str) -> float:
    """``45GB`` → bytes (Prometheus uses powers of 1024 for its units)."""
    number, unit = re.match(r"^([0-9]+)([A-Z]+)$", size).groups()
    return int(number) * 1024 ** ["B", "KB", "MB", "GB", "TB", "PB", "EB"].index(unit)


def _quantity(v: str) -> str:
    if not _QUANTITY.match(v):
        raise ValueError(f"must be a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi (got {v!r})")
    return v


class CertManagerSpec(SpecModel):
    """cert-manager (chart v1.21.1, CRDs installed by the chart): issues KServe's webhook serving certificates."""

    enabled: bool = True
    """Install cert-manager. Required while KServe is enabled (its webhooks get their certificate from it)."""


class KServeSpec(SpecModel):
    """KServe v0.20.0 in `Standard` mode (plain Deployments; no Knative, no Istio)."""

    enabled: bool = True
    """Install `kserve-crd` and `kserve-resources`. Serving runtimes are not installed from the chart: each
    ModelDeployment brings a pinned vLLM ClusterServingRuntime instead of the chart's `latest`-tagged ones."""


class KubeRaySpec(SpecModel):
    """KubeRay operator 1.7.0: runs RayService/RayCluster for models that span several GPU nodes."""

    enabled: bool = True
    """Install the KubeRay operator (its CRDs come with the chart)."""


class KedaSpec(SpecModel):
    """KEDA 2.20.2: event-driven autoscaling (every model's ScaledObject, KServe predictors included)."""

    enabled: bool = True
    """Install KEDA (operator, metrics API server, admission webhooks; CRDs from the chart)."""
    http_addon: bool = False
    """Also install the KEDA HTTP add-on 0.15.0, whose interceptor holds requests while a target scales from zero.
    Needs `enabled`."""

    @model_validator(mode="after")
    def _addon(self) -> "KedaSpec":
        if self.http_addon and not self.enabled:
            raise FieldError("http_addon", "the HTTP add-on runs on KEDA; set keda.enabled to true or turn it off")
        return self


class ResourcesSpec(SpecModel):
    """CPU/memory requests and the memory limit of one workload (CPU is left unlimited to avoid throttling)."""

    cpu: str = "500m"
    """CPU request, e.g. `500m` or `2`."""
    memory: str = "2Gi"
    """Memory request, e.g. `2Gi`; also the memory limit unless `memory_limit` is set."""
    memory_limit: Optional[str] = None
    """Memory limit; default: equal to `memory` (a Guaranteed-style memory budget, so the node never OOMs for it)."""

    @field_validator("cpu", "memory", "memory_limit")
    @classmethod
    def _quantities(cls, v: Optional[str]) -> Optional[str]:
        return None if v is None else _quantity(v)


class PrometheusSpec(SpecModel):
    """The Prometheus server of kube-prometheus-stack."""

    retention: str = "15d"
    """How long samples are kept (Prometheus duration, e.g. `3d`, `15d`, `30d`)."""
    retention_size: Optional[str] = None
    """Cap on the TSDB size (`45GB`); oldest blocks go first. Default: no cap. Keep it below `storage_gib`."""
    storage_gib: Optional[int] = Field(default=50, ge=10, le=16000)
    """Size of the persistent volume (encrypted gp3) per replica. `null` means an emptyDir, which loses every sample
    when the pod moves: fine for a dev cluster, refused in production."""
    replicas: int = Field(default=1, ge=1, le=3)
    """Prometheus replicas; 2 gives HA (both scrape everything; Alertmanager deduplicates their alerts)."""
    scrape_interval: str = "30s"
    """Default scrape interval for every ServiceMonitor/PodMonitor that sets none."""
    resources: ResourcesSpec = Field(default_factory=lambda: ResourcesSpec(cpu="500m", memory="2Gi"))
    """Requests and memory limit of the Prometheus container."""

    @field_validator("retention", "scrape_interval")
    @classmethod
    def _durations(cls, v: str) -> str:
        return _duration(v)

    @field_validator("retention_size")
    @classmethod
    def _size(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not _BYTES.match(v):
            raise ValueError(f"must be a Prometheus byte size such as 45GB (got {v!r})")
        return v


class GrafanaSpec(SpecModel):
    """Grafana with the platform's dashboards (GPU, vLLM) provisioned from ConfigMaps by its sidecar."""

    enabled: bool = True
    """Run Grafana. Needs monitoring. Dashboards are still rendered as ConfigMaps only when Grafana runs."""
    persistence_gib: Optional[int] = Field(default=None, ge=1, le=1000)
    """Persistent volume for Grafana's database (users, hand-made dashboards). Default: none; the provisioned
    dashboards come back from ConfigMaps on every start anyway."""
    admin_existing_secret: Optional[str] = None
    """Name of an existing Secret in the monitoring namespace holding `admin-user`/`admin-password`. Default: the
    chart generates a random password into its own Secret (never a plain value in Pulumi state)."""

    @field_validator("admin_existing_secret")
    @classmethod
    def _secret(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and (not K8S_NAME.match(v) or len(v) > 253):
            raise ValueError("must be a Kubernetes Secret name (lowercase letters, digits and '-')")
        return v


class AlertmanagerSpec(SpecModel):
    """Alertmanager of kube-prometheus-stack (routes are configured outside this platform)."""

    enabled: bool = True
    """Run Alertmanager. Without it, alerts fire only in Prometheus' UI. Required in production."""
    replicas: int = Field(default=1, ge=1, le=3)
    """Alertmanager replicas (they gossip to deduplicate notifications)."""


class AlertingSpec(SpecModel):
    """Thresholds of the platform's alert rules (GPU health, vLLM serving, model availability, Karpenter)."""

    ttft_p95_slo_seconds: float = Field(default=2.0, gt=0, le=120)
    """Default time-to-first-token SLO: alert when a model's p95 TTFT stays above it. Models may set their own
    (see `render.observability.model_slo_rules`)."""
    queue_waiting_requests: int = Field(default=10, ge=1)
    """Alert when a model has more than this many requests waiting for a batch slot (sustained)."""
    kv_cache_usage_ratio: float = Field(default=0.9, gt=0, le=1)
    """Alert when a vLLM engine's KV cache usage (0..1) stays above this; requests then queue or get preempted."""
    gpu_temperature_celsius: int = Field(default=85, ge=50, le=110)
    """Alert when a GPU's core temperature stays above this (data-centre GPUs throttle around 85–90 °C)."""
    gpu_memory_used_ratio: float = Field(default=0.98, gt=0, le=1)
    """Alert when framebuffer memory used/total stays above this. vLLM pre-allocates ~92% by design, so keep it
    well above `gpu_memory_utilization`."""
    for_duration: str = "10m"
    """How long a condition must hold before a warning fires (critical alerts use shorter, fixed windows)."""

    @field_validator("for_duration")
    @classmethod
    def _for(cls, v: str) -> str:
        return _duration(v)


class MonitoringSpec(SpecModel):
    """kube-prometheus-stack 88.5.3: Prometheus Operator, Prometheus, Alertmanager, Grafana, exporters, our rules."""

    enabled: bool = True
    """Install kube-prometheus-stack and the platform's dashboards and alert rules. Required in production."""
    prometheus: PrometheusSpec = Field(default_factory=PrometheusSpec)
    """Prometheus retention, storage, replicas and resources."""
    grafana: GrafanaSpec = Field(default_factory=GrafanaSpec)
    """Grafana switch and storage."""
    alertmanager: AlertmanagerSpec = Field(default_factory=AlertmanagerSpec)
    """Alertmanager switch and replicas."""
    alerts: AlertingSpec = Field(default_factory=AlertingSpec)
    """Alert thresholds."""

    @model_validator(mode="after")
    def _parts(self) -> "MonitoringSpec":
        if not self.enabled:
            if self.grafana.enabled:
                raise FieldError("grafana.enabled", "Grafana reads from the monitoring Prometheus; set it to false "
                                 "when monitoring is disabled")
            if self.alertmanager.enabled:
                raise FieldError("alertmanager.enabled", "Alertmanager is part of monitoring; set it to false "
                                 "when monitoring is disabled")
        storage = self.prometheus.storage_gib
        size = self.prometheus.retention_size
        if storage is not None and size is not None:
            if _bytes(size) >= storage * 2**30:
                raise FieldError("prometheus.retention_size", f"must be smaller than storage_gib ({storage} GiB), "
                                 "or Prometheus fills the volume before it deletes old blocks")
        return self


class OperatorsSpec(SpecModel):
    """The cluster operators ModelDeployments build on, and monitoring. All run on the system node group."""

    cert_manager: CertManagerSpec = Field(default_factory=CertManagerSpec)
    """cert-manager v1.21.1."""
    kserve: KServeSpec = Field(default_factory=KServeSpec)
    """KServe v0.20.0 (Standard mode)."""
    kuberay: KubeRaySpec = Field(default_factory=KubeRaySpec)
    """KubeRay operator 1.7.0."""
    keda: KedaSpec = Field(default_factory=KedaSpec)
    """KEDA 2.20.2 (and optionally its HTTP add-on 0.15.0)."""
    monitoring: MonitoringSpec = Field(default_factory=MonitoringSpec)
    """kube-prometheus-stack, dashboards and alerts."""
    controller_replicas: Optional[int] = Field(default=None, ge=1, le=5)
    """Replicas of each operator controller/webhook that supports leader election. Default, as for Karpenter: 2 when
    the system group keeps at least 2 nodes (a drain never stops them), else 1."""

    @model_validator(mode="after")
    def _prerequisites(self) -> "OperatorsSpec":
        if self.kserve.enabled and not self.cert_manager.enabled:
            raise FieldError(
                "cert_manager.enabled",
                "must be true while kserve is enabled (KServe's webhook certificate is issued by cert-manager)",
            )
        return self

    def check_environment(self, production: bool) -> None:
        """Production rules: metrics that survive restarts, and alerts that reach someone. Raises ``FieldError``
        with a path relative to this model."""
        if not production:
            return
        mon = self.monitoring
        if not mon.enabled:
            raise FieldError("monitoring.enabled", "must stay true in prod (GPU health and SLO alerts depend on it)")
        if not mon.alertmanager.enabled:
            raise FieldError("monitoring.alertmanager.enabled", "must stay true in prod, or alerts notify nobody")
        if mon.prometheus.storage_gib is None:
            raise FieldError(
                "monitoring.prometheus.storage_gib",
                "is required in prod (without a persistent volume every Prometheus restart loses all samples)",
            )
