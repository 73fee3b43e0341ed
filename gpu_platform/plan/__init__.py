"""The offline plan: run a Pulumi program under the SDK mock engine and record what it registers.

Public API for tests (ours and users')::

    from gpu_platform.plan import run_program, run_stack, Plan, PlanResource, SECRET

Names resolve lazily, so importing the engine does not import the spec, the components or YAML output.
"""

from __future__ import annotations

from .._lazy import lazy_exports

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


__getattr__ = lazy_exports(__name__, _EXPORTS)
