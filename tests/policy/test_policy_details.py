"""Details of the policy's reading of pods, written out from Kubernetes semantics (core/v1 Toleration: an `Exists`
toleration without a key tolerates every taint of its effect, or of every effect when it names none; a missing
namespace is `default`) and vLLM's (the Run:ai streamer is chosen by `--load-format runai_streamer`, in the command
or the args)."""

from __future__ import annotations

import pytest

from gpu_platform.plan import PlanResource
from gpu_platform.policy._workloads import namespace_of, pod_templates
from gpu_platform.policy.gpu_pods import _streams_from_object_store, _tolerates_gpu_taint
from gpu_platform.policy.view import PlanView


def _resource(inputs: dict) -> PlanResource:
    return PlanResource("urn:pulumi:test::p::kubernetes:apps/v1:Deployment::d", "kubernetes:apps/v1:Deployment", "d",
                        None, True, None, [], inputs)


@pytest.mark.parametrize("toleration, tolerated", [
    ({"operator": "Exists"}, True),                                   # every taint, every effect
    ({"operator": "Exists", "effect": ""}, True),
    ({"operator": "Exists", "effect": "NoSchedule"}, True),           # every NoSchedule taint: the GPU one included
    ({"operator": "Exists", "effect": "NoExecute"}, False),           # the GPU taint is NoSchedule
    ({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}, True),
    ({"key": "nvidia.com/gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}, True),
    ({"key": "nvidia.com/gpu", "operator": "Equal", "value": "false"}, False),
    ({"key": "example.com/other", "operator": "Exists"}, False),
])
def test_which_tolerations_tolerate_the_gpu_taint(toleration, tolerated):
    assert _tolerates_gpu_taint({"tolerations": [toleration]}) is tolerated


@pytest.mark.parametrize("container, streams", [
    ({"command": ["vllm", "serve", "s3://weights/m", "--load-format", "runai_streamer"]}, True),
    ({"command": ["vllm", "serve"], "args": ["s3://weights/m", "--load-format=runai_streamer"]}, True),
    ({"args": ["s3://weights/m"]}, False),
    ({"command": ["vllm", "serve", "org/model", "--load-format", "runai_streamer"]}, False),
])
def test_the_streamer_is_seen_in_the_command_or_the_args(container, streams):
    template = {"spec": {"template": {"spec": {"containers": [{"name": "vllm", **container}]}}}}
    (t,) = pod_templates(_resource({"apiVersion": "apps/v1", "kind": "Deployment",
                                    "metadata": {"name": "d", "namespace": "models"}, **template}))
    assert _streams_from_object_store(t, t.containers[0]) is streams


def test_an_object_without_a_namespace_is_in_default_and_the_stack_is_not_a_resource():
    assert namespace_of(_resource({"metadata": {"name": "d"}})) == "default"
    assert namespace_of(_resource({"metadata": {"name": "d", "namespace": "models"}})) == "models"
    stack = PlanResource("urn:pulumi:test::p::pulumi:pulumi:Stack::p-test", "pulumi:pulumi:Stack", "p-test", None,
                         False, None, [], {})
    assert PlanView([stack, _resource({"metadata": {"name": "d"}})]).resources[0].type == "kubernetes:apps/v1:Deployment"
    assert len(PlanView([stack]).resources) == 0
