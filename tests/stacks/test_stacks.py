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


# EKS add-ons install into kube-system (the EKS add-on docs); their pod_identity_associations name only the account.
_ADDON_NAMESPACE = {"aws-ebs-csi-driver": "kube-system", "vpc-cni": "kube-system", "coredns": "kube-system"}


def test_one_pod_identity_association_per_service_account(stack):
    """EKS allows one Pod Identity association per (namespace, service account) and refuses a second ("Association
    already exists"): the EBS CSI add-on's own association and a standalone one stopped `pulumi up` at the add-on."""
    _cfg, plan = planned(stack)
    owners: dict[tuple[str, str], list[str]] = {}
    for r in plan.by_type("aws:eks/podIdentityAssociation:PodIdentityAssociation"):
        owners.setdefault((r.inputs["namespace"], r.inputs["serviceAccount"]), []).append(r.urn)
    for r in plan.by_type("aws:eks/addon:Addon"):
        for assoc in r.inputs.get("podIdentityAssociations") or []:
            key = (_ADDON_NAMESPACE[r.inputs["addonName"]], assoc["serviceAccount"])
            owners.setdefault(key, []).append(r.urn)
    assert ("kube-system", "ebs-csi-controller-sa") in owners
    duplicated = {k: v for k, v in owners.items() if len(v) > 1}
    assert not duplicated, duplicated
