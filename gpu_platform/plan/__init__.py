"""The offline plan: run a Pulumi program under the SDK mock engine and record what it registers.

Public API for tests (ours and users')::

    from gpu_platform.plan import run_program, run_stack, Plan, PlanResource, SECRET

Names resolve lazily, so importing the engine does not import the spec, the components or YAML output.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SECRET": ".engine",
    "Plan": ".engine",
    "PlanResource": ".engine",
    "clean_value": ".engine",
    "run_program": ".engine",
    "PlanMocks": ".mocks",
    "UnknownInvokeError": ".mocks",
    "write_plan": ".output",
    "run_stack": ".runner",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gpu_platform.plan' has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)
