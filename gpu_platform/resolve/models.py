"""Resolve one model against the platform it deploys onto: size it once, then check what its sizing implies for
the platform (pool capacity, node expiry, operators, monitoring, production's scale-down floor)."""

from __future__ import annotations

from dataclasses import dataclass

from ..sizing import Sizing, SizingError, class_gpu_capacity, rollout_surge, size_for_platform
from ..spec import Environment, ModelSpec, PlatformSpec
from ..spec._base import FieldError, SpecError
from ..spec.model import Backend

BACKEND_OPERATOR: dict[Backend, str] = {
    Backend.KSERVE: "kserve",
    Backend.RAYSERVICE: "kuberay",
    Backend.DEPLOYMENT: "keda",
}
"""The operator (key under `operators:`) whose custom resources a backend's workload is."""

PROD_MIN_SCALE_DOWN_S = 600


@dataclass(frozen=True)
class ResolvedModel:
    """A model with its one sizing: what render and ModelDeployment read."""

    spec: ModelSpec
    sizing: Sizing
    path: str = ""
    """Field-path prefix of this model in its configuration (`models[2].`), empty for a component's own args."""

    def operators(self) -> tuple[str, ...]:
        """Operators (keys under `operators:`) this model's objects need: its backend's, plus KEDA for KServe's
        external autoscaling."""
        own = BACKEND_OPERATOR[self.sizing.backend]
        return (own, "keda") if own == "kserve" else (own,)


def _check_scale_down(spec: ModelSpec, platform: PlatformSpec, prefix: str) -> None:
    down = spec.autoscaling.scale_down_stabilization_seconds
    if platform.environment is Environment.PROD and down is not None and down < PROD_MIN_SCALE_DOWN_S:
        raise FieldError(
            f"{prefix}autoscaling.scale_down_stabilization_seconds",
            f"must be ≥ {PROD_MIN_SCALE_DOWN_S} in prod (got {down}): a replica costs minutes to bring back",
        )


def _check_capacity(spec: ModelSpec, sizing: Sizing, platform: PlatformSpec, prefix: str) -> None:
    capacity = class_gpu_capacity(platform, sizing.gpu_class)
    # Headroom placeholders are preempted by real replicas, so a rollout's surge may take their place.
    extra = max(spec.headroom_replicas, rollout_surge(spec, sizing.backend))
    peak = spec.autoscaling.max_replicas + (spec.canary.replicas if spec.canary else 0) + extra
    gpus = peak * sizing.gpus_per_replica
    if capacity is not None and gpus > capacity:
        raise FieldError(
            f"{prefix}autoscaling.max_replicas",
            f"{peak} replicas (max_replicas, canary, and headroom or a rollout's surge) × "
            f"{sizing.gpus_per_replica} GPUs = {gpus} GPUs, above the "
            f"{sizing.gpu_class} pools' ceiling of {capacity}: they could never all schedule (at max replicas "
            "a rolling update would wait forever); lower max_replicas or raise the pool's limits.gpus",
        )


def _check_node_expiry(spec: ModelSpec, sizing: Sizing, platform: PlatformSpec, where: str) -> None:
    if sizing.pipeline_parallel_size <= 1 or sizing.pool is None:
        return
    j, pool = next((j, p) for j, p in enumerate(platform.gpu.node_pools) if p.name == sizing.pool)
    if pool.disruption.expire_after != "Never":
        raise FieldError(
            f"gpu.node_pools[{j}].disruption.expire_after",
            f"{pool.disruption.expire_after}: the pool hosts {where} ({spec.name}), whose replicas span "
            f"{sizing.pipeline_parallel_size} nodes created together; Karpenter expires nodes regardless of "
            "disruption budgets, so they would all go at once. Set Never (AMI updates then roll one node "
            "at a time through drift)",
        )


def _check_operators(model: ResolvedModel, platform: PlatformSpec, where: str) -> None:
    ops = platform.operators
    backend = model.sizing.backend.value
    own = BACKEND_OPERATOR[model.sizing.backend]
    if not getattr(ops, own).enabled:
        raise FieldError(
            f"{model.path}backend",
            f"{backend} needs operators.{own}.enabled: true (or choose another backend)",
        )
    if "keda" in model.operators() and not ops.keda.enabled:
        raise FieldError(f"{model.path}backend", "KServe models autoscale with KEDA; set operators.keda.enabled")
    if model.sizing.backend is not Backend.RAYSERVICE and not ops.monitoring.enabled:
        raise FieldError(
            "operators.monitoring.enabled",
            f"{where} ({model.spec.name}) autoscales on vLLM metrics from Prometheus; keep monitoring enabled",
        )


def check_model(spec: ModelSpec, platform: PlatformSpec, prefix: str = "") -> ResolvedModel:
    """Size ``spec`` on ``platform`` and check it there; raise :class:`FieldError` (full field path) at the first
    problem. ``prefix`` is the model's path in the configuration (`models[2].`)."""
    where = prefix.rstrip(".") or "the model"
    _check_scale_down(spec, platform, prefix)
    try:
        sizing = size_for_platform(spec, platform)
    except SizingError as exc:
        raise FieldError(f"{prefix}{exc.field}", exc.message) from None
    model = ResolvedModel(spec, sizing, prefix)
    _check_capacity(spec, sizing, platform, prefix)
    _check_node_expiry(spec, sizing, platform, where)
    _check_operators(model, platform, where)
    return model


def resolve_model(spec: ModelSpec, platform: PlatformSpec, *, prefix: str = "", source: str | None = None) -> ResolvedModel:
    """One model on a platform (e.g. a ModelDeployment added from another stack): sized once and checked, or a
    :class:`SpecError` naming the field."""
    try:
        return check_model(spec, platform, prefix)
    except FieldError as exc:
        raise SpecError([(exc.field, exc.message)], source=source) from None
