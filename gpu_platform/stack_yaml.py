"""Read a stack file's YAML defensively: bounded size after alias expansion, bounded depth, no duplicate keys.

PyYAML shares the object an alias points to, so a "billion laughs" file loads in microseconds and then costs
minutes and gigabytes in whatever walks it (validation, JSON for the engine). The expanded size is computed on the
composed node graph with memoisation (linear in the file) and refused above a bound. A repeated key is refused
instead of letting the last one silently win (YAML 1.2 requires unique keys; PyYAML does not check).
"""

from __future__ import annotations

from typing import Any, Optional

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_EXPANDED_NODES = 50_000
"""A real stack file has a few hundred nodes; this leaves room for big model lists and none for an alias bomb."""
MAX_DEPTH = 40
"""Deeper than any field path the spec has (about ten levels)."""


class StackYamlError(ValueError):
    """Refused YAML: ``path`` (dotted, may be empty) and a message with the line and a hint."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


class _Loader(yaml.SafeLoader):
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Node] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *defaults`: merged keys may be overridden, that is the point of a merge
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # unhashable key: PyYAML's own error follows
                break
            if first is not None:
                raise StackYamlError(
                    "", f"duplicate key {key!r} at line {key_node.start_mark.line + 1} (first at line "
                        f"{first.start_mark.line + 1}): YAML keys must be unique and the last one would silently win; "
                        "keep one",
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _check_shape(root: Node) -> None:
    """Refuse graphs whose expansion or depth is out of bounds, naming the path where it happens."""
    sizes: dict[int, int] = {}

    def size(node: Node, depth: int, path: str) -> int:
        if depth > MAX_DEPTH:
            raise StackYamlError(path, f"nested deeper than {MAX_DEPTH} levels (line {node.start_mark.line + 1}); "
                                       "no configuration field is that deep")
        key = id(node)
        if key in sizes:
            return sizes[key]
        sizes[key] = 1  # a cycle (a recursive alias) counts once and is refused by the constructor
        total = 1
        if isinstance(node, SequenceNode):
            for i, child in enumerate(node.value):
                total += size(child, depth + 1, f"{path}[{i}]")
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                name = k.value if isinstance(k, ScalarNode) else "?"
                total += size(k, depth + 1, path) + size(v, depth + 1, f"{path}.{name}" if path else str(name))
        if total > MAX_EXPANDED_NODES:
            raise StackYamlError(
                path, f"expands to more than {MAX_EXPANDED_NODES} values through aliases (line "
                      f"{node.start_mark.line + 1}); stack files need no such repetition: write the values out"
            )
        sizes[key] = total
        return total

    size(root, 0, "")


def _hint(problem: str, line: str) -> str:
    if "\t" in line or "found character '\\t'" in problem:
        return "YAML indents with spaces, never tabs"
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted"
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return "check the indentation of this line against the one above"
    if "found undefined alias" in problem:
        return "an alias (*name) must follow its anchor (&name)"
    return "check quoting and indentation"


def load(text: str) -> Optional[Any]:
    """Parse one YAML document; raise :class:`StackYamlError` for broken, oversized, too deep or ambiguous YAML."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_shape(node)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or str(exc)
        if mark is None:
            raise StackYamlError("", f"broken YAML: {problem}") from None
        lines = text.splitlines()
        line = lines[mark.line] if mark.line < len(lines) else ""
        raise StackYamlError(
            "", f"broken YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}\n"
                f"    {line}\n    {' ' * mark.column}^ {_hint(problem, line)}"
        ) from None
    except yaml.YAMLError as exc:
        raise StackYamlError("", f"broken YAML: {exc}") from None
    except RecursionError:
        raise StackYamlError("", f"nested deeper than {MAX_DEPTH} levels; no configuration field is that deep") from None
    finally:
        loader.dispose()
