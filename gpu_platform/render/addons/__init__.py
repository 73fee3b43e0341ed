"""Add-ons: every Helm chart the platform installs, one small declaration each, and the install order.

An add-on (:class:`AddOn`) is pure data: its catalog chart key, Helm release name, namespace, the Pulumi
logical-name suffix (fixed so URNs never move), when the spec enables it, its values, and the add-ons it must be
installed ``after`` (when they are installed). :func:`install_order` derives a topological order from those edges
(ties broken by key, so it is deterministic); a cycle, an unknown key or a chart missing from the catalog fails at
import. The `Operators`, `GpuAddons` and `Karpenter` components each install their group through
``components._helm.install_releases``.

Adding an add-on touches one module and the catalog:

1. pin the chart in ``catalog/versions.py`` ``CHARTS`` under a new key (with its source);
2. write ``render/addons/<name>.py``: the namespace, a ``<name>_values(spec)`` builder, and one module-level
   declaration, e.g. for an operator ``OPENCOST = operator("opencost", NAMESPACE, lambda spec: ..., opencost_values,
   after=("kube-prometheus-stack",))`` (:func:`base.operator` fills in group, release name and timeout; a GPU or
   Karpenter add-on spells out ``AddOn(...)``).

:func:`registry.discover` finds every module-level ``AddOn`` in this package, so nothing is listed anywhere else;
the component of its ``group`` installs it, in the derived order. The tests check every operator add-on's values
against its chart's values.yaml and the derived order against every ``after`` edge for every combination of
enabled add-ons.
"""

from .base import GPU, KARPENTER, OPERATORS, AddOn, Installed, ReleasePlan, operator
from .registry import ADDONS, BY_KEY, check, discover, install_order, release_plans, topological

__all__ = [
    "ADDONS",
    "BY_KEY",
    "GPU",
    "KARPENTER",
    "OPERATORS",
    "AddOn",
    "Installed",
    "ReleasePlan",
    "check",
    "discover",
    "install_order",
    "operator",
    "release_plans",
    "topological",
]
