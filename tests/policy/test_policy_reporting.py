"""How a violation reads: which resource it names (Kubernetes identity and Pulumi name), where in the object it
points, and which rules an object's exemption annotation switches off."""

from __future__ import annotations

from typing import Any

import pytest

from gpu_platform.plan import PlanResource
from gpu_platform.policy import EXEMPT_ANNOTATION, run_checks


def resource(type_: str, name: str, inputs: dict[str, Any]) -> PlanResource:
    return PlanResource(f"urn:pulumi:test::gpu-platform::{type_}::{name}", type_, name, None, True, None, [], inputs)


def deployment(container: dict[str, Any], annotations: dict[str, str] | None = None) -> PlanResource:
    """A one-replica CPU Deployment `api` in namespace `web`, Pulumi name `api-deployment`."""
    metadata: dict[str, Any] = {"name": "api", "namespace": "web", **({"annotations": annotations} if annotations else {})}
    return resource("kubernetes:apps/v1:Deployment", "api-deployment", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata,
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}},
                 "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [container]}}},
    })


ROOT_LATEST = {"name": "api", "image": "nginx:latest"}
"""A container that breaks two rules: no runAsNonRoot anywhere, and the latest tag."""


def found(*resources: PlanResource) -> list[tuple[str, str, str]]:
    return [(v.rule, v.resource, v.message) for v in run_checks(list(resources))]


def test_a_namespaced_object_is_named_by_namespace_name_and_pulumi_name():
    assert found(deployment({**ROOT_LATEST, "image": "nginx:1.29.0"})) == [(
        "non-root", "Deployment web/api (api-deployment)",
        "spec.template.spec container 'api': runAsNonRoot is not true (pod or container securityContext)",
    )]


def test_a_container_without_a_name_is_shown_as_a_question_mark():
    """The API server would refuse it, but the plan is checked before that: the message still points somewhere."""
    assert [m for _, _, m in found(deployment({"image": "nginx:1.29.0"}))] == [
        "spec.template.spec container '?': runAsNonRoot is not true (pod or container securityContext)",
    ]


def test_a_cluster_scoped_object_is_named_without_a_namespace():
    nodeclass = resource("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "gpu-nodeclass", {
        "apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "metadata": {"name": "gpu"},
        "spec": {"amiSelectorTerms": [{"alias": "al2023@v20251117"}], "metadataOptions": {"httpTokens": "optional"}},
    })
    assert found(nodeclass) == [("imdsv2", "EC2NodeClass gpu (gpu-nodeclass)",
                                 "spec.metadataOptions.httpTokens is 'optional'; must be 'required'")]


@pytest.mark.parametrize("release_name, shown", [
    ("dcgm", "Helm release dcgm (gpu-dcgm)"),  # the release name Helm lists, then the Pulumi name
    (None, "Helm release gpu-dcgm (gpu-dcgm)"),  # no explicit release name: Pulumi's name is the release's
])
def test_a_helm_release_is_named_by_its_release_name_and_pulumi_name(release_name, shown):
    inputs: dict[str, Any] = {"chart": "dcgm-exporter", "namespace": "kube-system",
                              "repositoryOpts": {"repo": "https://charts.example"}, "values": {}}
    if release_name:
        inputs["name"] = release_name
    release = resource("kubernetes:helm.sh/v3:Release", "gpu-dcgm", inputs)
    assert found(release) == [("charts-pinned", shown, "chart 'dcgm-exporter' has no version")]


def test_a_cloud_resource_is_named_by_type_and_pulumi_name():
    lt = resource("aws:ec2/launchTemplate:LaunchTemplate", "system-lt",
                  {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2}})
    assert found(lt) == [("imdsv2", "aws:ec2/launchTemplate:LaunchTemplate system-lt",
                          "metadataOptions.httpPutResponseHopLimit is 2; must be 1")]


@pytest.mark.parametrize("annotation, left", [
    (None, ["non-root", "images-pinned"]),
    ("", ["non-root", "images-pinned"]),
    ("gpu-spread", ["non-root", "images-pinned"]),
    ("images-pinned", ["non-root"]),
    ("non-root,images-pinned", []),
    (" non-root , images-pinned ,", []),
    ("non-root images-pinned", ["non-root", "images-pinned"]),  # the list is comma-separated; this names no rule
])
def test_the_exemption_annotation_lists_rule_ids_separated_by_commas(annotation, left):
    annotations = None if annotation is None else {EXEMPT_ANNOTATION: annotation}
    assert [rule for rule, _, _ in found(deployment(dict(ROOT_LATEST), annotations))] == left
