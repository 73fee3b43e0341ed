"""The add-on registry: one declaration per chart, install order derived from `after`, checked at import."""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import random
import sys
import textwrap

import pytest

from gpu_platform.catalog.versions import CHARTS
from gpu_platform.render.addons import (
    ADDONS,
    GPU,
    KARPENTER,
    OPERATORS,
    AddOn,
    check,
    discover,
    install_order,
    release_plans,
    topological,
)
from gpu_platform.spec import PlatformSpec, validate_spec

BASE = {"environment": "staging", "region": "us-west-2", "cluster": {"name": "gpu-test"}}
GROUPS = (OPERATORS, GPU, KARPENTER)


def _spec(operators: dict | None = None, gpu: dict | None = None) -> PlatformSpec:
    doc = {**BASE, "operators": operators or {}}
    if gpu is not None:
        doc["gpu"] = gpu
    return validate_spec(PlatformSpec, doc)


def _operator_switches():
    """Every valid combination of the operator booleans (kserve needs cert-manager, the HTTP add-on needs KEDA)."""
    for monitoring, cert_manager, kserve, kuberay, keda, http in itertools.product((False, True), repeat=6):
        if (kserve and not cert_manager) or (http and not keda):
            continue
        off = {"enabled": False}
        yield {
            "monitoring": {"enabled": True} if monitoring else {**off, "grafana": off, "alertmanager": off},
            "cert_manager": {"enabled": cert_manager},
            "kserve": {"enabled": kserve},
            "kuberay": {"enabled": kuberay},
            "keda": {"enabled": keda, "http_addon": http},
        }


def _assert_honours_after(order: list[AddOn]) -> None:
    position = {a.key: i for i, a in enumerate(order)}
    assert len(position) == len(order), "an add-on appears twice"
    for a in order:
        for before in a.after:
            if before in position:
                assert position[before] < position[a.key], f"{a.key} installed before {before}"


# Written here, not read from the registry: which releases each operator switch installs, and what each release
# must wait for on a real cluster.
RELEASES_OF_SWITCH = {
    "monitoring": {"kube-prometheus-stack"},
    "cert_manager": {"cert-manager"},
    "kserve": {"kserve-crd", "kserve-resources"},  # facts.md: install kserve-crd, then kserve-resources
    "kuberay": {"kuberay-operator"},
    "keda": {"keda"},
    "http": {"keda-add-ons-http"},
}
MUST_WAIT_FOR = {
    # Their ServiceMonitor templates need the Prometheus Operator CRDs (the charts do not check; facts.md, DCGM).
    "cert-manager": {"kube-prometheus-stack"},
    "keda": {"kube-prometheus-stack"},
    "kuberay-operator": {"kube-prometheus-stack"},
    # KServe's webhook certificate is a cert-manager Certificate (facts.md, KServe v0.20.0 cert-manager; the
    # quick-install runs cert-manager first), its resources need its CRDs, and its controller checks at start-up
    # whether KEDA's ScaledObject kind exists.
    "kserve-crd": {"cert-manager"},
    "kserve-resources": {"kserve-crd", "cert-manager", "keda"},
    "keda-add-ons-http": {"keda"},  # the HTTP add-on's scaler is a KEDA external scaler
    "kube-prometheus-stack": set(),
}


@pytest.mark.parametrize("operators", list(_operator_switches()))
def test_operator_order_honours_every_after_edge_for_every_valid_spec(operators):
    spec = _spec(operators)
    order = install_order(spec, OPERATORS)
    _assert_honours_after(order)
    switches = {"monitoring": operators["monitoring"]["enabled"], "cert_manager": operators["cert_manager"]["enabled"],
                "kserve": operators["kserve"]["enabled"], "kuberay": operators["kuberay"]["enabled"],
                "keda": operators["keda"]["enabled"], "http": operators["keda"]["http_addon"]}
    expected = set().union(*(RELEASES_OF_SWITCH[k] for k, on in switches.items() if on))
    assert {a.key for a in order} == expected
    for plan in release_plans(spec, OPERATORS):
        assert set(plan.depends_on) == MUST_WAIT_FOR[plan.key] & expected, plan.key


@pytest.mark.parametrize("group", GROUPS)
def test_derived_order_honours_every_after_edge_for_every_subset_of_a_group(group):
    """Exhaustive over which add-ons are enabled, independent of what the spec can express."""
    members = [a for a in ADDONS if a.group == group]
    spec = _spec()
    for mask in itertools.product((False, True), repeat=len(members)):
        chosen = {a.key for a, on in zip(members, mask) if on}
        forced = [dataclasses.replace(a, enabled=lambda s, k=a.key: k in chosen) for a in ADDONS]
        order = install_order(spec, group, forced)
        assert {a.key for a in order} == chosen
        _assert_honours_after(order)


def test_order_is_deterministic_and_independent_of_declaration_order():
    expected = [a.key for a in topological(ADDONS)]
    shuffled = list(ADDONS)
    for seed in range(20):
        random.Random(seed).shuffle(shuffled)
        assert [a.key for a in topological(shuffled)] == expected


def test_default_operator_order_is_the_historical_one():
    spec = _spec({"keda": {"http_addon": True}})
    assert [a.key for a in install_order(spec, OPERATORS)] == [
        "kube-prometheus-stack", "cert-manager", "keda", "keda-add-ons-http", "kserve-crd", "kserve-resources",
        "kuberay-operator",
    ]


def test_pulumi_names_keep_their_historical_suffixes():
    # Changing a suffix changes the release's URN: Pulumi would delete and recreate the release.
    suffixes = {a.key: a.suffix or a.key for a in ADDONS}
    assert suffixes["nvidia-device-plugin"] == "device-plugin"
    assert suffixes["dcgm-exporter"] == "dcgm-exporter"
    assert suffixes["karpenter-crd"] == "crd"
    assert suffixes["karpenter"] == "controller"
    assert all(suffixes[a.key] == a.key for a in ADDONS if a.group == OPERATORS)


def test_registry_holds_every_chart_and_every_add_on_is_pinned():
    assert {a.key for a in ADDONS} == set(CHARTS)
    assert {a.group for a in ADDONS} == set(GROUPS)


def test_cross_component_edge_dcgm_after_kube_prometheus_stack():
    spec = _spec(gpu={"node_pools": [{"name": "l4", "gpu_class": "l4"}]})
    alone = {p.key: p for p in release_plans(spec, GPU)}
    assert alone["dcgm-exporter"].depends_on == ()
    assert alone["dcgm-exporter"].values["serviceMonitor"]["enabled"] is False
    with_prometheus = {p.key: p for p in release_plans(spec, GPU, installed_elsewhere={"kube-prometheus-stack"})}
    assert with_prometheus["dcgm-exporter"].depends_on == ("kube-prometheus-stack",)
    assert with_prometheus["dcgm-exporter"].values["serviceMonitor"]["enabled"] is True
    assert with_prometheus["nvidia-device-plugin"].depends_on == ()


def test_karpenter_crds_before_the_controller_which_skips_them():
    plans = release_plans(_spec(), KARPENTER)
    assert [(p.key, p.depends_on, p.skip_crds) for p in plans] == [
        ("karpenter-crd", (), False),
        ("karpenter", ("karpenter-crd",), True),
    ]
    assert plans[0].values is None and plans[0].timeout_seconds is None


def _addon(key: str, after: tuple[str, ...] = ()) -> AddOn:
    return AddOn(key=key, group=OPERATORS, release=key, namespace="x", enabled=lambda s: True, after=after)


def test_a_cycle_an_unknown_key_a_duplicate_or_an_unpinned_chart_is_refused():
    charts = {"a", "b", "c"}
    with pytest.raises(ValueError, match="cycle through a, b"):
        check([_addon("a", ("b",)), _addon("b", ("a",)), _addon("c")], charts)
    with pytest.raises(ValueError, match="unknown add-ons"):
        check([_addon("a", ("nope",))], charts)
    with pytest.raises(ValueError) as info:
        check([_addon("a"), _addon("b"), _addon("a")], charts)
    assert str(info.value) == "duplicate add-on keys: ['a']"
    with pytest.raises(ValueError) as info:
        check([_addon("e"), _addon("d"), _addon("a")], charts)
    assert str(info.value) == "add-ons without a catalog chart (catalog.versions.CHARTS): d, e"
    check([_addon("a"), _addon("b", ("a",)), _addon("c", ("b", "a"))], charts)


def test_adding_an_add_on_is_one_module_and_one_catalog_entry(tmp_path, monkeypatch):
    """What the package docstring promises: a new module declaring an AddOn is discovered and ordered by its
    `after` edges; with its chart pinned, the registry check passes."""
    package = tmp_path / "more_addons"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "opencost.py").write_text(textwrap.dedent('''
        from gpu_platform.render.addons.base import operator

        def opencost_values(spec):
            return {"prometheus": {"internal": {"enabled": True}}}

        OPENCOST = operator(
            "opencost", "opencost", lambda spec: spec.operators.monitoring.enabled, opencost_values,
            after=("kube-prometheus-stack",),
        )
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    # A second run in the same process (mutmut runs the suite several times in one) must not find the first run's
    # package, cached in sys.modules with a __path__ into a tmp_path pytest has since removed.
    for name in ("more_addons", "more_addons.opencost"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    new = discover(importlib.import_module("more_addons"))
    assert [a.key for a in new] == ["opencost"]
    # `operator` makes a release named like its key whose values come from the spec alone, waited on for 5 minutes
    (opencost,) = new
    assert (opencost.release, opencost.namespace, opencost.group, opencost.timeout_seconds) == (
        "opencost", "opencost", OPERATORS, 300)
    assert opencost.values(_spec(), ()) == {"prometheus": {"internal": {"enabled": True}}}
    addons = (*ADDONS, *new)
    check(addons, {*CHARTS, "opencost"})
    with pytest.raises(ValueError, match="without a catalog chart"):
        check(addons, CHARTS)
    plans = {p.key: p for p in release_plans(_spec(), OPERATORS, addons=addons)}
    assert plans["opencost"].depends_on == ("kube-prometheus-stack",)
    order = [a.key for a in install_order(_spec(), OPERATORS, addons)]
    assert order.index("opencost") > order.index("kube-prometheus-stack")


def test_discovery_skips_the_helper_modules_finds_each_add_on_once_and_sorts_by_key(tmp_path, monkeypatch):
    """The registry's own modules (base, placement, registry) declare no add-on, even when they hold one (an import);
    an add-on bound to two names is one add-on; the result is sorted by key, not by module or declaration order."""
    package = tmp_path / "addons_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    declare = "from gpu_platform.render.addons.base import operator\n{}\n"
    (package / "base.py").write_text(declare.format('HIDDEN = operator("hidden", "x", bool, dict)'))
    (package / "one.py").write_text(declare.format(
        'ZETA = operator("zeta", "x", bool, dict)\nALIAS = ZETA\nALPHA = operator("alpha", "x", bool, dict)\n'
        'NOT_AN_ADDON = {"key": "other"}'))
    (package / "two.py").write_text(declare.format('MIDDLE = operator("middle", "x", bool, dict)'))
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("addons_pkg", "addons_pkg.base", "addons_pkg.one", "addons_pkg.two"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert [a.key for a in discover(importlib.import_module("addons_pkg"))] == ["alpha", "middle", "zeta"]


# ------------------------------------------------------------------------------------------ EKS managed add-ons
@pytest.mark.parametrize("addon", ["coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver"])
def test_every_eks_managed_add_on_is_pinned_for_every_deployable_kubernetes_minor(addon):
    from gpu_platform.catalog.versions import EKS_ADDON_VERSIONS, eks_addon_version

    # The spec refuses a minor without a coredns pin, so those are the minors a cluster can run.
    for minor in EKS_ADDON_VERSIONS["coredns"]:
        version = eks_addon_version(addon, minor)
        assert version.startswith("v") and "-eksbuild." in version, (addon, minor, version)


def test_an_unpinned_eks_add_on_or_minor_is_a_named_error():
    from gpu_platform.catalog.versions import eks_addon_version

    with pytest.raises(KeyError, match="unknown EKS add-on 'vpc-cni'"):
        eks_addon_version("vpc-cni", "1.34")
    with pytest.raises(KeyError, match="no pinned aws-ebs-csi-driver add-on version for Kubernetes 1.20"):
        eks_addon_version("aws-ebs-csi-driver", "1.20")
