"""The resolve stage: from a validated spec to the decisions every later stage reads.

``spec`` validates each section on its own (types, ranges, one section's own rules). :func:`resolve` then relates
the sections to each other: it sizes every model once against the platform's node pools, and runs every check that
needs more than one section (a model's pool, capacity and operators; unique names and workloads; the fallback graph;
the API endpoint's access path; zones in the region; what production requires). Render and the components read only
its result, :class:`ResolvedPlatform` / :class:`ResolvedModel`. Every problem is reported in one
:class:`~gpu_platform.spec.SpecError`, each with its field path.
"""

from .models import ResolvedModel, resolve_model
from .platform import ResolvedPlatform, resolve

__all__ = ["ResolvedModel", "ResolvedPlatform", "resolve", "resolve_model"]
