"""AKS's checks of a new cluster's networkProfile, with AKS's error codes (no side effects).

Codes: ``ServiceCidrOverlapExistingSubnetsCidr`` with AKS's wording "The specified service
CIDR {cidr} is conflicted with an existing subnet CIDR {prefix}" (as the Azure CLI shows it:
https://github.com/Azure/azure-cli/issues/20810); malformed values, a DNS service IP outside
the service CIDR or at its network, first (the API server's service) or broadcast address,
and unknown plugins are 400 ``InvalidParameter`` naming the ``networkProfile`` property
(AKS's code for invalid request parameters; the exact wording is the emulator's).
Defaults (10.0.0.0/16, 10.0.0.10) are what AKS fills in.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ._aks_errors import AksError
from ._state import State

__all__ = ["check_network"]

PLUGINS = ("azure", "kubenet", "none")
DEFAULT_SERVICE_CIDR = "10.0.0.0/16"
DEFAULT_DNS_SERVICE_IP = "10.0.0.10"
RESERVED_SERVICE_RANGES = ("169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24")
"""Not allowed for the service CIDR (https://learn.microsoft.com/azure/aks/configure-azure-cni)."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _invalid(prop: str, value: object, why: str) -> AksError:
    return AksError(
        400,
        "InvalidParameter",
        f"The value of parameter networkProfile.{prop} is invalid: {value!r} {why}. Please see "
        "https://aka.ms/aks-naming-rules for more details.",
    )


def _cidr(profile: dict[str, Any], prop: str, default: str | None) -> Network | None:
    value = profile.get(prop, default) or default
    if value is None:
        return None
    try:
        return ipaddress.ip_network(str(value), strict=True)
    except ValueError:
        raise _invalid(prop, value, "is not a valid CIDR") from None


def _dns_ip(profile: dict[str, Any], service: Network) -> None:
    value = profile.get("dnsServiceIP") or DEFAULT_DNS_SERVICE_IP
    try:
        address = ipaddress.ip_address(str(value))
    except ValueError:
        raise _invalid("dnsServiceIP", value, "is not a valid IP address") from None
    if address.version != service.version or address not in service:
        raise _invalid("dnsServiceIP", value, f"must be within serviceCidr {service}")
    reserved = {service.network_address, service.network_address + 1}
    if service.version == 4 and service.num_addresses > 2:
        reserved.add(service.broadcast_address)  # Kubernetes never allocates it
    if address in reserved:
        raise _invalid(
            "dnsServiceIP",
            value,
            f"must not be the network, first or broadcast address of {service}",
        )


def check_network(state: State, body: dict[str, Any], pools: list[dict[str, Any]]) -> None:
    """Refuse a new cluster's network profile the way AKS does."""
    props = body.get("properties")
    profile = (props or {}).get("networkProfile") if isinstance(props, dict) else None
    if not isinstance(profile, dict):
        return
    plugin = profile.get("networkPlugin")
    if plugin is not None and str(plugin).lower() not in PLUGINS:
        raise _invalid("networkPlugin", plugin, f"is not one of {', '.join(PLUGINS)}")
    service = _cidr(profile, "serviceCidr", DEFAULT_SERVICE_CIDR)
    assert service is not None
    for reserved in map(ipaddress.ip_network, RESERVED_SERVICE_RANGES):
        if service.version == 4 and service.overlaps(reserved):
            raise _invalid("serviceCidr", str(service), f"must not overlap {reserved}")
    _cidr(profile, "podCidr", None)
    _dns_ip(profile, service)
    for pool in pools:
        subnet_id = pool.get("vnetSubnetID") if isinstance(pool, dict) else None
        subnet = state.resources.get(str(subnet_id)) if subnet_id else None
        subnet_props = (subnet or {}).get("properties") or {}
        prefixes = list(subnet_props.get("addressPrefixes") or [])
        if subnet_props.get("addressPrefix"):
            prefixes.append(subnet_props["addressPrefix"])
        for prefix in prefixes:
            try:
                block = ipaddress.ip_network(str(prefix), strict=False)
            except ValueError:
                continue
            if block.version == service.version and block.overlaps(service):
                raise AksError(
                    400,
                    "ServiceCidrOverlapExistingSubnetsCidr",
                    f"The specified service CIDR {service} is conflicted with an existing "
                    f"subnet CIDR {block}",
                )
