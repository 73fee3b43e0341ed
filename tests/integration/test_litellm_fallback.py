"""The rendered LiteLLM config, run in a real LiteLLM proxy (the pinned version) against fake upstreams.

With the primary refusing connections, answering 500, hanging, or scaled to zero, every request must be answered
by the fallback; the added latency is printed. A second test checks that every key the renderer emits is one the
installed LiteLLM accepts (unknown `router_settings` keys would be dropped with a mere warning).

The pinned LiteLLM is installed into `.venv-litellm` on first use (cached). Without network the tests fail when
`CI` is set, and skip with the reason otherwise.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from fake_upstream import FakeUpstream, refused_port
from litellm_env import InstallError, ensure_litellm

from gpu_platform.render.proxy import WAKE_METRIC, ProxyTarget, litellm_config
from gpu_platform.spec.fallback import FallbackSpec

pytestmark = pytest.mark.integration

MASTER_KEY = "sk-integration-test-not-a-real-key"
REQUESTS_PER_FAULT = 6
REQUEST_TIMEOUT_S = 30.0
STARTUP_DEADLINE_S = 150.0
TEST_DEADLINE_S = 150.0
HANG_TIMEOUT_S = 2.0
FAULTS = ("refused", "error-500", "hang", "scaled-to-zero")


@pytest.fixture(scope="session")
def litellm_python() -> Path:
    try:
        return ensure_litellm(log=lambda m: print(m))
    except InstallError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"cannot install the pinned LiteLLM proxy: {exc}")
        pytest.skip(f"cannot install the pinned LiteLLM proxy (no network?): {exc}")


def _spec(**router) -> FallbackSpec:
    groups = ["healthy", *FAULTS, "small-context"]
    return FallbackSpec.model_validate(
        {
            "providers": {"openai": {}},
            "external_models": [
                {"name": "cloud", "provider": "openai", "model": "gpt-4o-mini", "max_context": 128000},
            ],
            "chains": [
                *({"group": g, "fallbacks": ["cloud"]} for g in groups if g != "small-context"),
                {"group": "small-context", "fallbacks": ["cloud"], "context_window_fallbacks": ["cloud"]},
            ],
            "router": router,
        }
    )


def _targets() -> list[ProxyTarget]:
    # In-cluster endpoints, as a ModelDeployment exposes them; the test rewrites only their api_base.
    def target(group: str, **kw) -> ProxyTarget:
        return ProxyTarget(
            group=group,
            served_name=f"org/{group}",
            api_base=f"http://{group}.models.svc.cluster.local:8000/v1",
            cold_start_timeout_s=kw.pop("cold_start_timeout_s", 300.0),
            **kw,
        )

    return [
        target("healthy"),
        target("refused"),
        target("error-500"),
        target("hang"),
        target("scaled-to-zero", min_replicas=0, cold_start_timeout_s=420.0),
        target("small-context", max_context=1024),
    ]


def _rewrite_api_bases(config: dict, bases: dict[str, str]) -> dict:
    """The rendered config with only `api_base` changed (and added for the cloud model) to point at the fakes."""
    out = copy.deepcopy(config)
    for entry in out["model_list"]:
        entry["litellm_params"]["api_base"] = bases[entry["model_name"]]
    return out


def _post(port: int, group: str, content: str = "hello") -> tuple[int, dict, float]:
    body = json.dumps({"model": group, "messages": [{"role": "user", "content": content}], "max_tokens": 8}).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/chat/completions",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {MASTER_KEY}"},
        method="POST",
    )
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT_S) as resp:
            payload = json.loads(resp.read())
            return resp.status, payload, time.monotonic() - start
    except urllib.error.HTTPError as exc:
        return exc.code, {"error": exc.read().decode(errors="replace")[:500]}, time.monotonic() - start


def _get(port: int, path: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _clean_env(tmp: Path) -> dict[str, str]:
    """No real credentials and no HTTP proxies: only what the proxy needs to start."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_MASTER_KEY": MASTER_KEY,
        "OPENAI_API_KEY": "sk-fake-upstream-key",
        "NO_PROXY": "127.0.0.1,localhost",
    }


class Proxy:
    """A `litellm --config` subprocess on loopback; always stopped (own process group) on exit."""

    def __init__(self, python: Path, config_path: Path, log_path: Path, env: dict[str, str]) -> None:
        self.port = refused_port()
        self.log_path = log_path
        self._log = open(log_path, "wb")
        litellm_cli = python.parent / "litellm"
        self.proc = subprocess.Popen(
            [str(litellm_cli), "--config", str(config_path), "--port", str(self.port), "--host", "127.0.0.1"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=str(config_path.parent),
            start_new_session=True,
        )

    def log_tail(self, n: int = 60) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def wait_ready(self, deadline_s: float) -> float:
        start = time.monotonic()
        while time.monotonic() - start < deadline_s:
            if self.proc.poll() is not None:
                raise AssertionError(f"LiteLLM exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if _get(self.port, "/health/readiness", timeout=2.0)[0] == 200:
                    return time.monotonic() - start
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"LiteLLM not ready after {deadline_s:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        self._log.close()


def _p50(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def test_every_request_is_answered_by_the_fallback_under_faults(litellm_python, tmp_path, capsys):
    spec = _spec(timeout_s=HANG_TIMEOUT_S, stream_timeout_s=HANG_TIMEOUT_S)
    rendered = litellm_config(spec, _targets(), region="us-west-2")

    with FakeUpstream("ok", "primary") as primary, FakeUpstream("ok", "fallback") as fallback, \
            FakeUpstream("error", "error-500") as broken, FakeUpstream("hang", "hang") as hung:
        closed = f"http://127.0.0.1:{refused_port()}/v1"
        bases = {
            "healthy": primary.api_base,
            "refused": closed,
            "error-500": broken.api_base,
            "hang": hung.api_base,
            "scaled-to-zero": f"http://127.0.0.1:{refused_port()}/v1",
            "small-context": primary.api_base,
            "cloud": fallback.api_base,
        }
        config = _rewrite_api_bases(rendered, bases)
        config_path = tmp_path / "config.yaml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))

        proxy = Proxy(litellm_python, config_path, tmp_path / "litellm.log", _clean_env(tmp_path))
        test_start = time.monotonic()
        try:
            startup_s = proxy.wait_ready(STARTUP_DEADLINE_S)
            results: dict[str, list[tuple[int, dict, float]]] = {}
            for group in ("healthy", *FAULTS):
                results[group] = []
                for _ in range(REQUESTS_PER_FAULT):
                    assert time.monotonic() - test_start < TEST_DEADLINE_S, "overall test deadline exceeded"
                    results[group].append(_post(proxy.port, group))
            # A prompt longer than the small model's context window goes to the larger-context group up front.
            long_prompt = "lorem ipsum dolor sit amet " * 600
            small_before = primary.requests
            results["context-window"] = [_post(proxy.port, "small-context", long_prompt) for _ in range(2)]
            small_after = primary.requests
            metrics_status, metrics = _get(proxy.port, "/metrics/")
        finally:
            proxy.stop()
        log = proxy.log_path.read_text(errors="replace")

    # -- every request answered, by the right upstream
    for group, rs in results.items():
        for status, body, _ in rs:
            assert status == 200, f"{group}: HTTP {status}: {body}\n--- proxy log ---\n{log[-4000:]}"
        contents = {r[1]["choices"][0]["message"]["content"] for r in rs}
        expected = {"served-by:primary"} if group == "healthy" else {"served-by:fallback"}
        assert contents == expected, f"{group}: answered by {contents}, expected {expected}"
    assert small_after == small_before, "the over-long prompt reached the small-context model"
    assert set(fallback.models_seen) == {"gpt-4o-mini"}, fallback.models_seen
    # The primaries were really tried (and the circuit breaker then stopped trying them).
    assert broken.requests >= 1 and hung.requests >= 1
    assert hung.requests < REQUESTS_PER_FAULT, f"circuit breaker never opened for the hung model ({hung.requests})"
    assert proxy.proc.returncode is not None  # stopped

    # -- the wake-up signal for scaled-to-zero models: the proxy counts requests per requested model group
    assert metrics_status == 200
    wake = [l for l in metrics.splitlines()
            if l.startswith(WAKE_METRIC + "{") and 'requested_model="scaled-to-zero"' in l]
    assert wake and sum(float(l.rsplit(" ", 1)[1]) for l in wake) >= REQUESTS_PER_FAULT, metrics[:2000]
    # ... which is the series the ModelDeployment's KEDA wake-up query reads.
    from gpu_platform.render.model import wake_query
    from gpu_platform.spec import ModelSpec

    query = wake_query(ModelSpec(name="m", model="Qwen/Qwen2.5-7B-Instruct", served_name="scaled-to-zero"))
    assert f'{WAKE_METRIC}{{requested_model="scaled-to-zero"}}' in query

    # -- report the latency a fault adds over the healthy path
    base = _p50([r[2] for r in results["healthy"]])
    lines = [
        "",
        f"LiteLLM 1.109.1 fallback under faults (startup {startup_s:.1f} s, {REQUESTS_PER_FAULT} requests each, "
        f"healthy p50 {base * 1000:.0f} ms, hang timeout {HANG_TIMEOUT_S:.0f} s):",
        f"  {'fault':<16}{'added p50':>12}{'added max':>12}{'primary hits':>14}   per-request latency (s)",
    ]
    hits = {"refused": "-", "error-500": broken.requests, "hang": hung.requests, "scaled-to-zero": "-"}
    for group in (*FAULTS, "context-window"):
        lat = [r[2] for r in results[group]]
        lines.append(
            f"  {group:<16}{(_p50(lat) - base) * 1000:>10.0f}ms{(max(lat) - base) * 1000:>10.0f}ms"
            f"{str(hits.get(group, 0)):>14}   " + " ".join(f"{x:.2f}" for x in lat)
        )
    with capsys.disabled():
        print("\n".join(lines))
    assert time.monotonic() - test_start < TEST_DEADLINE_S + 20


# Runs inside the LiteLLM venv: compare every rendered key with what the installed LiteLLM defines, then build a
# real Router from the config (it raises on keys it refuses, such as health_check_interval).
_KEY_CHECK = r"""
import inspect, json, os, sys
import litellm
from litellm import Router
from litellm.proxy._types import ConfigGeneralSettings, ConfigYAML
from litellm.types.router import LiteLLM_Params, LiteLLMParamsTypedDict, ModelInfo as RouterModelInfo, RetryPolicy
from litellm.types.utils import ModelInfo

config = json.load(open(sys.argv[1]))
problems = []
def check(where, keys, known):
    problems.extend(f"{where}.{k}" for k in keys if k not in known)

check("", config, set(ConfigYAML.model_fields))
router = config["router_settings"]
check("router_settings", router, set(inspect.signature(Router.__init__).parameters) - {"self"})
check("router_settings.retry_policy", router.get("retry_policy", {}), set(RetryPolicy.model_fields))
check("general_settings", config["general_settings"], set(ConfigGeneralSettings.model_fields))
check("litellm_settings", [k for k in config["litellm_settings"] if not hasattr(litellm, k)], set())
for i, entry in enumerate(config["model_list"]):
    check(f"model_list[{i}]", entry, {"model_name", "litellm_params", "model_info"})
    check(f"model_list[{i}].litellm_params", entry["litellm_params"],
          set(LiteLLM_Params.model_fields) | set(LiteLLMParamsTypedDict.__annotations__))
    check(f"model_list[{i}].model_info", entry.get("model_info", {}),
          set(RouterModelInfo.model_fields) | set(ModelInfo.__annotations__))
    model = entry["litellm_params"]["model"]
    try:
        litellm.get_llm_provider(model)
    except Exception as exc:
        problems.append(f"model_list[{i}].litellm_params.model: {model!r} has no LiteLLM provider ({exc})")

for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY"):
    os.environ.setdefault(key, "sk-not-real")
model_list = [
    {**e, "litellm_params": {k: (os.environ[v.split("/", 1)[1]] if isinstance(v, str) and v.startswith("os.environ/") else v)
                             for k, v in e["litellm_params"].items()}}
    for e in config["model_list"]
]
Router(model_list=model_list, **router)
print(json.dumps(problems))
"""


def test_rendered_config_uses_only_keys_the_pinned_litellm_accepts(litellm_python, tmp_path):
    spec = FallbackSpec.model_validate(
        {
            "providers": {"openai": {}, "anthropic": {}, "openrouter": {}, "bedrock": {"region": "us-east-1"}},
            "external_models": [
                {"name": "gpt", "provider": "openai", "model": "gpt-4o-mini", "max_context": 128000},
                {"name": "claude", "provider": "anthropic", "model": "claude-3-5-haiku-latest"},
                {"name": "router", "provider": "openrouter", "model": "meta-llama/llama-3.1-70b-instruct"},
                {"name": "bedrock-claude", "provider": "bedrock",
                 "model": "us.anthropic.claude-3-5-haiku-20241022-v1:0", "max_context": 200000},
            ],
            "chains": [
                {"group": "llama", "fallbacks": ["bedrock-claude", "gpt"], "context_window_fallbacks": ["gpt"]},
                {"group": "qwen", "fallbacks": ["claude", "router"]},
            ],
        }
    )
    targets = [
        ProxyTarget("llama", "meta-llama/Llama-3.1-8B-Instruct", "http://llama.models.svc.cluster.local:8000/v1",
                    cold_start_timeout_s=300, max_context=8192, min_replicas=1, production=True),
        ProxyTarget("qwen", "Qwen/Qwen2.5-7B-Instruct", "http://qwen.models.svc.cluster.local:8000/v1",
                    cold_start_timeout_s=420, min_replicas=0),
    ]
    config = litellm_config(spec, targets, region="us-east-1")
    assert "health_check_interval" not in config["router_settings"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    script = tmp_path / "check.py"
    script.write_text(_KEY_CHECK)
    env = {**_clean_env(tmp_path), "AWS_REGION": "us-east-1"}
    done = subprocess.run([str(litellm_python), str(script), str(path)], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    problems = json.loads(done.stdout.strip().splitlines()[-1])
    assert problems == [], f"keys the pinned LiteLLM does not know: {problems}"
