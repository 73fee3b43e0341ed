"""The house rules of gpu_platform/, enforced: the pipeline flows one way, pure layers stay pure, modules stay small.

Read from source (AST), so the rules also cover imports inside functions. Every module must belong to a layer: a
new top-level module or package fails here until it is placed, which is the moment to decide where it belongs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gpu_platform"

# Left to right: a module may import its own layer and the layers to its left, never one to its right.
LAYERS: list[tuple[str, ...]] = [
    ("project", "secret", "_lazy", "catalog", "stack_yaml"),  # facts and leaves
    ("spec",),  # each section validated on its own
    ("sizing",),  # pure decisions about one model
    ("resolve",),  # sections related to each other; every model sized once
    ("render",),  # pure Kubernetes objects and Helm values
    ("components",),  # Pulumi resources
    ("config", "program"),  # a stack's config → the program
    ("plan",),  # the engine that runs the program offline
    ("policy",),  # checks over a plan
    ("verify", "schema", "docs", "golden", "cli", "dev", "__main__", "(root)"),  # what users and maintainers run
]
PURE = {"project", "secret", "_lazy", "catalog", "stack_yaml", "spec", "sizing", "resolve", "render", "policy"}
GENERATED = {"components/_schema.py"}
MAX_FILE_LINES, MAX_FUNCTION_LINES = 500, 80


def _layer_of(top: str) -> int:
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"gpu_platform.{top} belongs to no layer: add it to LAYERS in {__file__}")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(module: str, path: Path) -> set[str]:
    """Every module ``module`` imports, anywhere in its source (absolute names)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from . import x` imports x (maybe a submodule); `from .m import x` imports m (and x, if a module)
            found |= {f"{target}.{alias.name}" for alias in node.names}
            if node.module:
                found.add(target)
    return found


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(root)"


MODULES = _modules()
GRAPH = {m: {i for i in _imports(m, p) if i in MODULES} for m, p in MODULES.items()}


def test_every_module_has_a_layer():
    for module in MODULES:
        _layer_of(_top(module))


def test_no_module_imports_a_layer_to_its_right():
    wrong = [
        f"{m} imports {i}" for m in MODULES for i in GRAPH[m] if _layer_of(_top(i)) > _layer_of(_top(m))
    ]
    assert not wrong, "\n".join(wrong)


def test_pure_layers_import_no_pulumi():
    wrong = [
        f"{m} imports {i}"
        for m, p in MODULES.items()
        if _top(m) in PURE
        for i in _imports(m, p)
        if i == "pulumi" or i.startswith(("pulumi.", "pulumi_"))
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_between_layers_or_modules():
    """Tarjan's strongly connected components over module imports (a package's own re-exports excepted: a
    package __init__ importing its submodules, which import it back for a sibling, is how packages work)."""
    graph = {m: {i for i in deps if not (i == m.rsplit(".", 1)[0] or m == i.rsplit(".", 1)[0])}
             for m, deps in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles


def _relative(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


@pytest.mark.parametrize("path", [p for p in MODULES.values() if _relative(p) not in GENERATED], ids=_relative)
def test_small_rooms(path: Path):
    source = path.read_text()
    assert len(source.splitlines()) <= MAX_FILE_LINES, f"{_relative(path)}: split it by concern"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{_relative(path)}: {', '.join(long)}"


def test_the_rules_can_fail():
    """The checks above find what they are for (a rule that cannot fail guards nothing)."""
    assert _layer_of("spec") < _layer_of("sizing") < _layer_of("resolve") < _layer_of("render") < _layer_of("components")
    fake = PACKAGE / "spec" / "platform.py"
    assert "gpu_platform.spec._base" in _imports("gpu_platform.spec.platform", fake)
    with pytest.raises(AssertionError, match="belongs to no layer"):
        _layer_of("brand_new_module")
