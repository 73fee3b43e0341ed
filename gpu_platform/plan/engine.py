"""The recording engine: run a Pulumi program under the SDK's mock engine and record every registration.

This is the engine of ``python -m gpu_platform plan`` and of every component test::

    from gpu_platform.plan import run_program

    plan = run_program(lambda: GpuPlatform("p", spec), stack="test")
    [vpc] = plan.by_type("aws:ec2/vpc:Vpc")
    assert vpc.inputs["enableDnsHostnames"] is True

Assertions read the record only after the program and every outstanding RPC and output have finished, so late
registrations (resources created once their ``depends_on`` resolve) are never missed.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional

from ..secret import SECRET  # re-exported: gpu_platform.plan.SECRET

UNKNOWN = "[unknown]"

# Signatures Pulumi uses to mark special values on the wire (pulumi/runtime/rpc.py).
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SIG_SECRET = "1b47061264138c4ac30d75fd1eb44270"
_SIG_RESOURCE = "5cf8f73096256a8f31e491e813e4eb8e"
_SIG_OUTPUT = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
_SIG_ASSET_OR_ARCHIVE = ("c44067f5952c0a294b673a41bacd8c17", "0def7320c3a5731c473e5ecbe6d01bc7")  # asset, archive: kept as data
_UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def clean_value(value: Any) -> Any:
    """Plain JSON from a wire value: secrets → ``[secret]``, resource refs → URN, whole floats → int."""
    if isinstance(value, dict):
        sig = value.get(_SIG_KEY)
        if sig == _SIG_SECRET:
            return SECRET
        if sig == _SIG_RESOURCE:
            return value.get("urn")
        if sig == _SIG_OUTPUT:
            if value.get("secret"):
                return SECRET
            return clean_value(value["value"]) if "value" in value else UNKNOWN
        if sig in _SIG_ASSET_OR_ARCHIVE:
            return {k: clean_value(v) for k, v in value.items() if k != _SIG_KEY}
        # Protobuf maps carry no order: sort keys so two plans of the same program are byte-identical.
        return {k: clean_value(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == _UNKNOWN_VALUE:
        return UNKNOWN
    return value


@dataclass
class PlanResource:
    """One registered resource, as the engine saw it."""

    urn: str
    type: str
    name: str
    parent: Optional[str]
    custom: bool
    provider: Optional[str]
    dependencies: list[str]
    inputs: dict[str, Any]
    state: Any = field(default=None, repr=False)
    """The (mocked) provider's output state, as returned; read it through :attr:`outputs`."""

    @property
    def outputs(self) -> dict[str, Any]:
        """Output properties as plain JSON (secrets masked), computed on first use."""
        return clean_value(_jsonable(self.state or {}))

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "provider": self.provider,
            "dependencies": list(self.dependencies),
            "inputs": self.inputs,
        }

    @property
    def is_kubernetes_object(self) -> bool:
        """A Kubernetes object registered directly (not a provider, Helm release or remote chart)."""
        t = self.type
        if not t.startswith("kubernetes:") or t.startswith("kubernetes:helm.sh/"):
            return False
        return t.split(":")[1] not in ("yaml", "yaml/v2", "kustomize", "kustomize/v2") and "apiVersion" in self.inputs

    @property
    def is_helm(self) -> bool:
        return self.type.startswith("kubernetes:helm.sh/")

    def get(self, path: str, default: Any = None) -> Any:
        """Read a dotted path (``spec.template.spec``) from the inputs; list indices allowed (``containers.0``)."""
        node: Any = self.inputs
        for part in path.split("."):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return default
        return node


@dataclass
class Plan:
    """Every resource a program registered, in registration order, plus its stack outputs."""

    project: str
    stack: str
    resources: list[PlanResource]
    outputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[PlanResource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def by_type(self, type_: str) -> list[PlanResource]:
        return [r for r in self.resources if r.type == type_]

    def by_urn(self, urn: str) -> PlanResource:
        index = self.__dict__.get("_urn_index")
        if index is None or len(index) != len(self.resources):
            index = self.__dict__["_urn_index"] = {r.urn: r for r in self.resources}
        return index[urn]

    def named(self, name: str, type_: Optional[str] = None) -> PlanResource:
        """The one resource with this logical name (and type, if given)."""
        hits = [r for r in self.resources if r.name == name and (type_ is None or r.type == type_)]
        if len(hits) != 1:
            raise KeyError(f"{len(hits)} resources named {name!r}" + (f" of type {type_}" if type_ else ""))
        return hits[0]

    def children(self, urn: str) -> list[PlanResource]:
        return [r for r in self.resources if r.parent == urn]

    def descendants(self, urn: str) -> list[PlanResource]:
        out: list[PlanResource] = []
        frontier = [urn]
        while frontier:
            kids = [r for r in self.resources if r.parent in frontier]
            out += kids
            frontier = [k.urn for k in kids]
        return out

    def depends_on(self, resource: PlanResource, other: PlanResource) -> bool:
        """True when ``resource`` (transitively, through dependencies or parents' dependencies) waits for ``other``."""
        seen: set[str] = set()
        todo = [resource.urn]
        while todo:
            urn = todo.pop()
            if urn in seen:
                continue
            seen.add(urn)
            node = self.by_urn(urn)
            if other.urn in node.dependencies:
                return True
            todo += node.dependencies
            if node.parent:
                todo.append(node.parent)
        return False

    def kubernetes_objects(self) -> list[PlanResource]:
        return [r for r in self.resources if r.is_kubernetes_object]

    def manifests(self, kind: Optional[str] = None) -> list[dict[str, Any]]:
        return [r.inputs for r in self.kubernetes_objects() if kind is None or r.inputs.get("kind") == kind]

    def helm_releases(self) -> list[PlanResource]:
        return [r for r in self.resources if r.is_helm]

    def helm(self, release: str) -> PlanResource:
        """The Helm release whose ``name`` input (the release name) is ``release``."""
        hits = [r for r in self.helm_releases() if r.inputs.get("name") == release]
        if len(hits) != 1:
            raise KeyError(f"{len(hits)} Helm releases named {release!r}")
        return hits[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [r.to_json() for r in self.resources],
            # The stack's exports as `pulumi up` would report them (secrets as [secret]): sizing and cost per model.
            "outputs": {k: self.outputs[k] for k in sorted(self.outputs)},
        }


def _provider_urn(ref: str) -> Optional[str]:
    # Provider references are "<urn>::<id>".
    return ref.rsplit("::", 1)[0] if ref else None


def _record_from_request(request: Any, urn: str) -> PlanResource:
    from google.protobuf import json_format

    raw_inputs = json_format.MessageToDict(request.object) if request.object else {}
    deps = sorted(set(request.dependencies))
    return PlanResource(
        urn=urn,
        type=request.type,
        name=request.name,
        parent=request.parent or None,
        custom=bool(request.custom),
        provider=_provider_urn(request.provider),
        dependencies=deps,
        inputs=clean_value(raw_inputs),
    )


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _recording_monitor(mocks: Any, *, project: str, stack: str, records: list[PlanResource]) -> Any:
    """A mock monitor that appends every registration to ``records`` (the stack itself as a bare record)."""
    from pulumi.runtime import mocks as pmocks

    lock = threading.Lock()

    class RecordingMonitor(pmocks.MockMonitor):
        def make_urn(self, parent: str, type_: str, name: str) -> str:
            # The real engine qualifies a child's type with every ancestor's type, but not the stack's;
            # the stock mock keeps only the parent's last type. Match the engine so URNs (and aliases) are real.
            if parent:
                qualified = parent.split("::")[2]
                if qualified != "pulumi:pulumi:Stack":
                    type_ = f"{qualified}${type_}"
            return f"urn:pulumi:{stack}::{project}::{type_}::{name}"

        def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
            response = super().RegisterResource(request)
            if request.type != "pulumi:pulumi:Stack":
                record = _record_from_request(request, response.urn)
                reg = self.resources.get(response.urn)
                record.state = reg.state if reg is not None else None
                with lock:
                    records.append(record)
            else:
                with lock:
                    records.append(
                        PlanResource(response.urn, request.type, request.name, None, False, None, [], {})
                    )
            return response

    return RecordingMonitor(mocks)


def _reset_runtime(config: Mapping[str, Any], secret_keys: Iterable[str]) -> None:
    """Fresh global state for every run: config, root stack, outstanding work."""
    import pulumi
    from pulumi.runtime import config as pconfig
    from pulumi.runtime import settings as psettings

    pconfig.CONFIG.set({})
    pconfig._SECRET_KEYS.set(set())
    wire_config = {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in config.items()}
    pulumi.runtime.set_all_config(wire_config, list(secret_keys))
    psettings.ROOT.set(None)
    psettings.SETTINGS.rpc_manager.clear()
    psettings.SETTINGS.outputs.clear()


def run_program(
    program: Callable[[], Any],
    *,
    project: str = "gpu-platform",
    stack: str = "test",
    config: Optional[Mapping[str, Any]] = None,
    secret_keys: Iterable[str] = (),
    region: Optional[str] = None,
    mocks: Any = None,
) -> Plan:
    """Run ``program`` under the mock engine and return the recorded :class:`Plan`.

    ``config`` holds full keys (``"aws:region"``, ``"gpu-platform:platform"``); object values may be dicts and are
    passed as JSON, as the Pulumi CLI does. Exceptions raised by the program (and inside ``apply``) propagate.
    """
    from pulumi.runtime import mocks as pmocks
    from pulumi.runtime import settings as psettings
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    from .mocks import PlanMocks

    config = dict(config or {})
    region = region or config.get("aws:region") or "us-west-2"
    mocks = mocks or PlanMocks(region=str(region))

    records: list[PlanResource] = []
    _reset_runtime(config, secret_keys)

    collector = _LogCollector()
    logger = logging.getLogger(f"gpu_platform.plan.{stack}")
    logger.propagate = False
    logger.handlers = [collector]
    monitor = _recording_monitor(mocks, project=project, stack=stack, records=records)
    pmocks.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor, logger=logger)

    try:
        _sync_await(run_pulumi_func(program))
    except Exception as exc:
        # What was registered before the failure, for "nothing was registered" claims in tests and for debugging.
        exc.registered = [r.urn for r in stable_order(records)]  # type: ignore[attr-defined]
        raise
    check_unique(records)
    root = psettings.get_root_resource()
    exported = _sync_await(_resolve_outputs(getattr(root, "outputs", {}) or {}))
    return Plan(project=project, stack=stack, resources=stable_order(records), outputs=exported, warnings=collector.messages)


class DuplicateResourceError(Exception):
    """Two registrations that a real deployment could not both create (same URN, or same Kubernetes object)."""


def check_unique(records: list[PlanResource]) -> None:
    """Fail loudly where the real engine (duplicate URN) or the cluster (one object, two owners) would.

    The mock monitor keeps the last registration of a URN and silently drops the other; two Pulumi resources for one
    Kubernetes object would overwrite each other on every `up`. Both mean two components were given one name.
    """
    problems: list[str] = []
    urns: dict[str, int] = {}
    objects: dict[tuple[str, str, str, str], str] = {}
    for r in sorted(records, key=lambda r: r.urn):  # registration order varies run to run; the message must not
        urns[r.urn] = urns.get(r.urn, 0) + 1
        if r.is_kubernetes_object:
            meta = r.inputs.get("metadata") or {}
            api = str(r.inputs.get("apiVersion", ""))
            key = (api.split("/")[0] if "/" in api else "", str(r.inputs.get("kind")), str(meta.get("namespace") or ""),
                   str(meta.get("name")))
            if key in objects and objects[key] != r.urn:
                where = f"{key[2]}/{key[3]}" if key[2] else key[3]
                problems.append(f"{key[1]} {where} is registered twice: {objects[key]} and {r.urn}")
            objects.setdefault(key, r.urn)
    problems += [f"{urn} is registered {n} times" for urn, n in urns.items() if n > 1]
    if problems:
        raise DuplicateResourceError(
            "duplicate resources (give each component and model a unique name):\n  " + "\n  ".join(problems)
        )


def stable_order(records: list[PlanResource]) -> list[PlanResource]:
    """A registration order that is the same on every run: each resource after its parent and dependencies.

    The SDK registers resources from many coroutines, so the raw order varies between runs; any topological order
    of the parent/dependency graph is one the engine could have produced. Ties are broken by URN.
    """
    import heapq

    by_urn = {r.urn: r for r in records}
    waits = {r.urn: {u for u in [r.parent, *r.dependencies] if u in by_urn and u != r.urn} for r in records}
    dependents: dict[str, list[str]] = {u: [] for u in by_urn}
    for urn, needs in waits.items():
        for n in needs:
            dependents[n].append(urn)
    ready = [u for u, needs in waits.items() if not needs]
    heapq.heapify(ready)
    out: list[PlanResource] = []
    while ready:
        urn = heapq.heappop(ready)
        out.append(by_urn[urn])
        for d in dependents[urn]:
            waits[d].discard(urn)
            if not waits[d]:
                heapq.heappush(ready, d)
    if len(out) != len(records):  # a cycle cannot happen in a real registration; keep everything regardless
        seen = {r.urn for r in out}
        out += [r for r in records if r.urn not in seen]
    return out


def _jsonable(value: Any) -> Any:
    """Mock state may hold Python objects; keep what JSON can carry."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


async def _resolve_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    import pulumi

    resolved: dict[str, Any] = {}
    for key, value in outputs.items():
        out = pulumi.Output.from_input(value)
        if await out.is_secret():
            resolved[key] = SECRET
        else:
            resolved[key] = clean_value(_jsonable(await out.future(with_unknowns=True)))
    return resolved
