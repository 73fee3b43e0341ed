"""Label, taint and tag keys shared by every render module, so placement rules agree across components."""

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
