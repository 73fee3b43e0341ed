"""`FallbackProxy`: the LiteLLM gateway that routes to self-hosted models and falls back to cloud LLM APIs."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Union

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from ..project import PROJECT
from ..render import cluster as rc
from ..render import proxy as rp
from ..render.labels import PROXY_NAMESPACE
from ..spec import Environment
from ..spec.fallback import API_KEY_PROVIDERS, FallbackSpec, Provider
from ._iam import pod_identity_role
from ._k8s import apply_object
from ..spec._base import SpecError
from ._outputs import register_declared_outputs
from ._validate import input_error, validated
from .ref import PlatformRef


def _input_error(problems: list[tuple[str, str]]) -> pulumi.InputPropertiesError:
    return input_error(problems, SpecError(problems, source="FallbackProxy").render())


_PART_NAMES = {
    "ServiceAccount": "sa",
    "ConfigMap": "config",
    "Secret": "credentials",
    "Deployment": "deployment",
    "Service": "service",
    "PodDisruptionBudget": "pdb",
    "ServiceMonitor": "servicemonitor",
}
"""Kubernetes kind → the suffix of its resource name (`<name>-<suffix>`)."""


class FallbackProxy(pulumi.ComponentResource):
    """LiteLLM proxy in front of every model: per-group fallback chains to cloud APIs, retries per error class and
    a circuit breaker, so a crashed, overloaded, cold or scaled-to-zero model costs latency, not errors.

    Args:
        name: logical name prefix of the children.
        platform: the platform to deploy onto (`GpuPlatform.ref`, or one built from a StackReference).
        spec: a :class:`FallbackSpec` or dict; default: the platform spec's `fallback` section.
        targets: the self-hosted model groups (from ModelDeployments) the proxy routes to.
        api_keys: provider → API key (a Pulumi secret) for library use; default: each provider's
            `gpu-platform:<api_key_secret>` stack config secret.
    """

    url: pulumi.Output[str]
    """In-cluster base URL (OpenAI-compatible API under `/v1`)."""
    master_key: pulumi.Output[str]
    """The proxy's master key (secret): clients send it as a bearer token."""
    namespace: pulumi.Output[str]
    """Namespace the proxy runs in."""
    config: dict[str, Any]
    """The rendered LiteLLM config (plain data; no secrets in it, only `os.environ/` references)."""

    def __init__(
        self,
        name: str,
        platform: PlatformRef,
        spec: Union[FallbackSpec, dict[str, Any], None] = None,
        targets: Sequence[rp.ProxyTarget] = (),
        api_keys: Optional[Mapping[Union[Provider, str], pulumi.Input[str]]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        spec, targets, keys = self._checked_inputs(name, platform, spec, targets, api_keys)
        super().__init__("gpu-platform:index:FallbackProxy", name, None, opts)
        production = platform.spec.environment is Environment.PROD

        master_key = self._register_master_key(name)
        waits = self._register_bedrock_identity(name, platform, spec)
        secret_values: dict[str, Any] = {rp.MASTER_KEY_ENV: master_key}
        for provider, value in keys.items():
            secret_values[API_KEY_PROVIDERS[provider][1]] = value
        self.config = rp.litellm_config(spec, targets, region=platform.spec.region)
        ns = self._register_objects(name, platform, spec, targets, production, secret_values, waits)

        self.url = pulumi.Output.from_input(rp.service_url())
        self.master_key = master_key
        self.namespace = ns.metadata.apply(lambda m: m["name"] if m else PROXY_NAMESPACE)
        register_declared_outputs(self)

    @classmethod
    def _checked_inputs(
        cls,
        name: str,
        platform: PlatformRef,
        spec: Union[FallbackSpec, dict[str, Any], None],
        targets: Sequence[rp.ProxyTarget],
        api_keys: Optional[Mapping[Union[Provider, str], pulumi.Input[str]]],
    ) -> tuple[FallbackSpec, list[rp.ProxyTarget], dict[Provider, pulumi.Input[str]]]:
        """The validated spec, every target (local and other stacks') and the API keys; raises every problem at
        once, before any resource is registered."""
        if spec is None:
            spec = getattr(platform.spec, "fallback", None) or FallbackSpec()
        spec = validated(FallbackSpec, spec, prefix="fallback")
        production = platform.spec.environment is Environment.PROD
        targets = [*targets, *remote_targets(spec, production=production, name=name)]
        problems = [
            (f"fallback.{path}", msg)
            for path, msg in spec.group_problems(
                [t.group for t in targets], production_groups=[t.group for t in targets if t.production]
            )
        ]
        keys = cls._api_keys(spec, api_keys, problems)
        if problems:
            raise _input_error(problems)
        return spec, targets, keys

    def _register_master_key(self, name: str) -> pulumi.Output[str]:
        master = random.RandomPassword(
            f"{name}-master-key",
            length=48,
            special=False,
            opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["result"]),
        )
        # LiteLLM only accepts master keys starting with "sk-".
        return pulumi.Output.secret(master.result.apply(lambda r: f"sk-{r}"))

    def _register_bedrock_identity(
        self, name: str, platform: PlatformRef, spec: FallbackSpec
    ) -> list[pulumi.Resource]:
        """The proxy's Pod Identity for the Bedrock models it falls back to (none when it uses no Bedrock model);
        returns what the Deployment must wait for."""
        if not rp.bedrock_model_ids(spec, platform.spec.region):
            return []
        ident = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        part = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        policy_doc = pulumi.Output.all(ident.account_id, part.partition).apply(
            lambda a: rp.bedrock_policy(spec, region=platform.spec.region, account_id=a[0], partition=a[1])
        )
        _, association = pod_identity_role(
            f"{name}-bedrock",
            cluster_name=platform.cluster_name,
            namespace=PROXY_NAMESPACE,
            service_account=rp.SERVICE_ACCOUNT,
            parent=self,
            inline_policy=policy_doc,
            tags=rc.platform_tags(platform.spec),
        )
        # Start the proxy only once its credentials exist, so the first Bedrock fallback does not fail.
        return [association]

    def _register_objects(
        self,
        name: str,
        platform: PlatformRef,
        spec: FallbackSpec,
        targets: Sequence[rp.ProxyTarget],
        production: bool,
        secret_values: Mapping[str, Any],
        waits: Sequence[pulumi.Resource],
    ) -> pulumi.Resource:
        """Applies the proxy's Kubernetes objects, each after its namespace; returns the namespace."""
        # The ServiceMonitor needs the Prometheus Operator's CRDs: skip it where the platform runs no monitoring,
        # and create it after kube-prometheus-stack where it does.
        monitoring = platform.operators.monitoring
        objects = rp.proxy_objects(
            spec,
            targets,
            region=platform.spec.region,
            production=production,
            secret_values=secret_values,
            service_monitor=spec.metrics and platform.monitored,
        )
        ns_obj, rest = objects[0], objects[1:]
        ns = apply_object(f"{name}-namespace", ns_obj, platform.opts(self))
        registered: dict[str, pulumi.Resource] = {}
        for obj in rest:
            kind = obj["kind"]
            extra = [ns]
            if kind == "Deployment":
                extra += [registered["ConfigMap"], registered["Secret"], registered["ServiceAccount"], *waits]
            if kind == "ServiceMonitor" and monitoring is not None:
                extra.append(monitoring)
            registered[kind] = apply_object(
                f"{name}-{_PART_NAMES[kind]}",
                obj,
                platform.opts(self, extra_depends_on=extra),
                secret_fields=("stringData",) if kind == "Secret" else (),
            )
        return ns

    @staticmethod
    def _api_keys(
        spec: FallbackSpec,
        explicit: Optional[Mapping[Union[Provider, str], pulumi.Input[str]]],
        problems: list[tuple[str, str]],
    ) -> dict[Provider, pulumi.Input[str]]:
        """The API key of every API-key provider an external model uses; a missing one is a named problem."""
        used = {m.provider for m in spec.external_models if m.provider in API_KEY_PROVIDERS}
        given = {Provider(k): v for k, v in (explicit or {}).items()}
        config = pulumi.Config(PROJECT)
        keys: dict[Provider, pulumi.Input[str]] = {}
        for provider in sorted(used, key=lambda p: p.value):
            if provider in given:
                keys[provider] = pulumi.Output.secret(given[provider])
                continue
            key_name = spec.providers.secret_key(provider)
            value = config.get_secret(key_name) if key_name else None
            if value is None:
                problems.append(
                    (
                        f"fallback.providers.{provider.value}.api_key_secret",
                        f"stack config secret `{PROJECT}:{key_name}` is not set; run "
                        f"`pulumi config set --secret {key_name} <key>` (models using it: "
                        + ", ".join(m.name for m in spec.external_models if m.provider is provider) + ")",
                    )
                )
            else:
                keys[provider] = value
        return keys


GATEWAY_TARGETS_OUTPUT = "gatewayTargets"
"""The stack output a model stack publishes for the platform's gateway (see :func:`gateway_targets`)."""
_TARGET_FIELDS = ("group", "served_name", "api_base", "cold_start_timeout_s", "max_context", "min_replicas")


def gateway_targets(models: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What a stack exports as `gatewayTargets` so the platform's gateway serves its ModelDeployments (listed in the
    platform's `fallback.model_stacks`): ``pulumi.export("gatewayTargets", gateway_targets({"chat": md}))``."""
    return [{f: getattr(t, f) for f in _TARGET_FIELDS} for t in targets_from_models(models, production=False)]


def remote_targets(spec: FallbackSpec, *, production: bool, name: str) -> list[rp.ProxyTarget]:
    """The targets other stacks publish (``spec.model_stacks``), read while the program runs: the gateway's config
    is built from them before any resource is registered. Each stack must serve exactly the groups listed."""
    from pulumi.runtime.sync_await import _sync_await

    out: list[rp.ProxyTarget] = []
    for i, model_stack in enumerate(spec.model_stacks):
        path = f"fallback.model_stacks[{i}]"
        ref = pulumi.StackReference(f"{name}-models-{i}", model_stack.stack)
        details = _sync_await(ref.get_output_details(GATEWAY_TARGETS_OUTPUT))
        exported = details.value if details.value is not None else details.secret_value
        if not isinstance(exported, list) or not all(isinstance(t, dict) for t in exported):
            raise _input_error([(f"{path}.stack", f"{model_stack.stack} exports no `{GATEWAY_TARGETS_OUTPUT}` list; "
                                 "export gateway_targets(...) from that stack")])
        groups = [str(t.get("group")) for t in exported]
        if sorted(groups) != sorted(model_stack.groups):
            raise _input_error([(f"{path}.groups", f"{model_stack.stack} serves {sorted(groups)}, the config lists "
                                 f"{sorted(model_stack.groups)}; make them match")])
        for t in exported:
            out.append(rp.ProxyTarget(
                group=str(t["group"]), served_name=str(t["served_name"]), api_base=str(t["api_base"]),
                cold_start_timeout_s=float(t["cold_start_timeout_s"]),
                max_context=int(t["max_context"]) if t.get("max_context") is not None else None,
                min_replicas=int(t["min_replicas"]), production=production,
            ))
    return out


def targets_from_models(models: Mapping[str, Any], *, production: bool) -> list[rp.ProxyTarget]:
    """Proxy targets for ModelDeployments (as returned by ``deploy_models``): served name, in-cluster endpoint,
    cold-start time from the sizing, context window and minimum replicas. Static values, so the LiteLLM config is
    known at preview time."""
    from ..render.model import endpoint_url

    targets = []
    for deployment in models.values():
        spec, sized = deployment.spec, deployment.sizing_plan
        targets.append(
            rp.ProxyTarget(
                group=spec.model_name,
                served_name=spec.model_name,
                api_base=endpoint_url(spec.name, spec.namespace, sized.backend),
                cold_start_timeout_s=float(sized.cold_start.total_s),
                max_context=spec.context_length,
                min_replicas=spec.autoscaling.min_replicas,
                production=production,
            )
        )
    return targets
