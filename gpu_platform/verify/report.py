"""Pure: turn what the control plane said into verify's verdict and its printed lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .harness import ApplyResult, Event

# Warnings that say "this is not a real cluster", not "your object is wrong": no nodes, no kubelet, no Prometheus
# or Ray dashboard behind the cluster DNS names our objects point at, no metrics API for the HPA. Each entry:
# (event source or "" for any, reason regex, message regex, why it is environmental).
ENVIRONMENTAL: tuple[tuple[str, str, str, str], ...] = (
    ("", r"^FailedGetExternalMetric$|^FailedComputeMetricsReplicas$", r"",
     "the HPA controller has no external metrics API here (KEDA's metrics adapter is not run)"),
    ("", r"^KEDAScalerFailed$|^KEDAScaleTargetDeactivationFailed$|^KEDAScalerFailedToGetMetrics$",
     r"(no such host|connection refused|dial tcp|context deadline exceeded|i/o timeout)",
     "KEDA cannot reach Prometheus: there is no Prometheus or cluster DNS here"),
    ("", r"^ScaledObjectCheckFailed$", r"(no such host|connection refused|dial tcp|i/o timeout)",
     "KEDA cannot reach Prometheus: there is no Prometheus or cluster DNS here"),
    ("", r".*", r"(:8265|:52365|dashboard).*(no such host|connection refused|dial tcp|i/o timeout)",
     "KubeRay cannot reach the Ray dashboard: no pod runs without nodes"),
    ("", r"^FailedScheduling$", r"", "no scheduler or nodes here"),
)


def is_environmental(event: Event) -> bool:
    for source, reason, message, _why in ENVIRONMENTAL:
        if source and source != event.source:
            continue
        if re.search(reason, event.reason) and (not message or re.search(message, event.message)):
            return True
    return False


@dataclass
class Verdict:
    """What verify found: every applied object's answer and every controller error about our objects."""

    applied: list[ApplyResult] = field(default_factory=list)
    controller_errors: list[Event] = field(default_factory=list)
    environmental: list[Event] = field(default_factory=list)
    derived: int = 0

    @property
    def rejected(self) -> list[ApplyResult]:
        return [r for r in self.applied if not r.admitted]

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.controller_errors

    def lines(self) -> list[str]:
        out = [f"{r.ref}: {r.message}" for r in self.rejected]
        out += [f"{e.kind} {e.namespace}/{e.name}: {e.source or 'controller'}: {e.reason}: {e.message}"
                for e in self.controller_errors]
        total = len(self.applied)
        admitted = total - len(self.rejected)
        errors = len(self.rejected) + len(self.controller_errors)
        out.append(f"verify: admitted {admitted}/{total}, derived {self.derived}, errors {errors}")
        return out


def judge(applied: Sequence[ApplyResult], events: Iterable[Event], derived: int) -> Verdict:
    verdict = Verdict(applied=list(applied), derived=derived)
    for e in events:
        (verdict.environmental if is_environmental(e) else verdict.controller_errors).append(e)
    return verdict
