"""What an add-on is (:class:`AddOn`, a pure declaration) and what installing it means (:class:`ReleasePlan`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ...catalog.versions import chart as pinned_chart
from ...spec import PlatformSpec

OPERATORS = "operators"
"""Group installed by the `Operators` component."""
GPU = "gpu"
"""Group installed by the `GpuAddons` component."""
KARPENTER = "karpenter"
"""Group installed by the `Karpenter` component."""

Installed = frozenset
"""Keys of the add-ons that will be installed alongside (this group's enabled ones plus those other components
install): what a values function may adapt to (e.g. a ServiceMonitor only when kube-prometheus-stack is there)."""


@dataclass(frozen=True)
class ReleasePlan:
    """One Helm release to install: what, where, with which values, after which other releases."""

    key: str
    """Logical part name (`cert-manager`, `kserve-resources` …); also the key into catalog CHARTS."""
    release: str
    """Helm release name."""
    namespace: str
    """Namespace the release is installed into (created if missing)."""
    values: Optional[dict[str, Any]]
    """Helm values (None: the chart is installed without any); only keys the pinned chart defines."""
    depends_on: tuple[str, ...] = ()
    """Keys of releases that must be installed (and ready) first, and uninstalled after this one."""
    timeout_seconds: Optional[int] = 600
    """How long Helm waits for the release's workloads to become ready (None: the provider's default)."""
    notes: str = field(default="", compare=False)
    """Why this release is ordered where it is (shown in docs and reviews)."""
    suffix: str = ""
    """Pulumi logical name is `<component name>-<suffix>` (the key when empty)."""
    skip_crds: bool = False
    """Skip the chart's crds/ directory (another release owns the CRDs)."""

    @property
    def chart(self):
        """The pinned chart (catalog entry) for this release."""
        return pinned_chart(self.key)

    @property
    def name_suffix(self) -> str:
        return self.suffix or self.key


@dataclass(frozen=True)
class AddOn:
    """A Helm chart the platform installs, declared once: see :mod:`gpu_platform.render.addons` for how to add one."""

    key: str
    """The catalog chart key (`catalog.versions.CHARTS`); also what other add-ons name in ``after``."""
    group: str
    """The component that installs it: OPERATORS, GPU or KARPENTER."""
    release: str
    """Helm release name."""
    namespace: str
    """Namespace the release goes into (created if missing)."""
    enabled: Callable[[PlatformSpec], bool]
    """Whether the spec installs it."""
    values: Optional[Callable[[PlatformSpec, Installed], dict[str, Any]]] = None
    """Helm values from the spec and the keys installed alongside; None for a chart installed without values."""
    after: tuple[str, ...] = ()
    """Add-ons (any group) this one is installed after and uninstalled before, when they are installed at all."""
    suffix: str = ""
    """Pulumi logical-name suffix (the key when empty); fixed, since changing it changes the release's URN."""
    timeout_seconds: Optional[int] = None
    """Helm's wait for readiness (None: the provider's default)."""
    skip_crds: bool = False
    """Skip the chart's crds/ directory (another release owns the CRDs)."""
    notes: str = ""
    """Why it is ordered where it is."""
    free_form_values: tuple[str, ...] = ()
    """Value paths that are free-form maps although the chart ships a non-empty default (for the unknown-key test)."""
    subchart_values: tuple[str, ...] = ()
    """Value paths that belong to a subchart whose values.yaml is not the parent chart's (for the same test)."""

    def plan(self, spec: PlatformSpec, installed: Installed) -> ReleasePlan:
        """This add-on's release for ``spec``, given the keys installed alongside (which ``after`` edges apply)."""
        return ReleasePlan(
            self.key,
            self.release,
            self.namespace,
            self.values(spec, installed) if self.values is not None else None,
            tuple(k for k in self.after if k in installed),
            self.timeout_seconds,
            notes=self.notes,
            suffix=self.suffix,
            skip_crds=self.skip_crds,
        )


def operator(
    key: str,
    namespace: str,
    enabled: Callable[[PlatformSpec], bool],
    values: Callable[[PlatformSpec], dict[str, Any]],
    **fields: Any,
) -> AddOn:
    """An add-on of the `Operators` component: Helm release named like its chart key, values from the spec alone,
    a 5-minute readiness wait; ``fields`` sets any other :class:`AddOn` field (``after``, ``notes`` …)."""
    return AddOn(
        **{
            "key": key,
            "group": OPERATORS,
            "release": key,
            "namespace": namespace,
            "enabled": enabled,
            "values": lambda spec, installed: values(spec),
            "timeout_seconds": 300,
            **fields,
        }
    )
