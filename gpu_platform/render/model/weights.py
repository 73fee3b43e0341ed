"""How a model's pods get its weights: read access to S3 through Pod Identity (policy and service account), the
Hugging Face token Secret, and the weight-cache volume claim."""

from __future__ import annotations

import json
from typing import Any, Optional

from ...spec.model import CacheSpec, ModelSpec
from ..iam import partition
from .names import cache_pvc_name, meta, service_account_name
from .pod import gib


def s3_read_policy(spec: ModelSpec, region: str) -> Optional[str]:
    """Least-privilege read of the weights prefix (and decrypt with its KMS key, if any)."""
    if not spec.is_s3:
        return None
    bucket, prefix = spec.s3_bucket, spec.s3_prefix
    p = partition(region)  # arn:aws-cn / arn:aws-us-gov outside the commercial partition
    objects = f"arn:{p}:s3:::{bucket}/{prefix}/*" if prefix else f"arn:{p}:s3:::{bucket}/*"
    list_stmt: dict[str, Any] = {
        "Sid": "ListWeights", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": f"arn:{p}:s3:::{bucket}"
    }
    if prefix:
        list_stmt["Condition"] = {"StringLike": {"s3:prefix": [f"{prefix}/*", prefix]}}
    statements = [
        {"Sid": "ReadWeights", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": objects},
        list_stmt,
    ]
    key = spec.source.s3_kms_key_arn
    if key:
        statements.append({"Sid": "DecryptWeights", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key})
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def _cache_claim(spec: ModelSpec, cache: CacheSpec) -> dict[str, Any]:
    pvc_spec: dict[str, Any] = {
        "accessModes": ["ReadWriteMany" if cache.read_write_many else "ReadWriteOnce"],
        "resources": {"requests": {"storage": gib(cache.size_gib)}},
    }
    if cache.storage_class:
        pvc_spec["storageClassName"] = cache.storage_class
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": meta(cache_pvc_name(spec), spec.namespace),
        "spec": pvc_spec,
    }


def weight_access_objects(spec: ModelSpec, hf_secret: Optional[str]) -> list[tuple[str, dict[str, Any]]]:
    """The token Secret (filled by the component), the Pod Identity service account, the cache claim: as needed."""
    ns = spec.namespace
    out: list[tuple[str, dict[str, Any]]] = []
    if hf_secret:
        token = {"apiVersion": "v1", "kind": "Secret", "metadata": meta(hf_secret, ns), "type": "Opaque",
                 "stringData": {"HF_TOKEN": ""}}
        out.append(("hf-token", token))
    if spec.is_s3:
        sa = meta(service_account_name(spec), ns)  # type: ignore[arg-type]
        out.append(("sa", {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": sa,
                           "automountServiceAccountToken": False}))
    if spec.cache is not None:
        out.append(("cache", _cache_claim(spec, spec.cache)))
    return out
