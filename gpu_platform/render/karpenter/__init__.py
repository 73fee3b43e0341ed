"""Pure Karpenter decisions, one module per concern:

- :mod:`.controller`: the controller's Helm release (namespace, replicas, chart values);
- :mod:`.controller_iam`: the controller's IAM policies, scoped by this cluster's tags;
- :mod:`.interruption`: the interruption queue, its policy and the EventBridge rules feeding it;
- :mod:`.node_classes`: EC2NodeClasses (AMI, volumes, subnets, security group, node role);
- :mod:`.user_data`: boot-time GPU configuration (MIG on al2023, time-slicing on Bottlerocket);
- :mod:`.node_pools`: NodePools (requirements, labels, taints, limits, lifetime, disruption).

Ground truth: Karpenter v1.14 (`karpenter.sh/v1` NodePool, `karpenter.k8s.aws/v1` EC2NodeClass, the chart's
values.yaml and the getting-started CloudFormation). Label keys live in :mod:`render.node_labels`; they are
re-exported here because callers have always found them on this module.
"""

from ..iam import partition
from ..labels import (
    ALLOWED_REQUIREMENT_KEYS,
    AMI_FAMILY_LABEL,
    CAPACITY_TYPE,
    CPU_ROLE,
    DEVICE_PLUGIN_CONFIG_LABEL,
    GPU_PRESENT_LABEL,
    GPU_ROLE,
)
from ..system import controller_replicas
from .controller import CRD_RELEASE, NAMESPACE, RELEASE, SERVICE_ACCOUNT, controller_values
from .controller_iam import CONTROLLER_POLICIES, controller_policies
from .interruption import (
    INTERRUPTION_EVENTS,
    QUEUE_RETENTION_SECONDS,
    interruption_event_patterns,
    interruption_queue_policy,
    queue_name,
)
from .node_classes import (
    NODE_CLASS_API,
    NODE_CLASS_GROUP,
    NodeClassPlan,
    ami_alias,
    block_device_mappings,
    ec2_node_class,
    gpu_node_class_name,
    node_class_plans,
    node_role_name,
    node_tags,
    pool_node_class_name,
    reservation_selector_terms,
)
from .node_pools import (
    NODE_POOL_API,
    ON_DEMAND_WEIGHT,
    RESERVED_WEIGHT,
    SPOT_WEIGHT,
    advertised_gpu_limits,
    cpu_node_pools,
    device_plugin_config_name,
    gpu_node_labels,
    gpu_node_pools,
    gpu_pool_limits,
    node_lifetime,
)
from .user_data import MIG_UNIT, mig_boot_script, pool_user_data

__all__ = [
    "ALLOWED_REQUIREMENT_KEYS",
    "AMI_FAMILY_LABEL",
    "CAPACITY_TYPE",
    "CONTROLLER_POLICIES",
    "CPU_ROLE",
    "CRD_RELEASE",
    "DEVICE_PLUGIN_CONFIG_LABEL",
    "GPU_PRESENT_LABEL",
    "GPU_ROLE",
    "INTERRUPTION_EVENTS",
    "MIG_UNIT",
    "NAMESPACE",
    "NODE_CLASS_API",
    "NODE_CLASS_GROUP",
    "NODE_POOL_API",
    "NodeClassPlan",
    "ON_DEMAND_WEIGHT",
    "QUEUE_RETENTION_SECONDS",
    "RELEASE",
    "RESERVED_WEIGHT",
    "SERVICE_ACCOUNT",
    "SPOT_WEIGHT",
    "advertised_gpu_limits",
    "ami_alias",
    "block_device_mappings",
    "controller_policies",
    "controller_replicas",
    "controller_values",
    "cpu_node_pools",
    "device_plugin_config_name",
    "ec2_node_class",
    "gpu_node_class_name",
    "gpu_node_labels",
    "gpu_node_pools",
    "gpu_pool_limits",
    "interruption_event_patterns",
    "interruption_queue_policy",
    "mig_boot_script",
    "node_class_plans",
    "node_lifetime",
    "node_role_name",
    "node_tags",
    "partition",
    "pool_node_class_name",
    "pool_user_data",
    "queue_name",
    "reservation_selector_terms",
]
