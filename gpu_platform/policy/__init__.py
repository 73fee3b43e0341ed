"""The production checklist as code: pure rules over plan resources.

``run_checks(plan)`` evaluates every rule offline (``python -m gpu_platform check``); ``policy-pack/`` runs the
same rules under ``pulumi preview --policy-pack``. See :mod:`gpu_platform.policy.rules` for the checklist.
"""

from __future__ import annotations

from typing import Iterable, Optional, Union

from ..plan.engine import Plan, PlanResource
from ._workloads import EXEMPT_ANNOTATION, describe, exemptions
from .rules import RULE_IDS, RULES, PlanView, Rule, Violation

__all__ = ["EXEMPT_ANNOTATION", "RULES", "RULE_IDS", "PlanView", "Rule", "Violation", "run_checks", "run_rule"]


def run_rule(rule: Rule, view: PlanView) -> list[Violation]:
    """One rule's violations, minus those the resource exempts itself from; sorted and de-duplicated."""
    found: dict[tuple[str, str], Violation] = {}
    for resource, message in rule.check(view):
        if rule.id in exemptions(resource):
            continue
        found.setdefault((resource.urn, message), Violation(rule.id, resource.urn, describe(resource), message))
    return sorted(found.values(), key=lambda v: (v.resource, v.message))


def run_checks(
    plan: Union[Plan, Iterable[PlanResource]],
    rules: Optional[Iterable[Rule]] = None,
    *,
    only: Optional[Iterable[str]] = None,
) -> list[Violation]:
    """Every violation of ``rules`` (default: all) in ``plan``, grouped by rule in checklist order."""
    view = PlanView(plan.resources if isinstance(plan, Plan) else plan)
    selected = list(rules if rules is not None else RULES)
    if only is not None:
        wanted = set(only)
        unknown = wanted - {r.id for r in RULES}
        if unknown:
            raise KeyError(f"unknown rule(s): {', '.join(sorted(unknown))}; known: {', '.join(RULE_IDS)}")
        selected = [r for r in selected if r.id in wanted]
    out: list[Violation] = []
    for rule in selected:
        out += run_rule(rule, view)
    return out
