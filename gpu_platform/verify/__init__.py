"""Verify plans against a real Kubernetes control plane (kube-apiserver, KServe, KEDA and KubeRay, built from their
Go modules at pinned versions): every object admitted, every controller reconciling our objects without error.

    from gpu_platform.verify import build, verify_plans
    verdict = verify_plans([Path("out/dev")], build())
    assert verdict.ok, verdict.lines()
"""

from .harness import ApplyResult, ControlPlane, Event, Toolchain, ToolchainError, build
from .order import Manifest, plan_manifests
from .report import Verdict, judge
from .run import verify_plans

__all__ = [
    "ApplyResult", "ControlPlane", "Event", "Manifest", "Toolchain", "ToolchainError", "Verdict", "build", "judge",
    "plan_manifests", "verify_plans",
]
