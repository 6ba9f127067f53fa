"""Immutable domain values: identity types, principals, network settings."""

from __future__ import annotations

import enum
import ipaddress
from typing import Any

import attrs

from aks_identity._checks import (
    check_choice,
    check_guid,
    check_optional_str,
    check_str,
    parse_cidr,
    parse_ip,
)
from aks_identity._errors import ValidationError
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


def _object_id(value: object) -> str:
    return check_guid(value, "Principal.object_id", rule="object_id")


def _principal_type(value: object) -> PrincipalType:
    if isinstance(value, PrincipalType):
        return value
    return check_choice(
        value,
        "Principal.principal_type",
        {t.value: t for t in PrincipalType},
        rule="principal_type",
    )


@attrs.frozen
class Principal:
    """A Microsoft Entra principal: its object ID and type.

    Managed identities are service principals; their object ID is the identity's
    ``principal_id`` (not its ``client_id``).
    """

    object_id: str = attrs.field(converter=_object_id)
    principal_type: PrincipalType = attrs.field(
        default=PrincipalType.SERVICE_PRINCIPAL, converter=_principal_type
    )


def _client_id(value: object) -> str:
    return check_guid(
        value,
        "ServicePrincipal.client_id",
        rule="client_id",
        source="the appId from `az ad sp list --display-name <name> --query [].appId`",
    )


@attrs.frozen
class ServicePrincipal:
    """Credentials of a legacy service principal for a cluster. The secret is never shown."""

    client_id: str = attrs.field(converter=_client_id)
    secret: str = attrs.field(repr=False)

    @secret.validator
    def _check_secret(self, attribute: Any, value: object) -> None:
        if not isinstance(value, str) or not value:
            raise ValidationError(
                "ServicePrincipal.secret: expected the client secret as a non-empty str, got "
                f"{type(value).__name__}. Fix: pass the secret string (it is never shown)",
                rule="type",
            )

    def __repr__(self) -> str:
        return f"ServicePrincipal(client_id={self.client_id!r}, secret='***')"


def _optional_resource_id(value: str | ResourceId | None) -> ResourceId | None:
    return None if value is None else ResourceId.parse(value)


NETWORK_PLUGINS = ("azure", "kubenet", "none")
"""AKS's network plugins (ManagedClusterProperties.networkProfile.networkPlugin)."""
NETWORK_PLUGIN_MODES = ("overlay",)
DEFAULT_SERVICE_CIDR = "10.0.0.0/16"
"""What AKS uses when serviceCidr is not given (dnsServiceIP: 10.0.0.10)."""
DEFAULT_DNS_SERVICE_IP = "10.0.0.10"


def _plugin(value: object) -> str:
    return check_choice(
        value, "NetworkProfile.plugin", {p: p for p in NETWORK_PLUGINS}, rule="network"
    )


def _plugin_mode(value: object) -> str | None:
    if value is None:
        return None
    return check_choice(
        value, "NetworkProfile.plugin_mode", {m: m for m in NETWORK_PLUGIN_MODES}, rule="network"
    )


def _optional_cidr(value: object, what: str) -> str | None:
    if value is None:
        return None
    return str(parse_cidr(check_str(value, what, rule="network"), what))


def _service_cidr(value: object) -> str | None:
    return _optional_cidr(value, "NetworkProfile.service_cidr")


def _pod_cidr(value: object) -> str | None:
    return _optional_cidr(value, "NetworkProfile.pod_cidr")


def _optional_ip(value: object) -> str | None:
    if value is None:
        return None
    return str(
        parse_ip(check_optional_str(value, "NetworkProfile.dns_service_ip"), "dns_service_ip")
    )


RESERVED_SERVICE_RANGES = ("169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24")
"""Ranges AKS does not allow for the service CIDR (AKS docs, configure Azure CNI networking)."""


def network_problem(service_cidr: str | None, dns_service_ip: str | None) -> str | None:
    """What AKS refuses in a service CIDR / DNS service IP pair, or None.

    A missing one takes AKS's IPv4 default (10.0.0.0/16, 10.0.0.10); an IPv6 value without its
    partner is not judged (AKS picks the IPv6 partner itself). The DNS service IP must lie
    inside the service CIDR and be neither its network address nor its first address (``.1``
    is the kubernetes API service's ClusterIP).
    """
    if service_cidr is None and dns_service_ip is None:
        return None
    network = ipaddress.ip_network(service_cidr or DEFAULT_SERVICE_CIDR)
    for reserved in map(ipaddress.ip_network, RESERVED_SERVICE_RANGES):
        if network.version == 4 and network.overlaps(reserved):
            return f"service_cidr {network} overlaps {reserved}, which AKS reserves"
    address = ipaddress.ip_address(dns_service_ip or DEFAULT_DNS_SERVICE_IP)
    if (service_cidr is None or dns_service_ip is None) and 6 in (network.version, address.version):
        return None
    if address.version != network.version or address not in network:
        return f"dns_service_ip {address} is not inside service_cidr {network}"
    if address == network.network_address:
        return f"dns_service_ip {address} is the network address of {network}"
    if network.num_addresses > 1 and address == network.network_address + 1:
        return (
            f"dns_service_ip {address} is the first address of {network}, which Kubernetes "
            "gives the API server's service"
        )
    if network.version == 4 and network.num_addresses > 2 and address == network.broadcast_address:
        return f"dns_service_ip {address} is the broadcast address of {network}"
    return None


@attrs.frozen(kw_only=True)
class NetworkProfile:
    """Cluster networking settings that matter for identities (the subnet to grant on).

    Checked as AKS checks them: a known plugin (azure, kubenet, none), CIDRs, and a DNS
    service IP inside the service CIDR that is not its first address.
    """

    plugin: str = attrs.field(default="azure", converter=_plugin)
    plugin_mode: str | None = attrs.field(default=None, converter=_plugin_mode)
    subnet_id: ResourceId | None = attrs.field(default=None, converter=_optional_resource_id)
    service_cidr: str | None = attrs.field(default=None, converter=_service_cidr)
    dns_service_ip: str | None = attrs.field(default=None, converter=_optional_ip)
    pod_cidr: str | None = attrs.field(default=None, converter=_pod_cidr)

    def __attrs_post_init__(self) -> None:
        problem = network_problem(self.service_cidr, self.dns_service_ip)
        if problem:
            raise ValidationError(
                f"NetworkProfile: {problem}. Fix: pick a dns_service_ip inside service_cidr "
                "that is not its network or first address, e.g. service_cidr='10.0.0.0/16' "
                "with dns_service_ip='10.0.0.10'",
                rule="network",
            )

    @classmethod
    def from_arm(
        cls,
        *,
        plugin: str,
        plugin_mode: str | None = None,
        subnet_id: str | ResourceId | None = None,
        service_cidr: str | None = None,
        dns_service_ip: str | None = None,
        pod_cidr: str | None = None,
    ) -> NetworkProfile:
        """What ARM reports for an existing cluster, kept as it is: reading never fails.

        The constructor's checks are for what a user asks for; a real cluster may hold values
        they would refuse (a plugin this library does not know, a range AKS reserves today, an
        address AKS once allowed). Passing such a profile to ``create_cluster`` checks it then.
        """
        made = cls.__new__(cls)
        values = {
            "plugin": str(plugin).lower(),
            "plugin_mode": None if plugin_mode is None else str(plugin_mode).lower(),
            "subnet_id": _read_resource_id(subnet_id),
            "service_cidr": None if service_cidr is None else str(service_cidr),
            "dns_service_ip": None if dns_service_ip is None else str(dns_service_ip),
            "pod_cidr": None if pod_cidr is None else str(pod_cidr),
        }
        for name, value in values.items():
            object.__setattr__(made, name, value)
        return made

    def checked(self) -> NetworkProfile:
        """This profile through the constructor's checks (ValidationError if one fails)."""
        return NetworkProfile(
            plugin=self.plugin,
            plugin_mode=self.plugin_mode,
            subnet_id=self.subnet_id,
            service_cidr=self.service_cidr,
            dns_service_ip=self.dns_service_ip,
            pod_cidr=self.pod_cidr,
        )


def _read_resource_id(value: str | ResourceId | None) -> ResourceId | None:
    """A resource ID as ARM returned it; None when absent or not one this library can parse."""
    if value is None:
        return None
    try:
        return ResourceId.parse(value)
    except ValidationError:
        return None


def _resource_ids(values: object) -> tuple[ResourceId, ...]:
    if values is None:
        return ()
    if not isinstance(values, (list, tuple, set, frozenset)):
        raise ValidationError(f"expected a sequence of resource IDs, got {type(values).__name__}")
    return tuple(ResourceId.parse(v) for v in values)


@attrs.frozen(kw_only=True)
class ClusterIdentity:
    """The control-plane identity of a cluster, as ARM reports it."""

    type: IdentityType = attrs.field(converter=IdentityType)
    principal_id: str | None = None
    tenant_id: str | None = None
    user_assigned: tuple[ResourceId, ...] = attrs.field(default=(), converter=_resource_ids)
