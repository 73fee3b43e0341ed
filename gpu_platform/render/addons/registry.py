"""Every add-on, checked once at import, and the install order derived from their ``after`` edges."""

from __future__ import annotations

import graphlib
import heapq
import importlib
import pkgutil
from types import ModuleType
from typing import Iterable, Sequence

from ...catalog.versions import CHARTS
from ...spec import PlatformSpec
from .base import AddOn, ReleasePlan

_NOT_ADDONS = frozenset({"base", "placement", "registry"})
"""Modules of this package that declare no add-on."""


def discover(package: ModuleType) -> tuple[AddOn, ...]:
    """Every :class:`AddOn` declared at module level in ``package``'s modules, by key: a new module is found
    without being listed anywhere."""
    found: dict[int, AddOn] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in _NOT_ADDONS:
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, AddOn):
                found[id(value)] = value
    return tuple(sorted(found.values(), key=lambda a: a.key))


ADDONS: tuple[AddOn, ...] = discover(importlib.import_module(__package__))
"""The registry, sorted by key. Install order comes from ``after`` (ties broken by key), never from this order."""


def topological(addons: Sequence[AddOn]) -> list[AddOn]:
    """``addons`` ordered so each comes after every member of ``addons`` it names in ``after``; among add-ons free
    to go next the smallest key goes first, so the order never depends on declaration or import order.

    Raises ValueError naming the add-ons on a cycle.
    """
    by_key = {a.key: a for a in addons}
    sorter = graphlib.TopologicalSorter({a.key: [k for k in a.after if k in by_key] for a in addons})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        raise ValueError(f"add-on install order has a cycle through {', '.join(sorted(set(exc.args[1])))}") from None
    free: list[str] = []
    order: list[AddOn] = []
    while sorter.is_active():
        for key in sorter.get_ready():
            heapq.heappush(free, key)
        key = heapq.heappop(free)
        order.append(by_key[key])
        sorter.done(key)
    return order


def check(addons: Sequence[AddOn], charts: Iterable[str]) -> None:
    """Raise ValueError unless keys are unique catalog charts, every ``after`` names a known add-on, and the
    ``after`` graph has no cycle."""
    keys = [a.key for a in addons]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate add-on keys: {sorted({k for k in keys if keys.count(k) > 1})}")
    unpinned = sorted(set(keys) - set(charts))
    if unpinned:
        raise ValueError(f"add-ons without a catalog chart (catalog.versions.CHARTS): {', '.join(unpinned)}")
    for a in addons:
        unknown = [k for k in a.after if k not in keys]
        if unknown:
            raise ValueError(f"add-on {a.key!r} is ordered after unknown add-ons {unknown}")
    topological(addons)


check(ADDONS, CHARTS)

BY_KEY: dict[str, AddOn] = {a.key: a for a in ADDONS}


def install_order(spec: PlatformSpec, group: str, addons: Sequence[AddOn] = ADDONS) -> list[AddOn]:
    """The add-ons of ``group`` the spec enables, in install order."""
    return topological([a for a in addons if a.group == group and a.enabled(spec)])


def release_plans(
    spec: PlatformSpec, group: str, installed_elsewhere: Iterable[str] = (), addons: Sequence[AddOn] = ADDONS
) -> list[ReleasePlan]:
    """The releases of ``group`` in install order. ``installed_elsewhere`` names add-ons other components install
    (e.g. kube-prometheus-stack for the GPU group): their ``after`` edges become dependencies and values may adapt
    to them."""
    order = install_order(spec, group, addons)
    installed = frozenset(a.key for a in order) | frozenset(installed_elsewhere)
    return [a.plan(spec, installed) for a in order]
