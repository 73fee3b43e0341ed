"""What `plan` prints after planning: resources per component and type, then sizing and cost per model."""

from __future__ import annotations

from typing import Any, Iterator

from rich.markup import escape
from rich.table import Table

from ..catalog.gpus import HOURS_PER_MONTH


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
    """One line per model (backend, instance × nodes, TP/PP, memory per GPU, cold start, cost), then the total."""
    models = (getattr(plan, "outputs", None) or {}).get("models")
    if not isinstance(models, dict) or not models:
        return
    yield f"[bold]Models[/] ({len(models)}):"
    total_min = total_max = spot_min = spot_max = 0.0
    as_of = ""
    for name in sorted(models):
        m = models[name]
        if not isinstance(m, dict):
            continue
        s, c = m.get("sizing") or {}, m.get("cost") or {}
        cold = s.get("cold_start") or {}
        zero = " scale-to-zero" if m.get("canScaleToZero") else ""
        yield escape(
            f"  {name}: {s.get('architecture')} → {m.get('backend')} on {m.get('pipelineParallelSize')}×"
            f"{m.get('instanceType')} (TP {m.get('tensorParallelSize')}, PP {m.get('pipelineParallelSize')}), "
            f"{s.get('need_gib_per_gpu')}/{s.get('usable_gib_per_gpu')} GiB per GPU, replicas "
            f"{s.get('min_replicas')}–{s.get('max_replicas')}{zero}, cold start ~{cold.get('total_s')}s "
            f"(warm {cold.get('warm_s')}s, probe budget {s.get('startup_budget_s')}s), "
            f"${c.get('on_demand_hourly_min', 0):.2f}–{c.get('on_demand_hourly_max', 0):.2f}/h on-demand, "
            f"${c.get('spot_hourly_min', 0):.2f}–{c.get('spot_hourly_max', 0):.2f}/h spot"
        )
        total_min += c.get("on_demand_hourly_min", 0)
        total_max += c.get("on_demand_hourly_max", 0)
        spot_min += c.get("spot_hourly_min", 0)
        spot_max += c.get("spot_hourly_max", 0)
        as_of = c.get("prices_as_of", as_of)
    yield escape(
        f"  total: ${total_min:,.2f}–{total_max:,.2f}/h on-demand "
        f"(${total_min * HOURS_PER_MONTH:,.0f}–{total_max * HOURS_PER_MONTH:,.0f}/month), "
        f"${spot_min:,.2f}–{spot_max:,.2f}/h spot; catalog prices as of {as_of}"
    )
