"""Where Amazon Bedrock serves a model on demand, and through which cross-Region inference profile otherwise.

Many models answer a base id only in one or two Regions; elsewhere Bedrock refuses it ("Invocation of model ID … with
on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains
this model.") and the `us.` / `eu.` / `apac.` profile id is the one that works. Read 2026-11 from the Bedrock user
guide: inference-profiles-support.md (profiles and their source Regions), prompt-routing.md and
prompt-management-optimize.md ("Single-region model support" columns) and models-supported.html. Models not listed
here are passed through unchanged (their availability is the account's to check: `aws bedrock
list-foundation-models --by-inference-type ON_DEMAND`, `aws bedrock list-inference-profiles`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

_US = frozenset({"us-east-1", "us-east-2", "us-west-2"})
_EU = frozenset({"eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3", "il-central-1"})


@dataclass(frozen=True)
class BedrockModel:
    """A base model id: Regions serving it on demand, and profile prefix -> the profile's source Regions."""

    on_demand: frozenset[str]
    profiles: dict[str, frozenset[str]] = field(default_factory=dict)


BEDROCK_MODELS: dict[str, BedrockModel] = {
    "meta.llama3-1-8b-instruct-v1:0": BedrockModel(frozenset({"us-west-2"}), {"us.": _US}),
    "meta.llama3-1-70b-instruct-v1:0": BedrockModel(frozenset({"us-west-2"}), {"us.": _US}),
    "meta.llama3-3-70b-instruct-v1:0": BedrockModel(frozenset({"us-east-2"}), {"us.": _US}),
    "meta.llama3-2-3b-instruct-v1:0": BedrockModel(
        frozenset(), {"us.": _US, "eu.": frozenset({"eu-central-1", "eu-west-1", "eu-west-3"})}
    ),
    "anthropic.claude-3-5-haiku-20241022-v1:0": BedrockModel(frozenset({"us-west-2"}), {"us.": _US}),
    "anthropic.claude-3-5-sonnet-20241022-v2:0": BedrockModel(
        frozenset({"us-west-2", "ap-southeast-2"}), {"us.": _US, "apac.": frozenset({"ap-northeast-1"})}
    ),
    "anthropic.claude-3-7-sonnet-20250219-v1:0": BedrockModel(
        frozenset({"eu-west-2"}),
        {"us.": _US, "eu.": frozenset({"eu-central-1", "eu-north-1", "eu-west-1", "eu-west-3"}),
         "apac.": frozenset({"ap-northeast-1"})},
    ),
    "anthropic.claude-sonnet-4-20250514-v1:0": BedrockModel(
        frozenset(),
        {"us.": _US | {"us-west-1"}, "eu.": _EU, "apac.": frozenset({"ap-northeast-1"}),
         "global.": frozenset({"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "ap-northeast-1"})},
    ),
    "amazon.nova-pro-v1:0": BedrockModel(
        frozenset({"us-east-1"}), {"us.": _US | {"us-west-1"}, "eu.": _EU, "apac.": frozenset({"ap-northeast-1"})}
    ),
    "amazon.nova-lite-v1:0": BedrockModel(
        frozenset({"us-east-1", "ap-northeast-1"}),
        {"us.": _US | {"us-west-1"}, "eu.": _EU, "apac.": frozenset({"ap-northeast-1"})},
    ),
}

PROFILE_PREFIXES = ("us.", "eu.", "apac.", "us-gov.", "global.")


def split_profile(model_id: str) -> tuple[Optional[str], str]:
    """(`us.`, base id) for an inference-profile id; (None, id) for a base id."""
    prefix = next((p for p in PROFILE_PREFIXES if model_id.startswith(p)), None)
    return prefix, model_id[len(prefix):] if prefix else model_id


def invocation_id(model_id: str, region: str) -> tuple[str, Optional[str]]:
    """The id that works from ``region``, and a note when it differs from ``model_id``.

    Raises ValueError when the catalog knows the model and neither the id given nor any profile serves ``region``.
    Unknown models come back unchanged.
    """
    prefix, base = split_profile(model_id)
    known = BEDROCK_MODELS.get(base)
    if known is None:
        return model_id, None
    if prefix is not None:
        if region in known.profiles.get(prefix, frozenset()):
            return model_id, None
        raise ValueError(
            f"the {prefix} inference profile of {base} cannot be called from {region}; "
            + _where(known)
        )
    if region in known.on_demand:
        return model_id, None
    # Prefer the geography's own profile over the global one (data stays in the geography).
    for p in sorted(known.profiles, key=lambda p: p == "global."):
        if region in known.profiles[p]:
            return p + base, f"{base} is served in {region} only through the {p} inference profile: using {p}{base}"
    raise ValueError(f"{base} is not served in {region}, on demand or through an inference profile; " + _where(known))


def _where(model: BedrockModel) -> str:
    parts = [f"on demand in {', '.join(sorted(model.on_demand))}"] if model.on_demand else []
    parts += [f"{p} profile from {', '.join(sorted(r))}" for p, r in sorted(model.profiles.items())]
    return "it is served " + "; ".join(parts)
