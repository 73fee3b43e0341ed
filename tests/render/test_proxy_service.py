"""The LiteLLM Service must reach the LiteLLM pods: every request to a model goes through it.

Kubernetes semantics written out here (not taken from the renderer): the EndpointSlice controller only manages
endpoints for a Service with a non-empty `spec.selector`, and adds the pods whose labels contain every selector pair;
a named `targetPort` resolves to the container port of that name. A Service without a selector (or with one that
matches no pod) is valid to the API server, so the schema tests cannot catch it: it just has no endpoints.
"""

from __future__ import annotations

from urllib.parse import urlparse

from gpu_platform.render import proxy as rp
from gpu_platform.render.labels import PROXY_NAMESPACE
from gpu_platform.spec.fallback import FallbackSpec

SPEC = FallbackSpec.model_validate({"providers": {"openai": {}}, "external_models": [
    {"name": "gpt", "provider": "openai", "model": "gpt-4o-mini"}]})


def objects(production: bool = True) -> dict[str, dict]:
    objs = rp.proxy_objects(SPEC, [], region="us-west-2", production=production,
                            secret_values={"LITELLM_MASTER_KEY": "[secret]", "OPENAI_API_KEY": "[secret]"})
    return {o["kind"]: o for o in objs}


def endpoints(service: dict, deployment: dict) -> list[tuple[str, int]]:
    """(port name, container port) pairs the Service would route to in the Deployment's pods."""
    selector = service.get("spec", {}).get("selector") or {}
    if not selector:
        return []  # no selector: the controller manages no endpoints
    pod = deployment["spec"]["template"]
    if not all(pod["metadata"]["labels"].get(k) == v for k, v in selector.items()):
        return []
    out = []
    for sp in service["spec"]["ports"]:
        for c in pod["spec"]["containers"]:
            for cp in c.get("ports", []):
                target = sp.get("targetPort", sp["port"])
                if cp["containerPort"] == target or cp.get("name") == target:
                    out.append((sp["name"], cp["containerPort"]))
    return out


def test_the_service_selects_the_proxy_pods_and_reaches_litellms_port():
    for production in (True, False):
        objs = objects(production)
        service, deployment = objs["Service"], objs["Deployment"]
        assert service["metadata"]["namespace"] == deployment["metadata"]["namespace"] == PROXY_NAMESPACE
        # LiteLLM listens where its `--port` argument says.
        args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        listen = int(args[args.index("--port") + 1])
        assert endpoints(service, deployment) == [("http", listen)]


def test_the_advertised_url_is_the_services_dns_name_and_port():
    objs = objects()
    service = objs["Service"]
    url = urlparse(rp.service_url())
    assert url.scheme == "http"
    assert url.hostname == f"{service['metadata']['name']}.{service['metadata']['namespace']}.svc.cluster.local"
    assert url.port in [p["port"] for p in service["spec"]["ports"]]


def test_the_service_monitor_scrapes_the_service_by_its_labels_and_port_name():
    objs = objects()
    service, monitor = objs["Service"], objs["ServiceMonitor"]
    labels = service["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in monitor["spec"]["selector"]["matchLabels"].items())
    port_names = {p["name"] for p in service["spec"]["ports"]}
    assert {e["port"] for e in monitor["spec"]["endpoints"]} <= port_names


def test_the_proxy_objects_are_named_for_users_and_the_model_namespaces_policies():
    """The names other things reach: clients use the proxy's `url` output, http://litellm.llm-gateway.svc.cluster.local:4000
    (4000 is LiteLLM's default port), and the Service only answers inside the cluster
    (`ClusterIP`: the proxy is not exposed; Kubernetes' Service types are ClusterIP, NodePort, LoadBalancer and
    ExternalName, case-sensitive)."""
    objs = objects()
    for kind in ("Deployment", "Service"):
        assert (objs[kind]["metadata"]["name"], objs[kind]["metadata"]["namespace"]) == ("litellm", "llm-gateway")
    assert objs["Service"]["spec"]["type"] == "ClusterIP"
    assert objs["Service"]["spec"]["ports"] == [{"name": "http", "port": 4000, "targetPort": "http", "protocol": "TCP"}]
    assert rp.service_url() == "http://litellm.llm-gateway.svc.cluster.local:4000"
