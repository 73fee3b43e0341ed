"""Shared base for every spec model, and the error type that names a field path."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator


# Identifiers several sections validate: one definition, so they cannot drift apart.
K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
"""A DNS-1123 label: Kubernetes object and namespace names (callers add their own length limit)."""
KMS_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[\w/-]+$")
"""A KMS key or alias ARN."""


class SpecModel(BaseModel):
    """Base of all spec models: frozen, unknown keys refused, field docstrings kept as descriptions."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
        validate_default=True,
        use_enum_values=False,
    )


def checked(*fields: str, check: Callable[[Any], Any]) -> Any:
    """A field validator that runs ``check(value)`` on ``fields``: checks shared by several models (a pattern, a
    duration) are written once instead of as one near-identical method per model.

    Use it as a class attribute: ``_kms = checked("kms_key_arn", check=...)``.
    """
    return field_validator(*fields)(classmethod(lambda cls, value: check(value)))


def matches(*fields: str, pattern: re.Pattern[str], message: str) -> Any:
    """A field validator: a set value of ``fields`` must match ``pattern`` (``None`` passes), else ``message``."""

    def check(value: Any) -> Any:
        if value is not None and not pattern.match(value):
            raise ValueError(message)
        return value

    return checked(*fields, check=check)


def short_name(*fields: str, max_len: int) -> Any:
    """A field validator: a DNS-1123 label of at most ``max_len`` characters (pool and access-entry names, which
    prefix the Kubernetes and AWS names derived from them)."""
    pattern = re.compile(rf"^(?=.{{1,{max_len}}}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    return matches(*fields, pattern=pattern,
                   message=f"must be lowercase letters, digits and '-', at most {max_len} characters")


class FieldError(ValueError):
    """A validator's complaint about one sub-field of the model it validates.

    Raised inside ``model_validator``s so the formatted path ends at the offending field
    (``cluster.endpoint.public_access_cidrs``) rather than at the model that holds it.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class FieldErrors(ValueError):
    """Several :class:`FieldError`s from one validator: every cross-check's problem, reported in one run."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


class SpecError(Exception):
    """Invalid configuration: one or more ``(path, message)`` problems, reported together."""

    def __init__(self, problems: Iterable[tuple[str, str]], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        head = f"invalid configuration in {self.source}" if self.source else "invalid configuration"
        lines = [f"{head} ({len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}):"]
        lines += [f"  {path}: {message}" if path else f"  {message}" for path, message in self.problems]
        return "\n".join(lines)


def format_loc(loc: Iterable[Any], prefix: str = "") -> str:
    """``("models", 1, "autoscaling", "max_replicas")`` → ``models[1].autoscaling.max_replicas``."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "tagged-union")):  # pydantic's validator and union wrappers
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; see the configuration reference)"
    if kind == "missing":
        return "required field is missing"
    msg = str(err.get("msg", ""))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind.endswith("_type") or kind.endswith("_parsing") or kind in ("enum", "literal_error"):
        got = err.get("input")
        if not isinstance(got, (dict, list)):
            msg = f"{msg} (got {got!r})"
        else:
            msg = f"{msg} (got a {'mapping' if isinstance(got, dict) else 'list'})"
    return msg


def problems_from(exc: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    """Turn a pydantic ``ValidationError`` into ``(field path, message)`` pairs."""
    problems: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        loc = list(err.get("loc", ()))
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldErrors):
            problems += [(format_loc(loc + e.field.split("."), prefix), e.message) for e in cause.errors]
            continue
        if isinstance(cause, FieldError):
            loc += cause.field.split(".")
            message = cause.message
        else:
            message = _message(err)
        problems.append((format_loc(loc, prefix), message))
    return problems


def validate_spec(model: type[BaseModel], data: Any, *, prefix: str = "", source: str | None = None):
    """Validate ``data`` into ``model`` (or pass an instance through); raise :class:`SpecError` on failure."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(problems_from(exc, prefix), source=source) from None
