"""The delivery workflows keep their promises: an offline diff that needs no secrets (so forks get it too), a
real preview with the policy pack only where credentials exist, and deploys of main behind environments."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"


def load(name: str) -> dict:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as True
    return doc


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def uses(doc: dict) -> list[str]:
    return [s["uses"] for job in doc["jobs"].values() for s in steps(job) if "uses" in s]


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_actions_are_pinned(name):
    for ref in uses(load(name)):
        if ref.startswith("./"):
            continue
        assert re.search(r"@(v\d+(\.\d+)*|[0-9a-f]{40})$", ref), f"{name}: {ref} is not pinned to a version"


def test_offline_diff_needs_no_secrets_and_posts_a_sticky_comment():
    text = (WORKFLOWS / "plan-diff.yml").read_text()
    assert "secrets." not in text
    doc = load("plan-diff.yml")
    assert "pull_request" in doc["on"]
    job = doc["jobs"]["diff"]
    runs = "\n".join(s.get("run", "") for s in steps(job))
    assert "gpu_platform plan --stack ${{ matrix.stack }}" in runs
    assert "gpu_platform diff" in runs and "gpu_platform check --plan" in runs
    refs = [s.get("with", {}).get("ref") for s in steps(job) if s.get("uses", "").startswith("actions/checkout")]
    assert "${{ github.event.pull_request.base.sha }}" in refs
    sticky = next(s for s in steps(job) if s.get("uses", "").startswith("marocchino/sticky-pull-request-comment"))
    assert "matrix.stack" in sticky["with"]["header"]
    assert set(job["strategy"]["matrix"]["stack"]) == {"dev", "staging", "prod"}


def test_preview_uses_pulumi_actions_with_policy_pack_and_oidc_and_skips_forks():
    doc = load("preview.yml")
    job = doc["jobs"]["preview"]
    assert job["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert doc["permissions"]["id-token"] == "write"
    pulumi = next(s for s in steps(job) if s.get("uses", "").startswith("pulumi/actions@v6"))
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["comment-on-pr"] is True and pulumi["with"]["diff"] is True
    assert pulumi["with"]["policyPacks"] == "policy-pack"
    assert any(s.get("uses", "").startswith("aws-actions/configure-aws-credentials@") for s in steps(job))
    assert {m["stack"] for m in job["strategy"]["matrix"]["include"]} == {"dev", "staging", "prod"}


def test_up_deploys_main_through_environments_in_order():
    doc = load("up.yml")
    assert doc["on"]["push"]["branches"] == ["main"]
    jobs = doc["jobs"]
    assert jobs["dev"]["needs"] == "verify" and jobs["staging"]["needs"] == "dev" and jobs["prod"]["needs"] == "staging"
    stack = load("up-stack.yml")
    up = stack["jobs"]["up"]
    assert up["environment"] == "${{ inputs.stack }}"
    assert up["concurrency"]["cancel-in-progress"] is False
    pulumi = next(s for s in steps(up) if s.get("uses", "").startswith("pulumi/actions@v6"))
    assert pulumi["with"]["command"] == "up" and pulumi["with"]["policyPacks"] == "policy-pack"


def test_stacks_whose_endpoint_hosted_runners_cannot_reach_deploy_from_runners_that_can():
    """staging's public endpoint admits only the office range and prod's is private (reached through the transit
    gateway): GitHub-hosted runners are outside both, so `up` and `preview` for them run on self-hosted runners."""
    from gpu_platform.config import load_stack

    up = load("up.yml")["jobs"]
    preview = {m["stack"]: m for m in load("preview.yml")["jobs"]["preview"]["strategy"]["matrix"]["include"]}
    for stack in ("dev", "staging", "prod"):
        spec = load_stack(stack)[1].spec
        endpoint = spec.cluster.endpoint
        hosted_reaches = endpoint.public and "0.0.0.0/0" in endpoint.public_access_cidrs
        runs_on = up[stack].get("with", {}).get("runs-on", '["ubuntu-latest"]')
        assert ("self-hosted" not in runs_on) == hosted_reaches, (stack, runs_on)
        assert ("self-hosted" not in preview[stack]["runs-on"]) == hosted_reaches, stack
    assert "fromJSON(inputs.runs-on)" in (WORKFLOWS / "up-stack.yml").read_text()


def test_ci_builds_the_control_plane_with_the_go_it_needs():
    job = load("up.yml")["jobs"]["verify"]
    go = [s for s in steps(job) if s.get("uses", "").startswith("actions/setup-go@")]
    assert go and go[0]["with"]["go-version"] == "1.26"
    assert job["timeout-minutes"] >= 45
