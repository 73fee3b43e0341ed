"""Node label keys that other projects define (Kubernetes, Karpenter, NVIDIA) and the node labels our Karpenter
nodes carry beyond :mod:`render.labels`: one spelling, so a NodePool requirement, a node selector and a device
plugin's node affinity can never disagree on a key."""

from .labels import DOMAIN

# Kubernetes well-known labels (kubernetes.io/docs/reference/labels-annotations-taints).
OS_LABEL = "kubernetes.io/os"
ARCH_LABEL = "kubernetes.io/arch"
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"
ZONE_LABEL = "topology.kubernetes.io/zone"

# Karpenter's labels: the first is set on every node; the others describe the instance type, and NodePool
# requirements select instance types by them.
CAPACITY_TYPE = "karpenter.sh/capacity-type"
_AWS = "karpenter.k8s.aws"
INSTANCE_CATEGORY = f"{_AWS}/instance-category"
INSTANCE_FAMILY = f"{_AWS}/instance-family"
INSTANCE_GENERATION = f"{_AWS}/instance-generation"
INSTANCE_GPU_NAME = f"{_AWS}/instance-gpu-name"
INSTANCE_GPU_MANUFACTURER = f"{_AWS}/instance-gpu-manufacturer"

# Requirement keys Karpenter v1.14 accepts on NodePools (facts.md; the CRD's CEL rules refuse the rest).
ALLOWED_REQUIREMENT_KEYS = frozenset(
    {
        CAPACITY_TYPE,
        INSTANCE_TYPE_LABEL,
        ZONE_LABEL,
        ARCH_LABEL,
        OS_LABEL,
        *(
            f"{_AWS}/{k}"
            for k in (
                "instance-category", "instance-family", "instance-generation", "instance-size", "instance-cpu",
                "instance-cpu-manufacturer", "instance-memory", "instance-hypervisor", "instance-local-nvme",
                "instance-gpu-name", "instance-gpu-manufacturer", "instance-gpu-count", "instance-gpu-memory",
                "instance-network-bandwidth", "instance-ebs-bandwidth", "instance-encryption-in-transit-supported",
                "instance-tenancy",
            )
        ),
    }
)

# NVIDIA's labels.
GPU_PRESENT_LABEL = "nvidia.com/gpu.present"
"""The label NVIDIA's charts use to recognise GPU nodes without NFD."""
DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config"
"""Node label choosing the device plugin's named config (time-slicing / MIG) on that node."""

# Ours: values of NODE_ROLE_LABEL on Karpenter nodes, and the AMI family.
GPU_ROLE = "gpu"
CPU_ROLE = "cpu"
"""Also the CPU pool's POOL_LABEL value and the name of its EC2NodeClass (its spot and on-demand NodePools share
both)."""
AMI_FAMILY_LABEL = f"{DOMAIN}/ami-family"
"""Node label: `al2023` or `bottlerocket`; the Helm device plugin selects al2023 GPU nodes by it."""
