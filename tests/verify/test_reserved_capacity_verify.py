"""Reservation-backed GPU pools through the real control plane: the EC2NodeClass with capacityReservationSelectorTerms
and the reserved-first NodePools are admitted by Karpenter v1.14.1's CRD schemas and CEL rules, and the selector
rules our spec enforces are the ones the API server enforces (EC2NodeClass CRD x-kubernetes-validations, from
karpenter-provider-aws pkg/apis/v1/ec2nodeclass.go).

The stack is dev plus two reservation-backed pools (the lead adds one to prod; stacks/ stays untouched here).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from gpu_platform.plan.output import write_plan
from gpu_platform.plan.runner import run_stack
from gpu_platform.verify import ControlPlane, verify_plans
from stack_plans import REPO

pytestmark = pytest.mark.controlplane

RESERVED_POOLS = [
    {"name": "h100", "gpu_class": "h100", "capacity": "reserved_then_on_demand", "limits": {"gpus": 8},
     "reservations": [
         {"id": "cr-0123456789abcdef0", "instance_type": "p5.48xlarge", "instance_count": 1},
         {"tags": {"purpose": "llm-serving"}, "owner_id": "123456789012", "kind": "capacity_block",
          "instance_type": "p5.48xlarge", "instance_count": 1, "upfront_usd": 7000.0},
     ]},
    {"name": "l40s", "gpu_class": "l40s", "capacity": "reserved_only",
     "reservations": [{"tags": {"team": "ml", "env": "*"}, "instance_type": "g6e.xlarge", "instance_count": 2}]},
]


def _reserved_dev_stack(root: Path) -> Path:
    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())
    doc["config"]["gpu-platform:platform"]["gpu"]["node_pools"] += copy.deepcopy(RESERVED_POOLS)
    path = root / "Pulumi.dev-reserved.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def reserved_cluster(toolchain, tmp_path_factory):
    root = tmp_path_factory.mktemp("reserved")
    _cfg, plan = run_stack(str(_reserved_dev_stack(root)), REPO)
    plan_dir = root / "dev-reserved"
    write_plan(plan, plan_dir)
    with ControlPlane(toolchain) as cp:
        yield cp, plan_dir, verify_plans([plan_dir], toolchain, control_plane=cp)


def _manifest(plan_dir: Path, kind: str, name: str) -> dict:
    return yaml.safe_load((plan_dir / "manifests" / f"_cluster__{kind}__{name}.yaml").read_text())


def test_reservation_backed_pools_are_admitted(reserved_cluster):
    _cp, plan_dir, verdict = reserved_cluster
    assert verdict.ok, "\n".join(verdict.lines())
    admitted = {r.ref for r in verdict.applied if r.admitted}
    assert {"EC2NodeClass gpu-h100", "EC2NodeClass gpu-l40s", "NodePool h100-reserved", "NodePool h100-on-demand",
            "NodePool l40s-reserved"} <= admitted
    node_class = _manifest(plan_dir, "ec2nodeclass.karpenter.k8s.aws", "gpu-h100")
    assert node_class["spec"]["capacityReservationSelectorTerms"] == [
        {"id": "cr-0123456789abcdef0"}, {"tags": {"purpose": "llm-serving"}, "ownerID": "123456789012"}]


@pytest.mark.parametrize(
    "term, message",
    [
        ({"id": "cr-0123456789abcdef0", "ownerID": "123456789012"},
         "'id' is mutually exclusive, cannot be set along with other fields in a capacity reservation selector term"),
        ({"tags": {"team": ""}}, "empty tag keys or values aren't supported"),
    ],
)
def test_the_api_server_refuses_the_selector_terms_our_spec_refuses(reserved_cluster, tmp_path, term, message):
    """The spec refuses these before anything is created (tests/spec/test_gpu_spec.py reservation refusals); the
    EC2NodeClass CRD's CEL rules refuse them too."""
    cp, plan_dir, _verdict = reserved_cluster
    broken = copy.deepcopy(_manifest(plan_dir, "ec2nodeclass.karpenter.k8s.aws", "gpu-h100"))
    broken["metadata"]["name"] = "gpu-h100-broken"
    broken["spec"]["capacityReservationSelectorTerms"] = [term]
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    [result] = cp.apply([path])
    assert not result.admitted
    assert message in result.message
