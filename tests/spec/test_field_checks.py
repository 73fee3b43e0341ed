"""The per-field checks node pools share: Karpenter durations, short Kubernetes-style names, reservation ids. Each
accepts what Karpenter accepts (and keeps it as given), refuses the rest naming the field and the expected form."""

from __future__ import annotations

import pytest

from gpu_platform.spec import GpuNodePoolSpec, SpecError, validate_spec
from gpu_platform.spec.node_pools import CapacityReservationSpec, CpuNodePoolSpec, GpuDisruptionSpec

DURATION = "must be a duration such as 30s, 10m, 720h or 1h30m"


def problems(model, data) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as info:
        validate_spec(model, data)
    return info.value.problems


# Karpenter v1 NodePool CRD (karpenter.sh_v1_NodePool.json): expireAfter ^(([0-9]+(s|m|h))+|Never)$,
# terminationGracePeriod ^([0-9]+(s|m|h))+$. consolidateAfter also takes Never there, but an empty GPU node must
# go eventually, so the platform refuses it.
@pytest.mark.parametrize(("field", "value"), [
    ("expire_after", "Never"), ("expire_after", "1h30m"), ("expire_after", "2160h"),
    ("consolidate_after", "30s"), ("termination_grace_period", "90m"), ("fallback_expire_after", "12h"),
])
def test_a_gpu_pool_keeps_a_karpenter_duration_as_given(field, value):
    assert getattr(validate_spec(GpuDisruptionSpec, {field: value}), field) == value


@pytest.mark.parametrize(("field", "value", "message"), [
    ("expire_after", "30d", f"{DURATION}, or Never"),   # days are not a Karpenter unit
    ("expire_after", "never", f"{DURATION}, or Never"),
    ("consolidate_after", "Never", DURATION),
    ("termination_grace_period", "Never", DURATION),
    ("fallback_expire_after", "1.5h", DURATION),
])
def test_a_gpu_pool_refuses_other_durations_saying_the_form(field, value, message):
    assert problems(GpuDisruptionSpec, {field: value}) == [(field, message)]


def test_the_cpu_pool_takes_never_for_expiry_only():
    kept = validate_spec(CpuNodePoolSpec, {"expire_after": "Never", "consolidate_after": "5m"})
    assert (kept.expire_after, kept.consolidate_after) == ("Never", "5m")
    assert problems(CpuNodePoolSpec, {"consolidate_after": "Never"}) == [("consolidate_after", DURATION)]
    assert problems(CpuNodePoolSpec, {"expire_after": "1w"}) == [("expire_after", f"{DURATION}, or Never")]


# Pool names prefix the NodePool names (`<name>-on-demand`): a DNS-1123 label of at most 40 characters.
@pytest.mark.parametrize("name", ["l4", "a" * 40, "h100-tp8", "0gpu"])
def test_a_pool_name_of_at_most_40_label_characters_is_kept(name):
    assert validate_spec(GpuNodePoolSpec, {"name": name, "gpu_class": "l4"}).name == name


@pytest.mark.parametrize("name", ["a" * 41, "H100", "gpu_pool", "-gpu", "gpu-", ""])
def test_any_other_pool_name_is_refused_saying_the_form(name):
    assert problems(GpuNodePoolSpec, {"name": name, "gpu_class": "l4"}) == [
        ("name", "must be lowercase letters, digits and '-', at most 40 characters")]


# Karpenter v1.14.1 pkg/apis/v1/ec2nodeclass.go: capacity reservation ID ^cr-[0-9a-z]+$, OwnerID ^[0-9]{12}$.
RESERVATION = {"instance_type": "p5.48xlarge", "instance_count": 2}


def test_a_reservation_id_or_owner_account_is_kept_as_given():
    assert validate_spec(CapacityReservationSpec, {**RESERVATION, "id": "cr-0123456789abcdef0"}).id == \
        "cr-0123456789abcdef0"
    by_tags = validate_spec(CapacityReservationSpec, {**RESERVATION, "tags": {"team": "ml"},
                                                      "owner_id": "123456789012"})
    assert (by_tags.id, by_tags.owner_id) == (None, "123456789012")  # no id is fine: the tags select


@pytest.mark.parametrize(("field", "value", "message"), [
    ("id", "cr-0123ABC", "must be a capacity reservation id such as cr-0123456789abcdef0"),
    ("id", "odcr-0123", "must be a capacity reservation id such as cr-0123456789abcdef0"),
    ("owner_id", "12345678901", "must be a 12-digit AWS account id"),
])
def test_a_malformed_reservation_id_or_owner_is_refused_saying_the_form(field, value, message):
    selector = {"id": value} if field == "id" else {"tags": {"team": "ml"}, field: value}
    assert problems(CapacityReservationSpec, {**RESERVATION, **selector}) == [(field, message)]
