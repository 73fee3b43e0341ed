"""Run the project's program for one stack under the mock engine."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Optional

from ..config import (
    PROJECT,
    SECRET_PLACEHOLDER,
    SecretNeed,
    StackConfig,
    check_secrets,
    find_project_root,
    load_stack,
)
from .engine import Plan, run_program


def program_for(root: Optional[Path]):
    """The program `pulumi up` would run: the project's `__main__.py` if there is one, else the packaged program."""
    entry = root / "__main__.py" if root else None
    if entry is not None and entry.is_file():
        return lambda: runpy.run_path(str(entry), run_name="__main__")
    from ..program import main

    return main


def run_stack(stack: str, root: Optional[Path] = None) -> tuple[StackConfig, Plan]:
    """Validate stack ``stack`` (name or path) and plan it. Raises ``SpecError`` before anything is registered."""
    root = root or find_project_root()
    cfg, resolved = load_stack(stack, root)
    missing = check_secrets(cfg, resolved.spec)
    # Offline, a secret the stack does not set yet plans as a placeholder (secrets are never committed); the plan
    # says which ones `pulumi up` will need.
    filled = {f"{PROJECT}:{n.key}": SECRET_PLACEHOLDER for n in missing}
    plan = run_program(
        program_for(root),
        project=PROJECT,
        stack=cfg.name,
        config={**cfg.values, **filled},
        secret_keys=(*cfg.secret_keys, *filled),
    )
    plan.warnings.extend(secret_warning(n) for n in missing)
    return cfg, plan


def secret_warning(need: SecretNeed) -> str:
    return (f"secret {PROJECT}:{need.key} is not set ({need.field}); planned with a placeholder. Before `pulumi up`, "
            f"run `{need.command}`")
