"""Karpenter inside GpuPlatform under the mock engine: identity, interruption handling, releases, ordering, handles."""

from __future__ import annotations

import json

import pytest

from gpu_platform.components.karpenter import Karpenter
from gpu_platform.components.platform import GpuPlatform
from gpu_platform.plan import run_program
from gpu_platform.render.labels import NODE_ROLE_LABEL, SYSTEM_ROLE

SPEC = {
    "environment": "prod",
    "region": "us-east-1",
    "cluster": {"name": "gpu-kt", "endpoint": {"public": False, "private_access_cidrs": ["10.100.0.0/16"], "transit_gateway_id": "tgw-0123456789abcdef0"}},
    "network": {"az_count": 3, "nat": "one_per_az", "vpc_cidr": "10.40.0.0/16"},
    "gpu": {
        "node_pools": [
            {"name": "l40s", "gpu_class": "l40s", "limits": {"gpus": 16}},
            {"name": "h100", "gpu_class": "h100", "capacity": "on_demand", "limits": {"gpus": 16}},
            {"name": "a100-mig", "gpu_class": "a100", "capacity": "on_demand",
             "mig": {"profiles": {"3g.20gb": 2}}},
        ],
        "al2023": {"ami_version": "v20251103"},
    },
}

HANDLES: dict = {}


@pytest.fixture(scope="module")
def plan():
    def program():
        platform = GpuPlatform("p", SPEC)
        HANDLES["platform"] = platform

    return run_program(program, stack="test", config={"aws:region": "us-east-1"})


def test_component_is_a_child_of_the_platform(plan):
    [karpenter] = plan.by_type("gpu-platform:index:Karpenter")
    [platform] = plan.by_type("gpu-platform:index:GpuPlatform")
    assert karpenter.parent == platform.urn
    inside = {r.urn for r in plan.descendants(karpenter.urn)}
    for name in ("p-karpenter-node", "p-karpenter-interruption", "p-karpenter-crd", "p-karpenter-controller"):
        assert any(plan.by_urn(u).name == name for u in inside), name


def test_node_role_joins_through_an_ec2_linux_access_entry(plan):
    role = plan.named("p-karpenter-node", "aws:iam/role:Role")
    assert role.inputs["name"] == "KarpenterNodeRole-gpu-kt"
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"]["Service"] == "ec2.amazonaws.com"
    entry = plan.named("p-karpenter-node", "aws:eks/accessEntry:AccessEntry")
    assert entry.inputs["type"] == "EC2_LINUX"
    assert entry.inputs["principalArn"] == "arn:aws:iam::123456789012:role/KarpenterNodeRole-gpu-kt"
    attached = {r.inputs["policyArn"].rsplit("/", 1)[1] for r in plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                if r.inputs["role"] == "KarpenterNodeRole-gpu-kt"}
    assert attached == {"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryPullOnly",
                        "AmazonSSMManagedInstanceCore"}


def test_interruption_queue_is_encrypted_tls_only_and_fed_by_five_rules(plan):
    queue = plan.named("p-karpenter-interruption", "aws:sqs/queue:Queue")
    assert queue.inputs["name"] == "gpu-kt"
    assert queue.inputs["sqsManagedSseEnabled"] is True and queue.inputs["messageRetentionSeconds"] == 300
    policy = json.loads(plan.named("p-karpenter-interruption", "aws:sqs/queuePolicy:QueuePolicy").inputs["policy"])
    deny = next(s for s in policy["Statement"] if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    rules = plan.by_type("aws:cloudwatch/eventRule:EventRule")
    assert len(rules) == 5
    details = {json.loads(r.inputs["eventPattern"])["detail-type"][0] for r in rules}
    assert "EC2 Spot Instance Interruption Warning" in details and "AWS Health Event" in details
    targets = plan.by_type("aws:cloudwatch/eventTarget:EventTarget")
    assert len(targets) == 5 and {t.inputs["arn"] for t in targets} == {"arn:aws:sqs:us-east-1:123456789012:gpu-kt"}


def test_controller_identity_is_pod_identity_with_the_reference_policies(plan):
    assoc = plan.named("p-karpenter-controller-pod-identity")
    assert (assoc.inputs["namespace"], assoc.inputs["serviceAccount"]) == ("kube-system", "karpenter")
    trust = json.loads(plan.named("p-karpenter-controller-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"]["Service"] == "pods.eks.amazonaws.com"
    policies = {r.name: json.loads(r.inputs["policy"]) for r in plan.by_type("aws:iam/policy:Policy")
                if r.name.startswith("p-karpenter-")}
    assert len(policies) == 6
    passrole = policies["p-karpenter-iam-integration"]["Statement"][0]
    assert passrole["Resource"] == "arn:aws:iam::123456789012:role/KarpenterNodeRole-gpu-kt"
    sqs = policies["p-karpenter-interruption"]["Statement"][0]
    assert sqs["Resource"] == "arn:aws:sqs:us-east-1:123456789012:gpu-kt"
    role_name = plan.named("p-karpenter-controller-role").outputs["name"]
    attached = [r for r in plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if r.inputs["role"] == role_name]
    assert {r.inputs["policyArn"].rsplit("/", 1)[1] for r in attached} == {f"gpu-kt-karpenter-{k}" for k in (
        "node-lifecycle", "iam-integration", "eks-integration", "interruption", "resource-discovery", "zonal-shift")}


def test_releases_are_pinned_oci_charts_on_the_system_nodes(plan):
    crd = plan.helm("karpenter-crd")
    controller = plan.helm("karpenter")
    for rel in (crd, controller):
        assert rel.inputs["chart"].startswith("oci://public.ecr.aws/karpenter/")
        assert rel.inputs["version"] == "1.14.1"
        assert "repositoryOpts" not in rel.inputs
        assert rel.inputs["namespace"] == "kube-system"
    values = controller.inputs["values"]
    assert values["settings"] == {"clusterName": "gpu-kt", "interruptionQueue": "gpu-kt",
                                  "featureGates": {"spotToSpotConsolidation": False}}
    assert values["nodeSelector"][NODE_ROLE_LABEL] == SYSTEM_ROLE
    assert controller.inputs["skipCrds"] is True


def test_ordering_crds_controller_nodeclasses_nodepools(plan):
    crd, controller = plan.helm("karpenter-crd"), plan.helm("karpenter")
    assert plan.depends_on(controller, crd)
    for dep in ("p-karpenter-controller-pod-identity", "p-system", "p-eks-pod-identity-agent"):
        assert plan.depends_on(controller, plan.named(dep, None if dep != "p-system" else "aws:eks/nodeGroup:NodeGroup"))
    assert plan.depends_on(controller, plan.named("p-karpenter-node", "aws:eks/accessEntry:AccessEntry"))
    assert plan.depends_on(controller, plan.named("p-karpenter-node-lifecycle", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"))
    classes = plan.by_type("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")
    pools = plan.by_type("kubernetes:karpenter.sh/v1:NodePool")
    assert {c.inputs["metadata"]["name"] for c in classes} == {"gpu-al2023", "gpu-a100-mig", "cpu"}
    assert {p.inputs["metadata"]["name"] for p in pools} == {
        "l40s-spot", "l40s-on-demand", "h100-on-demand", "a100-mig-on-demand", "cpu-spot", "cpu-on-demand"}
    for c in classes:
        # Destroy deletes the node classes (and their instances) while the controller still runs.
        assert controller.urn in c.dependencies
        assert not plan.depends_on(controller, c)
    by_name = {c.inputs["metadata"]["name"]: c for c in classes}
    for p in pools:
        assert controller.urn in p.dependencies
        assert by_name[p.inputs["spec"]["template"]["spec"]["nodeClassRef"]["name"]].urn in p.dependencies


def test_custom_resources_use_the_cluster_provider(plan):
    [provider] = plan.by_type("pulumi:providers:kubernetes")
    for r in [*plan.by_type("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"), *plan.by_type("kubernetes:karpenter.sh/v1:NodePool"),
              plan.helm("karpenter"), plan.helm("karpenter-crd")]:
        assert r.provider == provider.urn, r.name


def test_handles_are_published_on_the_platform_ref(plan):
    platform = HANDLES["platform"]
    assert platform.ref.karpenter is platform.karpenter.release
    pools = platform.ref.gpu_node_pools
    # By pool name (what a model's sizing names) and by class (models sized without pools).
    assert set(pools) == {"l40s", "h100", "a100", "a100-mig"}
    assert pools["l40s"] is platform.karpenter.node_pools["l40s-spot"]  # spot is preferred
    assert pools["a100-mig"] is pools["a100"] is platform.karpenter.node_pools["a100-mig-on-demand"]


def test_bad_spec_fails_before_any_resource():
    import pulumi

    bad = {**SPEC, "gpu": {"node_pools": [{"name": "x", "gpu_class": "l4", "capacity": "spot"}],
                           "al2023": {"ami_version": "v20251103"}}}
    with pytest.raises(pulumi.InputPropertiesError) as info:
        run_program(lambda: Karpenter("k", bad, cluster_name="c", provider=None), stack="test")
    assert "gpu.node_pools[0].capacity" in str(info.value)
    assert [u for u in info.value.registered if "pulumi:pulumi:Stack" not in u] == []
