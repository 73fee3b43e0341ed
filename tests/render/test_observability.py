"""Dashboards and alert rules: every PromQL expression parses and names only metrics the exporters publish;
PrometheusRules validate against the upstream CRD; dashboards reach Grafana's sidecar."""

from __future__ import annotations

import json
import re

import promql_parser
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gpu_platform.render import observability as obs
from gpu_platform.render.labels import MONITORING_NAMESPACE, PROMETHEUS_RELEASE
from gpu_platform.render.operators import GRAFANA_DASHBOARD_LABEL
from gpu_platform.spec import AlertingSpec
from branches import reaches
from support import UPSTREAM, assert_valid_builtin, assert_valid_crd, requires_upstream
from vllm_facts import vllm_033_metric_series


def metric_names(expr: str) -> list[str]:
    """Metric names referenced by a PromQL expression (parsing it on the way)."""
    ast = promql_parser.parse(obs.expand_grafana_variables(expr))
    names: list[str] = []

    def visit(node):
        if isinstance(node, promql_parser.VectorSelector):
            name = node.name
            if name is None:  # {__name__="..."} form
                name = next((m.value for m in node.matchers.matchers if m.name == "__name__"), None)
            names.append(name)

    promql_parser.walk(ast, visit)
    return names


def all_objects(alerts: AlertingSpec | None = None) -> list[dict]:
    return [
        obs.platform_rules(alerts or AlertingSpec()),
        obs.model_slo_rules([("llama-3-8b", 1.5), ("qwen2.5-7b", 3.0)]),
        *obs.dashboard_configmaps(),
    ]


def dcgm_documented_counters() -> set[str]:
    """The counter list dcgm-exporter chart 4.8.2 documents in values.yaml (`customMetrics`, the default list's
    format: `DCGM FIELD, Prometheus metric type, help`), plus the key metrics facts.md names."""
    values = (UPSTREAM / "charts" / "dcgm-exporter.values.yaml").read_text()
    listed = set(re.findall(r"^\s*#\s*(DCGM_FI_\w+)\s*,\s*(?:gauge|counter)\s*,", values, re.M))
    facts = (UPSTREAM / "facts.md").read_text().split("## NVIDIA dcgm-exporter", 1)[1].split("\n## ", 1)[0]
    return listed | set(re.findall(r"DCGM_FI_\w+", facts))


def recorded_series(objs: list[dict]) -> set[str]:
    """Series our own PrometheusRules record."""
    return {r["record"] for o in objs if o["kind"] == "PrometheusRule"
            for g in o["spec"]["groups"] for r in g["rules"] if "record" in r}


@requires_upstream
def test_every_expression_parses_and_names_known_metrics():
    """Each name a rule or panel reads is one its exporter publishes, judged by upstream where it is on hand: vLLM
    0.33.0 (facts.md; under Ray Serve the same series as `ray_vllm_<name>`), dcgm-exporter's documented counters,
    Prometheus's own `up`/`ALERTS`, and what our rules record. Karpenter, kube-state-metrics and Ray Serve's own
    names have no local upstream copy (sigs.k8s.io/karpenter is not in the Go module cache, nor are
    kube-state-metrics or Ray): those alone are checked against the catalog."""
    objs = all_objects()
    vllm, dcgm, recorded = vllm_033_metric_series(), dcgm_documented_counters(), recorded_series(objs)
    assert {"DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_XID_ERRORS", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE"} <= dcgm  # parsed
    catalog_only = obs.KARPENTER_METRICS | obs.KUBE_STATE_METRICS | {"ray_serve_deployment_replica_healthy"}

    def published(name: str) -> bool:
        if name.startswith("vllm:"):
            return name in vllm
        if name.startswith("ray_vllm_"):
            return "vllm:" + name.removeprefix("ray_vllm_") in vllm
        if name.startswith("DCGM_FI_"):
            return name in dcgm
        if name.startswith("gpu_platform:"):
            return name in recorded
        return name in {"up", "ALERTS"} or name in catalog_only

    checked = 0
    for obj in objs:
        for expr in obs.promql_expressions(obj):
            names = metric_names(expr)
            assert names or expr.startswith("vector("), f"no metric in {expr!r}"
            unknown = [n for n in names if not published(n)]
            assert not unknown, f"{obj['metadata']['name']}: unpublished metrics {unknown} in {expr!r}"
            checked += 1
    assert checked >= 40  # dashboards and rules were actually walked


def test_the_check_catches_renamed_metrics():
    # vLLM 0.33 renamed gpu_cache_usage_perc; an old dashboard query must fail the catalog check.
    assert "vllm:gpu_cache_usage_perc" not in obs.known_metric_names()
    assert metric_names("max(vllm:gpu_cache_usage_perc)") == ["vllm:gpu_cache_usage_perc"]
    with pytest.raises(Exception):
        promql_parser.parse("sum(rate(vllm:generation_tokens_total[$__rate_interval]))")  # raw Grafana syntax


def test_template_variables_query_known_metrics():
    for dashboard in (obs.gpu_dashboard(), obs.vllm_dashboard()):
        for query in obs.variable_queries(dashboard):
            m = re.fullmatch(r"label_values\(([^,]+), (\w+)\)", query)
            assert m, query
            assert metric_names(m.group(1)) and set(metric_names(m.group(1))) <= obs.known_metric_names()


@requires_upstream
def test_vllm_catalog_matches_the_ground_truth_facts():
    """Both ways: every series vLLM 0.33.0 exports is in the catalog, and the catalog names no other (facts.md;
    it was checked one way only, so a made-up name in the catalog and a dashboard passed)."""
    exported = vllm_033_metric_series()
    assert "vllm:kv_cache_usage_perc" in exported and "vllm:gpu_cache_usage_perc" not in exported  # the parser reads
    assert obs.VLLM_METRICS == exported


@requires_upstream
def test_every_vllm_series_a_rule_or_dashboard_reads_is_one_vllm_exports():
    """Against facts.md, not the catalog: a query on a series vLLM does not export returns nothing, silently."""
    exported = vllm_033_metric_series()
    read = set()
    for obj in [*all_objects(), {"spec": {"groups": [{"rules": obs.model_signal_rules()}]}}]:
        for expr in obs.promql_expressions(obj):
            read |= {n for n in metric_names(expr) if n.startswith("vllm:")}
    assert {"vllm:num_requests_waiting", "vllm:kv_cache_usage_perc", "vllm:time_to_first_token_seconds_bucket"} <= read
    assert read <= exported, sorted(read - exported)


@requires_upstream
def test_dcgm_catalog_is_what_the_exporter_ships():
    values = (UPSTREAM / "charts" / "dcgm-exporter.values.yaml").read_text()
    facts = (UPSTREAM / "facts.md").read_text()
    for name in obs.DCGM_METRICS:
        assert name in values or name in facts, f"{name} is not a default DCGM exporter counter"


def test_dashboards_cover_the_required_signals():
    gpu = " ".join(obs.promql_expressions(obs.gpu_dashboard()))
    for metric in ("DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_POWER_USAGE",
                   "DCGM_FI_DEV_XID_ERRORS"):
        assert metric in gpu, metric
    assert "by (namespace, pod)" in gpu  # per-pod views
    vllm = " ".join(obs.promql_expressions(obs.vllm_dashboard()))
    # Recorded model signals expand into the raw series they read: both vLLM's and Ray Serve's names.
    recorded = {r["record"]: r["expr"] for r in obs.model_signal_rules()}
    expanded = vllm + " " + " ".join(expr for name, expr in recorded.items() if name in vllm)
    for metric in ("num_requests_running", "num_requests_waiting", "time_to_first_token_seconds_bucket",
                   "kv_cache_usage_perc", "generation_tokens_total"):
        assert f"vllm:{metric}" in expanded and f"ray_vllm_{metric}" in expanded, metric
    assert "vllm:inter_token_latency_seconds_bucket" in vllm
    assert all("model_name" in e for e in obs.promql_expressions(obs.vllm_dashboard()))  # per model
    for q in ("0.5", "0.95", "0.99"):
        assert f"histogram_quantile({q}, sum by (le, model_name) (gpu_platform:model_ttft_seconds_bucket:rate5m" in vllm


def test_every_model_signal_merges_the_vllm_and_ray_serve_names():
    """Under Ray Serve LLM the engine's `vllm:num_requests_waiting` arrives as `ray_vllm_num_requests_waiting`
    (':' replaced, `ray_` prefixed: Ray 2.56.0's serve_llm_dashboard_panels.py queries these names), so every
    signal alerts and dashboards read must exist under both."""
    for rule in obs.model_signal_rules():
        names = set(metric_names(rule["expr"]))
        vllm = {n for n in names if n.startswith("vllm:")}
        ray = {n for n in names if n.startswith("ray_vllm_")}
        assert len(vllm) == len(ray) == 1, rule
        assert vllm.pop()[len("vllm:"):] == ray.pop()[len("ray_vllm_"):]
        assert rule["expr"].count(" or ") == 1
    rule = obs.platform_rules(AlertingSpec())
    alerts = {r["alert"]: r["expr"] for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r}
    for alert, signal in (("VLLMQueueBuildingUp", obs.MODEL_WAITING), ("VLLMKVCacheNearFull", obs.MODEL_KV_CACHE),
                          ("VLLMTimeToFirstTokenSLO", obs.MODEL_TTFT_BUCKET)):
        assert signal in alerts[alert]
    assert "ray_serve_deployment_replica_healthy" in alerts["RayServeModelUnavailable"]


def test_dashboard_panels_do_not_overlap_and_have_unique_ids():
    for dashboard in (obs.gpu_dashboard(), obs.vllm_dashboard()):
        cells = set()
        ids = [p["id"] for p in dashboard["panels"]]
        assert len(ids) == len(set(ids))
        for p in dashboard["panels"]:
            g = p["gridPos"]
            assert g["x"] + g["w"] <= 24
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    assert (x, y) not in cells, f"{dashboard['uid']}: panel {p['id']} overlaps"
                    cells.add((x, y))


def test_dashboard_configmaps_carry_the_sidecar_label_and_valid_json():
    for cm in obs.dashboard_configmaps():
        assert_valid_builtin(cm)
        key, value = GRAFANA_DASHBOARD_LABEL
        assert cm["metadata"]["labels"][key] == value
        assert cm["metadata"]["namespace"] == MONITORING_NAMESPACE
        [(filename, text)] = cm["data"].items()
        assert filename.endswith(".json")
        dashboard = json.loads(text)
        assert dashboard["uid"] and dashboard["panels"]
        assert len(text) < 1_000_000  # ConfigMap size limit


@requires_upstream
@given(
    alerts=st.builds(
        AlertingSpec,
        ttft_p95_slo_seconds=st.floats(min_value=0.05, max_value=60, allow_nan=False),
        queue_waiting_requests=st.integers(1, 1000),
        kv_cache_usage_ratio=st.floats(min_value=0.01, max_value=1, allow_nan=False),
        gpu_temperature_celsius=st.integers(50, 110),
        gpu_memory_used_ratio=st.floats(min_value=0.01, max_value=1, allow_nan=False),
        for_duration=st.sampled_from(["1m", "5m", "10m", "1h"]),
    )
)
def test_rules_validate_and_parse_for_any_thresholds(alerts):
    rule = obs.platform_rules(alerts)
    assert_valid_crd(rule)
    for expr in obs.promql_expressions(rule):
        assert set(metric_names(expr)) <= obs.known_metric_names()
    # Thresholds from the spec end up in the expressions.
    exprs = {r["alert"]: r["expr"] for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r}
    assert exprs["GPUTemperatureHigh"].endswith(f"> {alerts.gpu_temperature_celsius}")
    assert exprs["VLLMQueueBuildingUp"].endswith(f"> {alerts.queue_waiting_requests}")
    assert exprs["VLLMTimeToFirstTokenSLO"].endswith(f"> {format(alerts.ttft_p95_slo_seconds, 'g')})")


def test_required_alerts_exist_with_severity_and_text():
    rule = obs.platform_rules(AlertingSpec())
    alerts = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r}
    required = {
        "GPUXidError", "GPUFatalXidError", "GPUTemperatureHigh", "GPUMemoryPressure", "DCGMExporterDown",
        "VLLMQueueBuildingUp", "VLLMKVCacheNearFull", "VLLMTimeToFirstTokenSLO", "ModelReplicasUnavailable",
        "ModelUnavailable", "KarpenterCloudProviderErrors", "KarpenterUnschedulablePods",
        "KarpenterNodePoolLimitReached",
    }
    assert required <= set(alerts)
    for name, r in alerts.items():
        assert r["labels"]["severity"] in ("warning", "critical"), name
        assert r["annotations"]["summary"] and r["annotations"]["description"], name
        assert re.fullmatch(r"[0-9]+[smh]", r["for"]), name
    assert rule["metadata"]["labels"]["release"] == PROMETHEUS_RELEASE
    assert "DCGM_FI_DEV_XID_ERRORS == 79" in alerts["GPUFatalXidError"]["expr"]


def test_ttft_alert_uses_per_model_slo_and_default_for_the_rest():
    expr = obs.ttft_slo_expr(2.0)
    assert f"> on (model_name) group_left () {obs.TTFT_SLO_SERIES}" in expr
    assert f"unless on (model_name) {obs.TTFT_SLO_SERIES}) > 2)" in expr
    promql_parser.parse(expr)


@requires_upstream
def test_model_slo_rules_record_one_series_per_model():
    rule = obs.model_slo_rules([("meta-llama/Llama-3.1-8B-Instruct", 1.5), ("qwen", 0.8)])
    assert_valid_crd(rule)
    [group] = rule["spec"]["groups"]
    assert [(r["record"], r["labels"]["model_name"], r["expr"]) for r in group["rules"]] == [
        (obs.TTFT_SLO_SERIES, "meta-llama/Llama-3.1-8B-Instruct", "vector(1.5)"),
        (obs.TTFT_SLO_SERIES, "qwen", "vector(0.8)"),
    ]
    single = obs.model_slo_rules([("meta-llama/Llama-3.1-8B-Instruct", 2)])
    name = single["metadata"]["name"]
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) and len(name) <= 63
    assert single["metadata"]["labels"]["release"] == PROMETHEUS_RELEASE


@pytest.mark.parametrize(
    "models",
    [[], [("", 1.0)], [("a", 0)], [("a", -1.0)], [("a", 1.0), ("a", 2.0)]],
)
def test_model_slo_rules_refuse_bad_input(models):
    with pytest.raises(ValueError):
        obs.model_slo_rules(models)


@reaches("kept", "characters replaced", "cut to 63", "nothing usable")
@example(name="qwen-7b", slo=2.0)
@example(name="meta-llama/Llama-3.1-8B-Instruct", slo=0.5)
@example(name="a" * 58 + "/b", slo=600.0)  # "slo-" + 58 a's + "-" is 63 long: the cut leaves a trailing "-"
@example(name="日本語", slo=0.001)
@given(name=st.text(min_size=1, max_size=120), slo=st.floats(min_value=0.001, max_value=600, allow_nan=False))
def test_model_slo_rule_names_are_always_valid(branch, name, slo):
    rule = obs.model_slo_rules([(name, slo)])
    meta = rule["metadata"]["name"]
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", meta) and len(meta) <= 63, meta
    promql_parser.parse(rule["spec"]["groups"][0]["rules"][0]["expr"])
    lowered = name.lower()
    if not re.search(r"[a-z0-9]", lowered):
        branch("nothing usable")
        assert meta == "slo"
    elif len(name) > 63 - len("slo-"):
        branch("cut to 63")
    elif not re.fullmatch(r"[a-z0-9-]+", lowered):
        branch("characters replaced")
    else:
        branch("kept")  # lowercased only
        assert meta == "slo-" + lowered.rstrip("-")


def test_grafana_variable_expansion():
    assert obs.expand_grafana_variables('rate(x{m=~"$model"}[$__rate_interval])') == 'rate(x{m=~".*"}[5m])'
    assert obs.expand_grafana_variables('x{n=~"${node:regex}"}') == 'x{n=~".*"}'


@requires_upstream
def test_karpenter_service_monitor_validates_and_targets_the_chart_service():
    monitor = obs.karpenter_service_monitor("kube-system", "karpenter")
    assert_valid_crd(monitor)
    assert monitor["metadata"]["namespace"] == "kube-system"
    assert monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"] == "karpenter"
    assert monitor["spec"]["endpoints"][0]["port"] == "http-metrics"
    assert monitor["metadata"]["labels"]["release"] == PROMETHEUS_RELEASE


@requires_upstream
def test_vllm_pod_monitor_validates():
    monitor = obs.vllm_pod_monitor("llama", "models", {"gpu-platform.io/model": "llama"})
    assert_valid_crd(monitor)
    [endpoint] = monitor["spec"]["podMetricsEndpoints"]
    assert (endpoint["portNumber"], endpoint["path"]) == (8080, "/metrics")
    assert monitor["spec"]["selector"] == {"matchLabels": {"gpu-platform.io/model": "llama"}}


def test_the_expression_extractors_find_every_expression_and_only_those():
    """The checks above are only as strong as these extractors: a hand-made dashboard with one PromQL target, one
    Grafana `label_values` variable, one custom variable, and the same dashboard inside a dashboards ConfigMap."""
    dashboard = {
        "panels": [{"targets": [{"expr": "sum(up)", "refId": "A"}]},
                   {"panels": [{"targets": [{"expr": "rate(x_total[5m])"}]}]}],
        "templating": {"list": [
            {"type": "query", "name": "model", "query": {"query": "label_values(vllm:num_requests_running, model_name)"}},
            {"type": "custom", "name": "window", "query": "5m,1h"},
        ]},
    }
    assert list(obs.promql_expressions(dashboard)) == ["sum(up)", "rate(x_total[5m])"]
    assert obs.variable_queries(dashboard) == ["label_values(vllm:num_requests_running, model_name)"]
    configmap = {"kind": "ConfigMap", "data": {"a.json": json.dumps(dashboard), "b.json": json.dumps({"expr": "up"})}}
    assert list(obs.promql_expressions(configmap)) == ["sum(up)", "rate(x_total[5m])", "up"]
    assert list(obs.promql_expressions({"kind": "ConfigMap"})) == []
    rule = {"spec": {"groups": [{"rules": [{"alert": "A", "expr": "x > 1"}, {"record": "r", "expr": "sum(x)"}]}]}}
    assert list(obs.promql_expressions(rule)) == ["x > 1", "sum(x)"]
