"""Immutable domain values: identity types, principals, network settings."""

from __future__ import annotations

import enum

import attrs

from aks_identity._ids import ResourceId

__all__ = [
    "ClusterIdentity",
    "IdentityType",
    "NetworkProfile",
    "Principal",
    "PrincipalType",
    "ServicePrincipal",
]


class IdentityType(str, enum.Enum):
    """How a cluster's control plane authenticates to Azure."""

    SYSTEM_ASSIGNED = "SystemAssigned"
    USER_ASSIGNED = "UserAssigned"
    SERVICE_PRINCIPAL = "ServicePrincipal"
    """Legacy: the cluster has no managed identity (ARM shows ``identity: null``)."""

    def __str__(self) -> str:
        return self.value


class PrincipalType(str, enum.Enum):
    """Microsoft Entra principal types accepted by role assignments."""

    SERVICE_PRINCIPAL = "ServicePrincipal"
    USER = "User"
    GROUP = "Group"
    FOREIGN_GROUP = "ForeignGroup"
    DEVICE = "Device"

    def __str__(self) -> str:
        return self.value


def _lower(value: str) -> str:
    return value.strip().lower()


@attrs.frozen
class Principal:
    """A Microsoft Entra principal: its object ID and type.

    Managed identities are service principals; their object ID is the identity's
    ``principal_id`` (not its ``client_id``).
    """

    object_id: str = attrs.field(converter=_lower)
    principal_type: PrincipalType = attrs.field(
        default=PrincipalType.SERVICE_PRINCIPAL, converter=PrincipalType
    )


@attrs.frozen
class ServicePrincipal:
    """Credentials of a legacy service principal for a cluster. The secret is never shown."""

    client_id: str
    secret: str = attrs.field(repr=False)

    def __repr__(self) -> str:
        return f"ServicePrincipal(client_id={self.client_id!r}, secret='***')"


def _optional_resource_id(value: str | ResourceId | None) -> ResourceId | None:
    return None if value is None else ResourceId.parse(value)


@attrs.frozen(kw_only=True)
class NetworkProfile:
    """Cluster networking settings that matter for identities (the subnet to grant on)."""

    plugin: str = "azure"
    plugin_mode: str | None = None
    subnet_id: ResourceId | None = attrs.field(default=None, converter=_optional_resource_id)
    service_cidr: str | None = None
    dns_service_ip: str | None = None
    pod_cidr: str | None = None


def _resource_ids(values: object) -> tuple[ResourceId, ...]:
    if values is None:
        return ()
    if not isinstance(values, (list, tuple, set, frozenset)):
        raise TypeError(f"expected a sequence of resource IDs, got {type(values).__name__}")
    return tuple(ResourceId.parse(v) for v in values)


@attrs.frozen(kw_only=True)
class ClusterIdentity:
    """The control-plane identity of a cluster, as ARM reports it."""

    type: IdentityType = attrs.field(converter=IdentityType)
    principal_id: str | None = None
    tenant_id: str | None = None
    user_assigned: tuple[ResourceId, ...] = attrs.field(default=(), converter=_resource_ids)
