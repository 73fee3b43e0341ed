"""Label, taint and tag keys: ours and the ones other projects define (Kubernetes, Karpenter, NVIDIA), each spelled
once, so a NodePool requirement, a node selector, a policy and a device plugin's node affinity can never disagree."""

DOMAIN = "gpu-platform.io"

NODE_ROLE_LABEL = f"{DOMAIN}/node-role"
"""Node label: `system` on the managed controller group, `gpu` / `cpu` on Karpenter nodes."""
SYSTEM_ROLE = "system"

GPU_CLASS_LABEL = f"{DOMAIN}/gpu-class"
"""Node label carrying the GPU class (`l4`, `a10g`, `l40s`, `a100`, `h100`) of a Karpenter GPU node."""

POOL_LABEL = f"{DOMAIN}/pool"
"""Node label naming the node pool (`gpu.node_pools[].name`, or `cpu`) a Karpenter node belongs to."""

GPU_RESOURCE = "nvidia.com/gpu"
GPU_TAINT = {"key": GPU_RESOURCE, "value": "true", "effect": "NoSchedule"}
"""Taint on every GPU node: only pods that tolerate it (GPU workloads, GPU daemons) land there."""
GPU_TOLERATION = {"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}

DISCOVERY_TAG = "karpenter.sh/discovery"
"""Tag on private subnets and the node security group; Karpenter's EC2NodeClass selects them by it."""

MANAGED_BY = {"app.kubernetes.io/managed-by": "gpu-platform"}

# Namespaces shared across components (NetworkPolicies and monitors refer to each other by these).
MONITORING_NAMESPACE = "monitoring"
PROMETHEUS_RELEASE = "kube-prometheus-stack"
"""Release name of kube-prometheus-stack. Prometheus selects monitors and rules from every namespace with no label
requirement; our own ServiceMonitors/PodMonitors/PrometheusRules still carry `release: <this>` for clarity."""
PROMETHEUS_URL = f"http://{PROMETHEUS_RELEASE}-prometheus.{MONITORING_NAMESPACE}.svc.cluster.local:9090"
PROXY_NAMESPACE = "llm-gateway"
"""Namespace of the LiteLLM fallback proxy; model NetworkPolicies admit traffic from it."""
MODELS_NAMESPACE = "models"
"""Default namespace for ModelDeployments."""


# ------------------------------------------------------------------ node labels other projects define, and ours
# Kubernetes well-known labels (kubernetes.io/docs/reference/labels-annotations-taints).
OS_LABEL = "kubernetes.io/os"
ARCH_LABEL = "kubernetes.io/arch"
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"
ZONE_LABEL = "topology.kubernetes.io/zone"
HOSTNAME_LABEL = "kubernetes.io/hostname"

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
