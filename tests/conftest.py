import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Property tests: enough examples to find edge cases, bounded so `make test` stays quick on 2 cores.
settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
