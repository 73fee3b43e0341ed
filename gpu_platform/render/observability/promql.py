"""PromQL as text: how numbers are written into expressions, and where expressions sit in rendered objects (the
tests check every expression found against the metric catalog)."""

from __future__ import annotations

import json
from typing import Any, Iterator


def promql_number(x: float) -> str:
    """A threshold as PromQL reads it, without a trailing `.0` (`2`, `0.95`)."""
    return format(float(x), "g")


def promql_expressions(obj: Any) -> Iterator[str]:
    """Every PromQL expression in a dashboard, a PrometheusRule or a ConfigMap holding dashboards."""
    if isinstance(obj, dict):
        if obj.get("kind") == "ConfigMap":
            for text in obj.get("data", {}).values():
                yield from promql_expressions(json.loads(text))
            return
        for key, value in obj.items():
            if key == "expr" and isinstance(value, str):
                yield value
            elif key == "query" and isinstance(value, dict) and isinstance(value.get("query"), str):
                continue  # label_values(...) is Grafana syntax, checked separately
            else:
                yield from promql_expressions(value)
    elif isinstance(obj, list):
        for item in obj:
            yield from promql_expressions(item)
