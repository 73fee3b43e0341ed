"""Bedrock ids that work per Region: the rows below are the Bedrock user guide's, copied by hand into each test
(inference-profiles-support.md, prompt-routing.md "Single-region model support"), not read from the catalog."""

from __future__ import annotations

import json

import pytest

from gpu_platform.resolve import resolve
from gpu_platform.catalog.bedrock import invocation_id
from gpu_platform.render import proxy as rp
from gpu_platform.spec import PlatformSpec, SpecError, validate_spec
from gpu_platform.spec.fallback import FallbackSpec


@pytest.mark.parametrize("model, region, want", [
    # "| Meta | Llama 3.1 8B Instruct | meta.llama3-1-8b-instruct-v1:0 | us-west-2 | us-east-1 us-east-2 us-west-2 |"
    ("meta.llama3-1-8b-instruct-v1:0", "us-west-2", "meta.llama3-1-8b-instruct-v1:0"),
    ("meta.llama3-1-8b-instruct-v1:0", "us-east-1", "us.meta.llama3-1-8b-instruct-v1:0"),
    # "| Anthropic | Claude 3.5 Sonnet v2 | … | ap-southeast-2 us-west-2 | ap-northeast-1 … us-east-1 …"
    ("anthropic.claude-3-5-sonnet-20241022-v2:0", "us-east-2", "us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
    ("anthropic.claude-3-5-sonnet-20241022-v2:0", "ap-northeast-1", "apac.anthropic.claude-3-5-sonnet-20241022-v2:0"),
    # Claude Sonnet 4 has no single-Region support: the geography's profile, not the global one.
    ("anthropic.claude-sonnet-4-20250514-v1:0", "eu-west-1", "eu.anthropic.claude-sonnet-4-20250514-v1:0"),
    # A profile id that serves the Region stays as written; an unknown model passes through.
    ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "us-west-2", "us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
    ("cohere.command-r-plus-v1:0", "eu-west-1", "cohere.command-r-plus-v1:0"),
])
def test_the_id_that_works_in_a_region(model, region, want):
    assert invocation_id(model, region)[0] == want


def test_the_rewrite_is_explained():
    _id, note = invocation_id("meta.llama3-1-8b-instruct-v1:0", "us-east-1")
    assert note == ("meta.llama3-1-8b-instruct-v1:0 is served in us-east-1 only through the us. inference profile: "
                    "using us.meta.llama3-1-8b-instruct-v1:0")


def test_a_region_that_serves_it_nowhere_is_refused_naming_the_field():
    doc = {
        "environment": "dev", "region": "eu-west-1", "cluster": {"name": "gpu-eu"},
        "fallback": {"providers": {"bedrock": {}}, "external_models": [
            {"name": "llama", "provider": "bedrock", "model": "meta.llama3-1-8b-instruct-v1:0"}]},
    }
    with pytest.raises(SpecError) as info:
        resolve(doc).spec
    [(path, message)] = info.value.problems
    assert path == "fallback.external_models[0].model"
    assert message.startswith("meta.llama3-1-8b-instruct-v1:0 is not served in eu-west-1")
    assert "us. profile from us-east-1, us-east-2, us-west-2" in message
    # Pointing the provider at a Region that serves it is the fix.
    ok = {**doc, "fallback": {**doc["fallback"], "providers": {"bedrock": {"region": "us-west-2"}}}}
    assert resolve(ok).spec.fallback.external_models[0].model == "meta.llama3-1-8b-instruct-v1:0"


def test_the_proxy_invokes_and_the_policy_allows_the_profile():
    spec = FallbackSpec.model_validate({"providers": {"bedrock": {}}, "external_models": [
        {"name": "llama", "provider": "bedrock", "model": "meta.llama3-1-8b-instruct-v1:0"}]})
    entry = rp.external_entry(spec.external_models[0], spec, "us-east-1")
    assert entry["litellm_params"]["model"] == "bedrock/us.meta.llama3-1-8b-instruct-v1:0"
    policy = json.loads(rp.bedrock_policy(spec, region="us-east-1", account_id="123456789012"))
    assert set(policy["Statement"][0]["Resource"]) == {
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-1-8b-instruct-v1:0",
        "arn:aws:bedrock:*::foundation-model/meta.llama3-1-8b-instruct-v1:0",
    }
