"""Typed configuration (pydantic v2): the first stage of spec → sizing → render → components → engine."""

from ._base import FieldError, SpecError, SpecModel, validate_spec
from .platform import (
    SUPPORTED_KUBERNETES_VERSIONS,
    AccessEntrySpec,
    AccessPolicy,
    CapacityType,
    ClusterSpec,
    ControlPlaneLog,
    EndpointAccessSpec,
    Environment,
    NatStrategy,
    NetworkSpec,
    PlatformSpec,
    SecretsEncryptionSpec,
    SystemNodeGroupSpec,
)

__all__ = [
    "SUPPORTED_KUBERNETES_VERSIONS",
    "AccessEntrySpec",
    "AccessPolicy",
    "CapacityType",
    "ClusterSpec",
    "ControlPlaneLog",
    "EndpointAccessSpec",
    "Environment",
    "FieldError",
    "NatStrategy",
    "NetworkSpec",
    "PlatformSpec",
    "SecretsEncryptionSpec",
    "SpecError",
    "SpecModel",
    "SystemNodeGroupSpec",
    "validate_spec",
]
