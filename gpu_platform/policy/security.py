"""Security: nodes keep their credentials from pods (IMDSv2), pods run unprivileged, credentials never sit in
plain text in the plan or in state.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Optional

import yaml

from ..plan.engine import SECRET, UNKNOWN
from ._workloads import as_dict, as_list, dig, find_in_values, quantity
from .registry import WORKLOAD_KINDS, rule
from .view import PlanView


@rule(
    "imdsv2",
    "Nodes require IMDSv2 (httpTokens: required) with a hop limit of 1, so pods cannot read the node role's "
    "credentials. Karpenter EC2NodeClasses default to that; launch templates must say it.",
    ("EC2NodeClass", "aws:ec2/launchTemplate:LaunchTemplate"),
)
def _imdsv2(view: PlanView):
    for r in view.kind("EC2NodeClass"):
        opts = as_dict(dig(r.inputs, "spec", "metadataOptions"))
        if "httpTokens" in opts and opts["httpTokens"] != "required":
            yield r, f"spec.metadataOptions.httpTokens is {opts['httpTokens']!r}; must be 'required'"
        if "httpPutResponseHopLimit" in opts and quantity(opts["httpPutResponseHopLimit"]) > 1:
            yield r, f"spec.metadataOptions.httpPutResponseHopLimit is {opts['httpPutResponseHopLimit']}; must be 1"
    for r in view.resources:
        if r.type != "aws:ec2/launchTemplate:LaunchTemplate":
            continue
        opts = as_dict(r.inputs.get("metadataOptions"))
        if opts.get("httpTokens") != "required":
            yield r, f"metadataOptions.httpTokens is {opts.get('httpTokens')!r}; must be 'required' (IMDSv2 only)"
        if quantity(opts.get("httpPutResponseHopLimit", 1)) > 1:
            yield r, f"metadataOptions.httpPutResponseHopLimit is {opts.get('httpPutResponseHopLimit')}; must be 1"


@rule(
    "non-root",
    "Pods run as non-root (runAsNonRoot: true on the pod or every container), no container is privileged, "
    "and none allows privilege escalation.",
    WORKLOAD_KINDS,
)
def _non_root(view: PlanView):
    for t in view.templates:
        if t.operator == "kserve-runtime":
            continue
        pod_nonroot = dig(t.spec, "securityContext", "runAsNonRoot") is True
        for c in [*t.init_containers, *t.containers]:
            sc = as_dict(c.get("securityContext"))
            if not pod_nonroot and sc.get("runAsNonRoot") is not True:
                yield t.resource, f"{t.where(c)}: runAsNonRoot is not true (pod or container securityContext)"
            if sc.get("privileged") is True:
                yield t.resource, f"{t.where(c)}: privileged container"
            if sc.get("allowPrivilegeEscalation") is True:
                yield t.resource, f"{t.where(c)}: allowPrivilegeEscalation is true"


# ------------------------------------------------------------------------------------------------ secrets
_SECRET_ENV = re.compile(r"(^|_)(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|PRIVATE_KEY|MASTER_KEY)$", re.I)
_SECRET_KEY = re.compile(
    r"^(password|passwd|api_?key|token|secret|secret_?key|access_?key|client_?secret|master_?key|private_?key|"
    r"auth_?token|bearer_?token|admin_?password)$",
    re.I,
)
_REFERENCE = re.compile(r"^(os\.environ/|\$\{|\$\(|secretKeyRef|vault:|arn:aws)")


def _plain_secret(value: Any) -> bool:
    return isinstance(value, str) and value not in ("", SECRET, UNKNOWN) and not _REFERENCE.match(value)


def _plain_credential(key: Any, value: Any, path: str) -> Optional[str]:
    """The path of a key that names a credential and holds a plain string."""
    return path if _SECRET_KEY.match(str(key).replace("-", "_")) and _plain_secret(value) else None


def _secret_keys(node: Any) -> Iterator[str]:
    """Paths of keys that name a credential and hold a plain string."""
    return find_in_values(node, _plain_credential)


@rule(
    "secrets-never-plain",
    "Credentials are Pulumi secrets or references, never plain text in state: Secret data is secret, "
    "credential-named env vars use valueFrom, and Helm values or config files hold no plain passwords/keys.",
    ("Secret", "ConfigMap", "kubernetes:helm.sh/v3:Release", *WORKLOAD_KINDS),
    offline_only=True,
)
def _secrets(view: PlanView):
    for r in view.kind("Secret"):
        for field in ("data", "stringData"):
            value = r.inputs.get(field)
            if value is None or value == SECRET:
                continue
            plain = [k for k, v in as_dict(value).items() if v != SECRET] if isinstance(value, dict) else [field]
            if plain:
                yield r, f"{field} holds plain values ({', '.join(plain)}); pass it as a Pulumi secret"
    for t in view.templates:
        for c in [*t.init_containers, *t.containers]:
            for env in as_list(c.get("env")):
                env = as_dict(env)
                if _SECRET_ENV.search(str(env.get("name", ""))) and _plain_secret(env.get("value")):
                    yield t.resource, f"{t.where(c)}: env {env.get('name')} is a plain value; use valueFrom.secretKeyRef"
    for r in view.helm:
        values = r.inputs.get("values")
        for path in _secret_keys(values if isinstance(values, dict) else {}):
            yield r, f"Helm value {path} is plain text; use a Secret reference or a Pulumi secret"
    for r in view.kind("ConfigMap"):
        for key, text in as_dict(r.inputs.get("data")).items():
            try:
                doc = yaml.safe_load(text) if isinstance(text, str) else None
            except yaml.YAMLError:
                continue
            for path in _secret_keys(doc):
                yield r, f"data[{key}] {path} is plain text; reference an env var (os.environ/…) fed from a Secret"
