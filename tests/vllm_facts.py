"""vLLM 0.33.0 `vllm serve` flags as read from the pinned wheel, parsed from ../shared/upstream/facts.md.

The facts file's vLLM table (sources: vllm/engine/arg_utils.py, vllm/entrypoints/common/cli_args.py,
vllm/entrypoints/cli/serve.py of the 0.33.0 wheel) says which flags are still there and which are removed. Tests
compare the library's flag tables and rendered command lines with this, never with the library's own tables.
"""

from __future__ import annotations

import re
from functools import lru_cache

from support import UPSTREAM

_FLAG = re.compile(r"`(-{1,2}[a-z][a-z0-9-]*)`")

# Flags facts.md does not list but vLLM has had for years; each says where it was read.
DOCUMENTED_ELSEWHERE = {
    # docs.vllm.ai/en/v0.8.5/serving/engine_args.html: "--revision: The specific model version to use. It can be a
    # branch name, a tag name, or a commit id." Unverified in the 0.33.0 wheel itself (facts.md does not list it).
    "--revision",
}


@lru_cache(maxsize=None)
def vllm_033_flags() -> tuple[frozenset[str], frozenset[str]]:
    """(flags still there, flags removed) in vLLM 0.33.0, from facts.md's `## vLLM 0.33.0` table."""
    text = (UPSTREAM / "facts.md").read_text()
    section = text.split("## vLLM 0.33.0", 1)[1].split("\n## ", 1)[0]
    present: set[str] = set()
    removed: set[str] = set()
    for line in section.splitlines():
        if not line.startswith("|") or line.startswith(("| flag", "|---")):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        first, status, notes = cells[0], cells[1], cells[2] if len(cells) > 2 else ""
        if first.startswith("Also removed"):  # `| Also removed (no CLI flag) | flags | notes |`
            removed |= set(_FLAG.findall(status))
            present |= set(_FLAG.findall(notes))
        elif first == "still there":  # `| still there | flags | |`
            present |= set(_FLAG.findall(status))
        elif "removed" in status:
            removed |= set(_FLAG.findall(first))
            present |= set(_FLAG.findall(notes))  # successors named in the notes
        else:
            present |= set(_FLAG.findall(first)) | set(_FLAG.findall(notes))
    return frozenset(present - removed), frozenset(removed)


@lru_cache(maxsize=None)
def vllm_033_metric_series() -> frozenset[str]:
    """Series names vLLM 0.33.0 exports on /metrics, from facts.md's metrics list (vllm/v1/metrics/loggers.py):
    gauges as named, counters with `_total`, histograms (the TTFT one and the `_seconds` latencies under "Others")
    as `_bucket`, `_sum` and `_count`. Names facts.md says are gone are left out."""
    text = (UPSTREAM / "facts.md").read_text()
    section = text.split("## vLLM 0.33.0", 1)[1].split("\n## ", 1)[0]
    metrics = section.split("Metrics (", 1)[1].split("HTTP endpoints", 1)[0]
    series: set[str] = set()
    for line in metrics.splitlines():
        line = line.split("**", 1)[0]  # "`vllm:kv_cache_usage_perc` (Gauge ...). **The old ... name is gone.**"
        names = re.findall(r"`(vllm:[a-z0-9_]+)`", line)
        if not line.startswith("- ") or not names or "gone" in line:
            continue
        if line.startswith("- Counters"):
            series |= {f"{n}_total" for n in names}
        elif "histogram" in line or line.startswith("- Others"):
            series |= {f"{n}{s}" for n in names for s in ("_bucket", "_sum", "_count")}
        else:
            series |= set(names)
    return frozenset(series)
