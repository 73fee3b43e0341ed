"""The LiteLLM fallback proxy: cloud providers, fallback chains per model group, router (retry/circuit-breaker) settings.

Self-hosted model groups come from the platform's `models`; cloud model groups are declared here under
`external_models`. Every name in a chain is a LiteLLM *model group* (what clients put in `"model"`).
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Iterable, Optional

from pydantic import Field, field_validator, model_validator

from ._base import FieldError, SpecModel, matches

_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")
_CONFIG_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_HTTPS_URL = re.compile(r"https://")
# Bedrock model ids (`anthropic.claude-3-5-sonnet-20240620-v1:0`) and cross-region inference profile ids
# (`us.anthropic.claude-…`). Scoping the pod's IAM role needs the exact id.
_BEDROCK_MODEL = re.compile(r"^((us|eu|apac|us-gov|global)\.)?[a-z0-9-]+\.[A-Za-z0-9._:-]+$")
BEDROCK_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "us-gov.", "global.")


class Provider(str, Enum):
    """A cloud LLM API the proxy can fall back to."""

    OPENAI = "openai"
    """OpenAI API; key from a Pulumi config secret."""
    ANTHROPIC = "anthropic"
    """Anthropic API; key from a Pulumi config secret."""
    OPENROUTER = "openrouter"
    """OpenRouter (many vendors behind one key); key from a Pulumi config secret."""
    BEDROCK = "bedrock"
    """Amazon Bedrock through an EKS Pod Identity role scoped to the chosen models (no static AWS keys)."""


API_KEY_PROVIDERS: dict[Provider, tuple[str, str]] = {
    Provider.OPENAI: ("openaiApiKey", "OPENAI_API_KEY"),
    Provider.ANTHROPIC: ("anthropicApiKey", "ANTHROPIC_API_KEY"),
    Provider.OPENROUTER: ("openrouterApiKey", "OPENROUTER_API_KEY"),
}
"""Provider → (default `gpu-platform:` config secret key, environment variable the proxy reads it from)."""


class ApiKeyProviderSpec(SpecModel):
    """A provider reached with an API key that is a Pulumi config secret (never a plain value in the spec)."""

    api_key_secret: Optional[str] = None
    """Name of the secure `gpu-platform:` stack config value holding the key (set it with
    `pulumi config set --secret <name> ...`). Default: `openaiApiKey`, `anthropicApiKey` or `openrouterApiKey`."""
    api_base: Optional[str] = None
    """Override the provider's API base URL (a regional endpoint or an egress gateway); default: the provider's."""

    _key = matches(
        "api_key_secret", pattern=_CONFIG_KEY,
        message="must be a config key name such as openaiApiKey (letters, digits, '_')",
    )
    _base = matches(
        "api_base", pattern=_HTTPS_URL, message="must be an https:// URL (API keys must not travel in clear text)"
    )


class BedrockProviderSpec(SpecModel):
    """Amazon Bedrock: the proxy's service account gets an EKS Pod Identity role allowed to invoke only the
    Bedrock models named in `external_models`."""

    region: Optional[str] = None
    """Bedrock region; default: the platform's region."""


class ProvidersSpec(SpecModel):
    """Credentials per cloud provider. A provider that is not configured here cannot be used by `external_models`."""

    openai: Optional[ApiKeyProviderSpec] = None
    """OpenAI; omit to disable."""
    anthropic: Optional[ApiKeyProviderSpec] = None
    """Anthropic; omit to disable."""
    openrouter: Optional[ApiKeyProviderSpec] = None
    """OpenRouter; omit to disable."""
    bedrock: Optional[BedrockProviderSpec] = None
    """Amazon Bedrock via Pod Identity; omit to disable."""

    def configured(self) -> set[Provider]:
        return {p for p in Provider if getattr(self, p.value) is not None}

    def secret_key(self, provider: Provider) -> Optional[str]:
        """The config secret key holding ``provider``'s API key (None for Bedrock and unconfigured providers)."""
        spec = getattr(self, provider.value)
        if provider not in API_KEY_PROVIDERS or spec is None:
            return None
        return spec.api_key_secret or API_KEY_PROVIDERS[provider][0]


class ExternalModelSpec(SpecModel):
    """A cloud model exposed as a LiteLLM model group, usable as a fallback target (or called directly)."""

    name: str
    """Model group name clients and chains use, e.g. `gpt-4o-mini` or `claude-sonnet`."""
    provider: Provider
    """Which provider serves it; must be configured under `providers`."""
    model: str
    """The provider's model id: `gpt-4o-mini`, `claude-3-5-haiku-latest`, `meta-llama/llama-3.1-70b-instruct`
    (OpenRouter) or a Bedrock model / inference-profile id such as `anthropic.claude-3-5-haiku-20241022-v1:0`."""
    max_context: Optional[int] = Field(default=None, ge=1024)
    """Context window in tokens; enables pre-call context checks and context-window fallback ordering."""
    timeout_s: Optional[float] = Field(default=None, gt=0, le=3600)
    """Per-request timeout for this model; default: `router.timeout_s`."""

    _name = matches(
        "name", pattern=_GROUP,
        message="must be 1–128 characters of letters, digits and . _ : / - (a LiteLLM model group name)",
    )

    @model_validator(mode="after")
    def _model_id(self) -> "ExternalModelSpec":
        if self.provider is Provider.BEDROCK and not _BEDROCK_MODEL.match(self.model):
            raise FieldError(
                "model",
                "must be a Bedrock model id such as anthropic.claude-3-5-haiku-20241022-v1:0 "
                "(or an inference profile id with a us./eu./apac./global. prefix)",
            )
        if not self.model.strip() or self.model != self.model.strip():
            raise FieldError("model", "must be a non-empty model id without surrounding spaces")
        return self


class ChainSpec(SpecModel):
    """Where a model group's requests go when it fails."""

    group: str
    """The model group this chain protects (usually a self-hosted model's name)."""
    fallbacks: list[str] = Field(default_factory=list)
    """Model groups tried in order after `group` fails (errors, timeouts, cooldown, scaled to zero)."""
    context_window_fallbacks: list[str] = Field(default_factory=list)
    """Model groups with a larger context window, tried when a request is too long for `group`."""

    @model_validator(mode="after")
    def _lists(self) -> "ChainSpec":
        for attr in ("fallbacks", "context_window_fallbacks"):
            targets = getattr(self, attr)
            if self.group in targets:
                raise FieldError(attr, f"must not contain the group itself ({self.group!r})")
            if len(set(targets)) != len(targets):
                raise FieldError(attr, "lists a model group twice")
        return self


class RetryPolicySpec(SpecModel):
    """Retries per error class before the router moves on to the fallback chain. Retrying an error that will
    repeat only adds latency; the fallback is the recovery."""

    timeout: int = Field(default=0, ge=0, le=5)
    """Retries after a timeout (a hung model would cost the timeout again: default 0)."""
    internal_server_error: int = Field(default=0, ge=0, le=5)
    """Retries after a 5xx. LiteLLM backs off ~1 s before retrying a single-deployment group (measured by the
    integration test), while the fallback answers at once: default 0."""
    rate_limit: int = Field(default=1, ge=0, le=5)
    """Retries after a 429 (cloud providers send Retry-After; one retry honours it before falling back)."""
    bad_request: int = Field(default=0, ge=0, le=5)
    """Retries after a 400 (the same request fails the same way)."""
    authentication: int = Field(default=0, ge=0, le=5)
    """Retries after a 401."""
    content_policy: int = Field(default=0, ge=0, le=5)
    """Retries after a content-policy refusal."""


class RouterSpec(SpecModel):
    """LiteLLM router behaviour: retries, timeouts and the per-deployment circuit breaker."""

    num_retries: int = Field(default=0, ge=0, le=5)
    """Retries for errors not covered by `retry_policy` (connection refused, among others). Default 0: a retry of a
    self-hosted model group backs off before trying the same deployment again; the fallback chain is the recovery."""
    retry_policy: RetryPolicySpec = Field(default_factory=RetryPolicySpec)
    """Retries per error class."""
    timeout_s: float = Field(default=120.0, gt=0, le=3600)
    """Per-request timeout (whole response) for every deployment unless overridden."""
    stream_timeout_s: float = Field(default=30.0, gt=0, le=3600)
    """Timeout for streaming requests to start producing tokens."""
    allowed_fails: int = Field(default=2, ge=1, le=100)
    """Failures per minute a deployment may have; one more opens its circuit (cooldown). With the default 2 and a
    hung model, three requests pay the timeout and the rest go straight to the fallback (integration test)."""
    cooldown_time_s: float = Field(default=30.0, gt=0, le=3600)
    """How long an open circuit stays open before the deployment is tried again. Scale-to-zero models use their
    cold-start time instead, so the proxy does not probe a model that is still loading."""
    max_fallbacks: int = Field(default=5, ge=1, le=20)
    """Upper bound on fallback attempts per request."""


_CPU = re.compile(r"^\d+(\.\d+)?m?$")
_MEMORY = re.compile(r"^\d+(Ki|Mi|Gi)$")


class ProxyResourcesSpec(SpecModel):
    """CPU and memory of one proxy replica."""

    cpu: str = "500m"
    """CPU request."""
    cpu_limit: str = "2"
    """CPU limit: a ceiling well above the request, so a runaway replica cannot starve its node while normal
    bursts are not throttled (throttling adds tail latency to every request)."""
    memory: str = "1Gi"
    """Memory request and limit (equal, so the pod is never the first evicted under memory pressure)."""

    _cpu = matches("cpu", "cpu_limit", pattern=_CPU, message="must be a Kubernetes CPU quantity such as 500m or 2")
    _memory = matches("memory", pattern=_MEMORY, message="must be a Kubernetes memory quantity such as 512Mi or 2Gi")


_STACK = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class ModelStackSpec(SpecModel):
    """Another stack whose ModelDeployments this gateway serves: it exports `gatewayTargets`
    (``pulumi.export("gatewayTargets", gateway_targets(...))``), and the gateway routes to them, falls back for
    them and wakes them from zero like the platform's own models."""

    stack: str
    """Fully qualified stack name, `org/project/stack`."""
    groups: list[str]
    """The model groups (served names) that stack serves; chains may name them, and the stack's export must match."""

    _stack = matches(
        "stack", pattern=_STACK, message="must be a fully qualified stack name such as acme/team-models/prod"
    )

    @field_validator("groups")
    @classmethod
    def _groups(cls, v: list[str]) -> list[str]:
        if not v or len(set(v)) != len(v):
            raise ValueError("must list each model group the stack serves, once")
        return v


class FallbackSpec(SpecModel):
    """The LiteLLM gateway in front of every model: clients call it, it routes to self-hosted models and falls
    back to cloud APIs when they fail, are overloaded, or are scaled to zero."""

    enabled: bool = True
    """Deploy the proxy."""
    providers: ProvidersSpec = Field(default_factory=ProvidersSpec)
    """Cloud provider credentials (config secrets / Pod Identity)."""
    external_models: list[ExternalModelSpec] = Field(default_factory=list)
    """Cloud model groups, usable as fallback targets."""
    chains: list[ChainSpec] = Field(default_factory=list)
    """Fallback chains per model group. In prod every self-hosted model needs a non-empty chain."""
    model_stacks: list[ModelStackSpec] = Field(default_factory=list)
    """Other stacks whose models this gateway serves (teams deploying onto this platform from their own stacks)."""
    router: RouterSpec = Field(default_factory=RouterSpec)
    """Retries, timeouts, circuit breaker."""
    replicas: Optional[int] = Field(default=None, ge=1, le=50)
    """Proxy replicas; default 2 in prod (with a PodDisruptionBudget and anti-affinity), 1 elsewhere."""
    resources: ProxyResourcesSpec = Field(default_factory=ProxyResourcesSpec)
    """Per-replica CPU and memory."""
    metrics: bool = True
    """Expose Prometheus metrics and a ServiceMonitor: the request counters that wake scaled-to-zero models."""

    @field_validator("external_models")
    @classmethod
    def _unique_models(cls, v: list[ExternalModelSpec]) -> list[ExternalModelSpec]:
        seen: set[str] = set()
        for i, m in enumerate(v):
            if m.name in seen:
                raise ValueError(f"external_models[{i}].name {m.name!r} is duplicated")
            seen.add(m.name)
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "FallbackSpec":
        configured = self.providers.configured()
        for i, m in enumerate(self.external_models):
            if m.provider not in configured:
                raise FieldError(
                    f"external_models[{i}].provider",
                    f"provider {m.provider.value!r} has no credentials: add `providers.{m.provider.value}` "
                    + ("(Pod Identity, optional region)" if m.provider is Provider.BEDROCK
                       else f"(API key from the config secret `{API_KEY_PROVIDERS[m.provider][0]}`)"),
                )
        seen: set[str] = set()
        for i, chain in enumerate(self.chains):
            if chain.group in seen:
                raise FieldError(f"chains[{i}].group", f"{chain.group!r} has two chains; merge them")
            seen.add(chain.group)
        cycle = find_cycle(self.chains)
        if cycle is not None:
            index, path = cycle
            raise FieldError(f"chains[{index}].fallbacks", f"fallback cycle {' → '.join(path)}")
        return self

    @property
    def external_names(self) -> set[str]:
        return {m.name for m in self.external_models}

    @property
    def remote_groups(self) -> list[str]:
        """Model groups served by `model_stacks`."""
        return [g for m in self.model_stacks for g in m.groups]

    def chain_for(self, group: str) -> Optional[ChainSpec]:
        return next((c for c in self.chains if c.group == group), None)

    def group_problems(
        self, self_hosted: Iterable[str], *, production_groups: Iterable[str] = ()
    ) -> list[tuple[str, str]]:
        """Cross-checks against the platform's model groups: `(path relative to this spec, message)` pairs.

        Every chain target must be a known group (self-hosted or external), every chain must protect a known group,
        and each group in ``production_groups`` needs a non-empty `fallbacks` chain.
        """
        hosted = set(self_hosted)
        known = hosted | self.external_names
        clash = sorted(hosted & self.external_names)
        problems: list[tuple[str, str]] = []
        for name in clash:
            i = next(i for i, m in enumerate(self.external_models) if m.name == name)
            problems.append((f"external_models[{i}].name", f"{name!r} is also a self-hosted model's name"))
        listing = ", ".join(sorted(known)) or "none"
        for i, chain in enumerate(self.chains):
            if chain.group not in known:
                problems.append((f"chains[{i}].group", f"unknown model group {chain.group!r} (known: {listing})"))
            for attr in ("fallbacks", "context_window_fallbacks"):
                for j, target in enumerate(getattr(chain, attr)):
                    if target not in known:
                        problems.append(
                            (f"chains[{i}].{attr}[{j}]", f"unknown model group {target!r} (known: {listing})")
                        )
        for group in production_groups:
            chain = self.chain_for(group)
            if chain is None or not chain.fallbacks:
                problems.append(
                    ("chains", f"production model {group!r} has no fallback chain; add "
                               f"`{{group: {group}, fallbacks: [<cloud model group>]}}`")
                )
        return problems


def find_cycle(chains: list[ChainSpec]) -> Optional[tuple[int, list[str]]]:
    """The first fallback cycle (`fallbacks` and `context_window_fallbacks` edges), as (chain index, path)."""
    edges: dict[str, list[str]] = {}
    index: dict[str, int] = {}
    for i, chain in enumerate(chains):
        edges[chain.group] = [*chain.fallbacks, *chain.context_window_fallbacks]
        index[chain.group] = i
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, path: list[str]) -> Optional[list[str]]:
        state[node] = 1
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt] if nxt in path else [*path, nxt]
            if state.get(nxt) is None:
                found = visit(nxt, [*path, nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for chain in chains:
        if state.get(chain.group) is None:
            found = visit(chain.group, [chain.group])
            if found:
                return index[found[0]], found
    return None
