"""OperatorsSpec: defaults, prerequisites between switches, production rules; every error names its field."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gpu_platform.resolve import resolve
from gpu_platform.spec import OperatorsSpec, PlatformSpec, SpecError, validate_spec
from gpu_platform.spec._base import FieldError
from branches import reaches

BASE = {"environment": "staging", "region": "us-west-2", "cluster": {"name": "gpu-test"}}


def problems(operators: dict, environment: str = "staging") -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as exc:
        resolve({**BASE, "environment": environment, "operators": operators}).spec
    return exc.value.problems


def test_defaults_install_everything_with_persistent_monitoring():
    ops = resolve(BASE).spec.operators
    assert ops.cert_manager.enabled and ops.kserve.enabled and ops.kuberay.enabled and ops.keda.enabled
    assert ops.keda.http_addon is False
    mon = ops.monitoring
    assert mon.enabled and mon.grafana.enabled and mon.alertmanager.enabled
    assert mon.prometheus.storage_gib == 50 and mon.prometheus.retention == "15d"
    assert ops.controller_replicas is None  # derived per environment by the renderer


def test_kserve_requires_cert_manager():
    [(path, message)] = problems({"cert_manager": {"enabled": False}})
    assert path == "operators.cert_manager.enabled"
    assert "kserve" in message and "cert-manager" in message


def test_cert_manager_may_be_off_without_kserve():
    spec = resolve({**BASE, "operators": {"cert_manager": {"enabled": False}, "kserve": {"enabled": False}}}).spec
    assert not spec.operators.cert_manager.enabled


def test_http_addon_requires_keda():
    [(path, _)] = problems({"keda": {"enabled": False, "http_addon": True}})
    assert path == "operators.keda.http_addon"


@pytest.mark.parametrize("part", ["grafana", "alertmanager"])
def test_monitoring_parts_need_monitoring(part):
    other = "alertmanager" if part == "grafana" else "grafana"
    [(path, message)] = problems({"monitoring": {"enabled": False, other: {"enabled": False}}})
    assert path == f"operators.monitoring.{part}.enabled"
    assert "monitoring is disabled" in message


def test_monitoring_fully_off_is_allowed_outside_prod():
    spec = validate_spec(
        PlatformSpec,
        {**BASE, "environment": "dev",
         "operators": {"monitoring": {"enabled": False, "grafana": {"enabled": False}, "alertmanager": {"enabled": False}}}},
    )
    assert not spec.operators.monitoring.enabled


@pytest.mark.parametrize(
    ("operators", "path"),
    [
        ({"monitoring": {"enabled": False, "grafana": {"enabled": False}, "alertmanager": {"enabled": False}}},
         "operators.monitoring.enabled"),
        ({"monitoring": {"alertmanager": {"enabled": False}}}, "operators.monitoring.alertmanager.enabled"),
        ({"monitoring": {"prometheus": {"storage_gib": None}}}, "operators.monitoring.prometheus.storage_gib"),
    ],
)
def test_production_keeps_monitoring_alerting_and_persistence(operators, path):
    # The operators rule runs before other production rules, so its problem is the one reported.
    assert problems(operators, environment="prod")[0][0] == path


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_non_production_may_use_ephemeral_prometheus(env):
    spec = validate_spec(
        PlatformSpec, {**BASE, "environment": env, "operators": {"monitoring": {"prometheus": {"storage_gib": None}}}}
    )
    assert spec.operators.monitoring.prometheus.storage_gib is None


def test_check_environment_reports_relative_paths():
    ops = OperatorsSpec.model_validate({"monitoring": {"prometheus": {"storage_gib": None}}})
    ops.check_environment(production=False)
    with pytest.raises(FieldError) as exc:
        ops.check_environment(production=True)
    assert exc.value.field == "monitoring.prometheus.storage_gib"


def test_retention_size_must_fit_the_volume():
    [(path, message)] = problems({"monitoring": {"prometheus": {"storage_gib": 50, "retention_size": "60GB"}}})
    assert path == "operators.monitoring.prometheus.retention_size"
    assert "50 GiB" in message
    ok = validate_spec(
        PlatformSpec, {**BASE, "operators": {"monitoring": {"prometheus": {"storage_gib": 50, "retention_size": "45GB"}}}}
    )
    assert ok.operators.monitoring.prometheus.retention_size == "45GB"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("retention", "15 days"),
        ("retention", "15"),
        ("scrape_interval", "1 minute"),
        ("retention_size", "45G"),
        ("replicas", 0),
        ("replicas", 4),
        ("storage_gib", 5),
    ],
)
def test_prometheus_field_formats(field, value):
    [(path, _)] = problems({"monitoring": {"prometheus": {field: value}}})
    assert path == f"operators.monitoring.prometheus.{field}"


@pytest.mark.parametrize("value", ["lots", "1.5.2Gi", "-1", "2GB"])
def test_resource_quantities_are_kubernetes_quantities(value):
    [(path, message)] = problems({"monitoring": {"prometheus": {"resources": {"memory": value}}}})
    assert path == "operators.monitoring.prometheus.resources.memory"
    assert "quantity" in message


@pytest.mark.parametrize(
    ("alerts", "field"),
    [
        ({"kv_cache_usage_ratio": 1.5}, "kv_cache_usage_ratio"),
        ({"ttft_p95_slo_seconds": 0}, "ttft_p95_slo_seconds"),
        ({"gpu_temperature_celsius": 200}, "gpu_temperature_celsius"),
        ({"for_duration": "ten minutes"}, "for_duration"),
    ],
)
def test_alert_thresholds_are_bounded(alerts, field):
    [(path, _)] = problems({"monitoring": {"alerts": alerts}})
    assert path == f"operators.monitoring.alerts.{field}"


def test_unknown_keys_are_refused():
    [(path, message)] = problems({"kserve": {"enabled": True, "deployment_mode": "Knative"}})
    assert path == "operators.kserve.deployment_mode" and "unknown field" in message


def test_grafana_admin_secret_is_a_secret_name():
    [(path, _)] = problems({"monitoring": {"grafana": {"admin_existing_secret": "Not A Name"}}})
    assert path == "operators.monitoring.grafana.admin_existing_secret"


@reaches("s", "m", "h", "d", "w", "y")
@example(number=1, unit="s")
@example(number=90, unit="m")
@example(number=12, unit="h")
@example(number=15, unit="d")
@example(number=2, unit="w")
@example(number=999, unit="y")
@given(
    number=st.integers(min_value=1, max_value=999),
    unit=st.sampled_from(["s", "m", "h", "d", "w", "y"]),
)
def test_any_prometheus_duration_is_accepted(branch, number, unit):
    branch(unit)
    spec = OperatorsSpec.model_validate({"monitoring": {"prometheus": {"retention": f"{number}{unit}"}}})
    assert spec.monitoring.prometheus.retention == f"{number}{unit}"


def test_every_field_is_documented():
    from gpu_platform.spec import operators as mod

    models = [v for v in vars(mod).values() if isinstance(v, type) and issubclass(v, mod.SpecModel) and v is not mod.SpecModel]
    assert len(models) >= 10
    for model in models:
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no docstring"


# Prometheus' --storage.tsdb.retention.size: "supported units: B, KB, MB, GB, TB, PB, EB ... based on powers-of-2,
# so 1KB is 1024B". A 10 GiB volume holds 10 × 2^30 bytes: the cap must be below that.
@pytest.mark.parametrize(("size", "fits"), [
    ("10737418239B", True), ("10737418240B", False),  # 10 × 2^30 − 1 and 10 × 2^30 bytes
    ("10485759KB", True), ("10485760KB", False),  # 10 × 2^20 KB = 10 GiB
    ("10239MB", True), ("10240MB", False),  # 10 × 1024 MB = 10 GiB
    ("9GB", True), ("10GB", False),
    ("1TB", False), ("1PB", False), ("1EB", False),  # 1024 GiB and more
])
def test_retention_size_is_read_in_prometheus_binary_units(size, fits):
    ops = {"monitoring": {"prometheus": {"storage_gib": 10, "retention_size": size}}}
    if fits:
        assert resolve({**BASE, "operators": ops}).spec.operators.monitoring.prometheus.retention_size == size
    else:
        assert problems(ops) == [("operators.monitoring.prometheus.retention_size",
                                  "must be smaller than storage_gib (10 GiB), or Prometheus fills the volume before "
                                  "it deletes old blocks")]


@pytest.mark.parametrize(("size", "expected"), [
    ("0B", 0), ("1B", 1), ("1KB", 1024), ("3MB", 3 * 1024 ** 2), ("45GB", 48318382080),
    ("2TB", 2 * 1024 ** 4), ("1PB", 1125899906842624), ("1EB", 1152921504606846976),
])
def test_prometheus_byte_sizes_by_hand(size, expected):
    from gpu_platform.spec.operators import _bytes

    assert _bytes(size) == expected
