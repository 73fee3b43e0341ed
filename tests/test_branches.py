"""The @reaches helper (tests/branches.py): it passes when every declared branch ran and fails when one did not."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from branches import reaches


@reaches("negative", "non-negative")
@example(-1)
@example(0)
@given(st.integers())
def test_a_property_reaching_every_branch_passes(branch, n):
    branch("negative" if n < 0 else "non-negative")


def test_a_branch_no_example_reaches_fails_the_test():
    @reaches("small", "huge")
    @given(st.integers(0, 10))
    def never_huge(branch, n):
        branch("huge" if n > 10**6 else "small")

    with pytest.raises(AssertionError, match=r"never reached \['huge'\]"):
        never_huge()


def test_an_undeclared_branch_fails_the_test():
    @reaches("small")
    @given(st.integers(0, 10))
    def undeclared(branch, n):
        branch("other")

    with pytest.raises(AssertionError, match="'other' is not declared"):
        undeclared()


def test_it_goes_above_given():
    with pytest.raises(TypeError, match="above @given"):
        reaches("a")(lambda branch: None)
