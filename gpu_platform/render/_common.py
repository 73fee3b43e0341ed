"""Kubernetes pieces more than one render module writes the same way, so hardening cannot drift between them."""

from __future__ import annotations

from typing import Any


def container_security_context(uid: int, *, read_only_root: bool = False) -> dict[str, Any]:
    """Non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp (the restricted Pod Security
    Standard's container fields); ``read_only_root`` where the process writes only to its volumes."""
    ctx: dict[str, Any] = {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    if read_only_root:
        ctx["readOnlyRootFilesystem"] = True
    return ctx
