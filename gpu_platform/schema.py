"""The multi-language package: typed args generated from the pydantic specs, and the inferred Pulumi schema.

Pulumi's component provider host (``pulumi.provider.experimental``) infers a package schema from plain annotated
classes: it reads the ``args`` annotation of each component's ``__init__``, walks the annotated attributes (with
their docstrings, read from source), and supports str/int/float/bool, ``Optional``, ``list``, ``dict[str, T]``,
``Enum``, nested classes and ``pulumi.Input``/``Output``, but not ``Union``, ``Literal`` or pydantic internals.
Our specs are pydantic models (validated, with cross-field rules), so this module *generates*
``gpu_platform/components/_schema.py``, a mirror of them as plain annotated classes with the same field
docstrings. The served components (``gpu_platform/components/served.py``) take those args and hand the values to
the real components, which validate them as usual.

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


def _served_specs() -> list[tuple[str, Any, dict[str, tuple[str, str, bool]]]]:
    """(args class name, pydantic model, extra fields {name: (annotation source, docstring, required)})."""
    from .spec import PlatformSpec
    from .spec.fallback import FallbackSpec

    out: list[tuple[str, Any, dict[str, tuple[str, str, bool]]]] = [("GpuPlatformArgs", PlatformSpec, {})]
    try:
        from .spec.model import ModelSpec
    except ImportError:  # pragma: no cover - the model spec ships with ModelDeployment
        ModelSpec = None
    if ModelSpec is not None:
        out.append(
            (
                "ModelDeploymentArgs",
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
        (
            "FallbackProxyArgs",
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


def args_module_source() -> str:
    """Source of ``components/_schema.py``: plain annotated mirrors of the served components' specs."""
    gen = _Generator()
    tops = []
    for args_name, model, extra in _served_specs():
        for ann, _doc, _req in extra.values():
            if ann in ("PlatformSpec",):
                from .spec import PlatformSpec

                gen.model(PlatformSpec)
        gen.model(model, name=args_name, extra=extra)
        tops.append(args_name)
    header = '''"""GENERATED by `python -m gpu_platform.dev schema --write-args` from the pydantic specs; do not edit.

Plain annotated mirrors of the specs that ``pulumi.provider.experimental`` can infer a package schema from (it
reads annotations and attribute docstrings; pydantic models are not inferable). The served components in
``served.py`` take these args; the real components validate the values with the pydantic models as usual.
"""

from enum import Enum
from typing import Any, Optional

import pulumi

__all__ = [{names}]
'''.format(names=", ".join(repr(n) for n in tops))
    return header + "\n\n" + "\n\n\n".join(gen.enum_blocks + gen.blocks) + "\n"


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
