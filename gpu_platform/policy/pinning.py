"""Supply-chain pinning: images, AMIs and Helm charts name exact versions, so nothing that runs changes unless a
reviewed change says so.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ._workloads import as_dict, as_list, dig, find_in_values
from .registry import WORKLOAD_KINDS, rule
from .view import PlanView

_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")


def image_problem(image: Any) -> Optional[str]:
    """Why an image reference is not pinned, or None when it is (a tag other than latest, or a digest)."""
    ref = str(image or "")
    if not ref:
        return "no image"
    if _DIGEST.search(ref):
        return None
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"image {ref!r} has no tag (means latest)"
    if last.rsplit(":", 1)[1] in ("latest", ""):
        return f"image {ref!r} uses the latest tag"
    return None


def _helm_image_problem(key: Any, value: Any, path: str) -> Optional[str]:
    """What is unpinned about one Helm value (a `tag`, or an `image` that names a repository), if anything."""
    if key == "tag" and str(value) == "latest":
        return f"{path} is 'latest'"
    if key == "image" and isinstance(value, str) and "/" in value:
        problem = image_problem(value)
        return f"{path}: {problem}" if problem else None
    return None


@rule(
    "images-pinned",
    "Every container image has an explicit tag other than latest (or a digest), in pod templates, KServe "
    "runtimes and Helm values, so a rollout never changes what runs by itself.",
    (*WORKLOAD_KINDS, "ServingRuntime", "ClusterServingRuntime", "kubernetes:helm.sh/v3:Release"),
)
def _images(view: PlanView):
    for t in view.templates:
        for c in [*t.init_containers, *t.containers]:
            if c.get("name") == "kserve-container" and "image" not in c:
                continue  # KServe's `model` takes the runtime's image
            problem = image_problem(c.get("image"))
            if problem:
                yield t.resource, f"{t.where(c)}: {problem}"
    for r in view.helm:
        values = r.inputs.get("values")
        for problem in find_in_values(values if isinstance(values, dict) else {}, _helm_image_problem):
            yield r, f"Helm values {problem}"


@rule(
    "ami-pinned",
    "In production, Karpenter EC2NodeClasses pin their AMI (alias family@vYYYYMMDD, an id, or tags), not @latest: "
    "a new AMI release otherwise drifts and replaces every GPU node on its own schedule. Dev and staging may float "
    "to catch AMI regressions before production (environment read from the gpu-platform/environment tag).",
    ("EC2NodeClass",),
)
def _ami(view: PlanView):
    if not view.production:
        return
    for r in view.kind("EC2NodeClass"):
        for i, term in enumerate(as_list(dig(r.inputs, "spec", "amiSelectorTerms"))):
            alias = str(as_dict(term).get("alias") or "")
            if alias.endswith("@latest"):
                yield r, f"spec.amiSelectorTerms[{i}].alias is {alias!r}; pin a version (e.g. al2023@v20251117)"


@rule(
    "charts-pinned",
    "Every Helm release names an exact chart version (no ranges, no latest) and a repository or OCI reference.",
    ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"),
)
def _charts(view: PlanView):
    for r in view.helm:
        version = r.inputs.get("version")
        chart = str(r.inputs.get("chart") or "")
        if not version:
            yield r, f"chart {chart!r} has no version"
        elif not _EXACT_VERSION.match(str(version)):
            yield r, f"chart {chart!r} version {version!r} is not an exact version"
        repo = dig(r.inputs, "repositoryOpts", "repo")
        if not chart.startswith("oci://") and not repo and not chart.startswith(("./", "/")):
            yield r, f"chart {chart!r} has neither repositoryOpts.repo nor an oci:// reference"
