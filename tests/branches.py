"""Property tests that declare their branches, and fail when a run did not reach every one of them.

A property test with an ``if`` (or a refusal it tolerates) only tests both arms when hypothesis happens to draw
inputs for both; a run that never reaches one arm still passes. ``@reaches`` makes that a failure::

    @reaches("refused", "accepted")          # outermost: after hypothesis has run every example
    @example(lo=3, hi=2)                     # explicit examples always run: one per branch
    @example(lo=2, hi=3)
    @given(lo=st.integers(), hi=st.integers())
    def test_min_never_exceeds_max(branch, lo, hi):
        if lo > hi:
            branch("refused")
            ...
        else:
            branch("accepted")
            ...

The test takes a ``branch`` argument (supplied here, not by hypothesis or pytest) and calls it with the name of the
branch each example reaches; naming an undeclared branch is an error too.

Give each branch an ``@example`` (or a strategy that only draws inputs for it), so reaching it never depends on
what hypothesis happens to draw: ``pytest --hypothesis-profile=explicit`` runs the explicit examples alone, and every
``@reaches`` test must still pass.
"""

from __future__ import annotations

import functools
import inspect
from collections import Counter
from typing import Callable


def reaches(*branches: str) -> Callable:
    """Decorate a ``@given`` test (outermost) to assert, after all its examples, that each of ``branches`` ran."""
    declared = set(branches)
    if not declared or len(declared) != len(branches):
        raise ValueError(f"declare each branch once: {branches}")

    def decorate(test: Callable) -> Callable:
        if not hasattr(test, "hypothesis"):
            raise TypeError(f"@reaches goes above @given (and @example/@settings) on {test.__name__}")

        @functools.wraps(test)
        def run(*args, **kwargs):
            hits: Counter[str] = Counter()

            def branch(name: str) -> None:
                if name not in declared:
                    raise AssertionError(f"branch {name!r} is not declared in @reaches{tuple(branches)}")
                hits[name] += 1

            test(*args, branch=branch, **kwargs)
            missed = [b for b in branches if not hits[b]]
            assert not missed, f"{test.__name__} never reached {missed} (reached: {dict(hits)})"

        # pytest must not look for a `branch` fixture: the signature it sees leaves it out.
        signature = inspect.signature(test)
        run.__signature__ = signature.replace(parameters=[p for n, p in signature.parameters.items() if n != "branch"])
        return run

    return decorate
