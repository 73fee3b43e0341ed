"""Grafana dashboard JSON, pinned whole: the top-level fields Grafana reads (uid, schemaVersion, time, templating,
annotations, panels laid out on its 24-column grid), and the vLLM dashboard's panels with the unit ids Grafana
knows (valueFormats/categories.ts: `s` seconds, `percentunit` 0.0-1.0, `reqps` requests/sec, `short`; ids are
case-sensitive, an unknown id is only shown as a suffix)."""

from __future__ import annotations

from gpu_platform.render import observability as obs
from gpu_platform.render.observability.grafana import dashboard

_DS = {"type": "prometheus", "uid": "${datasource}"}


def _bare(i: int, width: int) -> dict:
    return {"id": i, "gridPos": {"h": 8, "w": width, "x": 0, "y": 0}}


def test_a_dashboard_has_every_field_grafana_reads():
    var = {"name": "node", "type": "query"}
    built = dashboard("uid-1", "Title", ["gpu"], [var], [_bare(1, 12), _bare(2, 12), _bare(3, 24), _bare(4, 8)])
    assert built == {
        "uid": "uid-1",
        "title": "Title",
        "tags": ["gpu-platform", "gpu"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus", "hide": 0},
            var]},
        "annotations": {"list": []},
        # rows of 24 columns: 12 + 12, then 24 alone, then 8 (each row 8 high)
        "panels": [{"id": 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}},
                   {"id": 2, "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0}},
                   {"id": 3, "gridPos": {"h": 8, "w": 24, "x": 0, "y": 8}},
                   {"id": 4, "gridPos": {"h": 8, "w": 8, "x": 0, "y": 16}}],
    }


def test_the_vllm_dashboard_top_level_and_its_model_variable():
    d = obs.vllm_dashboard()
    top = {k: v for k, v in d.items() if k not in ("panels", "templating")}
    assert top == {"uid": "gpu-platform-vllm", "title": "GPU platform / vLLM models",
                   "tags": ["gpu-platform", "vllm", "llm"], "timezone": "utc", "schemaVersion": 39, "version": 1,
                   "editable": False, "refresh": "30s", "time": {"from": "now-6h", "to": "now"},
                   "annotations": {"list": []}}
    datasource, model = d["templating"]["list"]
    assert datasource == {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
                          "hide": 0}
    query = "label_values(gpu_platform:model_requests_running:sum, model_name)"
    assert model == {"name": "model", "label": "Model", "type": "query", "datasource": _DS,
                     "query": {"query": query, "refId": "model-values"}, "definition": query, "refresh": 2,
                     "includeAll": True, "multi": True, "allValue": ".*",
                     "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "sort": 1}


def test_the_vllm_dashboard_panels_and_their_units():
    panels = obs.vllm_dashboard()["panels"]
    assert [(p["id"], p["title"], p["fieldConfig"]["defaults"]["unit"]) for p in panels] == [
        (1, "Requests running", "short"),
        (2, "Requests waiting", "short"),
        (3, "Time to first token", "s"),
        (4, "Inter-token latency", "s"),
        (5, "KV cache usage per engine", "percentunit"),  # vllm:kv_cache_usage_perc is 0..1 (facts.md)
        (6, "Tokens per second", "tps"),  # no Grafana unit id: shown as a " tps" suffix
        (7, "End-to-end latency", "s"),
        (8, "Queue time", "s"),
        (9, "Finished requests", "reqps"),
        (10, "Preemptions and prefix-cache hit rate", "short"),
    ]
    # two half-width panels a row
    assert [(p["gridPos"]["x"], p["gridPos"]["y"]) for p in panels] == [
        (0, 0), (12, 0), (0, 8), (12, 8), (0, 16), (12, 16), (0, 24), (12, 24), (0, 32), (12, 32)]
    for p in panels:
        assert p["datasource"] == _DS and all(t["datasource"] == _DS for t in p["targets"])


def test_the_inter_token_latency_panel_by_hand():
    [itl] = [p for p in obs.vllm_dashboard()["panels"] if p["id"] == 4]
    rate = 'rate(vllm:inter_token_latency_seconds_bucket{model_name=~"$model"}[$__rate_interval])'
    assert itl["targets"] == [
        {"refId": "A", "datasource": _DS, "legendFormat": "p50 {{model_name}}",
         "expr": f"histogram_quantile(0.5, sum by (le, model_name) ({rate}))"},
        {"refId": "B", "datasource": _DS, "legendFormat": "p95 {{model_name}}",
         "expr": f"histogram_quantile(0.95, sum by (le, model_name) ({rate}))"},
        {"refId": "C", "datasource": _DS, "legendFormat": "p99 {{model_name}}",
         "expr": f"histogram_quantile(0.99, sum by (le, model_name) ({rate}))"},
    ]
    assert itl["fieldConfig"] == {"defaults": {"unit": "s"}, "overrides": []}
    assert itl["type"] == "timeseries"
