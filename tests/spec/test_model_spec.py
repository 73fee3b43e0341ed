"""ModelSpec and PlatformSpec.models: bad inputs fail naming the field, with a message that says what is expected."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gpu_platform.resolve import resolve
from gpu_platform.spec import PlatformSpec, SpecError, validate_spec
from gpu_platform.spec.model import ModelSpec
from branches import reaches

BASE = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-test"}}
QWEN = {"name": "qwen", "model": "Qwen/Qwen2.5-7B-Instruct"}


def problems(data, model=ModelSpec):
    with pytest.raises(SpecError) as info:
        validate_spec(model, data)
    return dict(info.value.problems)


def platform_problems(models, **extra):
    """What resolving a platform with these models reports (sizing and the cross-section checks live there)."""
    with pytest.raises(SpecError) as info:
        resolve({**BASE, **extra, "models": models})
    return dict(info.value.problems)


def test_defaults_are_sensible():
    m = ModelSpec(**QWEN)
    assert m.model_name == "qwen" and m.arch.key == "qwen2.5-7b" and m.context_length == 8192
    assert m.autoscaling.min_replicas == 1 <= m.autoscaling.max_replicas
    assert m.engine.gpu_memory_utilization == 0.92 and m.engine.enable_prefix_caching is True
    assert m.namespace == "models" and not m.is_s3


def test_every_field_is_documented():
    from gpu_platform.spec import model as spec_model

    for cls in (spec_model.ModelSpec, spec_model.EngineSpec, spec_model.AutoscalingSpec, spec_model.CanarySpec,
                spec_model.SourceSpec, spec_model.CacheSpec):
        for name, field in cls.model_fields.items():
            assert field.description, f"{cls.__name__}.{name} has no docstring"


@reaches("refused", "accepted")
@example(3, 2)
@example(2, 2)
@example(0, 1)
@given(st.integers(min_value=0, max_value=100), st.integers(min_value=1, max_value=100))
def test_min_never_exceeds_max_replicas(branch, lo, hi):
    data = {**QWEN, "autoscaling": {"min_replicas": lo, "max_replicas": hi, "scale_to_zero": lo == 0}}
    if lo > hi:
        branch("refused")
        assert problems(data) == {"autoscaling.max_replicas": f"must be ≥ min_replicas ({lo})"}
    else:
        branch("accepted")
        m = ModelSpec(**data)
        assert m.autoscaling.min_replicas <= m.autoscaling.max_replicas


def test_min_greater_than_max_in_the_platform_names_the_model():
    p = platform_problems([{**QWEN, "autoscaling": {"min_replicas": 3, "max_replicas": 2}}])
    assert p == {"models[0].autoscaling.max_replicas": "must be ≥ min_replicas (3)"}


def only(problems_: dict[str, str], path: str, fragment: str) -> None:
    """Exactly one problem, on ``path``, saying ``fragment``: an input that tripped two checks would let a mutant
    that disables either one pass."""
    assert list(problems_) == [path], problems_
    assert fragment in problems_[path], problems_[path]


def test_scale_to_zero_and_min_replicas_must_agree():
    only(problems({**QWEN, "autoscaling": {"min_replicas": 0}}), "autoscaling.min_replicas", "scale_to_zero: true")
    only(problems({**QWEN, "autoscaling": {"scale_to_zero": True}}), "autoscaling.scale_to_zero", "min_replicas: 0 (got 1)")


@pytest.mark.parametrize("name", ["Qwen", "qwen_7b", "-qwen", "qwen-", "7qwen", "a" * 41, "qwen.7b"])
def test_invalid_dns_names_are_refused(name):
    p = problems({**QWEN, "name": name})
    assert list(p) == ["name"] and "DNS label" in p["name"]


def test_tensor_parallel_must_divide_gpus_and_heads():
    # TP 4 divides Qwen2.5-7B's 28 heads but not 6 GPUs: only the gpu_count check applies. (TP 3 with 4 GPUs broke
    # both this check and the heads check, on the same field, so disabling either one went unnoticed.)
    p = problems({**QWEN, "gpu_count": 6, "tensor_parallel_size": 4})
    assert p == {"tensor_parallel_size": "must divide gpu_count (6); got 4"}
    p = problems({**QWEN, "tensor_parallel_size": 8})
    assert p == {"tensor_parallel_size": "must divide qwen2.5-7b's 28 attention heads (got 8)"}
    p = problems({**QWEN, "gpu_count": 8, "tensor_parallel_size": 2, "pipeline_parallel_size": 2})
    assert p == {"gpu_count": "must equal tensor_parallel_size × pipeline_parallel_size (4)"}


def test_gpu_count_is_tensor_times_pipeline_parallel_or_refused():
    """gpu_count is GPUs per replica = tensor_parallel_size × pipeline_parallel_size (the field's contract). By hand
    for Qwen2.5-7B (28 attention heads): 8 GPUs at TP 2 need 4 pipeline stages, which one node cannot hold; unset,
    the pipeline is one stage, so 8 ≠ 2 × 1 must be refused rather than sized as 2 GPUs."""
    p = problems({**QWEN, "gpu_count": 8, "tensor_parallel_size": 2})
    assert list(p) == ["gpu_count"] and "tensor_parallel_size" in p["gpu_count"] and "4" in p["gpu_count"]
    p = problems({**QWEN, "gpu_count": 4, "pipeline_parallel_size": 3})
    assert list(p) == ["pipeline_parallel_size"] and "gpu_count (4)" in p["pipeline_parallel_size"]
    assert problems({**QWEN, "gpu_count": 4, "tensor_parallel_size": 2}) == {
        "gpu_count": "must equal tensor_parallel_size (2) on one node; to split across nodes set "
                     "pipeline_parallel_size: 2"
    }
    # accepted: the replica gets exactly gpu_count GPUs
    from gpu_platform.sizing import size_model

    for extra, tp in (({"gpu_count": 4}, 4), ({"gpu_count": 2, "tensor_parallel_size": 2}, 2),
                      ({"gpu_count": 2, "tensor_parallel_size": 2, "pipeline_parallel_size": 1}, 2)):
        s = size_model(ModelSpec(**QWEN, **extra))
        assert (s.tensor_parallel_size, s.pipeline_parallel_size, s.gpus_per_replica) == (tp, 1, extra["gpu_count"])


def test_context_above_the_models_maximum():
    p = problems({**QWEN, "max_model_len": 65536})
    assert p == {"max_model_len": "65536 exceeds qwen2.5-7b's maximum context of 32768"}


def test_flags_owned_by_typed_fields_are_refused():
    p = problems({**QWEN, "engine": {"extra_args": ["--max-model-len=4096"]}})
    assert p == {"engine.extra_args": "--max-model-len is set from the typed field `max_model_len`; set that instead"}
    only(problems({**QWEN, "engine": {"extra_args": ["enforce-eager"]}}), "engine.extra_args", "'enforce-eager'")


def test_unknown_architecture_model_source_and_classes():
    only(problems({"name": "x", "model": "acme/secret-model"}), "architecture", "'acme/secret-model'")
    assert ModelSpec(name="x", model="acme/secret-model", architecture="mistral-7b").arch.key == "mistral-7b"
    only(problems({"name": "x", "model": "not a model"}), "model", "`org/name`")
    # S3 bucket names are lowercase (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
    only(problems({"name": "x", "model": "s3://UPPER/x"}), "model", "valid bucket name")
    only(problems({**QWEN, "gpu_class": "v100"}), "gpu_class", "'v100'")
    only(problems({**QWEN, "instance_type": "m7i.large"}), "instance_type", "'m7i.large'")  # m7i: no GPU
    assert problems({**QWEN, "gpu_class": "l4", "instance_type": "g6e.xlarge"}) == {
        "instance_type": "g6e.xlarge carries l40s GPUs, not l4"
    }


def test_source_rules():
    s3 = {"name": "x", "model": "s3://weights/llama-3.1-8b"}
    only(problems({**s3, "revision": "main"}), "revision", "Hugging Face models only")
    only(problems({**s3, "source": {"hf_token_config_key": "hfToken"}}), "source.hf_token_config_key", "Hugging Face")
    only(problems({**QWEN, "source": {"s3_kms_key_arn": "arn:aws:kms:x"}}), "source.s3_kms_key_arn", "s3://")
    assert ModelSpec(**s3).s3_bucket == "weights" and ModelSpec(**s3).s3_prefix == "llama-3.1-8b"


def test_cache_and_canary_rules():
    p = problems({**QWEN, "cache": {"size_gib": 30}, "autoscaling": {"max_replicas": 3}})
    assert list(p) == ["cache.read_write_many"]
    assert ModelSpec(**QWEN, cache={"size_gib": 30, "read_write_many": True}, autoscaling={"max_replicas": 3})
    only(problems({**QWEN, "revision": "abc", "canary": {"revision": "abc", "traffic_percent": 5}}), "canary.revision",
         "must differ")
    only(problems({**QWEN, "canary": {"revision": "def", "traffic_percent": 90}}), "canary.traffic_percent", "50")
    only(problems({"name": "x", "model": "s3://weights/llama-3.1-8b", "canary": {"revision": "b", "traffic_percent": 5}}),
         "canary", "Hugging Face")


def test_namespace_rules():
    only(problems({**QWEN, "namespace": "kube-system"}), "namespace", "system namespace")
    only(problems({**QWEN, "namespace": "Models"}), "namespace", "lowercase")


def test_workload_names_are_every_object_name_the_backend_creates():
    """KServe's Standard mode names an InferenceService's Deployment and Service `<isvc>-predictor`; the headroom
    placeholders are a plain Deployment of ours, never an InferenceService, so they get no predictor name."""
    from gpu_platform.spec.model import Backend

    spec = ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", gpu_class="l40s", headroom_replicas=1,
                     canary={"revision": "1a2b3c4", "traffic_percent": 10})
    assert spec.workload_names(Backend.KSERVE) == ["m", "m-canary", "m-headroom", "m-predictor", "m-canary-predictor"]
    assert spec.workload_names(Backend.DEPLOYMENT) == ["m", "m-canary", "m-headroom"]
