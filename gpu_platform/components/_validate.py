"""The one bridge from our errors to Pulumi's: component args are validated and resolved on entry, and every
problem becomes a ``pulumi.InputPropertiesError`` naming its field, raised before any resource is registered."""

from __future__ import annotations

from typing import Any, Iterable, NoReturn, TypeVar

import pulumi
from pydantic import BaseModel

from ..resolve import ResolvedModel, ResolvedPlatform, resolve, resolve_model
from ..spec import ModelSpec, PlatformSpec
from ..spec._base import SpecError, validate_spec

M = TypeVar("M", bound=BaseModel)


def input_error(problems: Iterable[tuple[str, str]], message: str | None = None) -> pulumi.InputPropertiesError:
    """``(field path, reason)`` pairs as the error the engine reports per property."""
    problems = list(problems)
    text = message or "; ".join(f"{path}: {reason}" if path else reason for path, reason in problems)
    return pulumi.InputPropertiesError(
        text, [pulumi.InputPropertyErrorDetails(property_path=path, reason=reason) for path, reason in problems]
    )


def fail(path: str, reason: str, message: str | None = None) -> NoReturn:
    """Refuse one field: ``path: message`` (``message`` defaults to ``reason``)."""
    raise input_error([(path, reason)], f"{path}: {message or reason}")


def _from_spec_error(exc: SpecError) -> pulumi.InputPropertiesError:
    return input_error(exc.problems, exc.render())


def validated(model: type[M], args: Any, *, prefix: str = "") -> M:
    """Return ``args`` as ``model`` or raise ``pulumi.InputPropertiesError`` before any resource is registered."""
    try:
        return validate_spec(model, args, prefix=prefix)
    except SpecError as exc:
        raise _from_spec_error(exc) from None


def resolved_model(args: Any, platform: PlatformSpec, *, prefix: str = "") -> ResolvedModel:
    """A model component's args, validated, sized and checked against ``platform`` (errors name the field)."""
    if isinstance(args, ResolvedModel):
        return args
    spec = validated(ModelSpec, args, prefix=prefix.rstrip("."))
    try:
        return resolve_model(spec, platform, prefix=prefix)
    except SpecError as exc:
        raise _from_spec_error(exc) from None


def resolved_platform(args: Any) -> ResolvedPlatform:
    """A platform component's args, validated and resolved (every cross-section check), or the input error."""
    if isinstance(args, ResolvedPlatform):
        return args
    try:
        return resolve(args)
    except SpecError as exc:
        raise _from_spec_error(exc) from None
