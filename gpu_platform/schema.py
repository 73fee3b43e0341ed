"""The multi-language package: typed args generated from the pydantic specs, and the inferred Pulumi schema.

Pulumi's component provider host (``pulumi.provider.experimental``) infers a package schema from plain annotated
classes: it reads the ``args`` annotation of each component's ``__init__``, walks the annotated attributes (with
their docstrings, read from source), and supports str/int/float/bool, ``Optional``, ``list``, ``dict[str, T]``,
``Enum``, nested classes and ``pulumi.Input``/``Output``, but not ``Union``, ``Literal`` or pydantic internals.
Our specs are pydantic models (validated, with cross-field rules), so this module *generates*
``gpu_platform/components/_schema.py``: a mirror of them as plain annotated classes with the same field
docstrings, and one facade per served component whose outputs are the real component's declared outputs
(``components/_outputs.py``: its ``pulumi.Output`` attributes and their docstrings), so no output is ever written
twice. A facade's ``__new__`` hands the args to ``gpu_platform/components/served.py``, which builds the real
component; the real component validates them as usual.

    python -m gpu_platform schema            # print the inferred package schema (JSON), offline
    python -m gpu_platform.dev schema --write-args  # regenerate components/_schema.py after a spec change
"""

from __future__ import annotations

import ast
import inspect
import json
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any, Optional, Union

PACKAGE = "gpu-platform"
ARGS_MODULE = Path(__file__).parent / "components" / "_schema.py"

# Fields the served components do not act on: GpuPlatform builds the platform; models and the gateway are the
# separate ModelDeployment and FallbackProxy components in every language (the Python program composes them).
EXCLUDED_FIELDS = {"PlatformSpec": ("models", "fallback")}

# Type names that would clash with what every generated SDK defines (each SDK has a `Provider` class).
RENAMES = {"Provider": "LlmProvider"}


class ServedComponent(typing.NamedTuple):
    """One component of the package: its args (a spec plus extra fields) and the real component it builds."""

    name: str
    """Class name, and the type token's last part (`gpu-platform:index:<name>`), in every language."""
    impl: str
    """`module:Class` of the real component; the facade serves exactly its declared outputs."""
    model: Any
    """The pydantic spec the args mirror."""
    extra: dict[str, tuple[str, str, bool]]
    """Args beyond the spec: {name: (annotation source, docstring, required)}."""
    description: Optional[str] = None
    """The component's description in the schema; default: the first paragraph of the real class's docstring."""

    @property
    def args_name(self) -> str:
        return f"{self.name}Args"


# The Python docstrings of these two speak of Python arguments (PlatformRef, dicts); other languages read these.
_PLATFORM_DESCRIPTION = """A production GPU inference platform on AWS: VPC, EKS with API authentication, the system node group,
Karpenter GPU node pools, NVIDIA device plugin and DCGM, KServe/KubeRay/KEDA/Prometheus, and the Kubernetes
provider for everything that runs on it. Models and the LLM gateway are the separate ModelDeployment and
FallbackProxy components."""
_PROXY_DESCRIPTION = """LiteLLM proxy in front of every model: per-group fallback chains to cloud APIs, retries and a circuit
breaker, so a crashed, overloaded, cold or scaled-to-zero model costs latency, not errors."""


def _served_specs() -> list[ServedComponent]:
    """The served components, in schema order."""
    from .spec import PlatformSpec
    from .spec.fallback import FallbackSpec

    out = [
        ServedComponent(
            "GpuPlatform", "gpu_platform.components.platform:GpuPlatform", PlatformSpec, {}, _PLATFORM_DESCRIPTION
        )
    ]
    try:
        from .spec.model import ModelSpec
    except ImportError:  # pragma: no cover - the model spec ships with ModelDeployment
        ModelSpec = None
    if ModelSpec is not None:
        out.append(
            ServedComponent(
                "ModelDeployment",
                "gpu_platform.components.model:ModelDeployment",
                ModelSpec,
                {
                    "platform": (
                        "PlatformSpec",
                        "The platform this model runs on (its spec: GPU classes, operators, environment). Pass the "
                        "Kubernetes provider for its cluster in the resource options (`providers: {kubernetes: ...}`).",
                        True,
                    ),
                    "hf_token": (
                        "Optional[pulumi.Input[str]]",
                        "Hugging Face token for gated models (pass a secret); required when "
                        "`source.hfTokenConfigKey` is set.",
                        False,
                    ),
                    "create_namespace": (
                        "Optional[bool]",
                        "Create the model's namespace with its network policies and GPU quota (default false: the "
                        "platform program creates shared namespaces).",
                        False,
                    ),
                },
            )
        )
    out.append(
        ServedComponent(
            "FallbackProxy",
            "gpu_platform.components.proxy:FallbackProxy",
            FallbackSpec,
            {
                "platform": (
                    "PlatformSpec",
                    "The platform the proxy runs on. Pass the Kubernetes provider for its cluster in the resource "
                    "options (`providers: {kubernetes: ...}`).",
                    True,
                ),
                "api_keys": (
                    "Optional[dict[str, pulumi.Input[str]]]",
                    "Cloud API keys by provider (`openai`, `anthropic`, `openrouter`); pass secrets.",
                    False,
                ),
            },
            _PROXY_DESCRIPTION,
        )
    )
    return out


class _Generator:
    def __init__(self) -> None:
        self.names: dict[type, str] = {}
        self.blocks: list[str] = []
        self.enum_blocks: list[str] = []

    def name_for(self, cls: type) -> str:
        if cls in self.names:
            return self.names[cls]
        name = RENAMES.get(cls.__name__, cls.__name__)
        taken = set(self.names.values())
        if name in taken:
            name = cls.__module__.rsplit(".", 1)[-1].title().replace("_", "") + name
        self.names[cls] = name
        return name

    def annotation(self, tp: Any) -> str:
        from pydantic import BaseModel

        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if tp in (str, int, float, bool):
            return tp.__name__
        if origin in (Union, types.UnionType):
            rest = [a for a in args if a is not type(None)]
            if len(rest) == 1:
                return f"Optional[{self.annotation(rest[0])}]"
            return "Any"  # unions are not inferable; the component still validates the value
        if origin in (list, tuple, set, frozenset, typing.Sequence):
            inner = [a for a in args if a is not Ellipsis]
            return f"list[{self._item(inner[0]) if inner else 'Any'}]"
        if origin in (dict, typing.Mapping):
            return f"dict[str, {self._item(args[1]) if len(args) == 2 else 'Any'}]"
        if origin is typing.Literal:
            return type(args[0]).__name__ if args else "str"
        if isinstance(tp, type) and issubclass(tp, Enum):
            return self.enum(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return self.model(tp)
        return "Any"

    def _item(self, tp: Any) -> str:
        # The provider host maps a list (or map) of enums as if each item were an object, turning every value
        # into {} (pulumi 3.272, component.py map_input_properties); such items are plain strings in the schema,
        # with the allowed values in the description, and the component's validation still checks them.
        if isinstance(tp, type) and issubclass(tp, Enum):
            return "str"
        return self.annotation(tp)

    def enum(self, cls: type[Enum]) -> str:
        if cls in self.names:
            return self.names[cls]
        name = self.name_for(cls)
        docs = _member_docs(cls)
        lines = [f"class {name}(str, Enum):", _docstring(cls.__doc__ or name, 4)]
        for member in cls:
            lines.append(f"    {member.name} = {member.value!r}")
            if member.name in docs:
                lines.append(_docstring(docs[member.name], 4))
        self.enum_blocks.append("\n".join(lines))
        return name

    def model(self, cls: Any, name: Optional[str] = None, extra: Optional[dict] = None) -> str:
        if name is None and cls in self.names:
            return self.names[cls]
        name = name or self.name_for(cls)
        fields = []
        excluded = EXCLUDED_FIELDS.get(cls.__name__, ())
        for fname, info in cls.model_fields.items():
            if fname in excluded:
                continue
            ann = self.annotation(info.annotation)
            if not info.is_required() and not ann.startswith("Optional["):
                ann = f"Optional[{ann}]"
            doc = info.description or ""
            inner = _container_enum(info.annotation)
            if inner is not None:
                doc = f"{doc} One of: {', '.join(repr(m.value) for m in inner)}.".strip()
            fields.append((fname, ann, doc))
        for fname, (ann, doc, _required) in (extra or {}).items():
            fields.append((fname, ann, doc))
        doc = inspect.cleandoc(cls.__doc__ or name)
        lines = [f"class {name}:", _docstring(doc, 4), ""]
        for fname, ann, fdoc in fields:
            lines.append(f"    {fname}: {ann}")
            if fdoc:
                lines.append(_docstring(fdoc, 4))
        self.blocks.append("\n".join(lines).rstrip())
        return name


def _container_enum(tp: Any) -> Optional[type[Enum]]:
    """The enum of a ``list[E]``, ``dict[str, E]`` or optional of them, else None."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return _container_enum(rest[0]) if len(rest) == 1 else None
    if origin in (list, tuple, set, frozenset, dict) and args:
        inner = args[-1] if origin is dict else args[0]
        if isinstance(inner, type) and issubclass(inner, Enum):
            return inner
    return None


def _docstring(text: str, indent: int) -> str:
    pad = " " * indent
    text = inspect.cleandoc(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    body = text.replace("\n", "\n" + pad) if "\n" in text else text
    return f'{pad}"""{body}"""'


def _member_docs(cls: type[Enum]) -> dict[str, str]:
    """Enum member docstrings (string literals right after each assignment), read from source."""
    try:
        tree = ast.parse(inspect.getsource(cls))
    except (OSError, TypeError, SyntaxError):
        return {}
    out: dict[str, str] = {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for node, following in zip(body, body[1:]):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
                if isinstance(following.value.value, str):
                    out[node.targets[0].id] = following.value.value
    return out


def _type_source(tp: Any, where: str) -> str:
    """Annotation source of an output's value type, in the forms the provider host infers a schema from."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in (str, int, float, bool):
        return tp.__name__
    if tp is Any:
        return "Any"
    if tp in (dict, list):  # unparameterised: a free-form map or list
        return "dict[str, Any]" if tp is dict else "list[Any]"
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return f"Optional[{_type_source(rest[0], where)}]"
    if origin is list and len(args) == 1:
        return f"list[{_type_source(args[0], where)}]"
    if origin is dict and len(args) == 2 and args[0] is str:
        return f"dict[str, {_type_source(args[1], where)}]"
    raise TypeError(f"{where}: other Pulumi languages cannot be served an output of type {tp!r}")


def _facade_source(served: ServedComponent) -> str:
    """A facade class: the real component's declared outputs (type and docstring) and the args' signature; its
    ``__new__`` builds the real component (``_build.build``), so the facade itself never exists as a resource."""
    import importlib

    from .components._outputs import output_docs, output_types

    module, _, attr = served.impl.partition(":")
    impl = getattr(importlib.import_module(module), attr)
    description = served.description or inspect.cleandoc(impl.__doc__ or "").split("\n\n")[0]
    docs = output_docs(impl)
    lines = [f"class {served.name}(pulumi.ComponentResource):", _docstring(description, 4), ""]
    for name, tp in output_types(impl).items():
        where = f"{served.impl}.{name}"
        if not docs.get(name):
            raise ValueError(f"{where}: a served output needs a docstring (it is the description in every SDK)")
        lines += [f"    {name}: pulumi.Output[{_type_source(tp, where)}]", _docstring(docs[name], 4)]
    signature = f"self, name: str, args: {served.args_name}, opts: Optional[pulumi.ResourceOptions] = None"
    lines += [
        "",
        f"    def __new__(cls, {signature.partition(', ')[2]}):",
        "        from ._build import build",
        "",
        "        return build(cls, name, args, opts)",
        "",
        f"    def __init__({signature}) -> None:",
        '        """Never runs: ``__new__`` returns the real component (this signature is what the schema is read from)."""',
    ]
    return "\n".join(lines)


_HEADER = '''"""GENERATED by `python -m gpu_platform.dev schema --write-args` from the pydantic specs and the
outputs the components declare; do not edit.

Plain annotated mirrors of the specs that ``pulumi.provider.experimental`` can infer a package schema from (it
reads annotations and attribute docstrings; pydantic models are not inferable), and the served components: typed
facades whose ``__new__`` builds the real component (``served.py``), which validates the args with the pydantic
models as usual. No ``from __future__ import annotations``: the analyzer needs real annotation objects.
"""

import inspect
from enum import Enum
from typing import Any, Optional

import pulumi

__all__ = [{names}]
'''

_FOOTER = '''SERVED: list[type] = [{names}]
"""The components the multi-language package serves, in schema order."""

for _cls in SERVED:
    # The schema takes descriptions verbatim; Python 3.11 keeps docstring indentation.
    _cls.__doc__ = inspect.cleandoc(_cls.__doc__ or "")
'''


def args_module_source() -> str:
    """Source of ``components/_schema.py``: the served components' args (mirrors of their specs) and facades."""
    gen = _Generator()
    served = _served_specs()
    for component in served:
        if any(ann == "PlatformSpec" for ann, _doc, _req in component.extra.values()):
            from .spec import PlatformSpec

            gen.model(PlatformSpec)
        gen.model(component.model, name=component.args_name, extra=component.extra)
    facades = [_facade_source(c) for c in served]
    names = [c.name for c in served]
    header = _HEADER.format(names=", ".join(repr(n) for n in [*(c.args_name for c in served), *names, "SERVED"]))
    footer = _FOOTER.format(names=", ".join(names))
    return header + "\n\n" + "\n\n\n".join([*gen.enum_blocks, *gen.blocks, *facades, footer]).rstrip() + "\n"


def write_args_module(path: Path = ARGS_MODULE) -> bool:
    """Regenerate the args module; True when it changed."""
    text = args_module_source()
    if path.is_file() and path.read_text() == text:
        return False
    path.write_text(text)
    return True


def served_components() -> list[type]:
    from .components.served import SERVED

    return list(SERVED)


def package_schema(version: Optional[str] = None) -> dict[str, Any]:
    """The schema ``component_provider_host`` serves, inferred the same way, without starting a provider."""
    from pulumi.provider.experimental.analyzer import Analyzer
    from pulumi.provider.experimental.schema import generate_schema

    from . import __version__

    result = Analyzer(PACKAGE).analyze(served_components())
    deps = sorted(result["dependencies"], key=lambda d: f"{d.name}{d.version}")
    schema = generate_schema(
        PACKAGE, version or __version__, None, result["component_definitions"], result["type_definitions"], deps
    )
    return schema.to_json()


def schema_json(version: Optional[str] = None) -> str:
    return json.dumps(package_schema(version), indent=2, sort_keys=True) + "\n"
