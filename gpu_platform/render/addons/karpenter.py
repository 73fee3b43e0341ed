"""Karpenter: its CRDs (`karpenter-crd`, upgraded with the controller) and the controller (`karpenter`).

The controller's values live in :mod:`gpu_platform.render.karpenter` with the rest of Karpenter's decisions; the
`Karpenter` component adds the controller's AWS prerequisites (IAM, queue, access entry) as extra dependencies.
"""

from __future__ import annotations

from ...spec import PlatformSpec
from ..karpenter import CRD_RELEASE, NAMESPACE, RELEASE, controller_values
from .base import KARPENTER, AddOn


def _always(spec: PlatformSpec) -> bool:
    return True


KARPENTER_CRD = AddOn("karpenter-crd", KARPENTER, CRD_RELEASE, NAMESPACE, _always, suffix="crd")

KARPENTER_CONTROLLER = AddOn(
    "karpenter", KARPENTER, RELEASE, NAMESPACE, _always, lambda spec, installed: controller_values(spec),
    after=("karpenter-crd",),
    suffix="controller",
    # The CRDs come from karpenter-crd (Helm never upgrades CRDs shipped in a chart's crds/ directory).
    skip_crds=True,
)
