"""Grafana dashboard JSON: data source and query variables, panels laid out without overlap, and the ConfigMap
the Grafana sidecar loads a dashboard from."""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

from ..labels import MANAGED_BY, MONITORING_NAMESPACE
from ..operators import GRAFANA_DASHBOARD_LABEL

_GRAFANA_VAR = re.compile(r"\$\{?(__rate_interval|__interval|__range|[A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}?")


def expand_grafana_variables(expr: str) -> str:
    """Replace Grafana template variables with concrete values so the expression parses as plain PromQL:
    interval variables become `5m`, dashboard variables `.*` (they appear only inside `=~` matchers)."""

    def sub(m: re.Match[str]) -> str:
        return "5m" if m.group(1).startswith("__") else ".*"

    return _GRAFANA_VAR.sub(sub, expr)


_DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def _datasource_variable() -> dict[str, Any]:
    return {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus", "hide": 0}


def query_variable(name: str, label: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": _DATASOURCE,
        "query": {"query": query, "refId": f"{name}-values"},
        "definition": query,
        "refresh": 2,
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "sort": 1,
    }


def panel(
    panel_id: int,
    title: str,
    targets: list[tuple[str, str]],
    *,
    unit: str = "short",
    description: str = "",
    kind: str = "timeseries",
    width: int = 12,
) -> dict[str, Any]:
    # Positions are filled in by _layout so panels never overlap.
    return {
        "id": panel_id,
        "type": kind,
        "title": title,
        "description": description,
        "datasource": _DATASOURCE,
        "gridPos": {"h": 8, "w": width, "x": 0, "y": 0},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]}}
        if kind == "timeseries"
        else {},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": _DATASOURCE, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def _layout(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    x = y = 0
    for p in panels:
        w, h = p["gridPos"]["w"], p["gridPos"]["h"]
        if x + w > 24:
            x, y = 0, y + h
        p["gridPos"].update({"x": x, "y": y})
        x += w
    return panels


def dashboard(
    uid: str, title: str, tags: list[str], variables: list[dict[str, Any]], panels: list[dict[str, Any]]
) -> dict[str, Any]:
    """A dashboard: our tag, UTC, read-only, a data source variable first, panels laid out in rows of 24."""
    return {
        "uid": uid,
        "title": title,
        "tags": ["gpu-platform", *tags],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [_datasource_variable(), *variables]},
        "annotations": {"list": []},
        "panels": _layout(panels),
    }


def dashboard_configmap(name: str, dashboard: dict[str, Any], namespace: str = MONITORING_NAMESPACE) -> dict[str, Any]:
    """A ConfigMap the Grafana sidecar loads (it watches every namespace for the dashboard label)."""
    key, value = GRAFANA_DASHBOARD_LABEL
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {key: value, **MANAGED_BY},
        },
        "data": {f"{name}.json": json.dumps(dashboard, indent=2, sort_keys=True)},
    }


def variable_queries(dashboard: dict[str, Any]) -> Iterable[str]:
    """The `label_values(<metric>, <label>)` queries of a dashboard's template variables."""
    return [v["query"]["query"] for v in dashboard["templating"]["list"] if v.get("type") == "query"]
