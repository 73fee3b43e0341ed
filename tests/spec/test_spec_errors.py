"""What a refused configuration says: pydantic's complaint, plus the value given when its type or choice is wrong,
and every problem a cross-check finds, each at its own field path."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import ValidationError, model_validator

from gpu_platform.spec import ModelSpec, SpecError, validate_spec
from gpu_platform.spec._base import FieldError, FieldErrors, SpecModel


def problems(model, data, prefix: str = "") -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as info:
        validate_spec(model, data, prefix=prefix)
    return info.value.problems


def model(**overrides) -> dict:
    return {"name": "m", "model": "acme/x", "architecture": "qwen3-32b", **overrides}


@pytest.mark.parametrize(("name", "shown"), [
    (5, "(got 5)"),                 # pydantic type string_type: the value is quoted back
    ({"a": 1}, "(got a mapping)"),  # a YAML mapping where a string belongs: named, not dumped
    (["m"], "(got a list)"),        # a YAML list likewise
])
def test_a_value_of_the_wrong_type_is_shown_back(name, shown):
    assert problems(ModelSpec, model(name=name)) == [("name", f"Input should be a valid string {shown}")]


def test_a_choice_outside_an_enum_is_shown_back_with_the_choices():
    assert problems(ModelSpec, model(architecture={"catalog": "qwen3-32b", "attention": "sparse"})) == [(
        "architecture.attention",
        "Input should be 'full', 'grouped_query', 'multi_head_latent' or 'sliding_window' (got 'sparse')")]


class _Mode(SpecModel):
    """A spec section with a fixed set of string choices (pydantic type literal_error)."""

    mode: Literal["fast", "safe"] = "safe"


def test_a_choice_outside_a_literal_is_shown_back_with_the_choices():
    assert problems(_Mode, {"mode": "quick"}) == [("mode", "Input should be 'fast' or 'safe' (got 'quick')")]


class _Pair(SpecModel):
    """A section whose cross-check finds two problems at once."""

    low: int = 0
    high: int = 0

    @model_validator(mode="after")
    def _both(self) -> "_Pair":
        raise FieldErrors([FieldError("low", "must be below high"), FieldError("high", "must be above low")])


def test_every_problem_of_one_cross_check_is_reported_at_its_field():
    assert problems(_Pair, {}, prefix="gpu.pair") == [("gpu.pair.low", "must be below high"),
                                                      ("gpu.pair.high", "must be above low")]


def test_building_a_section_in_python_shows_every_problem_of_a_cross_check():
    # a section built in Python (not through validate_spec) raises pydantic's own error: it must carry both messages
    with pytest.raises(ValidationError) as info:
        _Pair()
    assert "Value error, must be below high; must be above low" in str(info.value)


@pytest.mark.parametrize(("loc", "prefix", "path"), [
    (("models", 1, "autoscaling", "max_replicas"), "", "models[1].autoscaling.max_replicas"),
    (("node_pools", 0, "mig"), "gpu", "gpu.node_pools[0].mig"),
    ((0, "name"), "", "[0].name"),
    ((), "gpu.pair", "gpu.pair"),
    ((), "", ""),
    # pydantic's validator and union tags name no field: dropped wherever they appear
    (("models", "function-after", 2, "function-before", "cache", "function-wrap"), "", "models[2].cache"),
    (("function-plain", "gpu", "tagged-union[a,b]", "mode"), "", "gpu.mode"),
])
def test_an_error_location_is_a_field_path(loc, prefix, path):
    from gpu_platform.spec._base import format_loc

    assert format_loc(loc, prefix) == path


def _raising(error):
    class _Check(SpecModel):
        x: int = 0

        @model_validator(mode="after")
        def _fail(self) -> "_Check":
            raise error

    return _Check


@pytest.mark.parametrize(("field", "path"), [
    ("limits.gpus", "pool.limits.gpus"),
    ("mig.profiles", "pool.mig.profiles"),
    ("a.function-after.b", "pool.a.b"),  # every dotted segment goes through the same filtering
])
def test_a_cross_check_names_the_same_path_alone_or_among_others(field, path):
    """A FieldError alone and the same one inside FieldErrors split the dotted field into the same path."""
    alone = problems(_raising(FieldError(field, "bad")), {}, prefix="pool")
    grouped = problems(_raising(FieldErrors([FieldError(field, "bad"), FieldError("x", "also")])), {}, prefix="pool")
    assert alone == [(path, "bad")]
    assert grouped == [(path, "bad"), ("pool.x", "also")]


def test_a_field_path_needs_no_prefix():
    from gpu_platform.spec._base import format_loc

    assert format_loc(("models", 1, "function-after[_check]", "autoscaling")) == "models[1].autoscaling"


def test_the_cli_shows_every_problem_under_one_heading_naming_the_file():
    """What `validate`/`plan` print (no traceback): one heading with the count, then one indented line each."""
    from gpu_platform.spec import SpecError

    one = SpecError([("cluster.name", "must be 3–30 characters")])
    assert one.render() == "invalid configuration (1 problem):\n  cluster.name: must be 3–30 characters"
    two = SpecError([("network.vpc_cidr", "must be an IPv4 CIDR block"), ("", "the stack names no platform")],
                    source="stacks/Pulumi.x.yaml")
    assert two.render() == ("invalid configuration in stacks/Pulumi.x.yaml (2 problems):\n"
                            "  network.vpc_cidr: must be an IPv4 CIDR block\n  the stack names no platform")


def test_problems_after_a_cross_check_in_a_list_are_reported_too():
    """Two list items: the first fails its cross-check (several problems), the second a plain field check; one run
    reports all three."""
    item = _raising(FieldErrors([FieldError("a", "bad a"), FieldError("b", "bad b")]))

    class _Wrap(SpecModel):
        items: list[item]  # type: ignore[valid-type]

    assert problems(_Wrap, {"items": [{}, {"x": "not a number"}]}) == [
        ("items[0].a", "bad a"), ("items[0].b", "bad b"),
        ("items[1].x", "Input should be a valid integer, unable to parse string as an integer (got 'not a number')")]
