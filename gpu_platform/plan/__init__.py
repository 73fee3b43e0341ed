"""The offline plan: run a Pulumi program under the SDK mock engine and record what it registers.

Public API for tests (ours and users')::

    from gpu_platform.plan import run_program, run_stack, Plan, PlanResource, SECRET
"""

from .engine import SECRET, Plan, PlanResource, clean_value, run_program
from .mocks import PlanMocks, UnknownInvokeError
from .output import write_plan
from .runner import run_stack

__all__ = [
    "SECRET",
    "Plan",
    "PlanMocks",
    "PlanResource",
    "UnknownInvokeError",
    "clean_value",
    "run_program",
    "run_stack",
    "write_plan",
]
