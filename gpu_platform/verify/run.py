"""Verify plans against the real control plane: apply every object, let the controllers reconcile, read back."""

from __future__ import annotations

import shutil
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, Optional, Sequence

import yaml

from .harness import ApplyResult, ControlPlane, Toolchain
from .order import environment_namespaces, namespaces_of, plan_manifests
from .report import Verdict, judge

# Reconciliation is done when the set of derived objects has not changed for this long (bounded by max_settle).
_QUIET_SECONDS = 6.0
_POLL_SECONDS = 2.0


def verify_plans(
    plan_dirs: Sequence[Path],
    toolchain: Toolchain,
    *,
    out: Optional[Path] = None,
    max_settle: float = 60.0,
    keep_logs: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
    control_plane: Optional[ControlPlane] = None,
) -> Verdict:
    """Apply each plan in order onto one control plane (later plans are upgrades of earlier ones).

    What the controllers derived from the last plan is written to ``out/derived`` (default: the last plan's
    directory), our objects as the server holds them to ``out/applied``. A running ``control_plane`` is used as it
    is and left running (tests apply more to it); otherwise one is started and stopped.
    """
    plans = [plan_manifests(Path(d)) for d in plan_dirs]
    out = Path(out or plan_dirs[-1])
    env_ns = sorted({ns for manifests in plans for ns in environment_namespaces(manifests)})
    namespaces = sorted({ns for manifests in plans for ns in namespaces_of(manifests)} | set(env_ns))
    applied: list[ApplyResult] = []
    with (nullcontext(control_plane) if control_plane else ControlPlane(toolchain, keep_logs=keep_logs)) as cp:
        progress(f"control plane up in {cp.info.get('seconds', 0):.0f}s")
        if env_ns:
            setup = cp.apply_documents([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in env_ns])
            bad = [r for r in setup if not r.admitted]
            if bad:
                raise RuntimeError(f"cannot create environment namespaces: {bad[0].message}")
        for i, manifests in enumerate(plans):
            progress(f"applying {len(manifests)} objects from {plan_dirs[i]}")
            results = cp.apply([m.path for m in manifests])
            # An earlier plan's rejections stay in the verdict; of the last plan, every answer counts.
            applied += results if i == len(plans) - 1 else [r for r in results if not r.admitted]
        derived = _settle(cp, out, namespaces, max_settle)
        events = cp.collect(out, namespaces)
    return judge(applied, events, derived, read_objects(out))


def read_objects(out: Path) -> dict[tuple[str, str, str], dict]:
    """The objects `collect` wrote (derived/ and applied/), keyed by (namespace, kind, name)."""
    objects = {}
    for path in sorted((out / "derived").glob("*.yaml")) + sorted((out / "applied").glob("*.yaml")):
        obj = yaml.safe_load(path.read_text())
        meta = obj.get("metadata") or {}
        objects[(meta.get("namespace", ""), obj.get("kind", ""), meta.get("name", ""))] = obj
    return objects


def _settle(cp: ControlPlane, out: Path, namespaces: Sequence[str], max_settle: float) -> int:
    """Poll what the controllers derived until it stops changing (or max_settle); return how many objects."""
    deadline = time.monotonic() + max_settle
    last: Optional[frozenset[str]] = None
    quiet_since = time.monotonic()
    while True:
        for sub in ("derived", "applied"):
            shutil.rmtree(out / sub, ignore_errors=True)
        cp.collect(out, namespaces)
        names = frozenset(p.name for p in (out / "derived").glob("*.yaml"))
        now = time.monotonic()
        if names != last:
            last, quiet_since = names, now
        elif now - quiet_since >= _QUIET_SECONDS or now >= deadline:
            return len(names)
        if now >= deadline:
            return len(names)
        time.sleep(_POLL_SECONDS)
