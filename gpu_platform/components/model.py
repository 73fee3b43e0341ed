"""`ModelDeployment`: one vLLM model on the platform, plus the shared objects models need once per cluster
(`ModelServingBase`) and once per namespace (`ModelNamespace`).

Decisions live in :mod:`gpu_platform.sizing` and :mod:`gpu_platform.render.model`; this module only turns them
into resources with the platform's provider and ordering.

Use from another stack (the platform created elsewhere)::

    import pulumi
    from gpu_platform import ModelDeployment, PlatformRef

    platform = PlatformRef.from_stack_reference("acme/gpu-platform/prod", platform_spec_dict)
    ModelDeployment(
        "llama-8b",
        {"name": "llama-8b", "model": "s3://acme-weights/llama-3.1-8b-instruct", "gpu_class": "l40s"},
        platform=platform,
        create_namespace=False,  # the platform stack created `models`; True for a team namespace of your own
    )
"""

from __future__ import annotations

import weakref

from typing import Any, Optional, Sequence, Union

import pulumi

from ..render import model as rm
from ..resolve import ResolvedModel
from ..resolve.cost import model_cost_report, model_summary
from ..sizing import time_sliced_classes
from ..spec import ModelSpec
from ..spec.model import Backend
from ._iam import pod_identity_role
from ._k8s import apply_object
from ._outputs import declared_outputs, register_declared_outputs
from ._validate import fail, resolved_model
from .ref import PlatformRef


class ModelServingBase(pulumi.ComponentResource):
    """Cluster-scoped objects every model shares, created once per cluster: the pinned vLLM
    `ClusterServingRuntime` (when KServe is in use) and the model/headroom PriorityClasses."""

    runtime_name: str
    """Name of the ClusterServingRuntime InferenceServices reference."""

    def __init__(
        self,
        name: str,
        platform: PlatformRef,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        kserve: bool = True,
    ) -> None:
        super().__init__("gpu-platform:index:ModelServingBase", name, None, opts)
        for pc in rm.priority_classes():
            apply_object(f"{name}-{pc['metadata']['name']}", pc, platform.opts(self))
        self.runtime = None
        if kserve:
            deps = platform.operators.of(["kserve"])
            self.runtime = apply_object(f"{name}-runtime", rm.cluster_serving_runtime(), platform.opts(self, deps))
        self.runtime_name = rm.RUNTIME_NAME
        self.register_outputs({"runtimeName": self.runtime_name})


class ModelNamespace(pulumi.ComponentResource):
    """A model namespace: default-deny NetworkPolicies (ingress only from the proxy and Prometheus, egress only to
    DNS, Pod Identity and HTTPS), a GPU ResourceQuota and container defaults."""

    def __init__(
        self,
        name: str,
        platform: PlatformRef,
        namespace: str,
        gpu_quota: int,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        super().__init__("gpu-platform:index:ModelNamespace", name, None, opts)
        objects = rm.namespace_objects(namespace, gpu_quota)
        (_, ns_obj), rest = objects[0], objects[1:]
        self.namespace_resource = apply_object(f"{name}-namespace", ns_obj, platform.opts(self))
        after_ns = platform.opts(self, [self.namespace_resource])
        for part, obj in rest:
            apply_object(f"{name}-{part}", obj, after_ns)
        self.namespace = namespace
        self.register_outputs({"namespace": namespace, "gpuQuota": gpu_quota})


def _check_platform(platform: object) -> None:
    """`platform` must be a PlatformRef; anything else would fail later with an unrelated AttributeError."""
    if isinstance(platform, PlatformRef):
        return
    kind = type(platform).__name__
    hint = (
        "pass its .ref (GpuPlatform(...).ref)" if kind == "GpuPlatform"
        else "pass GpuPlatform(...).ref, or PlatformRef.from_stack_reference(...) for a platform of another stack"
    )
    fail("platform", f"expected PlatformRef, got {kind}", f"expected a PlatformRef, got {kind}; {hint}")


# Workload names claimed in this Pulumi program, per root stack resource: (cluster, namespace, name) -> component.
_CLAIMED: "weakref.WeakKeyDictionary[Any, dict[tuple[str, str, str], str]]" = weakref.WeakKeyDictionary()


def _claim_names(name: str, spec: ModelSpec, backend: Any, platform: PlatformRef, prefix: str) -> None:
    """Two ModelDeployments that would create the same Kubernetes objects fail here, before either registers."""
    from pulumi.runtime.settings import get_root_resource

    root = get_root_resource()
    if root is None:
        return
    claimed = _CLAIMED.setdefault(root, {})
    keys = [(platform.cluster_name, spec.namespace, w) for w in spec.workload_names(backend)]
    for key in keys:
        if key in claimed and claimed[key] != name:
            fail(f"{prefix}name", "duplicate model name",
                 f"ModelDeployment {name!r} would create {key[2]!r} in namespace {key[1]}, which "
                 f"ModelDeployment {claimed[key]!r} already creates; give the models different names")
    claimed.update((k, name) for k in keys)


class ModelDeployment(pulumi.ComponentResource):
    """One vLLM model: sized, placed on the cheapest fitting GPU instance, served by KServe, RayService or a plain
    Deployment, autoscaled (fast up, slow down, optionally to zero), with secure pod defaults.

    ``args`` is a :class:`ModelSpec` or a dict (validated before any resource is registered; errors name the field).
    ``platform`` is the :class:`PlatformRef` to deploy onto (``GpuPlatform.ref`` or
    ``PlatformRef.from_stack_reference``). ``hf_token`` is the Hugging Face token for gated models (stored as a
    Pulumi secret). ``create_namespace`` creates the model's namespace with its policies and quota (leave it False
    when the namespace is shared and created elsewhere, as the platform program does). ``base`` and ``after`` are
    resources the model's objects wait for (a component's own ``depends_on`` does not reach its children).
    """

    endpoint: pulumi.Output[str]
    """In-cluster OpenAI base URL (`http://…/v1`)."""
    served_model_name: pulumi.Output[str]
    """The model name clients send."""
    backend: pulumi.Output[str]
    """Serving backend chosen by sizing (`kserve`, `rayservice`, `deployment`)."""
    instance_type: pulumi.Output[str]
    """EC2 instance type one replica runs on."""
    gpu_class: pulumi.Output[str]
    """GPU class of that instance."""
    tensor_parallel_size: pulumi.Output[int]
    """GPUs per replica that vLLM shards the model across."""
    pipeline_parallel_size: pulumi.Output[int]
    """Nodes per replica (multi-node serving)."""
    can_scale_to_zero: pulumi.Output[bool]
    """Whether the model scales to zero replicas when idle."""
    canary_endpoint: pulumi.Output[Optional[str]]
    """In-cluster OpenAI base URL of the canary revision (absent without a canary)."""
    canary_traffic_percent: pulumi.Output[int]
    """Share of traffic sent to the canary revision."""
    sizing: pulumi.Output[dict[str, Any]]
    """The sizing report: memory budget, parallelism, pod shape, cold-start timeline, probe budget."""
    cost: pulumi.Output[dict[str, Any]]
    """Cost per hour and per month at min and max replicas, at the prices of the capacity types its pool can use
    (replicas on the pool's reservations count nothing: the reservation is paid anyway), with how it was priced."""
    summary: pulumi.Output[dict[str, Any]]
    """The sizing report as data: weights_gib, kv_cache_gib, instance_type, pool, gpus_per_replica, tensor_parallel,
    pipeline_parallel, backend, cold_start_seconds (new_node, warm_node) and cost_per_hour (min_replicas,
    max_replicas) at the prices of the capacity types its pool can use."""

    def __init__(
        self,
        name: str,
        args: Union[ModelSpec, ResolvedModel, dict[str, Any]],
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        platform: PlatformRef,
        hf_token: Optional[pulumi.Input[str]] = None,
        create_namespace: bool = False,
        base: Optional[ModelServingBase] = None,
        after: Sequence[pulumi.Resource] = (),
        error_prefix: str = "",
    ) -> None:
        _check_platform(platform)
        model = resolved_model(args, platform.spec, prefix=error_prefix)
        spec, sized = model.spec, model.sizing
        _claim_names(name, spec, sized.backend, platform, error_prefix)
        if spec.source.hf_token_config_key and hf_token is None:
            fail(f"{error_prefix}source.hf_token_config_key", "hf_token missing",
                 "the model needs a Hugging Face token; pass hf_token= (a Pulumi secret)")
        super().__init__("gpu-platform:index:ModelDeployment", name, None, opts)
        self.spec, self.sizing_plan = spec, sized
        self._warn(model, platform)
        rendered = rm.render_model(
            spec,
            sized,
            environment=platform.spec.environment.value,
            region=platform.spec.region,
            with_hf_token=hf_token is not None,
            monitor=platform.monitored,
        )
        deps = self._dependencies(name, model, platform, base, after, create_namespace)
        if rendered.s3_policy is not None:
            # Pods started before the association exists get no credentials: create it first.
            deps.append(self._weights_identity(name, spec, platform, rendered.s3_policy))
        self._register_objects(name, rendered, platform.opts(self, deps), hf_token)
        self._set_outputs(model, rendered, platform.spec)
        self.summary = pulumi.Output.from_input(model_summary(model, platform.spec))
        register_declared_outputs(self)

    def _warn(self, model: ResolvedModel, platform: PlatformRef) -> None:
        """What is legal but worth knowing before `up`: shared GPUs, and RayService upgrades that apply in place."""
        spec, sized = model.spec, model.sizing
        if sized.gpu_class in time_sliced_classes(platform.spec):
            pulumi.log.warn(
                f"{spec.name}: the {sized.gpu_class} pool time-slices GPUs; vLLM reserves "
                f"{spec.engine.gpu_memory_utilization:.0%} of the GPU's memory, so other pods on the same GPU may OOM",
                resource=self,
            )
        if sized.backend is Backend.RAYSERVICE and not sized.second_cluster_fits:
            pulumi.log.warn(
                f"{spec.name}: the {sized.gpu_class} pools cannot hold a second {sized.gpus_per_replica * sized.max_replicas}"
                "-GPU Ray cluster, so upgrades apply in place (upgradeStrategy None): serve-config changes roll, but a "
                "change to the cluster itself (image, resources) needs the RayService recreated",
                resource=self,
            )

    def _dependencies(self, name: str, model: ResolvedModel, platform: PlatformRef, base: Optional[ModelServingBase],
                      after: Sequence[pulumi.Resource], create_namespace: bool) -> list[pulumi.Resource]:
        """What the model's objects wait for: its backend's operators, its NodePool, the shared base, the caller's
        ``after`` and (when it creates one) its namespace."""
        deps = platform.operators.of(model.operators())
        pool = platform.gpu_node_pools.get(model.sizing.pool or model.sizing.gpu_class)
        deps += [pool] if pool is not None else []
        if base is not None:
            deps.append(base)
        deps += list(after)
        if create_namespace:
            deps.append(ModelNamespace(
                f"{name}-ns",
                platform,
                model.spec.namespace,
                rm.gpu_quota([model.spec], [model.sizing]),
                opts=pulumi.ResourceOptions(parent=self),
            ))
        return deps

    def _weights_identity(self, name: str, spec: ModelSpec, platform: PlatformRef, policy: str) -> pulumi.Resource:
        """Read-only access to the S3 weights for the model's service account (EKS Pod Identity)."""
        _role, association = pod_identity_role(
            f"{name}-weights",
            cluster_name=platform.cluster_name,
            namespace=spec.namespace,
            service_account=rm.service_account_name(spec) or spec.name,
            parent=self,
            inline_policy=policy,
            tags={"model": spec.name, "environment": platform.spec.environment.value},
        )
        return association

    def _register_objects(self, name: str, rendered: rm.RenderedModel, k8s_opts: pulumi.ResourceOptions,
                          hf_token: Optional[pulumi.Input[str]]) -> None:
        self.objects: dict[str, pulumi.CustomResource] = {}
        for part, obj in rendered.objects:
            if part == "hf-token":
                obj = {**obj, "stringData": {"HF_TOKEN": hf_token}}
                self.objects[part] = apply_object(f"{name}-{part}", obj, k8s_opts, secret_fields=("stringData",))
            else:
                self.objects[part] = apply_object(f"{name}-{part}", obj, k8s_opts)

    def _set_outputs(self, model: ResolvedModel, rendered: rm.RenderedModel, platform_spec: Any) -> None:
        spec, sized = model.spec, model.sizing
        report = sized.report()
        self.endpoint = pulumi.Output.from_input(rendered.endpoint)
        self.served_model_name = pulumi.Output.from_input(spec.model_name)
        self.backend = pulumi.Output.from_input(sized.backend.value)
        self.instance_type = pulumi.Output.from_input(sized.instance_type)
        self.gpu_class = pulumi.Output.from_input(sized.gpu_class)
        self.tensor_parallel_size = pulumi.Output.from_input(sized.tensor_parallel_size)
        self.pipeline_parallel_size = pulumi.Output.from_input(sized.pipeline_parallel_size)
        self.can_scale_to_zero = pulumi.Output.from_input(spec.autoscaling.scale_to_zero)
        self.canary_endpoint = pulumi.Output.from_input(rendered.canary_endpoint)
        self.canary_traffic_percent = pulumi.Output.from_input(spec.canary.traffic_percent if spec.canary else 0)
        self.sizing = pulumi.Output.from_input({k: v for k, v in report.items() if k != "cost"})
        self.cost = pulumi.Output.from_input(model_cost_report(model, platform_spec))

    def outputs(self) -> dict[str, pulumi.Output[Any]]:
        """The component's outputs by their exported (camelCase) names."""
        return declared_outputs(self)


def deploy_models(
    platform: PlatformRef,
    models: Sequence[Union[ModelSpec, ResolvedModel]],
    *,
    hf_tokens: Optional[dict[str, pulumi.Input[str]]] = None,
    opts: Optional[pulumi.ResourceOptions] = None,
    base_name: str = "models",
) -> dict[str, ModelDeployment]:
    """All of a platform's models: the shared base once, each namespace once (quota = the sum of its models'
    peak GPUs), then one ModelDeployment per spec (named after it). Returns them by model name."""
    hf_tokens = hf_tokens or {}
    resolved = [resolved_model(m, platform.spec, prefix=f"models[{i}].") for i, m in enumerate(models)]
    # Always, even with no models here: models deployed later from other stacks rely on the runtime and the
    # priority classes existing on the platform.
    base = ModelServingBase(base_name, platform, opts=opts, kserve=platform.spec.operators.kserve.enabled)
    namespaces: dict[str, ModelNamespace] = {}
    for ns in dict.fromkeys(m.spec.namespace for m in resolved):
        members = [m for m in resolved if m.spec.namespace == ns]
        namespaces[ns] = ModelNamespace(
            f"{base_name}-ns-{ns}",
            platform,
            ns,
            rm.gpu_quota([m.spec for m in members], [m.sizing for m in members]),
            opts=opts,
        )
    out: dict[str, ModelDeployment] = {}
    for i, m in enumerate(resolved):
        out[m.spec.name] = ModelDeployment(
            m.spec.name,
            m,
            opts,
            platform=platform,
            hf_token=hf_tokens.get(m.spec.name),
            base=base,
            after=[namespaces[m.spec.namespace]],
            error_prefix=f"models[{i}].",
        )
    return out
