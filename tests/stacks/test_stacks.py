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
    cfg, resolved = load_stack(stack)
    spec = resolved.spec
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


# AWS name limits (IAM CreateRole RoleName 64, CreatePolicy PolicyName 128, EventBridge PutRule Name 64, SQS
# QueueName 80) and pulumi's autonaming: a name derived from the logical name gets a '-' and 7 random hex characters.
_NAME_LIMITS = {
    "aws:iam/role:Role": 64, "aws:iam/policy:Policy": 128, "aws:cloudwatch/eventRule:EventRule": 64,
    "aws:sqs/queue:Queue": 80,
}
_AUTONAME_SUFFIX = 8


def test_the_longest_cluster_name_the_spec_accepts_fits_every_aws_name():
    """pulumi-aws autonames roles `<logical>-<7 hex>`; a 40-character cluster name made the Karpenter controller's
    role 74 characters, which IAM refuses. Plan prod with the longest name the spec allows."""
    import yaml

    from gpu_platform.plan.runner import run_stack
    from gpu_platform.spec.platform import CLUSTER_NAME_MAX
    from stack_plans import REPO

    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.prod.yaml").read_text())
    doc["config"]["gpu-platform:platform"]["cluster"]["name"] = "g" * CLUSTER_NAME_MAX
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "Pulumi.longname.yaml"
        path.write_text(yaml.safe_dump(doc))
        _cfg, plan = run_stack(str(path), REPO)
    checked = 0
    for r in plan.resources:
        limit = _NAME_LIMITS.get(r.type)
        if limit is None:
            continue
        name = r.inputs.get("name") or (r.name + "x" * _AUTONAME_SUFFIX)
        assert len(name) <= limit, f"{r.type} {name!r}: {len(name)} > {limit}"
        checked += 1
    # pulumi-eks names its cluster role after the component: `<logical>-eksRole-role` plus the autoname suffix.
    [cluster] = plan.by_type("eks:index:Cluster")
    assert len(f"{cluster.name}-eksRole-role") + _AUTONAME_SUFFIX <= 64
    assert checked >= 10


def test_arns_follow_the_regions_partition():
    """ARNs are arn:aws-us-gov:… in GovCloud and arn:aws-cn:… in China: managed policies, EKS access policies,
    S3 weight policies and Karpenter's policies were hard-coded arn:aws."""
    import json
    import re
    import tempfile
    from pathlib import Path

    import yaml

    from gpu_platform.plan.runner import run_stack
    from stack_plans import REPO

    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.staging.yaml").read_text())
    doc["config"]["aws:region"] = "us-gov-west-1"
    doc["config"]["gpu-platform:platform"]["network"].pop("availability_zones", None)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "Pulumi.gov.yaml"
        path.write_text(yaml.safe_dump(doc))
        _cfg, plan = run_stack(str(path), REPO)
    text = json.dumps([r.inputs for r in plan.resources])
    ours = re.findall(r"arn:aws(?:-[a-z-]+)?:(?:iam::aws:policy|eks::aws:cluster-access-policy|s3:::)", text)
    assert ours and all(a.startswith("arn:aws-us-gov:") for a in ours), sorted(set(ours))


def test_plan_json_carries_the_stacks_outputs_with_secrets_masked(stack, tmp_path):
    import json

    from gpu_platform.plan.output import write_plan

    _cfg, plan = planned(stack)
    write_plan(plan, tmp_path)
    outputs = json.loads((tmp_path / "plan.json").read_text())["outputs"]
    assert outputs["kubeconfig"] == "[secret]"
    assert outputs["platform"]["contractVersion"] == 1
    for model in outputs["models"].values():
        assert model["backend"] in ("kserve", "rayservice", "deployment") and model["instanceType"]


def test_models_are_destroyed_before_the_node_pools_they_run_on(stack):
    """`pulumi destroy` deletes dependents first: every model object depends on its NodePool, so pools (and with
    them Karpenter's nodes) go only after the models on them."""
    _cfg, plan = planned(stack)
    pools = {r.inputs["metadata"]["name"]: r for r in plan.by_type("kubernetes:karpenter.sh/v1:NodePool")}
    for workload in plan.manifests():
        if workload["kind"] not in ("InferenceService", "RayService", "Deployment") or \
                workload["metadata"]["namespace"] != "models":
            continue
        r = next(x for x in plan.kubernetes_objects() if x.inputs == workload)
        assert any(plan.depends_on(r, p) for p in pools.values()), r.urn
