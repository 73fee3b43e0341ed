import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Property tests: enough examples to find edge cases, bounded so `make test` stays quick on 2 cores.
settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# `pytest --hypothesis-profile=explicit`: only the @example inputs run. Every @reaches test still passes, so each
# branch it declares is reached by its hand-picked examples, whatever hypothesis draws (tests/branches.py).
settings.register_profile("explicit", phases=[Phase.explicit], deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_terminal_summary(terminalreporter):
    """Say loudly when tests checking against the upstream ground truth did not run (a clone without ../shared)."""
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if "upstream ground truth not found" in str(getattr(r, "longrepr", ""))]
    if skipped:
        terminalreporter.write_line(
            f"UPSTREAM GROUND TRUTH MISSING: {len(skipped)} tests that validate against ../shared/upstream did not run",
            red=True, bold=True,
        )


def pytest_collection_modifyitems(config, items):
    """Under `make mutate`: run a mutant's tests fastest first.

    mutmut hands each mutant its covering tests as an unordered set and stops at the first failure (-x), so without
    this a mutant a 10 ms unit test kills often waits for the stack tests (seconds each) that happened to come first.
    The durations are mutmut's own, from its clean run (mutants/mutmut-stats.json; pytest runs inside mutants/).
    """
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
        return
    stats = Path("mutmut-stats.json")
    if not stats.is_file():
        return
    import json

    duration = json.loads(stats.read_text()).get("duration_by_test", {})
    items.sort(key=lambda item: duration.get(item.nodeid, float("inf")))
