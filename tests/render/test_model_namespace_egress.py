"""The model namespace's egress NetworkPolicy: with default-deny in place, what it allows is all a model pod can reach.
Each allowed destination is written out here from its source, so a changed port or address fails.

- DNS: CoreDNS (pods `k8s-app: kube-dns` in kube-system on EKS) answers on port 53 over UDP, and over TCP for
  answers too large for UDP (RFC 7766 makes TCP support mandatory); both must be open.
- EKS Pod Identity agent: it listens on the link-local 169.254.170.23 (EKS user guide, "Set up the Amazon EKS Pod
  Identity Agent": "The agent uses the loopback (localhost) IP address 169.254.170.23 for IPv4"), and the webhook
  injects AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials (plain http: port 80). S3 weights
  (the Run:ai streamer) need these credentials.
- Weights: the Hugging Face Hub and S3 over HTTPS, port 443.
"""

from __future__ import annotations

import ipaddress

from gpu_platform.render import model as rm


def egress_rules() -> list[dict]:
    policy = dict(rm.namespace_objects("models", 4))["allow-egress"]
    assert policy["kind"] == "NetworkPolicy" and policy["metadata"]["namespace"] == "models"
    spec = policy["spec"]
    assert spec["podSelector"] == {} and spec["policyTypes"] == ["Egress"]  # every pod of the namespace
    return spec["egress"]


def allowed(rules: list[dict], protocol: str, port: int, *, ip: str | None = None,
            namespace: str | None = None, pod_labels: dict | None = None) -> bool:
    """Whether a NetworkPolicy egress rule list admits this connection (networking.k8s.io/v1 semantics: a rule
    without `to` admits every destination, a rule without `ports` every port; selectors are ANDed in one peer)."""
    for rule in rules:
        if "ports" in rule and not any(p.get("protocol", "TCP") == protocol and p["port"] == port
                                       for p in rule["ports"]):
            continue
        if "to" not in rule:
            return True
        for peer in rule["to"]:
            if "ipBlock" in peer:
                if ip and ipaddress.ip_address(ip) in ipaddress.ip_network(peer["ipBlock"]["cidr"]):
                    return True
                continue
            ns_sel = peer.get("namespaceSelector", {}).get("matchLabels", {})
            pod_sel = peer.get("podSelector", {}).get("matchLabels", {})
            ns_ok = namespace is not None and all(
                k == "kubernetes.io/metadata.name" and v == namespace for k, v in ns_sel.items())
            pod_ok = all((pod_labels or {}).get(k) == v for k, v in pod_sel.items())
            if ns_ok and pod_ok and namespace is not None:
                return True
    return False


COREDNS = {"namespace": "kube-system", "pod_labels": {"k8s-app": "kube-dns"}}


def test_dns_is_open_to_coredns_on_udp_and_tcp_53():
    rules = egress_rules()
    assert allowed(rules, "UDP", 53, **COREDNS)
    assert allowed(rules, "TCP", 53, **COREDNS)
    # and to CoreDNS only: no other pod of kube-system on 53
    assert not allowed(rules, "UDP", 53, namespace="kube-system", pod_labels={"app": "other"})


def test_the_pod_identity_agent_is_reachable_on_169_254_170_23_port_80():
    rules = egress_rules()
    assert allowed(rules, "TCP", 80, ip="169.254.170.23")
    # nothing else on plain http: not the instance metadata service, not the ECS agent address
    assert not allowed(rules, "TCP", 80, ip="169.254.169.254")
    assert not allowed(rules, "TCP", 80, ip="169.254.170.2")


def test_weights_are_fetched_over_https_443_and_nothing_else_is_open():
    rules = egress_rules()
    assert allowed(rules, "TCP", 443, ip="52.216.0.1")  # an S3 address; the Hub is on 443 too
    for protocol, port in (("TCP", 80), ("TCP", 8080), ("UDP", 443), ("TCP", 22)):
        assert not allowed(rules, protocol, port, ip="52.216.0.1"), (protocol, port)
