"""The cost delta in the PR comment: totals before and after, the difference, and the lines that changed."""

from __future__ import annotations

from gpu_platform.plan.cost_diff import cost_delta_markdown


def _cost(lines):
    low, high = sum(l[2] for l in lines), sum(l[3] for l in lines)
    return {"lines": [{"key": k, "item": i, "usd_per_hour_min": lo, "usd_per_hour_max": hi} for k, i, lo, hi in lines],
            "total_usd_per_hour": [low, high]}


def test_a_change_shows_the_totals_the_delta_and_the_changed_line():
    old = _cost([("eks", "EKS control plane", 0.1, 0.1), ("model/a", "model a (1–2 replicas)", 1.0, 2.0)])
    new = _cost([("eks", "EKS control plane", 0.1, 0.1), ("model/a", "model a (1–4 replicas)", 1.0, 4.0)])
    text = "\n".join(cost_delta_markdown(old, new))
    assert "$1.10–2.10/h → $1.10–4.10/h" in text and "+$0.00 … +$2.00/h" in text
    assert "+$1,460.00/month" in text  # 2 $/h × 730 h
    assert "| model a (1–4 replicas) | $1.00–2.00 | $1.00–4.00 |" in text and "EKS" not in text.split("|---|")[1]


def test_added_and_removed_lines_and_no_change():
    old = _cost([("eks", "EKS control plane", 0.1, 0.1)])
    new = _cost([("eks", "EKS control plane", 0.1, 0.1), ("model/b", "model b", 2.0, 2.0)])
    text = "\n".join(cost_delta_markdown(old, new))
    assert "| model b | — | $2.00 |" in text and "**+$2.00/h**" in text
    assert cost_delta_markdown(old, old) == [] and cost_delta_markdown(None, None) == []
