"""What a model's objects are called and labelled, and where the model is reached: the names every other module of
the package (and the proxy, NetworkPolicies, PDBs) must agree on."""

from __future__ import annotations

from typing import Any, Optional

from ...spec.model import Backend, ModelSpec
from ..labels import DOMAIN, INSTANCE_TYPE_LABEL, MANAGED_BY  # noqa: F401  (INSTANCE_TYPE_LABEL: re-exported)

MODEL_LABEL = f"{DOMAIN}/model"
"""Pod label carrying the workload name (`<model>` or `<model>-canary`); selectors for PDBs and policies."""
MODEL_GROUP_LABEL = f"{DOMAIN}/model-group"
"""Pod label carrying the ModelSpec name (shared by a model and its canary)."""
ROLE_LABEL = f"{DOMAIN}/model-role"
"""`server`, `ray-head`, `ray-worker` or `headroom`."""
DO_NOT_DISRUPT = {"karpenter.sh/do-not-disrupt": "true"}

SERVING_PORT = 8080
"""vLLM listens here on every backend (KServe's predictor Service targets 8080)."""
RAY_SERVE_PORT = 8000
CACHE_MOUNT = "/models-cache"


def meta(name: str, namespace: Optional[str] = None, labels: Optional[dict] = None, annotations: Optional[dict] = None):
    """Object metadata: always labelled as ours, namespaced and annotated only when asked."""
    out: dict[str, Any] = {"name": name, "labels": {**MANAGED_BY, **(labels or {})}}
    if namespace:
        out["namespace"] = namespace
    if annotations:
        out["annotations"] = annotations
    return out


def service_account_name(spec: ModelSpec) -> Optional[str]:
    """The pod's service account: only S3 models need one (Pod Identity); others use none of the API."""
    return spec.name if spec.is_s3 else None


def hf_secret_name(spec: ModelSpec) -> str:
    return f"{spec.name}-hf-token"


def cache_pvc_name(spec: ModelSpec) -> str:
    return f"{spec.name}-cache"


def predictor_name(workload: str) -> str:
    """The Deployment (and Service) KServe's Standard mode creates for an InferenceService's predictor."""
    return f"{workload}-predictor"


def endpoint_url(name: str, namespace: str, backend: Backend) -> str:
    """The in-cluster OpenAI-compatible base URL (`http://…/v1`) of a model deployed as ``name``."""
    if backend is Backend.KSERVE:
        return f"http://{predictor_name(name)}.{namespace}.svc.cluster.local/v1"
    if backend is Backend.RAYSERVICE:
        return f"http://{name}-serve-svc.{namespace}.svc.cluster.local:{RAY_SERVE_PORT}/v1"
    if backend is Backend.DEPLOYMENT:
        return f"http://{name}.{namespace}.svc.cluster.local/v1"
    raise ValueError(f"endpoint_url needs a concrete backend, got {backend.value}")


def workload_meta(spec: ModelSpec, name: str, annotations: dict[str, str]) -> dict[str, Any]:
    """Metadata of a workload object (InferenceService, Deployment, RayService) of the model group ``spec``."""
    return meta(name, spec.namespace, labels={MODEL_GROUP_LABEL: spec.name}, annotations=annotations)
