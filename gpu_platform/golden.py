"""The golden record of stateful URNs per stack (``tests/stacks/golden_urns.json``) and the comparison with it.

``python -m gpu_platform.dev golden`` compares, ``--update`` (``make golden``) rewrites the record. A stateful
resource (see :data:`gpu_platform.plan.diff.STATEFUL_TYPES`) whose URN disappears is an error unless
``gpu_platform/components/_aliases.py`` records where it moved and the new URN exists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Optional

GOLDEN_FILE = Path("tests") / "stacks" / "golden_urns.json"


def stateful_urns(plan) -> list[str]:
    from .plan.diff import is_stateful

    return sorted(r.urn for r in plan.resources if is_stateful(r))


def stack_names(root: Path) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in (root / "stacks").glob("Pulumi.*.yaml"))


def current(root: Path, stacks: Optional[Iterable[str]] = None) -> dict[str, dict]:
    """``{stack: {"cluster": name, "urns": [...]}}`` from planning each stack offline."""
    from .plan.runner import run_stack

    out = {}
    for stack in stacks or stack_names(root):
        cfg, plan = run_stack(stack, root)
        cluster = ((cfg.values.get("gpu-platform:platform") or {}).get("cluster") or {}).get("name", "")
        out[stack] = {"cluster": cluster, "urns": stateful_urns(plan)}
    return out


def load(root: Path) -> dict[str, dict]:
    path = root / GOLDEN_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def write(root: Path, record: dict[str, dict]) -> Path:
    path = root / GOLDEN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return path


def problems(golden: dict[str, dict], now: dict[str, dict]) -> list[str]:
    """What a reviewer must act on: moved/removed stateful URNs without an alias, and unrecorded new ones."""
    from .components._aliases import moved_to

    out: list[str] = []
    for stack, entry in sorted(now.items()):
        if stack not in golden:
            out.append(f"{stack}: no golden record; run `python -m gpu_platform.dev golden --update`")
            continue
        before, after = set(golden[stack]["urns"]), set(entry["urns"])
        for urn in sorted(before - after):
            targets = [u for u in moved_to(urn, entry["cluster"]) if u in after]
            if not targets:
                out.append(
                    f"{stack}: stateful resource {urn} is gone; Pulumi would delete it (and create any replacement). "
                    "Record the move in gpu_platform/components/_aliases.py and pass aliases_for(...) to the "
                    "resource, or, if the deletion is intended, run `python -m gpu_platform.dev golden --update`"
                )
        for urn in sorted(after - before):
            moved_here = any(urn in moved_to(old, entry["cluster"]) for old in before - after)
            if not moved_here:
                out.append(f"{stack}: new stateful resource {urn} is not in the golden record; "
                           "run `python -m gpu_platform.dev golden --update` and commit it")
    return out
