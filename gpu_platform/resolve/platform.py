"""Resolve a whole platform: every model once, and every check that relates one section of the spec to another."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ..catalog.bedrock import invocation_id
from ..catalog.regions import zones_of
from ..spec import Environment, ModelSpec, PlatformSpec
from ..spec._base import FieldError, FieldErrors, SpecError, validate_spec
from .models import ResolvedModel, check_model


@dataclass(frozen=True)
class ResolvedPlatform:
    """A platform spec whose sections agree with each other, with every model sized once."""

    spec: PlatformSpec
    models: tuple[ResolvedModel, ...]

    def model(self, name: str) -> ResolvedModel:
        """The resolved model called ``name`` (KeyError names the known ones)."""
        for m in self.models:
            if m.spec.name == name:
                return m
        raise KeyError(f"no model {name!r}; models: {', '.join(m.spec.name for m in self.models) or 'none'}")


def _environment(spec: PlatformSpec) -> None:
    prod = spec.environment is Environment.PROD
    try:
        spec.operators.check_environment(prod)
    except FieldError as exc:
        raise FieldError(f"operators.{exc.field}", exc.message) from None
    # Refuse rather than warn: a warning in a plan is easy to miss, a spot drought in prod is not.
    if prod:
        problems = spec.gpu.production_problems()
        if problems:  # every one of them, in one run
            raise FieldErrors([FieldError(f"gpu.{path}", message) for path, message in problems])


def _unique_names(i: int, m: ModelSpec, seen: dict[Any, int]) -> None:
    """A model's name and served name must be its own: clients and objects tell models apart by them."""
    if ("name", m.name) in seen:
        raise FieldError(f"models[{i}].name", f"{m.name!r} is already used by models[{seen['name', m.name]}]")
    if ("served", m.model_name) in seen:
        raise FieldError(
            f"models[{i}].served_name",
            f"{m.model_name!r} is already served by models[{seen['served', m.model_name]}]; clients could not tell "
            "them apart",
        )
    seen["name", m.name] = seen["served", m.model_name] = i


def _unique_workloads(spec: PlatformSpec, i: int, model: ResolvedModel, seen: dict[Any, int]) -> None:
    """The objects a model creates (its backend's workload names) must not be another model's."""
    m = model.spec
    workloads = m.workload_names(model.sizing.backend)
    for workload in workloads:
        other = seen.get(("workload", m.namespace, workload))
        if other is not None:
            raise FieldError(
                f"models[{i}].name",
                f"{m.name!r} would create {workload!r} in namespace {m.namespace}, which models[{other}] "
                f"({spec.models[other].name}) already creates; rename one of them",
            )
    seen.update({("workload", m.namespace, w): i for w in workloads})


def _models(spec: PlatformSpec) -> tuple[tuple[ResolvedModel, ...], list[FieldError]]:
    """Every model sized and checked once; one problem per model (its first), every model's reported."""
    resolved: list[ResolvedModel] = []
    problems: list[FieldError] = []
    seen: dict[Any, int] = {}
    for i, m in enumerate(spec.models):
        try:
            _unique_names(i, m, seen)
            model = check_model(m, spec, f"models[{i}].")
            _unique_workloads(spec, i, model, seen)
            resolved.append(model)
        except FieldError as exc:  # this model's problem; go on with the others
            problems.append(exc)
    return tuple(resolved), problems


def _fallback(spec: PlatformSpec) -> None:
    if not spec.fallback.enabled:
        if spec.environment is Environment.PROD and spec.models:
            raise FieldError(
                "fallback.enabled",
                "prod models must not rely on self-hosted GPUs alone; keep the fallback proxy enabled",
            )
        return
    bedrock = spec.fallback.providers.bedrock
    bedrock_region = (bedrock.region if bedrock else None) or spec.region
    for i, m in enumerate(spec.fallback.external_models):
        if m.provider.value == "bedrock":
            try:
                invocation_id(m.model, bedrock_region)
            except ValueError as exc:
                raise FieldError(
                    f"fallback.external_models[{i}].model",
                    f"{exc}; choose a model served there or set fallback.providers.bedrock.region",
                ) from None
    hosted = [m.model_name for m in spec.models] + spec.fallback.remote_groups
    production = hosted if spec.environment is Environment.PROD else []
    problems = spec.fallback.group_problems(hosted, production_groups=production)
    if problems:
        path, message = problems[0]
        raise FieldError(f"fallback.{path}", message)


def _endpoint_reachable(spec: PlatformSpec) -> None:
    """A private-only endpoint is reachable only from networks with a route into the VPC."""
    endpoint = spec.cluster.endpoint
    vpc = ipaddress.ip_network(spec.network.vpc_cidr)
    for i, cidr in enumerate(endpoint.private_access_cidrs):
        net = ipaddress.ip_network(cidr)
        if net != vpc and vpc.subnet_of(net):  # type: ignore[arg-type]
            raise FieldError(
                f"cluster.endpoint.private_access_cidrs[{i}]",
                f"{cidr} contains the VPC's own range ({vpc}): list the networks that need the API (the VPN's, "
                "the CI runners') rather than a range the VPC overlaps",
            )
        # A range inside the VPC (runners or a bastion there) needs no route; one outside needs the gateway.
        if not endpoint.public and not net.subnet_of(vpc) and endpoint.transit_gateway_id is None:  # type: ignore[arg-type]
            raise FieldError(
                f"cluster.endpoint.private_access_cidrs[{i}]",
                f"{cidr} is outside the VPC ({vpc}) and nothing routes it there: set "
                "cluster.endpoint.transit_gateway_id (the platform attaches the VPC and adds the routes), or run "
                "`pulumi up` from inside the VPC and list the VPC's own range",
            )


def _zones_in_region(spec: PlatformSpec) -> None:
    known = zones_of(spec.region)
    for i, zone in enumerate(spec.network.availability_zones or []):
        if not zone.startswith(spec.region) or (known is not None and zone not in known):
            offered = f" (it has {', '.join(known)})" if known else ""
            raise FieldError(f"network.availability_zones[{i}]", f"{zone!r} is not a zone of {spec.region}{offered}")
    if known is not None and spec.network.az_count > len(known):
        raise FieldError("network.az_count", f"{spec.region} has {len(known)} availability zones, not "
                                             f"{spec.network.az_count}")


def _problems(checks: list[Callable[[], Any]]) -> Iterator[FieldError]:
    for check in checks:
        try:
            check()
        except FieldErrors as exc:
            yield from exc.errors
        except FieldError as exc:
            yield exc


def resolve(data: Any, *, source: str | None = None) -> ResolvedPlatform:
    """Validate ``data`` (a :class:`PlatformSpec` or a mapping), size every model once and run every cross-section
    check. Raises :class:`SpecError` with every problem found, each naming its field."""
    spec = validate_spec(PlatformSpec, data, source=source)
    models: tuple[ResolvedModel, ...] = ()

    def size_models() -> None:
        nonlocal models
        models, problems = _models(spec)
        if problems:
            raise FieldErrors(problems)

    problems = list(_problems([lambda: _environment(spec), size_models, lambda: _fallback(spec),
                               lambda: _endpoint_reachable(spec), lambda: _zones_in_region(spec)]))
    if problems:
        raise SpecError([(p.field, p.message) for p in problems], source=source)
    return ResolvedPlatform(spec, models)
