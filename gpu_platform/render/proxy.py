"""Pure rendering of the LiteLLM fallback proxy: its `config.yaml` and every Kubernetes object it needs.

The design rule: a self-hosted model that is crashed, overloaded, cold or scaled to zero costs latency, never an
error. Each self-hosted model group is a `hosted_vllm/…` deployment at its in-cluster endpoint, protected by
router-level retries per error class, a circuit breaker (`allowed_fails` + `cooldown_time`) and a fallback chain
to cloud model groups.

Only keys the pinned LiteLLM (1.109.1) knows are rendered: LiteLLM drops unknown `router_settings` keys with a mere
warning, and `health_check_interval` under `router_settings` is an error (it belongs in `general_settings`).
`tests/integration/test_litellm_fallback.py` checks every rendered key against the installed LiteLLM.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

import yaml

from ..catalog.versions import image
from ..catalog.bedrock import invocation_id
from ..spec.fallback import API_KEY_PROVIDERS, BEDROCK_PROFILE_PREFIXES, FallbackSpec, Provider
from ._common import container_security_context
from .iam import policy_json
from .labels import HOSTNAME_LABEL, MANAGED_BY, PROMETHEUS_RELEASE, PROMETHEUS_URL, PROXY_NAMESPACE, ZONE_LABEL

NAME = "litellm"
PORT = 4000
CONFIG_PATH = "/etc/litellm/config.yaml"
SERVICE_ACCOUNT = NAME
MASTER_KEY_ENV = "LITELLM_MASTER_KEY"
RUN_AS_USER = 65534  # `nobody`, the user LiteLLM's non_root image is built for
"""Non-root uid for the proxy, matching LiteLLM's non_root image. Without a database (no Prisma) the proxy writes
only to /tmp, an emptyDir, so the root filesystem stays read-only."""
WAKE_METRIC = "litellm_proxy_total_requests_metric_total"
"""Counter of every request the proxy receives, labelled `requested_model` (the model group asked for), whether a
self-hosted model or a fallback answered it. It is the demand signal that wakes scaled-to-zero models."""

SELECTOR = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/component": "llm-gateway"}


@dataclass(frozen=True)
class ProxyTarget:
    """A self-hosted model group the proxy routes to, as the ModelDeployment exposes it (no pydantic, no pulumi)."""

    group: str
    """Model group name clients send as `"model"`: the model's served name, so the proxy's `requested_model`
    metric label matches the ModelDeployment's wake-up query."""
    served_name: str
    """The name vLLM serves it under (`--served-model-name`)."""
    api_base: str
    """OpenAI-compatible base URL inside the cluster, ending in `/v1`."""
    cold_start_timeout_s: float
    """Time from zero replicas to a ready model (node launch, image pull, weight load); the proxy's circuit stays
    open that long for scaled-to-zero models, so it does not probe a model that is still loading."""
    max_context: Optional[int] = None
    """Context window (`--max-model-len`); requests longer than this go to `context_window_fallbacks`."""
    min_replicas: int = 1
    """Minimum replicas; 0 means the model scales to zero and its 0→1 requests are served by the fallback."""
    production: bool = False
    """The group serves production traffic (prod environments): it must have a fallback chain."""


# ------------------------------------------------------------------------------------------------ LiteLLM config
def _retry_policy(spec: FallbackSpec) -> dict[str, int]:
    rp = spec.router.retry_policy
    return {
        "TimeoutErrorRetries": rp.timeout,
        "InternalServerErrorRetries": rp.internal_server_error,
        # A scaled-to-zero or crashed vLLM behind a Service answers connection-refused / 503: retrying it only
        # delays the fallback, so these share the timeout budget.
        "ServiceUnavailableErrorRetries": rp.timeout,
        "RateLimitErrorRetries": rp.rate_limit,
        "BadRequestErrorRetries": rp.bad_request,
        "AuthenticationErrorRetries": rp.authentication,
        "ContentPolicyViolationErrorRetries": rp.content_policy,
    }


def hosted_entry(target: ProxyTarget, spec: FallbackSpec) -> dict[str, Any]:
    """The `model_list` entry of a self-hosted vLLM model group."""
    params: dict[str, Any] = {
        "model": f"hosted_vllm/{target.served_name}",
        "api_base": target.api_base,
        "timeout": spec.router.timeout_s,
        "stream_timeout": spec.router.stream_timeout_s,
        # The router owns retries (per error class, then fallbacks); client-level retries would multiply them.
        "max_retries": 0,
    }
    if target.min_replicas == 0:
        # While the model wakes (0→1), keep the circuit open for its whole cold start: requests go straight to the
        # fallback instead of re-probing a pod that cannot answer yet.
        params["cooldown_time"] = max(spec.router.cooldown_time_s, target.cold_start_timeout_s)
    info: dict[str, Any] = {"mode": "chat"}
    if target.max_context:
        info["max_input_tokens"] = target.max_context
    return {"model_name": target.group, "litellm_params": params, "model_info": info}


def external_entry(model, spec: FallbackSpec, region: str) -> dict[str, Any]:
    """The `model_list` entry of a cloud model group (credentials by env reference or Pod Identity only)."""
    provider: Provider = model.provider
    params: dict[str, Any] = {"model": f"{provider.value}/{model.model}"}
    if provider is Provider.BEDROCK:
        # No keys: boto3's default chain reads the Pod Identity credentials the EKS agent injects.
        bedrock_region = _bedrock_region(spec, region)
        params["aws_region_name"] = bedrock_region
        # Where the base id is not served on demand, the inference profile's id is the one that works.
        params["model"] = f"bedrock/{invocation_id(model.model, bedrock_region)[0]}"
    else:
        params["api_key"] = f"os.environ/{API_KEY_PROVIDERS[provider][1]}"
        api_base = getattr(spec.providers, provider.value).api_base
        if api_base:
            params["api_base"] = api_base
    params["timeout"] = model.timeout_s or spec.router.timeout_s
    params["stream_timeout"] = min(spec.router.stream_timeout_s, params["timeout"])
    params["max_retries"] = 0
    info: dict[str, Any] = {"mode": "chat"}
    if model.max_context:
        info["max_input_tokens"] = model.max_context
    return {"model_name": model.name, "litellm_params": params, "model_info": info}


def litellm_config(
    spec: FallbackSpec, targets: Sequence[ProxyTarget], *, region: str, metrics: Optional[bool] = None
) -> dict[str, Any]:
    """The LiteLLM proxy `config.yaml` as a dict: model list, router settings (fallbacks, retries, circuit
    breaker, timeouts), LiteLLM settings and general settings (master key by env reference)."""
    metrics = spec.metrics if metrics is None else metrics
    model_list = [hosted_entry(t, spec) for t in targets]
    model_list += [external_entry(m, spec, region) for m in spec.external_models]
    fallbacks = [{c.group: list(c.fallbacks)} for c in spec.chains if c.fallbacks]
    context_fallbacks = [{c.group: list(c.context_window_fallbacks)} for c in spec.chains if c.context_window_fallbacks]
    router: dict[str, Any] = {
        "routing_strategy": "simple-shuffle",
        "num_retries": spec.router.num_retries,
        "retry_policy": _retry_policy(spec),
        "timeout": spec.router.timeout_s,
        "stream_timeout": spec.router.stream_timeout_s,
        # The circuit breaker: after `allowed_fails` failures in a minute a deployment is skipped for
        # `cooldown_time` seconds and its requests go straight to the fallback chain.
        "allowed_fails": spec.router.allowed_fails,
        "cooldown_time": spec.router.cooldown_time_s,
        "fallbacks": fallbacks,
        "context_window_fallbacks": context_fallbacks,
        "max_fallbacks": spec.router.max_fallbacks,
        # Check the context window before calling, so a too-long prompt goes to a larger-context group at once.
        "enable_pre_call_checks": True,
    }
    litellm_settings: dict[str, Any] = {
        # Cloud fallbacks do not all accept every OpenAI parameter; drop the ones a provider does not support
        # instead of failing the request that is already on its second attempt.
        "drop_params": True,
        "request_timeout": spec.router.timeout_s,
        "json_logs": True,
    }
    if metrics:
        litellm_settings["callbacks"] = ["prometheus"]
        # Prometheus scrapes it from inside the cluster without a key; the Service is ClusterIP only.
        litellm_settings["require_auth_for_metrics_endpoint"] = False
    general: dict[str, Any] = {
        "master_key": f"os.environ/{MASTER_KEY_ENV}",
        # Background health checks would call every cloud model on a timer (paid tokens); the router's circuit
        # breaker and Kubernetes readiness of the models already cover health.
        "background_health_checks": False,
    }
    return {
        "model_list": model_list,
        "router_settings": router,
        "litellm_settings": litellm_settings,
        "general_settings": general,
    }


def config_yaml(config: Mapping[str, Any]) -> str:
    """Stable YAML text of a config (the ConfigMap content and the checksum that rolls the pods)."""
    return yaml.safe_dump(dict(config), sort_keys=False, default_flow_style=False)


# ------------------------------------------------------------------------------------------------ IAM (Bedrock)
def _bedrock_region(spec: FallbackSpec, region: str) -> str:
    return (spec.providers.bedrock.region if spec.providers.bedrock else None) or region


def bedrock_model_ids(spec: FallbackSpec, region: str) -> list[str]:
    """The Bedrock ids the proxy invokes from ``region`` (inference profiles where the base id is not served)."""
    bedrock_region = _bedrock_region(spec, region)
    return sorted(
        {invocation_id(m.model, bedrock_region)[0] for m in spec.external_models if m.provider is Provider.BEDROCK}
    )


def bedrock_policy(spec: FallbackSpec, *, region: str, account_id: str, partition: str = "aws") -> Optional[str]:
    """IAM policy allowing only the Bedrock models in the spec (None when Bedrock is unused).

    A cross-region inference profile (`us.anthropic…`) needs the profile ARN in the proxy's region and the
    underlying foundation model in every region the profile may route to.
    """
    ids = bedrock_model_ids(spec, region)
    if not ids:
        return None
    bedrock_region = _bedrock_region(spec, region)
    resources: list[str] = []
    for model_id in ids:
        prefix = next((p for p in BEDROCK_PROFILE_PREFIXES if model_id.startswith(p)), None)
        if prefix is None:
            resources.append(f"arn:{partition}:bedrock:{bedrock_region}::foundation-model/{model_id}")
        else:
            resources.append(f"arn:{partition}:bedrock:{bedrock_region}:{account_id}:inference-profile/{model_id}")
            resources.append(f"arn:{partition}:bedrock:*::foundation-model/{model_id[len(prefix):]}")
    return policy_json(
        [
            {
                "Sid": "InvokeChosenModels",
                "Effect": "Allow",
                "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                "Resource": sorted(set(resources)),
            }
        ]
    )


# ------------------------------------------------------------------------------------------------ Kubernetes
def replicas(spec: FallbackSpec, production: bool) -> int:
    return spec.replicas if spec.replicas is not None else (2 if production else 1)


def _meta(name: str, extra_labels: Optional[dict[str, str]] = None) -> dict[str, Any]:
    return {"name": name, "namespace": PROXY_NAMESPACE, "labels": {**SELECTOR, **MANAGED_BY, **(extra_labels or {})}}


def namespace() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": PROXY_NAMESPACE,
            # The proxy needs nothing beyond the restricted Pod Security Standard; enforce it.
            "labels": {**MANAGED_BY, "pod-security.kubernetes.io/enforce": "restricted"},
        },
    }


def service_account() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(SERVICE_ACCOUNT),
            "automountServiceAccountToken": False}


def config_map(config: Mapping[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(f"{NAME}-config"),
            "data": {"config.yaml": config_yaml(config)}}


def secret_env_names(spec: FallbackSpec) -> list[str]:
    """Environment variables (= Secret keys) the proxy reads credentials from: master key plus API-key providers
    that an external model uses."""
    used = {m.provider for m in spec.external_models}
    return [MASTER_KEY_ENV] + [env for p, (_, env) in API_KEY_PROVIDERS.items() if p in used]


def secret(values: Mapping[str, Any]) -> dict[str, Any]:
    """The credentials Secret. ``values`` maps env names to (Pulumi secret) values; they pass through untouched."""
    return {"apiVersion": "v1", "kind": "Secret", "metadata": _meta(f"{NAME}-credentials"), "type": "Opaque",
            "stringData": dict(values)}


def _env(secret_keys: Sequence[str]) -> list[dict[str, Any]]:
    """The proxy's environment: fixed settings, then each credential from the Secret."""
    env: list[dict[str, Any]] = [
        # Use the cost map bundled in the image instead of fetching it from GitHub at every start (egress,
        # start-up latency, and a start that depends on a third party).
        {"name": "LITELLM_LOCAL_MODEL_COST_MAP", "value": "True"},
        {"name": "HOME", "value": "/tmp"},
        {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
    ]
    env += [
        {"name": key, "valueFrom": {"secretKeyRef": {"name": f"{NAME}-credentials", "key": key}}}
        for key in secret_keys
    ]
    return env


def _container(spec: FallbackSpec, secret_keys: Sequence[str]) -> dict[str, Any]:
    """The LiteLLM container: pinned image, probes on its unauthenticated health endpoints, read-only root."""
    probe_http = {"path": "/health/liveliness", "port": "http"}
    return {
        "name": NAME,
        "image": image("litellm").ref,
        "imagePullPolicy": "IfNotPresent",
        "args": ["--config", CONFIG_PATH, "--port", str(PORT), "--host", "0.0.0.0", "--num_workers", "1"],
        "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"}],
        "env": _env(secret_keys),
        "resources": {
            "requests": {"cpu": spec.resources.cpu, "memory": spec.resources.memory},
            "limits": {"cpu": spec.resources.cpu_limit, "memory": spec.resources.memory},
        },
        # Startup covers the import of LiteLLM's provider modules (tens of seconds on a small CPU share).
        "startupProbe": {"httpGet": probe_http, "periodSeconds": 5, "timeoutSeconds": 3, "failureThreshold": 36},
        "livenessProbe": {"httpGet": probe_http, "periodSeconds": 15, "timeoutSeconds": 5, "failureThreshold": 4},
        "readinessProbe": {
            "httpGet": {"path": "/health/readiness", "port": "http"},
            "periodSeconds": 10,
            "timeoutSeconds": 5,
            "failureThreshold": 3,
        },
        "securityContext": container_security_context(RUN_AS_USER, read_only_root=True),
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/litellm", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }


def _pod_spec(spec: FallbackSpec, secret_keys: Sequence[str], *, spread: bool) -> dict[str, Any]:
    """The hardened pod; with ``spread``, its replicas on distinct nodes and spread across zones."""
    pod_spec: dict[str, Any] = {
        "serviceAccountName": SERVICE_ACCOUNT,
        # The Pod Identity agent serves credentials over the node-local endpoint; no token mount is needed.
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS_USER,
            "runAsGroup": RUN_AS_USER,
            "fsGroup": RUN_AS_USER,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "terminationGracePeriodSeconds": 60,
        "containers": [_container(spec, secret_keys)],
        "volumes": [
            {"name": "config", "configMap": {"name": f"{NAME}-config"}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
        ],
    }
    if spread:
        # Never two replicas on one node (a node loss must not take the gateway down); spread across zones.
        pod_spec["affinity"] = {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {"labelSelector": {"matchLabels": dict(SELECTOR)}, "topologyKey": HOSTNAME_LABEL}
                ]
            }
        }
        pod_spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": ZONE_LABEL,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": dict(SELECTOR)},
            }
        ]
    return pod_spec


def deployment(
    spec: FallbackSpec, config: Mapping[str, Any], *, production: bool, secret_keys: Sequence[str]
) -> dict[str, Any]:
    """The proxy Deployment: pinned image, probes on LiteLLM's unauthenticated health endpoints, hardened pod."""
    n = replicas(spec, production)
    checksum = hashlib.sha256(config_yaml(config).encode()).hexdigest()[:16]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(NAME),
        "spec": {
            "replicas": n,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": dict(SELECTOR)},
            # Keep full capacity during rollouts: the gateway is on every request's path.
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {
                    "labels": {**SELECTOR, **MANAGED_BY},
                    # A config change rolls the pods (LiteLLM reads config.yaml once, at start).
                    "annotations": {"gpu-platform.io/config-sha256": checksum},
                },
                "spec": _pod_spec(spec, secret_keys, spread=production or n > 1),
            },
        },
    }


def service() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(NAME),
        "spec": {
            "type": "ClusterIP",
            "selector": dict(SELECTOR),
            "ports": [{"name": "http", "port": PORT, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def pod_disruption_budget() -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(NAME),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(SELECTOR)}},
    }


def service_monitor_object() -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": _meta(NAME, {"release": PROMETHEUS_RELEASE}),
        "spec": {
            "selector": {"matchLabels": dict(SELECTOR)},
            "namespaceSelector": {"matchNames": [PROXY_NAMESPACE]},
            "endpoints": [{"port": "http", "path": "/metrics/", "interval": "15s"}],
        },
    }


def service_url() -> str:
    """In-cluster base URL of the proxy (OpenAI-compatible under `/v1`)."""
    return f"http://{NAME}.{PROXY_NAMESPACE}.svc.cluster.local:{PORT}"


def proxy_objects(
    spec: FallbackSpec,
    targets: Sequence[ProxyTarget],
    *,
    region: str,
    production: bool,
    secret_values: Mapping[str, Any],
    service_monitor: Optional[bool] = None,
) -> list[dict[str, Any]]:
    """Every Kubernetes object of the proxy, in apply order. ``secret_values`` (env name → value) may hold Pulumi
    outputs: they are placed in the Secret untouched and never inspected here. ``service_monitor`` (default:
    ``spec.metrics``) is off where the cluster has no Prometheus Operator CRDs."""
    config = litellm_config(spec, targets, region=region)
    objects = [
        namespace(),
        service_account(),
        config_map(config),
        secret(secret_values),
        deployment(spec, config, production=production, secret_keys=list(secret_values)),
        service(),
    ]
    if replicas(spec, production) > 1:
        objects.append(pod_disruption_budget())
    if spec.metrics if service_monitor is None else service_monitor:
        objects.append(service_monitor_object())
    return objects


# ------------------------------------------------------------------------------------------------ scale to zero
def demand_rate(group: str, window: str = "2m") -> str:
    """PromQL: requests per second the proxy received for ``group``, whoever answered them (empty when none). The
    one definition of a model's demand: the ModelDeployment's wake trigger and :func:`wake_trigger` both read it."""
    label = json.dumps(group)  # a PromQL string literal is a valid JSON string literal
    return f"sum(rate({WAKE_METRIC}{{requested_model={label}}}[{window}]))"


def wake_query(group: str, window: str = "2m") -> str:
    """PromQL: requests per second the proxy received for ``group``, whoever answered them (0 when none)."""
    return f"{demand_rate(group, window)} or vector(0)"


def wake_trigger(group: str, *, requests_per_replica: float = 5.0, prometheus_url: str = PROMETHEUS_URL) -> dict:
    """A KEDA `prometheus` trigger that wakes a scaled-to-zero model when the proxy sees demand for it.

    While the model is at zero, the proxy serves its requests from the fallback chain and counts them; any
    non-zero rate activates the ScaledObject (0→1), and above that it asks for one replica per
    ``requests_per_replica`` req/s. The ModelDeployment adds it to the triggers of its ScaledObject.
    """
    return {
        "type": "prometheus",
        "name": "proxy-demand",
        "metricType": "AverageValue",
        "metadata": {
            "serverAddress": prometheus_url,
            "query": wake_query(group),
            "threshold": f"{requests_per_replica:g}",
            "activationThreshold": "0",
            "ignoreNullValues": "true",
        },
    }

