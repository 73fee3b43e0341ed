"""The real control plane (tests/controlplane): built once per session, one cluster per verified plan set.

Without Go these tests skip with one loud line; with CI=true a missing toolchain is a failure, because then
"the tests pass" would no longer mean "the cluster accepts it".
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "stacks"))  # stack_plans: one plan per stack per session, shared
_why_skipped: list[str] = []


def _toolchain_problem() -> str | None:
    if shutil.which("go") is None:
        return "Go is not on PATH, so the control plane (kube-apiserver, KServe, KEDA, KubeRay) cannot be built"
    return None


def pytest_collection_modifyitems(config, items):
    problem = _toolchain_problem()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but {problem}: install Go ≥ 1.26")
    _why_skipped.append(problem)
    skip = pytest.mark.skip(reason=problem)
    for item in items:
        if "tests/verify/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if _why_skipped:
        terminalreporter.write_line(f"CONTROL PLANE VERIFICATION SKIPPED: {_why_skipped[0]}", red=True, bold=True)


@pytest.fixture(scope="session")
def toolchain():
    from gpu_platform.verify import build

    return build(REPO / "tests" / "controlplane", quiet=True)
