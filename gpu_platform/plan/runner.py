"""Run the project's program for one stack under the mock engine."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Optional

from ..config import PROJECT, StackConfig, find_project_root, load_stack
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
    cfg, _spec = load_stack(stack, root)
    plan = run_program(
        program_for(root),
        project=PROJECT,
        stack=cfg.name,
        config=cfg.values,
        secret_keys=cfg.secret_keys,
    )
    return cfg, plan
