"""The cost delta of a change, for the PR comment: the `cost` output of two plans, total and line by line."""

from __future__ import annotations

from typing import Any, Optional


def _lines(cost: Optional[dict[str, Any]]) -> dict[str, tuple[str, float, float]]:
    """Lines by their stable key: (label, low, high)."""
    return {line.get("key", line["item"]): (line["item"], line["usd_per_hour_min"], line["usd_per_hour_max"])
            for line in (cost or {}).get("lines", [])}


def _money(lo: float, hi: float) -> str:
    return f"${lo:,.2f}" if abs(lo - hi) < 0.005 else f"${lo:,.2f}–{hi:,.2f}"


def _delta(lo: float, hi: float) -> str:
    def signed(x: float) -> str:
        return f"{'+' if x >= 0 else '−'}${abs(x):,.2f}"

    return signed(lo) if abs(lo - hi) < 0.005 else f"{signed(lo)} … {signed(hi)}"


def cost_delta_markdown(old: Optional[dict[str, Any]], new: Optional[dict[str, Any]]) -> list[str]:
    """Markdown lines: the hourly total before and after and the difference, then the lines that changed. Nothing
    when neither plan has a `cost` output or nothing changed."""
    if not old and not new:
        return []
    before = (old or {}).get("total_usd_per_hour", [0.0, 0.0])
    after = (new or {}).get("total_usd_per_hour", [0.0, 0.0])
    old_lines, new_lines = _lines(old), _lines(new)
    changed = [key for key in dict.fromkeys([*old_lines, *new_lines]) if old_lines.get(key) != new_lines.get(key)]
    if before == after and not changed:
        return []
    d_lo, d_hi = after[0] - before[0], after[1] - before[1]
    out = [f"**Cost**: {_money(*before)}/h → {_money(*after)}/h (**{_delta(d_lo, d_hi)}/h**, about "
           f"{_delta(d_lo * 730, d_hi * 730)}/month at list prices)", ""]
    if changed:
        out += ["| cost line | before ($/h) | after ($/h) |", "|---|---|---|"]
        for key in changed:
            was, now = old_lines.get(key), new_lines.get(key)
            label = (now or was)[0]  # type: ignore[index]
            out.append(f"| {label} | {_money(*was[1:]) if was else '—'} | {_money(*now[1:]) if now else '—'} |")
        out.append("")
    return out
