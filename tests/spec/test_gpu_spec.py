"""The `gpu` spec section: defaults, and every refusal names its field and says what is expected."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gpu_platform.resolve import resolve
from gpu_platform.catalog.gpus import GPU_CLASSES
from gpu_platform.spec import GpuClassName, GpuNodePoolSpec, PlatformSpec, SpecError, validate_spec
from gpu_platform.spec.gpu import PoolCapacity
from branches import reaches

BASE = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-test"}}


def platform(env: str = "dev", **gpu) -> dict:
    return {**BASE, "environment": env, "gpu": gpu}


def pool(**overrides) -> dict:
    return {"name": "p", "gpu_class": "l4", **overrides}


def problems(doc) -> dict[str, str]:
    with pytest.raises(SpecError) as info:
        resolve(doc).spec
    return dict(info.value.problems)


def test_defaults_have_no_gpu_pools_but_a_cpu_pool():
    spec = resolve(BASE).spec
    assert spec.gpu.node_pools == []
    assert spec.gpu.cpu_pool.enabled
    assert spec.gpu.al2023.ami_version == "latest"


def test_gpu_class_enum_matches_catalog():
    assert {c.value for c in GpuClassName} == set(GPU_CLASSES)


def test_pool_defaults_prefer_spot_with_on_demand_fallback_and_safe_disruption():
    p = resolve(platform(node_pools=[pool()])).spec.gpu.node_pools[0]
    assert p.capacity is PoolCapacity.SPOT_WITH_ON_DEMAND_FALLBACK
    assert p.disruption.expire_after == "720h"
    assert p.allowed_instance_types()[0] == "g6.xlarge"


@pytest.mark.parametrize(
    "doc, path, fragment",
    [
        (platform(node_pools=[pool(gpu_class="v100")]), "gpu.node_pools[0].gpu_class", "'l4'"),
        (platform(node_pools=[pool(gpu_class="a100", mig={"profiles": {"2g.20gb": 3}})]),
         "gpu.node_pools[0].mig.profiles", "does not offer MIG profile '2g.20gb'"),
        (platform(node_pools=[pool(gpu_class="l40s", mig={"profiles": {"1g.10gb": 4}})]),
         "gpu.node_pools[0].mig", "no MIG"),
        (platform(node_pools=[pool(gpu_class="h100", mig={"profiles": {"3g.40gb": 3}})]),
         "gpu.node_pools[0].mig.profiles", "does not fit"),
        (platform(node_pools=[pool(gpu_class="h100", mig={"profiles": {"3g.40gb": 1, "1g.10gb": 2}})]),
         "gpu.node_pools[0].mig.profiles", "exactly one profile"),
        (platform(node_pools=[pool(gpu_class="h100", mig={"profiles": {"3g.40gb": 1}}, time_slicing={"replicas": 2})]),
         "gpu.node_pools[0].mig", "not both"),
        (platform(node_pools=[pool(time_slicing={"replicas": 0})]),
         "gpu.node_pools[0].time_slicing.replicas", "must be ≥ 1"),
        (platform(node_pools=[pool(limits={"gpus": -1})]), "gpu.node_pools[0].limits.gpus", "must be ≥ 0"),
        (platform(node_pools=[pool(limits={"cpu": -4})]), "gpu.node_pools[0].limits.cpu", "must be ≥ 0"),
        (platform(node_pools=[pool(limits={"memory_gib": -1})]), "gpu.node_pools[0].limits.memory_gib", "≥ 0"),
        (platform(node_pools=[pool(instance_types=["g5.xlarge"])]), "gpu.node_pools[0].instance_types", "g6.xlarge"),
        (platform(node_pools=[pool(max_gpus_per_node=2, min_gpus_per_node=4)]),
         "gpu.node_pools[0].max_gpus_per_node", "min_gpus_per_node (4)"),
        (platform(node_pools=[pool(gpu_class="a100", max_gpus_per_node=4)]),
         "gpu.node_pools[0].max_gpus_per_node", "no a100 instance type"),
        (platform(node_pools=[pool(gpu_class="a100", limits={"gpus": 4})]),
         "gpu.node_pools[0].limits.gpus", "smallest allowed node (8 GPUs)"),
        (platform(node_pools=[pool(name="x"), pool(name="x", gpu_class="a10g")]), "gpu.node_pools[1].name", "already used"),
        (platform(node_pools=[pool(name="Bad_Name")]), "gpu.node_pools[0].name", "lowercase"),
        (platform(node_pools=[pool(labels={"karpenter.sh/foo": "x"})]), "gpu.node_pools[0].labels", "reserved"),
        (platform(node_pools=[pool(disruption={"expire_after": "30 days"})]),
         "gpu.node_pools[0].disruption.expire_after", "duration"),
        (platform(node_pools=[pool(disruption={"max_drifted": "many"})]),
         "gpu.node_pools[0].disruption.max_drifted", "percentage"),
        (platform(node_pools=[pool(ami_family="bottlerocket", gpu_class="a100", mig={"profiles": {"7g.40gb": 1}})]),
         "gpu.node_pools[0].mig", "al2023"),
        (platform(al2023={"ami_version": "2025-11-03"}), "gpu.al2023.ami_version", "v20251103"),
        (platform(bottlerocket={"ami_version": "v20251103"}), "gpu.bottlerocket.ami_version", "v1.50.0"),
        (platform(al2023={"image_cache_snapshot_id": "snap-0123456789abcdef0"}),
         "gpu.al2023.image_cache_snapshot_id", "bottlerocket"),
        (platform(bottlerocket={"image_cache_snapshot_id": "vol-1"}), "gpu.bottlerocket.image_cache_snapshot_id", "snap-"),
        (platform(cpu_pool={"instance_categories": ["g"]}), "gpu.cpu_pool.instance_categories", "accelerator"),
        (platform(karpenter={"log_level": "trace"}), "gpu.karpenter.log_level", "debug, info or error"),
        (platform(unknown=True), "gpu.unknown", "unknown field"),
    ],
)
def test_errors_name_the_field(doc, path, fragment):
    found = problems(doc)
    assert list(found) == [path], found  # exactly one check trips: a mutant disabling it cannot hide behind another
    assert fragment in found[path]


PINNED = {"al2023": {"ami_version": "v20251103"}}


def test_prod_refuses_spot_only_gpu_pools():
    found = problems(platform("prod", node_pools=[pool(capacity="spot")], **PINNED))
    assert "spot-only" in found["gpu.node_pools[0].capacity"]


def test_prod_refuses_spot_only_cpu_pool():
    found = problems(platform("prod", cpu_pool={"capacity": "spot"}))
    assert "gpu.cpu_pool.capacity" in found


def test_prod_refuses_floating_amis_for_families_in_use():
    found = problems(platform("prod", node_pools=[pool()]))
    assert "pin" in found["gpu.al2023.ami_version"]
    found = problems(platform("prod", node_pools=[pool(ami_family="bottlerocket")], **PINNED))
    assert "gpu.bottlerocket.ami_version" in found


def test_prod_accepts_pinned_on_demand_fallback_and_dev_allows_spot_and_latest():
    resolve(platform("prod", node_pools=[pool()], **PINNED)).spec
    resolve(platform("prod")).spec  # no GPU pools: nothing to pin
    resolve(platform("dev", node_pools=[pool(capacity="spot")], cpu_pool={"capacity": "spot"})).spec
    resolve(platform("staging", node_pools=[pool(capacity="spot")])).spec


@reaches("accepted", "refused")
@example(0)
@example(1)
@example(48)
@example(49)
@given(st.integers(min_value=-100, max_value=100))
def test_time_slicing_replicas_valid_iff_between_1_and_48(branch, replicas):
    doc = platform(node_pools=[pool(time_slicing={"replicas": replicas})])
    if 1 <= replicas <= 48:
        branch("accepted")
        spec = resolve(doc).spec
        assert spec.gpu.node_pools[0].time_slicing.replicas == replicas
    else:
        branch("refused")
        assert "gpu.node_pools[0].time_slicing.replicas" in problems(doc)


# GPUs per instance type of each class, from the EC2 instance type pages: G6 (L4), G5 (A10G) and G6e (L40S) come
# with 1, 4 or 8; P4d, P4de, P5e/P5en and P6-B200 with 8; P5 with 1 (p5.4xlarge) or 8.
GPUS_PER_INSTANCE = {"l4": [1, 4, 8], "a10g": [1, 4, 8], "l40s": [1, 4, 8], "a100": [8], "a100-80gb": [8],
                     "h100": [1, 8], "h200": [8], "b200": [8]}


@reaches("allowed", "min above max", "no instance in bounds")
@example("l4", 1, 4)
@example("l4", 8, 4)
@example("h100", 2, 4)  # P5 has 1 or 8: nothing in between
@example("a100", None, 4)
@given(
    st.sampled_from(sorted(GPU_CLASSES)),
    st.one_of(st.none(), st.sampled_from([1, 2, 4, 8])),
    st.one_of(st.none(), st.sampled_from([1, 2, 4, 8])),
)
def test_allowed_instance_types_respect_gpu_bounds(branch, cls, lo, hi):
    doc = pool(gpu_class=cls, min_gpus_per_node=lo, max_gpus_per_node=hi, limits={"gpus": 64})
    counts = GPUS_PER_INSTANCE[cls]
    in_bounds = [c for c in counts if (lo is None or c >= lo) and (hi is None or c <= hi)]
    if lo is not None and hi is not None and lo > hi:
        branch("min above max")
        with pytest.raises(SpecError) as info:
            validate_spec(GpuNodePoolSpec, doc)
        assert info.value.problems == [("max_gpus_per_node", f"must be ≥ min_gpus_per_node ({lo})")]
        return
    if not in_bounds:
        branch("no instance in bounds")
        with pytest.raises(SpecError) as info:
            validate_spec(GpuNodePoolSpec, doc)
        [(field, message)] = info.value.problems
        assert field == ("max_gpus_per_node" if hi is not None else "min_gpus_per_node")
        assert f"leaves no {cls} instance type (GPU counts offered: {counts})" in message
        return
    branch("allowed")
    p = GpuNodePoolSpec.model_validate(doc)
    by_name = {i.name: i for i in GPU_CLASSES[cls].instances}
    allowed = p.allowed_instance_types()
    assert allowed
    for name in allowed:
        assert (lo is None or by_name[name].gpus >= lo) and (hi is None or by_name[name].gpus <= hi)
    assert sorted({by_name[name].gpus for name in allowed}) == in_bounds


# H100 80GB MIG profiles: (compute slices of 7, memory slices of 8) each instance takes (NVIDIA MIG User Guide,
# "Supported MIG Profiles", H100 80GB table). Written here, not read from the spec's MIG_COMPUTE_SLICES.
H100_MIG_SLICES = {"1g.10gb": (1, 1), "1g.20gb": (1, 2), "2g.20gb": (2, 2), "3g.40gb": (3, 4), "4g.40gb": (4, 4),
                   "7g.80gb": (7, 8)}


def test_the_h100_mig_profiles_are_nvidias():
    assert set(GPU_CLASSES["h100"].mig_profiles) == set(H100_MIG_SLICES)


@reaches("fits", "too many compute slices", "too many memory slices")
@example({"7g.80gb": 1})
@example({"3g.40gb": 1, "4g.40gb": 1})
@example({"7g.80gb": 2})
@example({"1g.20gb": 5})  # 5 of 7 compute slices but 10 of 8 memory slices
@given(st.dictionaries(st.sampled_from(sorted(H100_MIG_SLICES)), st.integers(1, 7), min_size=1, max_size=3))
def test_mig_layouts_accepted_only_when_they_fit_one_gpu(branch, profiles):
    doc = platform(node_pools=[pool(gpu_class="h100", mig={"strategy": "mixed", "profiles": profiles})])
    compute = sum(H100_MIG_SLICES[p][0] * n for p, n in profiles.items())
    memory = sum(H100_MIG_SLICES[p][1] * n for p, n in profiles.items())
    if compute <= 7 and memory <= 8:
        branch("fits")
        resolve(doc).spec
        return
    branch("too many compute slices" if compute > 7 else "too many memory slices")
    found = problems(doc)
    assert list(found) == ["gpu.node_pools[0].mig.profiles"], found
    assert f"needs {compute}/7 compute and {memory}/8 memory slices" in found["gpu.node_pools[0].mig.profiles"]


# --------------------------------------------------------------------------------------------- reservations
CR = {"id": "cr-0123456789abcdef0", "instance_type": "p5.48xlarge", "instance_count": 2}


def reserved_pool(capacity: str = "reserved_then_on_demand", **reservation) -> dict:
    return pool(name="h100", gpu_class="h100", capacity=capacity, reservations=[{**CR, **reservation}])


def test_a_reserved_pool_accepts_an_id_or_tags_with_an_owner_and_counts_its_gpus():
    p = resolve(platform(node_pools=[reserved_pool()])).spec.gpu.node_pools[0]
    assert p.capacity.reserved and p.reserved_gpus() == 16  # 2 × p5.48xlarge, 8 H100 each
    tagged = reserved_pool(id=None, tags={"team": "ml", "env": "*"}, owner_id="123456789012", kind="capacity_block",
                           upfront_usd=12345.0)
    assert resolve(platform(node_pools=[tagged])).spec.gpu.node_pools[0].reservations[0].tags["env"] == "*"


@pytest.mark.parametrize(
    "doc_pool, path, fragment",
    [
        (pool(name="h100", gpu_class="h100", capacity="reserved_only"), "reservations", "needs at least one"),
        ({**reserved_pool(), "capacity": "on_demand"}, "reservations", "never launches into reservations"),
        # Karpenter v1.14.1 pkg/apis/v1/ec2nodeclass.go: ID pattern ^cr-[0-9a-z]+$, OwnerID ^[0-9]{12}$
        (reserved_pool(id="cr-ABC"), "reservations[0].id", "capacity reservation id"),
        (reserved_pool(id="odcr-1"), "reservations[0].id", "capacity reservation id"),
        (reserved_pool(id=None), "reservations[0].id", "either id"),
        (reserved_pool(tags={"team": "ml"}), "reservations[0].id", "not both"),
        (reserved_pool(owner_id="123456789012"), "reservations[0].owner_id", "tags only"),
        (reserved_pool(id=None, tags={"team": "ml"}, owner_id="1234"), "reservations[0].owner_id", "12-digit"),
        # EC2NodeClass CRD CEL: "empty tag keys or values aren't supported"
        (reserved_pool(id=None, tags={"team": ""}), "reservations[0].tags", "must not be empty"),
        (reserved_pool(id=None, tags={}), "reservations[0].tags", "1 to 20"),
        (reserved_pool(instance_type="p4d.24xlarge"), "reservations[0].instance_type", "p5.48xlarge"),
        (reserved_pool(instance_count=0), "reservations[0].instance_count", "greater than or equal to 1"),
        (reserved_pool(kind="capacity_block"), "reservations[0].upfront_usd", "paid up front"),
        (reserved_pool(kind="capacity_block", upfront_usd=1.0, hourly_usd=2.0), "reservations[0].hourly_usd",
         "upfront_usd"),
        (reserved_pool(upfront_usd=1.0), "reservations[0].upfront_usd", "capacity_block"),
        (reserved_pool(kind="ondemand"), "reservations[0].kind", "'odcr'"),
        ({**reserved_pool(), "reservations": [CR, CR]}, "reservations[1].id", "already reservations[0]"),
    ],
)
def test_reservation_refusals_name_the_field(doc_pool, path, fragment):
    found = problems(platform(node_pools=[doc_pool]))
    assert list(found) == [f"gpu.node_pools[0].{path}"], found
    assert fragment in found[f"gpu.node_pools[0].{path}"]


def test_the_cpu_pool_refuses_reserved_capacity_and_prod_refuses_reserved_then_spot():
    assert "no reservations" in problems(platform(cpu_pool={"capacity": "reserved_only"}))["gpu.cpu_pool.capacity"]
    found = problems(platform("prod", node_pools=[reserved_pool("reserved_then_spot")], **PINNED))
    assert "reserved_then_spot" in found["gpu.node_pools[0].capacity"]
    resolve(platform("prod", node_pools=[reserved_pool("reserved_then_on_demand")], **PINNED)).spec
    resolve(platform("prod", node_pools=[reserved_pool("reserved_only")], **PINNED)).spec


# NVIDIA's MIG user guide: MIG runs on A100, H100, H200 and B200 (of the catalog's classes); L4, A10G and L40S have
# none. On an H100 80GB a 3g.40gb instance takes 3 of 7 compute and 4 of 8 memory slices.
_MIG_CAPABLE = "a100, a100-80gb, h100, h200, b200"


@pytest.mark.parametrize(("pool_overrides", "path", "message"), [
    ({"gpu_class": "l40s", "mig": {"profiles": {"1g.10gb": 4}}}, "gpu.node_pools[0].mig",
     f"l40s GPUs have no MIG; MIG-capable classes: {_MIG_CAPABLE}"),
    ({"gpu_class": "a10g", "mig": {"profiles": {"1g.10gb": 4}}}, "gpu.node_pools[0].mig",
     f"a10g GPUs have no MIG; MIG-capable classes: {_MIG_CAPABLE}"),
    ({"gpu_class": "a100", "ami_family": "bottlerocket", "mig": {"profiles": {"7g.40gb": 1}}}, "gpu.node_pools[0].mig",
     "MIG partitioning is rendered for al2023 pools only; use ami_family al2023"),
    ({"gpu_class": "h100", "mig": {"profiles": {"3g.40gb": 3}}}, "gpu.node_pools[0].mig.profiles",
     "{'3g.40gb': 3} does not fit one h100: needs 9/7 compute and 12/8 memory slices"),
])
def test_the_mig_refusals_word_for_word(pool_overrides, path, message):
    assert problems(platform(node_pools=[pool(**pool_overrides)])) == {path: message}


def test_production_refusals_say_why_and_what_to_use_instead():
    """Prod: a spot drought must not leave models without capacity, and a floating AMI must not replace every node
    when AWS publishes one."""
    doc = {"environment": "prod", "region": "us-west-2", "cluster": {"name": "gpu-prod"},
           "gpu": {"node_pools": [{"name": "l40s", "gpu_class": "l40s", "capacity": "spot"},
                                  {"name": "h100", "gpu_class": "h100", "capacity": "reserved_then_spot",
                                   "reservations": [{"id": "cr-0123456789abcdef0", "instance_type": "p5.48xlarge",
                                                     "instance_count": 1}]}]}}
    with pytest.raises(SpecError) as info:
        resolve(doc)  # every production problem, in one run
    why = ("GPU pools are refused in prod (a spot drought would leave models without capacity); use "
           "spot_with_on_demand_fallback, on_demand or reserved_then_on_demand")
    assert sorted(info.value.problems) == sorted([
        ("gpu.node_pools[0].capacity", f"spot-only {why}"),
        ("gpu.node_pools[1].capacity", f"reserved_then_spot {why}"),
        ("gpu.al2023.ami_version", "prod must pin the AMI release (e.g. v20251103): 'latest' replaces every node "
                                   "whenever AWS publishes an AMI"),
    ])
