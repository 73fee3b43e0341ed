"""Validate component args on entry: a model instance passes through, a dict is validated, errors name fields."""

from __future__ import annotations

from typing import Any, TypeVar

import pulumi
from pydantic import BaseModel

from ..spec._base import SpecError, validate_spec

M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], args: Any, *, prefix: str = "") -> M:
    """Return ``args`` as ``model`` or raise ``pulumi.InputPropertiesError`` before any resource is registered."""
    try:
        return validate_spec(model, args, prefix=prefix)
    except SpecError as exc:
        raise pulumi.InputPropertiesError(
            exc.render(),
            [pulumi.InputPropertyErrorDetails(property_path=path, reason=msg) for path, msg in exc.problems],
        ) from None
