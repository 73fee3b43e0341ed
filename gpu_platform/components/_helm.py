"""One way to install a pinned chart: catalog entry → `helm.v3.Release` (releases keep hooks and CRDs)."""

from __future__ import annotations

from typing import Any, Optional

import pulumi
from pulumi_kubernetes.helm.v3 import Release, RepositoryOptsArgs

from ..catalog.versions import Chart


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
