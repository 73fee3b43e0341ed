"""A component's outputs, declared once: the ``pulumi.Output[...]``-annotated attributes of its class, each with
its docstring.

The Python component registers exactly these (:func:`register_declared_outputs`), and the multi-language package's
facades are generated from the same declarations (``python -m gpu_platform schema --write-args``), so an output
cannot exist in Python and be missing in other languages. Attributes annotated with anything else (a provider, a
``PlatformRef``, plain data) are Python-only conveniences, not outputs.
"""

from __future__ import annotations

import ast
import inspect
import typing
from functools import lru_cache
from typing import Any

import pulumi


@lru_cache(maxsize=None)
def output_types(cls: type) -> dict[str, Any]:
    """``{attribute: T}`` for each ``attribute: pulumi.Output[T]`` the class itself declares, in declaration order."""
    # eval_str resolves the annotations (strings under `from __future__ import annotations`) in the class's module.
    hints = inspect.get_annotations(cls, eval_str=True)
    out: dict[str, Any] = {}
    for name, hint in hints.items():
        if typing.get_origin(hint) is pulumi.Output and not name.startswith("_"):
            (out[name],) = typing.get_args(hint)
    return out


def output_docs(cls: type) -> dict[str, str]:
    """The docstring under each annotated attribute of ``cls``, read from source (Python keeps none at runtime)."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, following in zip(body, body[1:]):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
                if isinstance(following.value.value, str):
                    docs[node.target.id] = inspect.cleandoc(following.value.value)
    return docs


def exported_name(attribute: str) -> str:
    """The wire (camelCase) name of an output, as every Pulumi language sees it: ``cluster_name`` → ``clusterName``."""
    # The same rule as the provider host's schema inference (pulumi.provider.experimental.util.camel_case).
    first, *rest = attribute.split("_")
    return first + "".join(w[:1].upper() + w[1:] for w in rest)


def declared_outputs(component: pulumi.ComponentResource) -> dict[str, Any]:
    """The component's declared outputs by their exported names (set on the instance before this is called)."""
    return {exported_name(name): getattr(component, name) for name in output_types(type(component))}


def register_declared_outputs(component: pulumi.ComponentResource) -> None:
    """``register_outputs`` with exactly the declared outputs, so state, Python and the package schema agree."""
    component.register_outputs(declared_outputs(component))
