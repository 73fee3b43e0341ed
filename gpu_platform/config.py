"""Stack configuration: find a stack file, read it, and resolve it into a :class:`ResolvedPlatform`.

The same functions serve the CLI (reading `stacks/Pulumi.<name>.yaml` directly) and the Pulumi program (reading
`pulumi.Config`), so `validate`, `plan` and `pulumi up` agree on what is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from . import stack_yaml
from .project import PROJECT
from .secret import SECRET
from .resolve import ResolvedPlatform, resolve
from .spec import PlatformSpec
from .spec._base import SpecError

PLATFORM_KEY = f"{PROJECT}:platform"
REGION_KEY = "aws:region"
SECRET_PLACEHOLDER = SECRET


@dataclass(frozen=True)
class StackConfig:
    """A stack file's contents: its name, path, plain config values and the keys that are secret."""

    name: str
    path: Path
    values: dict[str, Any]
    secret_keys: tuple[str, ...]


def find_project_root(start: Optional[Path] = None) -> Optional[Path]:
    """The nearest directory at or above ``start`` (default: cwd) holding this project's Pulumi.yaml."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        candidate = d / "Pulumi.yaml"
        if candidate.is_file():
            try:
                if (yaml.safe_load(candidate.read_text()) or {}).get("name") == PROJECT:
                    return d
            except yaml.YAMLError:
                continue
    return None


def resolve_stack(stack: str, root: Optional[Path] = None) -> tuple[str, Path]:
    """Map ``NAME`` to ``stacks/Pulumi.NAME.yaml`` and a path to itself; return ``(stack name, path)``."""
    as_path = Path(stack)
    if as_path.suffix in (".yaml", ".yml") or as_path.is_file():
        name = as_path.name
        for prefix, suffixes in (("Pulumi.", (".yaml", ".yml")),):
            if name.startswith(prefix) and name.endswith(suffixes):
                name = name[len(prefix) :].rsplit(".", 1)[0]
                break
        else:
            name = as_path.stem
        return name, as_path
    base = root or find_project_root() or Path.cwd()
    return stack, base / "stacks" / f"Pulumi.{stack}.yaml"


def _mark_secrets(value: Any) -> tuple[Any, bool]:
    """Replace Pulumi `secure:` ciphertexts (which only the Pulumi CLI can decrypt) with a placeholder."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER, True
        out, any_secret = {}, False
        for k, v in value.items():
            out[k], s = _mark_secrets(v)
            any_secret |= s
        return out, any_secret
    if isinstance(value, list):
        items = [_mark_secrets(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def read_stack_file(stack: str, root: Optional[Path] = None) -> StackConfig:
    """Read a stack file; broken YAML, a missing file or a wrong shape raise :class:`SpecError`."""
    name, path = resolve_stack(stack, root)
    where = str(path)
    if not path.is_file():
        hint = ""
        stacks_dir = path.parent
        if stacks_dir.is_dir():
            known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in stacks_dir.glob("Pulumi.*.yaml"))
            hint = f" (known stacks: {', '.join(known)})" if known else ""
        raise SpecError([("", f"stack file not found: {path}{hint}")], source=where)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError([("", f"not a UTF-8 text file (byte {exc.start}): is this really a stack YAML file?")],
                        source=where) from None
    except OSError as exc:
        raise SpecError([("", f"cannot read the stack file: {exc.strerror or exc}")], source=where) from None
    try:
        doc = stack_yaml.load(text)
    except stack_yaml.StackYamlError as exc:
        raise SpecError([(exc.path, exc.message)], source=where) from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise SpecError([("", "a stack file must be a mapping with a `config:` key")], source=where)
    config = doc.get("config") or {}
    if not isinstance(config, dict):
        raise SpecError([("config", "must be a mapping of config keys to values")], source=where)
    values: dict[str, Any] = {}
    secret_keys: list[str] = []
    for key, value in config.items():
        clean, is_secret = _mark_secrets(value)
        values[str(key)] = clean
        if is_secret:
            secret_keys.append(str(key))
    return StackConfig(name=name, path=path, values=values, secret_keys=tuple(secret_keys))


def platform_from_config(values: Mapping[str, Any], source: Optional[str] = None) -> ResolvedPlatform:
    """Validate and resolve the ``gpu-platform:platform`` object (filling ``region`` from ``aws:region``)."""
    raw = values.get(PLATFORM_KEY)
    if raw is None:
        raise SpecError([(PLATFORM_KEY, "required config key is missing")], source=source)
    if not isinstance(raw, dict):
        raise SpecError([(PLATFORM_KEY, f"must be a mapping (got {type(raw).__name__})")], source=source)
    data = dict(raw)
    region = values.get(REGION_KEY)
    if region is not None:
        if "region" in data and data["region"] != region:
            raise SpecError(
                [("region", f"is {data['region']!r} but the stack's aws:region is {region!r}; they must match")],
                source=source,
            )
        data.setdefault("region", region)
    return resolve(data, source=source)


def load_stack(stack: str, root: Optional[Path] = None) -> tuple[StackConfig, ResolvedPlatform]:
    """Read, validate and resolve a stack file; raise :class:`SpecError` listing every problem."""
    cfg = read_stack_file(stack, root)
    return cfg, platform_from_config(cfg.values, source=str(cfg.path))


@dataclass(frozen=True)
class SecretNeed:
    """A secret the stack's program reads from config: the key, the spec field that names it, and the command."""

    key: str
    field: str
    stack: str

    @property
    def command(self) -> str:
        return f"pulumi config set --secret {self.key} <value> -s {self.stack}"


def secrets_needed(spec: PlatformSpec, stack: str) -> list[SecretNeed]:
    """Every `gpu-platform:` config secret the program will read for ``spec`` (API keys, Hugging Face tokens)."""
    from .spec.fallback import API_KEY_PROVIDERS

    needs: list[SecretNeed] = []
    if spec.fallback.enabled:
        used = sorted({m.provider for m in spec.fallback.external_models if m.provider in API_KEY_PROVIDERS},
                      key=lambda p: p.value)
        for provider in used:
            key = spec.fallback.providers.secret_key(provider)
            if key:
                needs.append(SecretNeed(key, f"fallback.providers.{provider.value}.api_key_secret", stack))
    for i, m in enumerate(spec.models):
        if m.source.hf_token_config_key:
            needs.append(SecretNeed(m.source.hf_token_config_key, f"models[{i}].source.hf_token_config_key", stack))
    return needs


def check_secrets(cfg: StackConfig, spec: PlatformSpec) -> list[SecretNeed]:
    """The secrets the stack file does not set yet (to report, with the command to run). A needed secret written
    in plain text is refused: Pulumi would keep it unencrypted in the stack file and in state."""
    missing, plain = [], []
    for need in secrets_needed(spec, cfg.name):
        full = f"{PROJECT}:{need.key}"
        if full in cfg.secret_keys:
            continue
        (plain if full in cfg.values else missing).append(need)
    if plain:
        raise SpecError(
            [(f"{PROJECT}:{n.key}", f"is plain text but must be a secret ({n.field}); remove it and run "
                                   f"`{n.command}`") for n in plain],
            source=str(cfg.path),
        )
    return missing


def load_from_pulumi() -> ResolvedPlatform:
    """Inside a Pulumi program: validate the stack's config, failing cleanly (no traceback) when it is invalid."""
    import pulumi

    platform = pulumi.Config(PROJECT).get_object("platform")
    region = pulumi.Config("aws").get("region")
    values: dict[str, Any] = {PLATFORM_KEY: platform}
    if region:
        values[REGION_KEY] = region
    try:
        return platform_from_config(values, source=f"stack {pulumi.get_stack()}")
    except SpecError as exc:
        raise pulumi.RunError(exc.render()) from None
