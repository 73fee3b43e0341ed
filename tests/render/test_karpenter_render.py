"""Karpenter render functions against upstream ground truth: the v1.14 CRD schemas, the chart's values.yaml and the
reference CloudFormation (IAM, queue, EventBridge rules)."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gpu_platform.catalog.gpus import GPU_CLASSES
from gpu_platform.render import karpenter as rk
from gpu_platform.render.cluster import system_node_group_args
from gpu_platform.render.labels import GPU_CLASS_LABEL, NODE_ROLE_LABEL
from gpu_platform.spec import PlatformSpec, validate_spec
from branches import reaches
from support import UPSTREAM, assert_helm_values_known, assert_valid_crd, chart_values, requires_upstream, selects, tolerates

BASE = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-test"}}


def spec_with(**gpu) -> PlatformSpec:
    return validate_spec(PlatformSpec, {**BASE, "gpu": gpu})


FULL = spec_with(
    node_pools=[
        {"name": "l4", "gpu_class": "l4", "max_gpus_per_node": 1, "time_slicing": {"replicas": 4}},
        {"name": "l40s", "gpu_class": "l40s", "capacity": "on_demand", "ami_family": "bottlerocket",
         "time_slicing": {"replicas": 2}},
        {"name": "h100", "gpu_class": "h100", "capacity": "on_demand", "limits": {"gpus": 16}},
        {"name": "a100-mig", "gpu_class": "a100", "capacity": "spot",
         "mig": {"strategy": "mixed", "profiles": {"3g.20gb": 1, "2g.10gb": 1, "1g.5gb": 2}}},
    ],
    al2023={"ami_version": "v20251103", "instance_store_raid0": True},
    bottlerocket={"ami_version": "v1.50.0", "image_cache_snapshot_id": "snap-0123456789abcdef0",
                  "kms_key_arn": "arn:aws:kms:us-west-2:123456789012:key/abcd-1234"},
)


def all_objects(spec: PlatformSpec) -> list[dict]:
    objs = [rk.ec2_node_class(spec, p) for p in rk.node_class_plans(spec)]
    for pool in spec.gpu.node_pools:
        objs += rk.gpu_node_pools(spec, pool)
    return objs + rk.cpu_node_pools(spec)


# --------------------------------------------------------------------------------------------- schema validity
@requires_upstream
def test_every_rendered_object_is_valid_against_the_upstream_crds():
    for obj in all_objects(FULL):
        assert_valid_crd(obj)


pool_strategy = st.fixed_dictionaries(
    {
        "gpu_class": st.sampled_from(sorted(GPU_CLASSES)),
        "capacity": st.sampled_from(["spot_with_on_demand_fallback", "on_demand", "spot"]),
        "ami_family": st.sampled_from(["al2023", "bottlerocket"]),
    },
    optional={
        "time_slicing": st.builds(lambda r: {"replicas": r}, st.integers(1, 48)),
        "limits": st.builds(lambda g, c: {"gpus": g, "cpu": c}, st.sampled_from([0, 8, 16, 64]), st.none() | st.integers(0, 999)),
        "disruption": st.builds(
            lambda a, e: {"consolidate_after": a, "expire_after": e},
            st.sampled_from(["30s", "10m", "1h30m"]),
            st.sampled_from(["Never", "720h", "24h"]),
        ),
        "labels": st.just({"team": "ml", "tier": "gold"}),
    },
)


def requirement_key_errors(key: str) -> list[str]:
    """The messages of the NodePool CRD's CEL rules on `requirements[].key` that ``key`` breaks, evaluated here
    from the rules' own text (the schema check does not run CEL, and the API server refuses the NodePool)."""
    from support import crd_schema

    schema = crd_schema("karpenter.sh/v1", "NodePool")
    key_schema = schema["properties"]["spec"]["properties"]["template"]["properties"]["spec"]["properties"][
        "requirements"]["items"]["properties"]["key"]
    errors = []
    for v in key_schema["x-kubernetes-validations"]:
        rule = v["rule"]
        restricted = re.fullmatch(r'self in \[(.*)\] \|\| !self\.find\("\^\(\[\^/\]\+\)"\)\.endsWith\("([^"]+)"\)', rule)
        banned = re.fullmatch(r'self != "([^"]+)"', rule)
        if restricted:
            allowed = set(re.findall(r'"([^"]+)"', restricted.group(1)))
            ok = key in allowed or not key.split("/")[0].endswith(restricted.group(2))
        elif banned:
            ok = key != banned.group(1)
        else:
            raise AssertionError(f"a NodePool key rule this helper cannot evaluate: {rule}")
        if not ok:
            errors.append(v["message"])
    return errors


@requires_upstream
def test_the_key_rules_refuse_what_karpenter_refuses():
    """The evaluator above, on keys the CRD names: it must not pass everything."""
    assert requirement_key_errors("karpenter.sh/capacity-type") == []
    assert requirement_key_errors("karpenter.k8s.aws/instance-gpu-name") == []
    assert requirement_key_errors("node.kubernetes.io/instance-type") == []
    assert requirement_key_errors("karpenter.sh/nodepool") == ['label "karpenter.sh/nodepool" is restricted']
    assert requirement_key_errors("karpenter.k8s.aws/instance-pods") == ['label domain "karpenter.k8s.aws" is restricted']
    assert requirement_key_errors("kubernetes.io/hostname") == ['label "kubernetes.io/hostname" is restricted']


POOL_VARIANTS = ("spot_with_on_demand_fallback", "on_demand", "spot", "al2023", "bottlerocket",
                 "time_slicing", "limits", "disruption", "labels")


@requires_upstream
@reaches(*POOL_VARIANTS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example([
    {"gpu_class": "l4", "capacity": "spot_with_on_demand_fallback", "ami_family": "al2023",
     "time_slicing": {"replicas": 4}, "labels": {"team": "ml", "tier": "gold"}},
    {"gpu_class": "h100", "capacity": "on_demand", "ami_family": "bottlerocket", "limits": {"gpus": 16, "cpu": None},
     "disruption": {"consolidate_after": "10m", "expire_after": "Never"}},
    {"gpu_class": "a10g", "capacity": "spot", "ami_family": "al2023", "limits": {"gpus": 0, "cpu": 999}},
])
@given(st.lists(pool_strategy, min_size=1, max_size=5, unique_by=lambda p: p["gpu_class"]))
def test_any_valid_spec_renders_schema_valid_objects_with_allowed_keys(branch, pools):
    for p in pools:  # what each pool exercises in the render: capacity, AMI family, and each optional setting
        for variant in (p["capacity"], p["ami_family"], *(k for k in POOL_VARIANTS if k in p)):
            branch(variant)
    spec = spec_with(node_pools=[{"name": f"p{i}", **p} for i, p in enumerate(pools)])
    for obj in all_objects(spec):
        assert_valid_crd(obj)
        if obj["kind"] == "NodePool":
            for req in obj["spec"]["template"]["spec"]["requirements"]:
                # The CRD's own CEL rules, not the renderer's ALLOWED_REQUIREMENT_KEYS.
                assert requirement_key_errors(req["key"]) == [], req["key"]
            for key in obj["spec"]["template"]["metadata"]["labels"]:
                domain = key.split("/")[0]
                assert not domain.endswith(("karpenter.sh", "karpenter.k8s.aws")) and key != "kubernetes.io/hostname"
        else:
            for key in obj["spec"]["tags"]:
                assert not key.startswith(("kubernetes.io/cluster", "karpenter.")) and key != "eks:eks-cluster-name"


# --------------------------------------------------------------------------------------------- NodePools
def pools_of(spec, name):
    return {o["metadata"]["name"]: o for o in rk.gpu_node_pools(spec, next(p for p in spec.gpu.node_pools if p.name == name))}


def test_spot_preferred_with_on_demand_fallback_by_weight():
    pools = pools_of(FULL, "l4")
    spot, od = pools["l4-spot"], pools["l4-on-demand"]
    assert spot["spec"]["weight"] > od["spec"]["weight"]
    # sigs.k8s.io/karpenter v1.14.1 pkg/apis/v1/labels.go: CapacityTypeLabelKey = "karpenter.sh/capacity-type".
    capacity = lambda o: next(r for r in o["spec"]["template"]["spec"]["requirements"]
                              if r["key"] == "karpenter.sh/capacity-type")
    assert capacity(spot)["values"] == ["spot"] and capacity(od)["values"] == ["on-demand"]
    assert list(pools_of(FULL, "h100")) == ["h100-on-demand"]
    assert "weight" not in pools_of(FULL, "h100")["h100-on-demand"]["spec"]


@requires_upstream
def test_gpu_pools_are_tainted_labelled_and_never_consolidate_busy_nodes():
    # The device plugin must still run on a tainted node (nvidia-device-plugin 0.20.0 values.yaml tolerations),
    # and a plain pod without that toleration must not.
    plugin = chart_values("nvidia-device-plugin")["tolerations"]
    for name, gpu_class in (("l4", "l4"), ("l40s", "l40s"), ("h100", "h100"), ("a100-mig", "a100")):
        for obj in pools_of(FULL, name).values():
            tmpl = obj["spec"]["template"]
            [taint] = tmpl["spec"]["taints"]
            assert taint["key"] == "nvidia.com/gpu" and taint["effect"] == "NoSchedule"
            assert tolerates(plugin, taint) and not tolerates([{"key": "CriticalAddonsOnly", "operator": "Exists"}], taint)
            assert tmpl["metadata"]["labels"][NODE_ROLE_LABEL] == "gpu"
            assert tmpl["metadata"]["labels"][GPU_CLASS_LABEL] == gpu_class  # the spec's gpu_class above
            assert obj["spec"]["disruption"]["consolidationPolicy"] == "WhenEmpty"
            assert {"nodes": "1", "reasons": ["Drifted"]} in obj["spec"]["disruption"]["budgets"]
            fallback = obj["metadata"]["name"].endswith("-on-demand") and "weight" in obj["spec"]
            assert tmpl["spec"]["expireAfter"] == ("24h" if fallback else "720h")
            assert tmpl["spec"]["terminationGracePeriod"] == "1h"


def test_limits_cover_gpus_cpu_and_memory():
    h100 = pools_of(FULL, "h100")["h100-on-demand"]["spec"]["limits"]
    # p5.48xlarge: 8 GPUs, 192 vCPU, 2048 GiB → 16 GPUs allow two nodes' worth of CPU and memory.
    assert h100 == {"nvidia.com/gpu": "16", "cpu": "384", "memory": "4096Gi"}
    explicit = spec_with(node_pools=[{"name": "l4", "gpu_class": "l4", "limits": {"gpus": 4, "cpu": 10, "memory_gib": 20}}])
    assert pools_of(explicit, "l4")["l4-spot"]["spec"]["limits"] == {"nvidia.com/gpu": "4", "cpu": "10", "memory": "20Gi"}
    fallback = spec_with(node_pools=[{"name": "l4", "gpu_class": "l4", "limits": {"gpus": 4, "on_demand_gpus": 1}}])
    assert pools_of(fallback, "l4")["l4-on-demand"]["spec"]["limits"]["nvidia.com/gpu"] == "1"


def test_instance_types_are_right_sized_to_the_class_and_bounds():
    l4 = pools_of(FULL, "l4")["l4-spot"]["spec"]["template"]["spec"]["requirements"]
    types = next(r for r in l4 if r["key"] == "node.kubernetes.io/instance-type")["values"]
    assert types == ["g6.xlarge", "g6.2xlarge", "g6.4xlarge", "g6.8xlarge"]  # max_gpus_per_node: 1
    name = next(r for r in l4 if r["key"] == "karpenter.k8s.aws/instance-gpu-name")["values"]
    assert name == ["l4"]


# The node label that picks a named device-plugin config on that node (facts.md, NVIDIA k8s-device-plugin 0.20.0:
# "the node label `nvidia.com/device-plugin.config=<name>` overrides it per node").
DEVICE_PLUGIN_CONFIG = "nvidia.com/device-plugin.config"


def test_device_plugin_config_label_only_on_al2023_pools_that_share_or_split():
    assert pools_of(FULL, "l4")["l4-spot"]["spec"]["template"]["metadata"]["labels"][DEVICE_PLUGIN_CONFIG] == "l4"
    assert DEVICE_PLUGIN_CONFIG not in pools_of(FULL, "h100")["h100-on-demand"]["spec"]["template"]["metadata"]["labels"]
    assert DEVICE_PLUGIN_CONFIG not in pools_of(FULL, "l40s")["l40s-on-demand"]["spec"]["template"]["metadata"]["labels"]


def test_cpu_pool_has_no_taint_and_bin_packs():
    [spot, od] = rk.cpu_node_pools(FULL)
    assert "taints" not in spot["spec"]["template"]["spec"]
    assert spot["spec"]["disruption"]["consolidationPolicy"] == "WhenEmptyOrUnderutilized"
    assert spot["spec"]["template"]["spec"]["nodeClassRef"]["name"] == "cpu"
    gen = next(r for r in spot["spec"]["template"]["spec"]["requirements"] if r["key"].endswith("instance-generation"))
    assert gen == {"key": "karpenter.k8s.aws/instance-generation", "operator": "Gt", "values": ["5"]}
    assert rk.cpu_node_pools(spec_with(cpu_pool={"enabled": False})) == []


# --------------------------------------------------------------------------------------------- EC2NodeClasses
def classes(spec):
    return {p.name: rk.ec2_node_class(spec, p) for p in rk.node_class_plans(spec)}


def test_one_node_class_per_family_in_use_plus_per_pool_boot_config_and_cpu():
    assert set(classes(FULL)) == {"gpu-al2023", "gpu-bottlerocket", "gpu-l40s", "gpu-a100-mig", "cpu"}
    assert set(classes(spec_with(node_pools=[{"name": "l4", "gpu_class": "l4"}]))) == {"gpu-al2023", "cpu"}
    # Every NodePool references a NodeClass that is rendered.
    names = set(classes(FULL))
    for obj in all_objects(FULL):
        if obj["kind"] == "NodePool":
            assert obj["spec"]["template"]["spec"]["nodeClassRef"]["name"] in names


def test_node_classes_enforce_imdsv2_and_encrypted_gp3_and_discover_by_tags():
    for obj in classes(FULL).values():
        s = obj["spec"]
        assert s["metadataOptions"]["httpTokens"] == "required" and s["metadataOptions"]["httpPutResponseHopLimit"] == 1
        assert s["role"] == "KarpenterNodeRole-gpu-test"
        assert s["subnetSelectorTerms"] == [{"tags": {"karpenter.sh/discovery": "gpu-test"}}]
        # Exactly one security group tagged kubernetes.io/cluster/<name> per node: the EKS cluster group (EKS tags
        # it; the managed system nodes use it). The legacy cloud provider refuses a node with two for LB rules.
        assert s["securityGroupSelectorTerms"] == [{"tags": {"aws:eks:cluster-name": "gpu-test"}}]
        for bdm in s["blockDeviceMappings"]:
            ebs = bdm["ebs"]
            assert ebs["volumeType"] == "gp3"
            assert ebs.get("encrypted") is True or "snapshotID" in ebs
        assert sum(1 for b in s["blockDeviceMappings"] if b.get("rootVolume")) == 1
        assert s["tags"]["gpu-platform/environment"] == "dev" and s["tags"]["gpu-platform/node-class"] == obj["metadata"]["name"]


def test_ami_alias_pin_and_volumes_per_family():
    c = classes(FULL)
    assert c["gpu-al2023"]["spec"]["amiSelectorTerms"] == [{"alias": "al2023@v20251103"}]
    assert c["gpu-bottlerocket"]["spec"]["amiSelectorTerms"] == [{"alias": "bottlerocket@v1.50.0"}]
    assert c["gpu-al2023"]["spec"]["instanceStorePolicy"] == "RAID0"
    assert "instanceStorePolicy" not in c["cpu"]["spec"]
    [root] = c["gpu-al2023"]["spec"]["blockDeviceMappings"]
    assert root["deviceName"] == "/dev/xvda" and root["ebs"]["volumeSize"] == "200Gi"
    os_vol, data = c["gpu-bottlerocket"]["spec"]["blockDeviceMappings"]
    assert data["deviceName"] == "/dev/xvdb" and data["rootVolume"] is True
    assert data["ebs"]["snapshotID"] == "snap-0123456789abcdef0" and "encrypted" not in data["ebs"]
    assert os_vol["ebs"]["encrypted"] is True and os_vol["ebs"]["kmsKeyID"].startswith("arn:aws:kms:")
    assert classes(spec_with())["cpu"]["spec"]["amiSelectorTerms"] == [{"alias": "al2023@latest"}]


def test_boot_time_gpu_configuration_in_user_data():
    c = classes(FULL)
    mig = c["gpu-a100-mig"]["spec"]["userData"]
    assert "Content-Type: text/x-shellscript" in mig and 'nvidia-smi -i "$gpu" -mig 1' in mig
    assert "-cgi 3g.20gb,2g.10gb,1g.5gb,1g.5gb -C" in mig
    # The layout is applied by a unit ordered before the NVIDIA services (they block the GPU reset) and required by
    # the kubelet: a node whose layout does not verify never joins (4 instances per GPU here).
    assert "Before=nvidia-persistenced.service nvidia-fabricmanager.service kubelet.service" in mig
    assert "Requires=gpu-platform-mig.service" in mig and "kubelet.service.d" in mig
    assert "* 4 ))" in mig and "exit 1" in mig
    assert mig.index("systemctl stop nvidia-persistenced") < mig.index("-mig 1") < mig.index("systemctl start")
    ts = c["gpu-l40s"]["spec"]["userData"]
    assert 'device-sharing-strategy = "time-slicing"' in ts and "replicas = 2" in ts
    assert "userData" not in c["gpu-al2023"]["spec"]


# --------------------------------------------------------------------------------------------- controller values
@requires_upstream
def test_controller_values_use_only_chart_keys_and_run_on_system_nodes():
    values = rk.controller_values(FULL)
    # nodeSelector is a free-form label map the chart ships with one default entry.
    assert_helm_values_known("karpenter", values, free_form=("nodeSelector",))
    assert values["settings"]["clusterName"] == "gpu-test"
    # The queue the reference CloudFormation creates is named after the cluster (QueueName: ${ClusterName}); the
    # chart's default "" turns interruption handling off (facts.md, Karpenter controller setup).
    assert values["settings"]["interruptionQueue"] == "gpu-test"
    # It runs on the managed system group, never on nodes it provisions itself (they go when it scales them in).
    system = system_node_group_args(FULL)["labels"]
    assert selects(values["nodeSelector"], {**system, "kubernetes.io/os": "linux"})
    for obj in all_objects(FULL):
        if obj["kind"] == "NodePool":
            assert not selects(values["nodeSelector"], {**obj["spec"]["template"]["metadata"]["labels"],
                                                        "kubernetes.io/os": "linux"}), obj["metadata"]["name"]
    # The Pod Identity association is for kube-system/karpenter (tests/components/test_karpenter_component.py), so
    # the chart must create the account under exactly that name: its default `create: true, name: ""` would
    # generate the name from the release's fullname template (karpenter 1.14.1 values.yaml, serviceAccount).
    assert values["serviceAccount"] == {"create": True, "name": "karpenter"}
    assert rk.NAMESPACE == "kube-system"


def test_the_controller_is_told_its_region():
    """With IMDS one hop away (hop limit 1 on the system nodes) a pod cannot discover its Region; the chart's own
    documented override is controller.env AWS_REGION (karpenter 1.14.1 values.yaml)."""
    values = rk.controller_values(FULL)
    assert {"name": "AWS_REGION", "value": FULL.region} in values["controller"]["env"]
    assert FULL.region == "us-west-2"


def test_controller_replicas_fit_the_system_group():
    assert rk.controller_values(FULL)["replicas"] == 2
    one = validate_spec(PlatformSpec, {**BASE, "system_nodes": {"min_size": 1, "desired_size": 1}})
    assert rk.controller_values(one)["replicas"] == 1


# --------------------------------------------------------------------------------------------- reference CloudFormation
class _CfnLoader(yaml.SafeLoader):
    pass


for _tag in ("!Sub", "!GetAtt", "!Ref"):
    _CfnLoader.add_constructor(_tag, lambda loader, node: loader.construct_scalar(node))


@pytest.fixture(scope="module")
def cfn():
    return yaml.load((UPSTREAM / "karpenter-cloudformation.v1.14.yaml").read_text(), Loader=_CfnLoader)["Resources"]


SUBS = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-west-2",
    "AWS::AccountId": "123456789012",
    "ClusterName": "gpu-test",
    "KarpenterNodeRole.Arn": "arn:aws:iam::123456789012:role/KarpenterNodeRole-gpu-test",
    "KarpenterInterruptionQueue.Arn": "arn:aws:sqs:us-west-2:123456789012:gpu-test",
}


def _normalise(value):
    """IAM treats a single string and a one-element list alike; booleans and strings alike."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_normalise(v) for v in value), key=json.dumps) if len(value) != 1 else _normalise(value[0])
    if isinstance(value, bool):
        return str(value).lower()
    return value


@requires_upstream
def test_controller_policies_equal_the_reference_cloudformation(cfn):
    ours = rk.controller_policies(
        cluster="gpu-test",
        region="us-west-2",
        account_id="123456789012",
        node_role_arn=SUBS["KarpenterNodeRole.Arn"],
        queue_arn=SUBS["KarpenterInterruptionQueue.Arn"],
    )
    mapping = {
        "NodeLifecyclePolicy": "node-lifecycle",
        "IAMIntegrationPolicy": "iam-integration",
        "EKSIntegrationPolicy": "eks-integration",
        "InterruptionPolicy": "interruption",
        "ResourceDiscoveryPolicy": "resource-discovery",
        "ZonalShiftPolicy": "zonal-shift",
    }
    cfn_policies = {k for k, v in cfn.items() if v["Type"] == "AWS::IAM::ManagedPolicy"}
    assert cfn_policies == set(mapping) and set(ours) == set(mapping.values())
    for cfn_name, key in mapping.items():
        text = re.sub(r"\$\{([^}]+)\}", lambda m: SUBS[m.group(1)], cfn[cfn_name]["Properties"]["PolicyDocument"])
        assert _normalise(ours[key]) == _normalise(json.loads(text)), cfn_name


@requires_upstream
def test_queue_policy_rules_and_queue_settings_equal_the_reference(cfn):
    queue_arn = SUBS["KarpenterInterruptionQueue.Arn"]
    reference = cfn["KarpenterInterruptionQueuePolicy"]["Properties"]["PolicyDocument"]
    reference = json.loads(json.dumps(reference).replace('"KarpenterInterruptionQueue.Arn"', json.dumps(queue_arn)))
    ours = rk.interruption_queue_policy(queue_arn)
    # We state the policy language version the reference leaves implicit (SQS would assume 2008-10-17).
    assert ours.pop("Version") == "2012-10-17"
    assert _normalise(ours) == _normalise(reference)
    assert cfn["KarpenterInterruptionQueue"]["Properties"]["MessageRetentionPeriod"] == rk.QUEUE_RETENTION_SECONDS
    rules = [v["Properties"]["EventPattern"] for v in cfn.values() if v["Type"] == "AWS::Events::Rule"]
    ours = [json.loads(p) for p in rk.interruption_event_patterns().values()]
    canonical = lambda docs: sorted(json.dumps(_normalise(d), sort_keys=True) for d in docs)
    assert canonical(rules) == canonical(ours) and len(ours) == 5


def test_partition_follows_region():
    assert rk.partition("us-east-1") == "aws"
    assert rk.partition("cn-north-1") == "aws-cn"
    assert rk.partition("us-gov-west-1") == "aws-us-gov"
    doc = rk.controller_policies(cluster="c", region="cn-north-1", account_id="1", node_role_arn="r", queue_arn="q")
    assert doc["eks-integration"]["Statement"][0]["Resource"] == "arn:aws-cn:eks:cn-north-1:1:cluster/c"


@requires_upstream
def test_allowed_requirement_keys_agree_with_the_crd_validation_rules():
    from support import crd_schema

    schema = crd_schema("karpenter.sh/v1", "NodePool")
    key_schema = schema["properties"]["spec"]["properties"]["template"]["properties"]["spec"]["properties"][
        "requirements"]["items"]["properties"]["key"]
    rules = {v["message"]: v["rule"] for v in key_schema["x-kubernetes-validations"]}
    aws_allowed = set(re.findall(r'"(karpenter\.k8s\.aws/[^"]+)"', rules['label domain "karpenter.k8s.aws" is restricted']))
    for key in rk.ALLOWED_REQUIREMENT_KEYS:
        if key.startswith("karpenter.k8s.aws/"):
            assert key in aws_allowed, key
        elif key.startswith("karpenter.sh/"):
            assert key == "karpenter.sh/capacity-type"
        assert key != "kubernetes.io/hostname"


def test_gpu_limits_count_what_the_nodes_advertise():
    """Karpenter sums nodes' capacity as the device plugin advertises it: time-slicing multiplies nvidia.com/gpu by
    its replicas, MIG single advertises one nvidia.com/gpu per slice, MIG mixed nvidia.com/mig-<profile>.
    By hand: 4 physical GPUs × 4 replicas = 16; 8 A100s × 2 slices of 3g.20gb = 16; mixed 8 × (1, 4)."""
    ts = spec_with(node_pools=[{"name": "l4", "gpu_class": "l4", "limits": {"gpus": 4, "on_demand_gpus": 4},
                                "time_slicing": {"replicas": 4}}])
    pools = {p["metadata"]["name"]: p for p in rk.gpu_node_pools(ts, ts.gpu.node_pools[0])}
    assert {n: p["spec"]["limits"]["nvidia.com/gpu"] for n, p in pools.items()} == {"l4-spot": "16", "l4-on-demand": "16"}
    mig = spec_with(node_pools=[{"name": "a100", "gpu_class": "a100", "capacity": "on_demand", "limits": {"gpus": 8},
                                 "mig": {"strategy": "single", "profiles": {"3g.20gb": 2}}}])
    [pool] = rk.gpu_node_pools(mig, mig.gpu.node_pools[0])
    assert pool["spec"]["limits"]["nvidia.com/gpu"] == "16"
    mixed = spec_with(node_pools=[{"name": "a100", "gpu_class": "a100", "capacity": "on_demand", "limits": {"gpus": 8},
                                   "mig": {"strategy": "mixed", "profiles": {"3g.20gb": 1, "1g.5gb": 4}}}])
    [pool] = rk.gpu_node_pools(mixed, mixed.gpu.node_pools[0])
    limits = pool["spec"]["limits"]
    assert "nvidia.com/gpu" not in limits
    assert (limits["nvidia.com/mig-3g.20gb"], limits["nvidia.com/mig-1g.5gb"]) == ("8", "32")


def test_node_lifetimes_follow_the_pools_role():
    """On-demand fallback nodes expire after fallback_expire_after (24h) so their pods return to spot; the spot pool
    and on-demand-only pools keep expire_after. By hand from the defaults: 24h and 720h."""
    spec = spec_with(node_pools=[{"name": "l40s", "gpu_class": "l40s", "limits": {"gpus": 8, "on_demand_gpus": 8}},
                                 {"name": "h100", "gpu_class": "h100", "capacity": "on_demand",
                                  "min_gpus_per_node": 8, "limits": {"gpus": 16}}])
    lifetimes = {p["metadata"]["name"]: p["spec"]["template"]["spec"]["expireAfter"]
                 for pool in spec.gpu.node_pools for p in rk.gpu_node_pools(spec, pool)}
    assert lifetimes == {"l40s-spot": "720h", "l40s-on-demand": "24h", "h100-on-demand": "720h"}


@pytest.mark.parametrize("created, ok", [(2, True), (1, False)])
def test_the_mig_unit_fails_unless_every_gpu_carries_its_instances(tmp_path, created, ok):
    """Run the unit's script against stand-ins for nvidia-smi and systemctl: 2 GPUs × 2 slices of 3g.20gb must
    appear in `nvidia-smi -L`, or the script exits non-zero (and the kubelet, which requires the unit, never runs)."""
    import os
    import stat
    import subprocess

    spec = spec_with(node_pools=[{"name": "a100-mig", "gpu_class": "a100", "capacity": "on_demand",
                                  "limits": {"gpus": 8}, "mig": {"strategy": "single", "profiles": {"3g.20gb": 2}}}])
    script = rk.mig_boot_script(spec.gpu.node_pools[0])
    inner = script.split("<<'SCRIPT'\n", 1)[1].split("\nSCRIPT\n", 1)[0]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    mig_lines = "".join(f"  MIG 3g.20gb Device {i}: (UUID: MIG-{g}-{i})\\n" for g in range(2) for i in range(created))
    stubs = {
        "nvidia-smi": f"""#!/bin/bash
echo "$@" >> {tmp_path}/calls
case "$*" in
  "--query-gpu=index --format=csv,noheader") printf '0\\n1\\n' ;;
  "-L") printf 'GPU 0: NVIDIA A100\\n{mig_lines}' ;;
esac
""",
        "systemctl": f"#!/bin/bash\necho systemctl \"$@\" >> {tmp_path}/calls\n",
    }
    for name, body in stubs.items():
        path = bin_dir / name
        path.write_text(body)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "mig.sh").write_text(inner)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", str(tmp_path / "mig.sh")], env=env, capture_output=True, text=True)
    assert (result.returncode == 0) == ok, result.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[0].startswith("systemctl stop nvidia-persistenced")  # before any MIG change
    assert "-i 1 -mig 1" in calls and "mig -i 0 -cgi 3g.20gb,3g.20gb -C" in calls
    if not ok:
        assert "MIG layout: 2 instances, expected 4" in result.stderr
