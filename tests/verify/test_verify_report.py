"""verify's pure parts: apply order and the verdict over what the control plane said."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from gpu_platform.verify.harness import ApplyResult, Event
from gpu_platform.verify.order import environment_namespaces, plan_manifests
from gpu_platform.verify.report import judge


def _plan(tmp_path: Path, objects: list[dict]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    from gpu_platform.plan.output import manifest_filename

    (tmp_path / "manifests").mkdir()
    resources = []
    for obj in objects:
        (tmp_path / "manifests" / manifest_filename(obj)).write_text(yaml.safe_dump(obj))
        resources.append({"type": "kubernetes:x/v1:" + obj["kind"], "inputs": obj})
    resources.insert(0, {"type": "kubernetes:helm.sh/v3:Release", "inputs": {"chart": "keda"}})
    (tmp_path / "plan.json").write_text(json.dumps({"resources": resources}))
    return tmp_path


def _obj(kind: str, name: str, ns: str | None = None) -> dict:
    meta = {"name": name, **({"namespace": ns} if ns else {})}
    return {"apiVersion": "v1", "kind": kind, "metadata": meta}


def test_apply_order_is_helms_kind_order_then_custom_resources_in_plan_order(tmp_path):
    plan = _plan(tmp_path, [
        _obj("ScaledObject", "b", "models"), _obj("Deployment", "d", "models"), _obj("InferenceService", "a", "models"),
        _obj("ServiceAccount", "sa", "models"), _obj("Namespace", "models"), _obj("PriorityClass", "p"),
        _obj("ConfigMap", "c", "monitoring"),
    ])
    order = [(m.kind, m.name) for m in plan_manifests(plan)]
    assert order == [
        ("Namespace", "models"), ("PriorityClass", "p"), ("ServiceAccount", "sa"), ("ConfigMap", "c"),
        ("Deployment", "d"), ("ScaledObject", "b"), ("InferenceService", "a"),
    ]
    # monitoring is created by a Helm release (createNamespace), so the verifier creates it; models is ours.
    assert environment_namespaces(plan_manifests(plan)) == ["monitoring"]


def _event(kind: str, name: str, reason: str, message: str = "", source: str = "") -> Event:
    return Event("models", kind, name, reason, message, source, 1)


def _so(min_: int, max_: int, ready: str = "False") -> dict:
    return {
        "kind": "ScaledObject",
        "metadata": {"name": "m", "namespace": "models"},
        "spec": {"minReplicaCount": min_, "maxReplicaCount": max_, "scaleTargetRef": {"name": "m-predictor"}},
        "status": {"hpaName": "keda-hpa-m", "conditions": [{"type": "Ready", "status": ready}]},
    }


def _hpa(min_: int, max_: int) -> dict:
    return {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "keda-hpa-m", "namespace": "models"},
            "spec": {"minReplicas": min_, "maxReplicas": max_, "scaleTargetRef": {"name": "m-predictor"}}}


def test_a_scaled_object_warning_is_resolved_only_when_keda_built_the_current_spec():
    warning = _event("ScaledObject", "m", "ScaledObjectCheckFailed", "Target resource doesn't exist", "keda-operator")
    applied = [ApplyResult("f", "ScaledObject", "models", "m", True, "")]
    built = {("models", "ScaledObject", "m"): _so(0, 3), ("models", "HorizontalPodAutoscaler", "keda-hpa-m"): _hpa(1, 3)}
    assert judge(applied, [warning], 1, built).ok
    stale = {("models", "ScaledObject", "m"): _so(0, 5), ("models", "HorizontalPodAutoscaler", "keda-hpa-m"): _hpa(1, 3)}
    verdict = judge(applied, [warning], 1, stale)
    assert not verdict.ok
    assert verdict.lines()[0] == (
        "ScaledObject models/m: keda-operator: ScaledObjectCheckFailed: Target resource doesn't exist"
    )
    assert verdict.lines()[-1] == "verify: admitted 1/1, derived 1, errors 1"


def test_environmental_warnings_do_not_fail_but_controller_errors_do():
    no_metrics = _event("HorizontalPodAutoscaler", "keda-hpa-m", "FailedGetExternalMetric", "unable to get metric")
    kserve = _event("InferenceService", "m", "InternalError", "specified runtime vllm-0-33 does not support "
                    "specified protocol version", "v1beta1Controllers")
    verdict = judge([], [no_metrics, kserve], 0, {})
    assert verdict.environmental == [no_metrics]
    assert verdict.controller_errors == [kserve]


def test_the_clusterip_repair_loops_cache_lag_is_environmental_but_other_allocation_warnings_are_not():
    """repairip.go warns "is not allocated; repairing" when its IPAddress informer lags the Service's (a loaded
    machine); "has a wrong reference" or "out of range" would mean two Services share an IP or a bad CIDR."""
    lag = _event("Service", "m-predictor", "ClusterIPNotAllocated",
                 "Cluster IP [IPv4]: 10.96.253.108 is not allocated; repairing", "ipallocator-repair-controller")
    wrong = _event("Service", "m-predictor", "ClusterIPNotAllocated",
                   "the ClusterIP [IPv4]: 10.96.0.9 for Service models/m-predictor has a wrong reference; repairing",
                   "ipallocator-repair-controller")
    elsewhere = _event("Service", "m-predictor", "ClusterIPNotAllocated",
                       "Cluster IP [IPv4]: 10.96.253.108 is not allocated; repairing", "some-other-controller")
    verdict = judge([], [lag, wrong, elsewhere], 0, {})
    assert verdict.environmental == [lag] and verdict.controller_errors == [wrong, elsewhere]


def test_rejections_are_printed_with_the_servers_message():
    rejected = ApplyResult("f", "NodePool", "", "gpu", False, "spec.template: Invalid value: ...")
    verdict = judge([rejected, ApplyResult("f", "Namespace", "", "models", True, "")], [], 0, {})
    assert verdict.lines() == ["NodePool gpu: spec.template: Invalid value: ...", "verify: admitted 1/2, derived 0, errors 1"]


def test_a_replicaset_warning_is_resolved_once_its_pods_exist():
    warning = _event("ReplicaSet", "rs", "FailedCreate", 'serviceaccount "litellm" not found')
    rs = {"kind": "ReplicaSet", "metadata": {"name": "rs", "namespace": "models"}, "spec": {"replicas": 2}}
    assert judge([], [warning], 0, {("models", "ReplicaSet", "rs"): {**rs, "status": {"replicas": 2}}}).ok
    assert not judge([], [warning], 0, {("models", "ReplicaSet", "rs"): {**rs, "status": {"replicas": 1}}}).ok


def test_verify_without_go_is_a_clear_exit_3_not_a_traceback(tmp_path, monkeypatch, capsys):
    from gpu_platform.cli import main

    plan = _plan(tmp_path, [_obj("Namespace", "models")])
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["verify", "--plan", str(plan)]) == 3
    err = capsys.readouterr().err.replace("\n", " ")
    assert "verify needs Go ≥ 1.26 on PATH" in err and "Traceback" not in err


def test_verify_names_a_missing_plan(tmp_path, capsys):
    from gpu_platform.cli import main

    assert main(["verify", "--plan", str(tmp_path / "nowhere")]) == 2
    assert "plan.json not found" in capsys.readouterr().err


class _FakeControlPlane:
    """Answers like the harness: the first plan's Deployment is rejected, the second plan applies cleanly."""

    info = {"seconds": 0}

    def __init__(self):
        self.calls = 0

    def apply(self, files):
        self.calls += 1
        return [ApplyResult(str(f), "Deployment", "models", "m", self.calls > 1, "" if self.calls > 1 else "denied")
                for f in files]

    def apply_documents(self, docs):
        return [ApplyResult("env", "Namespace", "", d["metadata"]["name"], True, "") for d in docs]

    def collect(self, out, namespaces):
        for sub in ("derived", "applied"):
            (out / sub).mkdir(parents=True, exist_ok=True)
        return []


def test_an_upgrade_keeps_the_earlier_plans_rejections_in_the_verdict(tmp_path):
    from gpu_platform.verify import verify_plans

    first = _plan(tmp_path / "a", [_obj("Deployment", "m", "models")])
    second = _plan(tmp_path / "b", [_obj("Deployment", "m", "models")])
    verdict = verify_plans([first, second], toolchain=None, control_plane=_FakeControlPlane(), max_settle=0)
    assert [r.admitted for r in verdict.applied] == [False, True]
    assert not verdict.ok and verdict.lines()[0] == "Deployment models/m: denied"
