"""The offline plan: run a Pulumi program under the SDK mock engine and record what it registers.

Public API for tests (ours and users')::

    from gpu_platform.plan import run_program, run_stack, Plan, PlanResource, SECRET

Names resolve lazily, so importing the engine does not import the spec, the components or YAML output.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_BY_MODULE: dict[str, tuple[str, ...]] = {
    ".engine": ("SECRET", "Plan", "PlanResource", "clean_value", "run_program"),
    ".mocks": ("PlanMocks", "UnknownInvokeError"),
    ".output": ("write_plan",),
    ".runner": ("run_stack",),
}
_EXPORTS = {name: module for module, names in _BY_MODULE.items() for name in names}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
