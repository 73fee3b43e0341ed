"""GpuPlatform under the mock engine: API auth, provider identity, parenting, names, ordering, secrets."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws
import pytest

from gpu_platform.components.platform import GpuPlatform
from gpu_platform.plan import SECRET, run_program

SPEC = {
    "environment": "prod",
    "region": "us-east-1",
    "cluster": {
        "name": "gpu-ct",
        "endpoint": {"public": False, "private_access_cidrs": ["10.100.0.0/16"], "transit_gateway_id": "tgw-0123456789abcdef0"},
        "admins": [
            {"name": "ops", "principal_arn": "arn:aws:iam::123456789012:role/ops"},
            {"name": "ml", "principal_arn": "arn:aws:iam::123456789012:role/ml", "policy": "edit", "namespaces": ["models"]},
        ],
    },
    "network": {"az_count": 3, "nat": "one_per_az", "vpc_cidr": "10.40.0.0/16"},
}


@pytest.fixture(scope="module")
def plan():
    def program():
        platform = GpuPlatform("p", SPEC)
        pulumi.export("kubeconfig", platform.kubeconfig)
        pulumi.export("endpoint", platform.endpoint)

    return run_program(program, stack="test", config={"aws:region": "us-east-1"})


def test_cluster_uses_api_authentication_and_access_entries(plan):
    [cluster] = plan.by_type("eks:index:Cluster")
    inputs = cluster.inputs
    assert inputs["authenticationMode"] == "API"
    assert inputs["name"] == "gpu-ct" and inputs["version"] == "1.34"
    assert inputs["skipDefaultNodeGroup"] is True and inputs["createOidcProvider"] is True
    assert inputs["endpointPublicAccess"] is False and inputs["endpointPrivateAccess"] is True
    assert "publicAccessCidrs" not in inputs
    ml = inputs["accessEntries"]["ml"]["accessPolicies"]["edit"]
    assert ml["accessScope"] == {"type": "namespace", "namespaces": ["models"]}
    assert ml["policyArn"].endswith("AmazonEKSEditPolicy")
    assert inputs["encryptionConfigKeyArn"].startswith("arn:aws:kms:us-east-1:")


def test_private_endpoint_gets_its_access_paths(plan):
    rules = plan.by_type("aws:ec2/securityGroupRule:SecurityGroupRule")
    assert [r.inputs["cidrBlocks"] for r in rules] == [["10.100.0.0/16"]]
    assert rules[0].inputs["fromPort"] == 443


def test_kubernetes_provider_has_stable_cluster_identifier_and_secret_kubeconfig(plan):
    [provider] = plan.by_type("pulumi:providers:kubernetes")
    assert provider.inputs["clusterIdentifier"] == "gpu-ct"
    assert provider.inputs["kubeconfig"] == SECRET
    for r in plan.kubernetes_objects():
        assert r.provider == provider.urn, f"{r.name} does not use the cluster's provider"


def test_every_child_is_parented_under_the_component(plan):
    [root] = plan.by_type("gpu-platform:index:GpuPlatform")
    inside = {r.urn for r in plan.descendants(root.urn)}
    outside = [r.name for r in plan.resources if r.urn not in inside and r.urn != root.urn and r.type != "pulumi:pulumi:Stack"]
    assert not outside, f"resources not parented under GpuPlatform: {outside}"


def test_kubernetes_objects_have_explicit_names(plan):
    for r in plan.kubernetes_objects():
        assert r.inputs["metadata"].get("name"), f"{r.name} relies on auto-naming"


def test_network_layout(plan):
    subnets = plan.by_type("aws:ec2/subnet:Subnet")
    assert len(subnets) == 6
    private = [s for s in subnets if "kubernetes.io/role/internal-elb" in s.inputs["tags"]]
    assert len(private) == 3
    assert all(s.inputs["tags"]["karpenter.sh/discovery"] == "gpu-ct" for s in private)
    assert len(plan.by_type("aws:ec2/natGateway:NatGateway")) == 3


def test_system_node_group_is_hardened_and_waits_for_the_cluster(plan):
    [ng] = plan.by_type("aws:eks/nodeGroup:NodeGroup")
    [cluster] = plan.by_type("eks:index:Cluster")
    [lt] = plan.by_type("aws:ec2/launchTemplate:LaunchTemplate")
    assert plan.depends_on(ng, cluster)
    assert ng.inputs["labels"] == {"gpu-platform.io/node-role": "system"}
    assert ng.inputs["capacityType"] == "ON_DEMAND"
    assert lt.inputs["metadataOptions"]["httpTokens"] == "required"
    assert lt.inputs["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"


def test_pod_identity_agent_and_ebs_csi_addons(plan):
    addons = {a.inputs["addonName"]: a for a in plan.by_type("aws:eks/addon:Addon")}
    assert {"eks-pod-identity-agent", "aws-ebs-csi-driver"} <= set(addons)
    ebs = addons["aws-ebs-csi-driver"]
    assert ebs.inputs["podIdentityAssociations"][0]["serviceAccount"] == "ebs-csi-controller-sa"
    assert plan.depends_on(ebs, addons["eks-pod-identity-agent"])


def test_outputs_hide_kubeconfig_and_expose_endpoint(plan):
    assert plan.outputs["kubeconfig"] == SECRET
    assert plan.outputs["endpoint"].startswith("https://") and plan.outputs["endpoint"].endswith(".eks.amazonaws.com")


def test_invalid_dict_args_fail_before_any_resource():
    def program():
        pulumi_aws.Provider("before")  # something registered first, so the record below is seen to work
        GpuPlatform("bad", {**SPEC, "cluster": {"name": "gpu-ct", "kubernetes_version": "1.10"}})

    with pytest.raises(pulumi.InputPropertiesError) as info:
        run_program(program, stack="test")
    assert "cluster.kubernetes_version" in str(info.value)
    assert info.value.errors[0]["property_path"] == "cluster.kubernetes_version"
    assert [u.rsplit("::", 1)[-1] for u in info.value.registered if "pulumi:pulumi:Stack" not in u] == ["before"]


def test_two_runs_produce_identical_plans(plan):
    again = run_program(lambda: GpuPlatform("p", SPEC), stack="test", config={"aws:region": "us-east-1"})
    first = [r for r in plan.to_json()["resources"]]
    assert json.dumps(again.to_json()["resources"]) == json.dumps(first)


def test_unknown_invokes_fail_loudly():
    import pulumi_aws as aws

    from gpu_platform.plan import UnknownInvokeError

    def program():
        aws.ec2.get_vpc(default=True)

    with pytest.raises(Exception) as info:
        run_program(program, stack="test")
    assert isinstance(info.value, UnknownInvokeError) or "does not model the invoke" in str(info.value)


def test_a_spec_with_models_is_refused_naming_the_components_to_use():
    """GpuPlatform(spec) used to ignore spec.models and spec.fallback silently (a half-deployed platform)."""
    import pulumi
    import yaml

    from gpu_platform.components.platform import GpuPlatform
    from gpu_platform.plan import run_program
    from gpu_platform.spec import PlatformSpec
    from support import REPO

    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())["config"]["gpu-platform:platform"]
    spec = PlatformSpec.model_validate({**doc, "region": "us-west-2"})
    with pytest.raises(pulumi.InputPropertiesError) as info:
        run_program(lambda: GpuPlatform("p", spec), stack="dev")
    assert str(info.value).startswith("models: GpuPlatform does not deploy models")
    assert "deploy_models(platform.ref, spec.models)" in str(info.value) and "FallbackProxy" in str(info.value)
    assert [u for u in info.value.registered if "GpuPlatform" in u] == []
    plan = run_program(lambda: GpuPlatform("p", spec.platform_only()), stack="dev")
    assert plan.by_type("gpu-platform:index:GpuPlatform")


def test_network_policies_are_enforced_by_the_vpc_cni():
    """EKS enforces NetworkPolicy only with the VPC CNI's enableNetworkPolicy (off by default); every stack renders
    default-deny policies for its model namespace, so the cluster must turn enforcement on."""
    from stack_plans_path import planned_stack

    for stack in ("dev", "prod"):
        plan = planned_stack(stack)
        [cluster] = plan.by_type("eks:index:Cluster")
        assert cluster.inputs["vpcCniOptions"]["enableNetworkPolicy"] is True
        assert plan.manifests("NetworkPolicy")


def test_the_system_node_group_follows_the_control_plane_and_is_replaced_before_it_is_removed():
    """A NodeGroup without `version` stays on its first minor (EKS then refuses later control-plane upgrades); a
    fixed `node_group_name` forces delete-before-create on replacement, leaving Karpenter and the webhooks nowhere
    to run. A name prefix lets Pulumi create the new group first."""
    from stack_plans_path import planned_stack

    plan = planned_stack("prod")
    [group] = plan.by_type("aws:eks/nodeGroup:NodeGroup")
    [cluster] = plan.by_type("eks:index:Cluster")
    assert group.inputs["version"] == cluster.inputs["version"] == "1.34"
    assert "nodeGroupName" not in group.inputs
    assert group.inputs["nodeGroupNamePrefix"] == "gpu-prod-system-"


def test_the_private_endpoints_access_networks_are_routed_through_the_transit_gateway():
    from stack_plans_path import planned_stack

    plan = planned_stack("prod")
    [attachment] = plan.by_type("aws:ec2transitgateway/vpcAttachment:VpcAttachment")
    assert attachment.inputs["transitGatewayId"] == "tgw-0123456789abcdef0"
    private_tables = [r for r in plan.by_type("aws:ec2/routeTable:RouteTable") if "-private-" in r.name]
    assert len(private_tables) == 3
    for rt in private_tables:
        via_tgw = {r["cidrBlock"] for r in rt.inputs["routes"] if r.get("transitGatewayId")}
        assert via_tgw == {"10.100.0.0/16", "172.20.0.0/16"}
        assert plan.depends_on(rt, attachment)


def test_the_deploying_principal_listed_as_admin_is_refused_before_anything_registers():
    """EKS gives the cluster's creator an access entry; a second one for the same principal fails mid-`up`."""
    from gpu_platform.plan import PlanMocks
    from gpu_platform.render.cluster import principal_of
    from gpu_platform.spec import PlatformSpec

    assert principal_of("arn:aws:sts::123456789012:assumed-role/platform-admins/ci-run-7") == \
        "arn:aws:iam::123456789012:role/platform-admins"

    class DeployedByAdmins(PlanMocks):
        def __init__(self):
            super().__init__(region="us-west-2")
            self.invokes["aws:index/getCallerIdentity:getCallerIdentity"] = lambda a: {
                "accountId": "123456789012", "id": "123456789012", "userId": "AROA:ci",
                "arn": "arn:aws:sts::123456789012:assumed-role/platform-admins/ci-run-7"}

    import yaml

    from support import REPO

    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.staging.yaml").read_text())["config"]["gpu-platform:platform"]
    spec = PlatformSpec.model_validate({**doc, "region": "us-west-2"}).platform_only()
    with pytest.raises(pulumi.InputPropertiesError) as info:
        run_program(lambda: GpuPlatform("p", spec), stack="staging", mocks=DeployedByAdmins())
    assert str(info.value).startswith("cluster.admins[0].principal_arn: arn:aws:iam::123456789012:role/platform-admins "
                                      "is the principal running this deployment")
    assert [u for u in info.value.registered if "GpuPlatform" in u] == []
    assert run_program(lambda: GpuPlatform("p", spec), stack="staging").by_type("eks:index:Cluster")


def test_coredns_is_a_pinned_managed_add_on_on_the_system_nodes():
    """pulumi-eks manages CoreDNS only with its default node group (skipped here), so it stayed EKS's unpinned
    self-managed copy, free to run on GPU nodes. Version: the EKS user guide's table for Kubernetes 1.34."""
    from stack_plans_path import planned_stack

    plan = planned_stack("prod")
    [coredns] = [a for a in plan.by_type("aws:eks/addon:Addon") if a.inputs["addonName"] == "coredns"]
    assert coredns.inputs["addonVersion"] == "v1.12.4-eksbuild.1"
    config = json.loads(coredns.inputs["configurationValues"])
    assert config["nodeSelector"] == {"gpu-platform.io/node-role": "system"} and config["replicaCount"] >= 2
    [system] = plan.by_type("aws:eks/nodeGroup:NodeGroup")
    assert plan.depends_on(coredns, system)
    karpenter = next(r for r in plan.helm_releases() if r.inputs.get("name") == "karpenter")
    assert karpenter.inputs["values"]["dnsPolicy"] == "Default"  # survives CoreDNS having nowhere to run


def test_every_managed_addon_is_pinned_for_the_clusters_minor(plan):
    # versions from catalog/versions.py's cited sources, copied here so a silent edit of the table fails
    expected = {"coredns": "v1.12.4-eksbuild.1", "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
                "aws-ebs-csi-driver": "v1.56.0-eksbuild.1"}
    addons = {a.inputs["addonName"]: a.inputs.get("addonVersion") for a in plan.by_type("aws:eks/addon:Addon")}
    assert addons == expected


def test_a_kubernetes_minor_without_a_pinned_coredns_is_refused():
    from gpu_platform.spec import PlatformSpec, SpecError, validate_spec

    with pytest.raises(SpecError) as info:
        validate_spec(PlatformSpec, {"environment": "dev", "region": "us-west-2",
                                     "cluster": {"name": "gpu-t", "kubernetes_version": "1.35"}})
    assert "has no pinned coredns, eks-pod-identity-agent, aws-ebs-csi-driver add-on version" in str(info.value)
