"""Fixtures for the stack tests: one parameter per stack in stacks/."""

from __future__ import annotations

import pytest
from stack_plans import STACKS


@pytest.fixture(params=STACKS)
def stack(request) -> str:
    return request.param
