"""Pure rendering of a model deployment: vLLM 0.33 arguments and every Kubernetes object a backend needs.

Backends (chosen by :mod:`gpu_platform.sizing`):

- ``kserve``: an ``InferenceService`` in Standard mode on the pinned vLLM ``ClusterServingRuntime``; KServe creates
  the ``<name>-predictor`` Deployment and Service (autoscalerClass ``external``); our KEDA ``ScaledObject`` scales
  that Deployment, so every autoscaling field of the spec reaches KEDA unchanged.
- ``rayservice``: a KubeRay ``RayService`` running Ray Serve's vLLM app across nodes (pipeline parallel between nodes,
  tensor parallel within); Ray Serve autoscales replicas and the in-tree autoscaler adds worker groups.
- ``deployment``: a plain Deployment + Service + KEDA ``ScaledObject``.

Every function returns complete objects (apiVersion, kind, metadata) ready for ``apply_object``.

Modules, one decision each:

- :mod:`.names`: what objects are called and labelled, and each backend's endpoint URL;
- :mod:`.engine_args`: the `vllm serve` command line (and Ray Serve's engine kwargs);
- :mod:`.pod`: the serving pod's shape (placement, resources, volumes, env, probes, drain, security);
- :mod:`.rollout`: how a workload replaces its pods, and how long `pulumi up` waits for it;
- :mod:`.autoscaling`: the KEDA ScaledObject, its HPA behaviour and the scale-to-zero wake query;
- :mod:`.kserve`, :mod:`.plain_deployment`, :mod:`.ray`: the three backends;
- :mod:`.weights`: S3 read policy, service account, HF token Secret and weight cache claim;
- :mod:`.priority`, :mod:`.placeholders`, :mod:`.disruption`: who wins GPUs, warm-headroom pods, PDBs;
- :mod:`.namespace`: the model namespace's policies, GPU quota and container defaults;
- :mod:`.assembly`: every object of one model, in registration order (``render_model``).
"""

from .assembly import RenderedModel, metrics_monitor, render_model
from .autoscaling import hpa_behavior, queries, scale_down_seconds, scaled_object, wake_query
from .plain_deployment import deployment, service
from .disruption import disruption_budgets, pdb
from .placeholders import headroom, serving_image
from .kserve import RUNTIME_FORMAT, RUNTIME_NAME, cluster_serving_runtime, inference_service
from .names import (
    CACHE_MOUNT,
    DO_NOT_DISRUPT,
    INSTANCE_TYPE_LABEL,
    MODEL_GROUP_LABEL,
    MODEL_LABEL,
    RAY_SERVE_PORT,
    ROLE_LABEL,
    SERVING_PORT,
    cache_pvc_name,
    endpoint_url,
    hf_secret_name,
    predictor_name,
    service_account_name,
)
from .namespace import POD_IDENTITY_AGENT_CIDR, gpu_quota, namespace_objects
from .pod import (
    HOME_MOUNT,
    MAX_REQUEST_S,
    PLACEHOLDER_UID,
    PREFERRED_PRESTOP_S,
    SERVER_UID,
    Workload,
    container_security_context,
    gpu_resources,
    node_selector,
    pod_labels,
    pod_security_context,
    probes,
    spread,
)
from .priority import HEADROOM_PRIORITY_CLASS, PRIORITY_CLASSES, priority_classes
from .ray import (
    KUBERAY_OPERATOR_LABELS,
    RAY_ACCELERATOR,
    ray_internal_policy,
    ray_pods_at_minimum,
    ray_service,
    ray_upgrade_strategy,
    serve_config,
)
from .rollout import AWAIT_MARGIN_S, await_annotations, rollout_strategy
from .engine_args import VLLM_033_FLAGS, engine_kwargs, vllm_args, vllm_flags
from .weights import s3_read_policy

__all__ = [
    "AWAIT_MARGIN_S", "CACHE_MOUNT", "DO_NOT_DISRUPT", "HEADROOM_PRIORITY_CLASS", "HOME_MOUNT",
    "INSTANCE_TYPE_LABEL", "KUBERAY_OPERATOR_LABELS", "MAX_REQUEST_S", "MODEL_GROUP_LABEL", "MODEL_LABEL",
    "PLACEHOLDER_UID", "POD_IDENTITY_AGENT_CIDR", "PREFERRED_PRESTOP_S", "PRIORITY_CLASSES", "RAY_ACCELERATOR",
    "RAY_SERVE_PORT", "ROLE_LABEL", "RUNTIME_FORMAT", "RUNTIME_NAME", "RenderedModel", "SERVER_UID", "SERVING_PORT",
    "VLLM_033_FLAGS", "Workload", "await_annotations", "cache_pvc_name", "cluster_serving_runtime",
    "container_security_context", "deployment", "disruption_budgets", "endpoint_url", "engine_kwargs",
    "gpu_quota", "gpu_resources", "headroom", "hf_secret_name", "hpa_behavior", "inference_service",
    "metrics_monitor", "namespace_objects", "node_selector", "pdb", "pod_labels", "pod_security_context",
    "predictor_name", "priority_classes", "probes", "queries", "ray_internal_policy", "ray_pods_at_minimum",
    "ray_service", "ray_upgrade_strategy", "render_model", "rollout_strategy", "s3_read_policy", "scale_down_seconds",
    "scaled_object", "serve_config", "service", "service_account_name", "serving_image", "spread", "vllm_args",
    "vllm_flags", "wake_query",
]
