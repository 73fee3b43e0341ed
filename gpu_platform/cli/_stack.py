"""Planning a stack for a command (plan, check, verify): what the user got wrong becomes :class:`InvalidInput`."""

from __future__ import annotations

from typing import Any

from ._console import InvalidInput


def load_spec_or_invalid(stack: str) -> tuple[Any, Any, list]:
    """``(config, spec, secrets still missing)`` of a stack, resolved (every cross-section check run); configuration
    problems are invalid input."""
    from ..config import check_secrets, load_stack
    from ..spec import SpecError

    try:
        cfg, resolved = load_stack(stack)
        return cfg, resolved.spec, check_secrets(cfg, resolved.spec)
    except SpecError as exc:
        raise InvalidInput(exc.render()) from exc


def plan_stack(stack: str) -> tuple[Any, Any]:
    """``(config, plan)`` of a stack planned offline; configuration and registration errors are invalid input."""
    import pulumi

    from ..plan.engine import DuplicateResourceError
    from ..plan.runner import run_stack
    from ..spec import SpecError

    try:
        return run_stack(stack)
    except SpecError as exc:
        raise InvalidInput(exc.render()) from exc
    except (pulumi.RunError, pulumi.InputPropertiesError, DuplicateResourceError) as exc:
        raise InvalidInput(str(exc)) from exc
