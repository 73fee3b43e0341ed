"""Every stack in stacks/ validates, plans offline, and passes the production checklist."""

from __future__ import annotations

import pytest
from stack_plans import STACKS, planned

from gpu_platform.cli import main
from gpu_platform.config import load_stack
from gpu_platform.policy import run_checks


def test_the_three_environments_exist():
    assert {"dev", "staging", "prod"} <= set(STACKS)


def test_stack_validates(stack):
    cfg, spec = load_stack(stack)
    assert spec.environment.value == stack or stack not in ("dev", "staging", "prod")


def test_stack_plans(stack):
    cfg, plan = planned(stack)
    types = {r.type for r in plan.resources}
    assert {"gpu-platform:index:GpuPlatform", "eks:index:Cluster", "aws:ec2/vpc:Vpc"} <= types
    assert plan.stack == stack


def test_stack_passes_the_production_checklist(stack):
    _cfg, plan = planned(stack)
    violations = run_checks(plan)
    assert not violations, "\n".join(str(v) for v in violations)


@pytest.mark.parametrize("stack_name", ["dev"])
def test_check_command_exit_codes(stack_name, tmp_path, capsys):
    assert main(["check", "--stack", stack_name]) == 0
    assert "pass" in capsys.readouterr().out
    assert main(["check", "--stack", "no-such-stack"]) == 2
    assert main(["check"]) == 2
    assert main(["check", "--stack", stack_name, "--rule", "no-such-rule"]) == 2
    # A written plan can be checked without planning again (what CI does with the PR's plan).
    assert main(["plan", "--stack", stack_name, "--out", str(tmp_path / "p")]) == 0
    assert main(["check", "--plan", str(tmp_path / "p")]) == 0
