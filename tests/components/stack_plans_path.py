"""Plans of the repository's stacks for component tests (shared with tests/stacks through its cache)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stacks"))

from stack_plans import planned  # noqa: E402


def planned_stack(stack: str):
    return planned(stack)[1]
