"""What `plan` prints after planning: resources per component and type, then sizing and cost per model."""

from __future__ import annotations

from typing import Any, Iterator

from rich.markup import escape
from rich.table import Table



def summary_table(plan: Any) -> Table:
    """Resources per component and type. A column is never narrower than its longest word, so a narrow console
    wraps a component name at a space but never breaks a type token (rich folds or truncates what does not fit)."""
    from ..plan.output import summarize

    rows = []
    for component, counts in summarize(plan).items():
        for i, (typ, n) in enumerate(sorted(counts.items())):
            rows.append((component if i == 0 else "", typ, str(n)))
    table = Table(title=f"Plan for stack {plan.stack}: {len(plan.resources)} resources", show_lines=False)
    for i, header in enumerate(("component", "type", "count")):
        longest = max(len(word) for text in (header, *(row[i] for row in rows)) for word in text.split() or [""])
        table.add_column(header, min_width=longest, justify="right" if header == "count" else "left")
    for row in rows:
        table.add_row(*row)
    return table


def model_notes(plan: Any) -> Iterator[str]:
    """One line per model (backend, where it lands, TP/PP, memory per GPU, cold start, cost), then the cost lines."""
    outputs = getattr(plan, "outputs", None) or {}
    models = outputs.get("models")
    if isinstance(models, dict) and models:
        yield f"[bold]Models[/] ({len(models)}):"
        for name in sorted(models):
            if isinstance(models[name], dict):
                yield escape(_model_line(name, models[name]))
    yield from cost_notes(outputs.get("cost"))


def _model_line(name: str, m: dict[str, Any]) -> str:
    s = m.get("sizing") or {}
    cold = m.get("cold_start_seconds") or {}
    cost = m.get("cost_per_hour") or {}
    zero = " scale-to-zero" if m.get("canScaleToZero") else ""
    return (
        f"  {name}: {s.get('architecture')} → {m.get('backend')} on {m.get('pipeline_parallel')}×"
        f"{m.get('instance_type')} in pool {m.get('pool')} (TP {m.get('tensor_parallel')}, PP "
        f"{m.get('pipeline_parallel')}), {s.get('need_gib_per_gpu')}/{s.get('usable_gib_per_gpu')} GiB per GPU "
        f"({m.get('weights_gib')} GiB weights, {m.get('kv_cache_gib')} GiB KV cache), replicas "
        f"{s.get('min_replicas')}–{s.get('max_replicas')}{zero}, cold start ~{cold.get('new_node')}s "
        f"(warm node {cold.get('warm_node')}s), ${cost.get('min_replicas', 0):,.2f}–{cost.get('max_replicas', 0):,.2f}/h; "
        f"pool {m.get('pool')}: {m.get('placement')}"
    )


def cost_notes(cost: Any) -> Iterator[str]:
    """The `cost` output: every line (the platform floor, then each model) and the totals they add up to."""
    if not isinstance(cost, dict) or not cost.get("lines"):
        return
    yield "[bold]Cost[/] (USD per hour, low–high):"
    for line in cost["lines"]:
        yield escape(f"  {line['item']}: ${line['usd_per_hour_min']:,.2f}–{line['usd_per_hour_max']:,.2f} "
                     f"({line['basis']})")
    lo, hi = cost["total_usd_per_hour"]
    mlo, mhi = cost["total_usd_per_month"]
    asof = cost.get("prices_as_of") or {}
    yield escape(f"  total: ${lo:,.2f}–{hi:,.2f}/h (${mlo:,}–{mhi:,}/month; floor ${cost['floor_usd_per_hour'][0]:,.2f}"
                 f"–{cost['floor_usd_per_hour'][1]:,.2f}/h); prices as of {asof.get('gpu_instances')} (GPU "
                 f"instances), {asof.get('platform')} (platform)")
