"""One way to install pinned charts: catalog entry → `helm.v3.Release` (releases keep hooks and CRDs), and a
component's planned add-on releases with their dependencies."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import pulumi
from pulumi_kubernetes.helm.v3 import Release, RepositoryOptsArgs

from ..catalog.versions import Chart
from ..render.addons import ReleasePlan


def helm_release(
    name: str,
    chart: Chart,
    *,
    release: str,
    namespace: str,
    opts: pulumi.ResourceOptions,
    values: Optional[dict[str, Any]] = None,
    **options: Any,
) -> Release:
    """Release ``release`` of the pinned ``chart`` into ``namespace`` (created if missing), Pulumi name ``name``.

    ``options`` pass through to `Release` (``skip_crds``, ``timeout`` …). A classic chart gets its repository;
    an ``oci://`` chart carries its registry in the chart reference and gets none.
    """
    return Release(
        name,
        name=release,
        chart=chart.chart,
        version=chart.version,
        repository_opts=RepositoryOptsArgs(repo=chart.repository) if chart.repository else None,
        namespace=namespace,
        create_namespace=True,
        values=values,
        opts=opts,
        **options,
    )


def install_releases(
    name: str,
    plans: Sequence[ReleasePlan],
    *,
    parent: pulumi.Resource,
    provider: Optional[pulumi.ProviderResource] = None,
    depends_on: Sequence[pulumi.Resource] = (),
    installed: Optional[Mapping[str, pulumi.Resource]] = None,
    extra_depends_on: Optional[Mapping[str, Sequence[pulumi.Resource]]] = None,
) -> dict[str, Release]:
    """Install ``plans`` (in their order) as `<name>-<suffix>` children of ``parent``; releases by key.

    Each release waits for ``depends_on`` (children do not inherit a component's), its own ``extra_depends_on``
    entry, and the releases its plan depends on: earlier ones of this list, or ``installed`` ones another component
    made (e.g. kube-prometheus-stack for the DCGM exporter). A dependency found in neither is a KeyError.
    """
    installed = installed or {}
    extra_depends_on = extra_depends_on or {}
    releases: dict[str, Release] = {}
    for plan in plans:
        after = [releases[k] if k in releases else installed[k] for k in plan.depends_on]
        options: dict[str, Any] = {}
        if plan.timeout_seconds is not None:
            options["timeout"] = plan.timeout_seconds
        if plan.skip_crds:
            options["skip_crds"] = True
        releases[plan.key] = helm_release(
            f"{name}-{plan.name_suffix}",
            plan.chart,
            release=plan.release,
            namespace=plan.namespace,
            values=plan.values,
            opts=pulumi.ResourceOptions(
                parent=parent,
                provider=provider,
                depends_on=[*depends_on, *extra_depends_on.get(plan.key, ()), *after],
            ),
            **options,
        )
    return releases
