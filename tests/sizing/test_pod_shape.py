"""A vLLM pod asks for most of its share of the node, not a token amount: too little CPU starves the tokenizer and
the API server, too little memory OOM-kills the weight load (safetensors are mmapped and copied through RAM).

Lower bounds worked by hand from the EC2 instance sizes (AWS "Accelerated computing instance specifications":
g6e.xlarge has 4 vCPUs, 32 GiB and 1 L40S; p5.48xlarge has 192 vCPUs, 2048 GiB and 8 H100). A pod must get at least
half of its GPUs' share of the vCPUs and three quarters of their share of the memory; the rest is headroom for
kubelet reservations and the node daemons. (Upper bounds: tests/sizing/test_sizing.py.)
"""

from __future__ import annotations

import pytest

from gpu_platform.render import model as rm
from gpu_platform.sizing import size_model
from gpu_platform.spec.model import ModelSpec


@pytest.mark.parametrize(
    "instance_type, tp, min_cpu, min_memory_gib",
    [
        ("g6e.xlarge", 1, 2, 24),  # 1 of 1 GPU: 4 vCPU / 2, 32 GiB × 3/4
        ("p5.48xlarge", 8, 96, 1536),  # 8 of 8: 192 / 2, 2048 × 3/4
        ("p5.48xlarge", 1, 12, 192),  # 1 of 8: 192 / 8 / 2, 2048 / 8 × 3/4
    ],
)
def test_a_pod_requests_at_least_most_of_its_share_of_the_node(instance_type, tp, min_cpu, min_memory_gib):
    spec = ModelSpec(name="m", model="s3://weights/llama-3.1-8b-instruct/", instance_type=instance_type,
                     tensor_parallel_size=tp, max_model_len=4096)
    s = size_model(spec)
    assert (s.instance_type, s.gpus_per_replica) == (instance_type, tp)
    assert s.cpu >= min_cpu and s.memory_gib >= min_memory_gib
    # and the rendered pod asks the scheduler for exactly that
    requests = rm.gpu_resources(s)["requests"]
    assert int(requests["cpu"]) >= min_cpu
    assert requests["memory"].endswith("Gi") and int(requests["memory"][:-2]) >= min_memory_gib


@pytest.mark.parametrize("instance_type, gpus, shape", [
    ("g6e.xlarge", 1, (2, 25, 4)),     # 4 vCPU × 0.85 − 0.5 = 2.9 → 2; 32 GiB × 0.85 − 2 = 25.2 → 25; shm 4 × 1
    ("g6e.12xlarge", 4, (40, 324, 16)),  # 48 × 0.85 − 0.5 = 40.3; 384 × 0.85 − 2 = 324.4; shm 4 × 4
    ("g6e.12xlarge", 1, (9, 79, 4)),   # a quarter: 12 × 0.85 − 0.5 = 9.7; 96 × 0.85 − 2 = 79.6
])
def test_a_pods_shape_leaves_the_node_its_reserve(instance_type, gpus, shape):
    """85 % of the pod's share of the node's vCPU and memory, less half a core and 2 GiB for the kubelet, system
    daemons and DaemonSets (EKS reserves roughly that much on these sizes), rounded down."""
    from gpu_platform.catalog.gpus import find_instance
    from gpu_platform.sizing.pod import pod_resources

    assert pod_resources(find_instance(instance_type)[1], gpus) == shape
