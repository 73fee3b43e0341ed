"""The LiteLLM proxy's settings exactly, as LiteLLM 1.109.1 reads them.

`RetryPolicy`'s fields are read from the installed LiteLLM (the integration tests' pinned `.venv-litellm`, from
PyPI) when it is there; the rest is written out by hand with its reason.
"""

from __future__ import annotations

import json
import re

import pytest

from gpu_platform.render import proxy as rp
from gpu_platform.spec.fallback import FallbackSpec
from support import REPO

SPEC = FallbackSpec.model_validate({"providers": {"openai": {}}, "external_models": [
    {"name": "gpt", "provider": "openai", "model": "gpt-4o-mini"}]})
ROUTER_PY = REPO / ".venv-litellm" / "lib" / "python3.11" / "site-packages" / "litellm" / "types" / "router.py"


def test_the_router_retries_only_rate_limits_and_fails_over_instead():
    """Defaults: one retry on a 429 (the provider asks to slow down); every other error goes to the fallback chain
    at once: a scaled-to-zero vLLM answers 503, and retrying it only delays the fallback."""
    settings = rp.litellm_config(SPEC, [], region="us-west-2")
    assert settings["router_settings"]["retry_policy"] == {
        "TimeoutErrorRetries": 0, "InternalServerErrorRetries": 0, "ServiceUnavailableErrorRetries": 0,
        "RateLimitErrorRetries": 1, "BadRequestErrorRetries": 0, "AuthenticationErrorRetries": 0,
        "ContentPolicyViolationErrorRetries": 0}
    # unsupported OpenAI parameters are dropped, not refused: a fallback provider may not take every one
    assert settings["litellm_settings"]["drop_params"] is True
    assert settings["litellm_settings"]["callbacks"] == ["prometheus"]


def test_every_retry_policy_key_is_a_field_of_litellms_retry_policy():
    if not ROUTER_PY.is_file():
        pytest.skip(f"upstream ground truth not found at {ROUTER_PY} (the integration tests' LiteLLM)")
    source = ROUTER_PY.read_text()
    body = source[source.index("class RetryPolicy("):]
    body = body[: body.index("\nclass ", 1)]
    fields = set(re.findall(r"^    (\w+Retries): ", body, re.M))
    assert set(rp.litellm_config(SPEC, [], region="us-west-2")["router_settings"]["retry_policy"]) <= fields


def test_the_container_environment_and_the_credentials_secret():
    """HOME is writable /tmp (the root filesystem is read-only); LiteLLM reads its bundled cost map instead of
    fetching it at start (offline start); API keys come from the one credentials Secret."""
    assert rp._env(["OPENAI_API_KEY"]) == [
        {"name": "LITELLM_LOCAL_MODEL_COST_MAP", "value": "True"},
        {"name": "HOME", "value": "/tmp"},
        {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
        {"name": "OPENAI_API_KEY", "valueFrom": {"secretKeyRef": {"name": "litellm-credentials",
                                                                  "key": "OPENAI_API_KEY"}}},
    ]
    secret = rp.secret({"OPENAI_API_KEY": "x"})
    assert (secret["metadata"]["name"], secret["metadata"]["namespace"], secret["type"]) == (
        "litellm-credentials", "llm-gateway", "Opaque")


def test_the_bedrock_policy_allows_invoking_only_the_chosen_models():
    spec = FallbackSpec.model_validate({"providers": {"bedrock": {}}, "external_models": [
        {"name": "claude", "provider": "bedrock", "model": "anthropic.claude-3-5-haiku-20241022-v1:0"}]})
    assert json.loads(rp.bedrock_policy(spec, region="us-west-2", account_id="123456789012")) == {
        "Version": "2012-10-17", "Statement": [{
            "Sid": "InvokeChosenModels", "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": ["arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"]}]}
