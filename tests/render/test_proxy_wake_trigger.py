"""The public `wake_trigger` (README: add it to your own ScaledObject) is exactly a KEDA 2.20.2 `prometheus` trigger.

Expected values are written out here and checked against KEDA's source at the pinned tag, which the verification
harness downloads (`make controlplane`): the scaler registry (pkg/scaling/scalers_builder.go) and the prometheus
scaler's metadata struct (pkg/scalers/prometheus_scaler.go).
"""

from __future__ import annotations

import re

from gpu_platform.render import proxy as rp
from support import go_module_file

KEDA = ("github.com/kedacore/keda/v2", "v2.20.2")  # tests/controlplane/keda/go.mod; chart 2.20.2 in facts.md


def test_the_wake_trigger_exactly():
    """Demand is the proxy's request rate for the model group over 2 minutes (LiteLLM's
    `litellm_proxy_total_requests_metric_total`, labelled by `requested_model`); any non-zero rate activates the
    ScaledObject from 0 (activationThreshold 0), and each `requests_per_replica` req/s asks for one more replica
    (AverageValue divides the query by the replica count). Prometheus is kube-prometheus-stack's Service in
    `monitoring` on 9090. No demand series at all (a proxy that never saw the model) is 0, not an error."""
    assert rp.wake_trigger("qwen", requests_per_replica=2.5) == {
        "type": "prometheus",
        "name": "proxy-demand",
        "metricType": "AverageValue",
        "metadata": {
            "serverAddress": "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090",
            "query": 'sum(rate(litellm_proxy_total_requests_metric_total{requested_model="qwen"}[2m])) or vector(0)',
            "threshold": "2.5",
            "activationThreshold": "0",
            "ignoreNullValues": "true",
        },
    }
    assert rp.wake_trigger("qwen")["metadata"]["threshold"] == "5"  # the default: 5 req/s per replica
    custom = rp.wake_trigger("qwen", prometheus_url="http://prometheus.obs:9090")
    assert custom["metadata"]["serverAddress"] == "http://prometheus.obs:9090"


def test_keda_knows_the_trigger_type_and_every_metadata_key_and_gets_the_required_ones():
    builder = go_module_file(*KEDA, "pkg/scaling/scalers_builder.go").read_text()
    trigger = rp.wake_trigger("qwen")
    assert f'case "{trigger["type"]}":' in builder
    scaler = go_module_file(*KEDA, "pkg/scalers/prometheus_scaler.go").read_text()
    tags = dict(re.findall(r'keda:"name=(\w+),\s*([^"]*)"', scaler))
    assert set(trigger["metadata"]) <= set(tags), "a metadata key the prometheus scaler does not read"
    required = {name for name, rest in tags.items() if "optional" not in rest and "default=" not in rest}
    assert required == {"serverAddress", "query", "threshold"}  # what KEDA refuses a trigger without
    assert required <= set(trigger["metadata"])
    assert tags["ignoreNullValues"].endswith("default=true")  # we set it anyway, so the intent survives a default change
