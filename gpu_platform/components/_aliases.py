"""The dated record of every move of a resource's URN (a renamed logical name, type token or parent).

Pulumi identifies a resource by its URN. Moving one (renaming a child, re-parenting it, renaming a type token)
makes Pulumi delete the old resource and create a new one: for a VPC, an EKS cluster, an IAM role or a queue that
is an outage or data loss. Each move is therefore recorded here, with its date and reason, and the component that
moved the resource passes :func:`aliases_for` to ``ResourceOptions(aliases=...)`` so Pulumi adopts the existing
resource under its new URN (terraform-aws-eks keeps ``migrations.tf`` for the same purpose).

``tests/stacks/test_golden_urns.py`` compares every stack's stateful URNs with ``tests/stacks/golden_urns.json``: a
URN that disappears fails the test unless a move below maps it to a URN that exists.

URNs are recorded without their ``urn:pulumi:<stack>::<project>::`` prefix, e.g.
``gpu-platform:index:GpuPlatform$gpu-platform:index:Network$aws:ec2/vpc:Vpc::gpu-dev-network-vpc``; stack names
that appear in logical names are written as ``{cluster}`` (the cluster name) so one record serves every stack.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UrnMove:
    """One recorded move."""

    date: str
    """ISO date of the change (YYYY-MM-DD)."""
    old: str
    """The URN before the move, without the stack/project prefix; ``{cluster}`` stands for the cluster name."""
    new: str
    """The URN after the move, same form."""
    reason: str
    """Why it moved (the commit or issue explains the rest)."""


MOVES: list[UrnMove] = []
"""Every URN move, oldest first. Empty: no resource has moved since the first release."""


def suffix(urn: str) -> str:
    """``urn:pulumi:dev::gpu-platform::T::name`` → ``T::name``."""
    parts = urn.split("::", 2)
    return parts[2] if len(parts) == 3 else urn


def resolve(pattern: str, cluster: str) -> str:
    return pattern.replace("{cluster}", cluster)


def aliases_for(new_urn: str, cluster: str) -> list[str]:
    """Full old URNs for a resource now at ``new_urn`` (pass to ``ResourceOptions(aliases=...)``)."""
    prefix = new_urn[: len(new_urn) - len(suffix(new_urn))]
    return [prefix + resolve(m.old, cluster) for m in MOVES if resolve(m.new, cluster) == suffix(new_urn)]


def moved_to(old_urn: str, cluster: str) -> list[str]:
    """Full new URNs recorded for a resource that used to be at ``old_urn``."""
    prefix = old_urn[: len(old_urn) - len(suffix(old_urn))]
    return [prefix + resolve(m.new, cluster) for m in MOVES if resolve(m.old, cluster) == suffix(old_urn)]
