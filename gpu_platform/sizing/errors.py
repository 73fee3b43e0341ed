"""The one error sizing raises."""

from __future__ import annotations

from ..spec._base import FieldError


class SizingError(FieldError):
    """The requested model cannot be placed; ``field`` names the spec field to change, the message has the numbers."""
