"""Adapt Pulumi policy-pack resources to :class:`PlanResource`s so the pack runs the same pure rules.

``policy-pack/__main__.py`` registers one ``StackValidationPolicy`` per rule (stack validation, because several
rules need the whole stack: a PDB for a workload, DCGM once GPU nodes exist). Values that are unknown during
preview read as ``[unknown]``. ``pulumi_policy`` hands secrets over unwrapped, so secretness is invisible to a
pack: rules marked ``offline_only`` (``secrets-never-plain``) run in ``python -m gpu_platform check`` only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Callable, Iterable

from ..plan.engine import UNKNOWN, PlanResource
from . import run_rule
from .rules import RULES, PlanView, Rule


def plain(value: Any) -> Any:
    """Plain JSON-like data from the policy SDK's proxies; values unknown during preview become ``[unknown]``."""
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, Mapping):
        out = {}
        for key in list(value):
            try:
                out[str(key)] = plain(value[key])
            except Exception:  # noqa: BLE001 — pulumi_policy raises UnknownValueError for preview-time unknowns
                out[str(key)] = UNKNOWN
        return out
    if isinstance(value, Sequence):
        items = []
        for i in range(len(value)):
            try:
                items.append(plain(value[i]))
            except Exception:  # noqa: BLE001
                items.append(UNKNOWN)
        return items
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def plan_resources(resources: Iterable[Any]) -> list[PlanResource]:
    """``PolicyResource``s (``resource_type``, ``props``, ``urn``, ``name``, ``parent``) as plan resources."""
    out = []
    for r in resources:
        parent = getattr(r, "parent", None)
        provider = getattr(r, "provider", None)
        out.append(
            PlanResource(
                urn=r.urn,
                type=r.resource_type,
                name=r.name,
                parent=getattr(parent, "urn", None),
                custom=True,
                provider=getattr(provider, "urn", None),
                dependencies=[],
                inputs=plain(r.props),
            )
        )
    return out


def pack_rules() -> list[Rule]:
    return [r for r in RULES if not r.offline_only]


def stack_validator(rule: Rule) -> Callable[[Any, Callable[..., None]], None]:
    """A ``StackValidation`` callback that runs ``rule`` and reports each violation on its resource's URN."""

    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        view = PlanView(plan_resources(args.resources))
        for v in run_rule(rule, view):
            report_violation(f"{v.resource}: {v.message}", v.urn)

    validate.__name__ = f"validate_{rule.id.replace('-', '_')}"
    return validate
