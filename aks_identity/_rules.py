"""Documented AKS identity limitations and Azure naming rules, checked before any write.

Pure functions, no I/O. Each raises :class:`ValidationError` whose ``rule`` is one of
:data:`RULES` and whose message names the rule and the fix.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Mapping
from difflib import get_close_matches
from typing import TYPE_CHECKING

import attrs

from aks_identity._checks import (
    check_bool,
    check_flags,
    check_int,
    check_kubernetes_version,
    check_str_sequence,
    check_tags,
    text_problem,
)
from aks_identity._errors import ValidationError
from aks_identity._ids import ResourceId, ResourceKind
from aks_identity._model import IdentityType
from aks_identity._roles import Role, get_role

if TYPE_CHECKING:
    from aks_identity._model import NetworkProfile

__all__ = [
    "RULES",
    "check_cluster_name",
    "check_identity_name",
    "check_kubelet_identity",
    "check_kubelet_identity_region",
    "check_private_dns_zone",
    "check_resource_group_name",
    "check_role_assignment_scope",
    "check_same_tenant",
    "check_user_assigned_control_plane_region",
    "normalize_location",
]

RULES: dict[str, str] = {
    "user_assigned_control_plane_region": "A user-assigned control-plane identity is not "
    "supported in USDOD Central, USDOD East and USGov Iowa.",
    "kubelet_identity_region": "A pre-created kubelet identity is not supported in China East "
    "and China North.",
    "kubelet_identity_type": "A kubelet identity must be a user-assigned managed identity.",
    "kubelet_identity_control_plane": "A pre-created kubelet identity needs a user-assigned "
    "control-plane identity.",
    "private_dns_zone": "A custom private DNS zone must be a private DNS zone resource ID, "
    "'system' or 'none'.",
    "private_dns_zone_system_assigned": "A system-assigned identity cannot be used with a "
    "custom private DNS zone.",
    "same_tenant": "Identities must belong to the cluster's tenant.",
    "identity_name": "User-assigned identity names: 3-128 letters, digits, hyphens and "
    "underscores, starting with a letter or digit.",
    "cluster_name": "AKS cluster names: 1-63 letters, digits, hyphens and underscores, "
    "starting and ending with a letter or digit.",
    "resource_group_name": "Resource group names: 1-90 letters, digits, underscores, hyphens, "
    "periods and parentheses, not ending in a period.",
    "broad_scope": "Role assignments at subscription scope or wider (management groups, the "
    "tenant root '/') need allow_broad_scope=True.",
    "location": "Locations are Azure region names ('eastus') or display names ('East US').",
}

_USER_ASSIGNED_UNSUPPORTED = {
    "usdodcentral": "USDOD Central",
    "usdodeast": "USDOD East",
    "usgoviowa": "USGov Iowa",
}
_KUBELET_UNSUPPORTED = {"chinaeast": "China East", "chinanorth": "China North"}
_DNS_ZONE_MODES = {"system", "none"}

_IDENTITY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{2,127}")
_CLUSTER_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?")
_GROUP_LETTER_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd"}
_REGION = re.compile(r"[a-z][a-z0-9]*")
_DISPLAY_PREFIX = re.compile(r"\(\w+\) ")


def _fail(rule: str, problem: str, fix: str, *, resource_id: str | None = None) -> ValidationError:
    return ValidationError(
        f"{problem} (rule {rule}). Fix: {fix}", rule=rule, resource_id=resource_id
    )


def _expect(rid: ResourceId, kind: ResourceKind, *, rule: str, what: str, fix: str) -> ResourceId:
    try:
        return rid.expect(kind, what=what, rule=rule)
    except ValidationError as error:
        raise _fail(rule, error.message, fix, resource_id=str(rid)) from None


def normalize_location(value: str) -> str:
    """``"USDOD Central"``, ``"usdodcentral"`` or ``"(US) East US"`` -> ``"usdodcentral"``..."""
    problem = (
        "it is not a region name"
        if isinstance(value, str)
        else (f"expected a string, got {type(value).__name__}")
    )
    name = ""
    if isinstance(value, str):
        unsafe = text_problem(value)
        problem = unsafe or problem
        prefix = _DISPLAY_PREFIX.match(value)
        text = value[prefix.end() :] if prefix else value
        name = "" if unsafe else "".join(text.split(" ")).lower()
    if not _REGION.fullmatch(name):
        raise _fail(
            "location",
            f"{value!r} is not an Azure location: {problem}",
            "pass a region name such as 'eastus' or a display name such as 'East US' "
            "(`az account list-locations -o table` lists them).",
        )
    return name


def check_user_assigned_control_plane_region(location: str) -> str:
    """A user-assigned control plane is unsupported in USDOD Central/East and USGov Iowa.

    Returns the normalized location.
    """
    region = normalize_location(location)
    if region in _USER_ASSIGNED_UNSUPPORTED:
        raise _fail(
            "user_assigned_control_plane_region",
            "a user-assigned control-plane identity is not supported in "
            f"{_USER_ASSIGNED_UNSUPPORTED[region]} ({region})",
            "use the system-assigned identity there (pass identity=None) or create the "
            "cluster in another region.",
        )
    return region


def check_kubelet_identity_region(location: str) -> str:
    """A pre-created kubelet identity is unsupported in China East and China North.

    Returns the normalized location.
    """
    region = normalize_location(location)
    if region in _KUBELET_UNSUPPORTED:
        raise _fail(
            "kubelet_identity_region",
            "a pre-created kubelet identity is not supported in "
            f"{_KUBELET_UNSUPPORTED[region]} ({region})",
            "omit kubelet_identity so AKS creates the kubelet identity, or use another region.",
        )
    return region


def check_kubelet_identity(
    kubelet_identity_id: str | ResourceId, control_plane: IdentityType
) -> ResourceId:
    """A kubelet identity is a user-assigned identity and needs a user-assigned control plane."""
    rid = _expect(
        ResourceId.parse(kubelet_identity_id),
        ResourceKind.USER_ASSIGNED_IDENTITY,
        rule="kubelet_identity_type",
        what="kubelet identity",
        fix="create one with create_identity() and pass it (or its resource ID).",
    )
    if IdentityType(control_plane) is not IdentityType.USER_ASSIGNED:
        raise _fail(
            "kubelet_identity_control_plane",
            "a pre-created kubelet identity needs a user-assigned control-plane identity, "
            f"but the control plane is {IdentityType(control_plane).value}",
            "also pass identity=<user-assigned identity> for the control plane (it needs "
            "Managed Identity Operator on the kubelet identity), or omit kubelet_identity.",
            resource_id=str(rid),
        )
    return rid


def check_private_dns_zone(
    private_dns_zone: str | ResourceId | None, control_plane: IdentityType
) -> ResourceId | None:
    """A custom private DNS zone cannot be used with a system-assigned identity.

    ``None``, ``"system"`` and ``"none"`` are AKS-managed modes and always fine; returns
    the custom zone's ID otherwise.
    """
    if private_dns_zone is None or (
        isinstance(private_dns_zone, str) and private_dns_zone.lower() in _DNS_ZONE_MODES
    ):
        return None
    try:
        zone = ResourceId.parse(private_dns_zone)
    except ValidationError as error:
        raise _fail(
            "private_dns_zone",
            f"private_dns_zone is neither 'system', 'none' nor a resource ID: {error.message}",
            "pass a Microsoft.Network/privateDnsZones resource ID, 'system' or 'none'.",
        ) from None
    _expect(
        zone,
        ResourceKind.PRIVATE_DNS_ZONE,
        rule="private_dns_zone",
        what="private_dns_zone",
        fix="pass a Microsoft.Network/privateDnsZones resource ID, 'system' or 'none'.",
    )
    if IdentityType(control_plane) is IdentityType.SYSTEM_ASSIGNED:
        raise _fail(
            "private_dns_zone_system_assigned",
            "AKS does not support a system-assigned identity with a custom private DNS zone "
            f"({zone.name})",
            "use a user-assigned control-plane identity with Private DNS Zone Contributor on "
            "the zone, or pass private_dns_zone='system'.",
            resource_id=str(zone),
        )
    return zone


def check_same_tenant(
    identity_tenant_id: str | None, cluster_tenant_id: str | None, *, what: str
) -> None:
    """An identity must belong to the cluster's tenant (unknown tenants are not checked)."""
    if not identity_tenant_id or not cluster_tenant_id:
        return
    if identity_tenant_id.strip().lower() != cluster_tenant_id.strip().lower():
        raise _fail(
            "same_tenant",
            f"{what} is in tenant {identity_tenant_id} but the cluster is in tenant "
            f"{cluster_tenant_id}; AKS does not support identities from another tenant (and "
            "moving a managed-identity cluster to another tenant is unsupported)",
            f"create the identity in a subscription of tenant {cluster_tenant_id}.",
        )


def _name_problem(name: object, low: int, high: int) -> str | None:
    if not isinstance(name, str):
        return f"expected a string, got {type(name).__name__}"
    if not low <= len(name) <= high:
        return f"it has {len(name)} characters, {low}-{high} are allowed"
    if name in (".", ".."):
        return "it is a relative path segment, which HTTP clients collapse"
    return text_problem(name)


def check_identity_name(name: str) -> str:
    """3-128 characters: letters, digits, hyphens, underscores; starts with a letter or digit."""
    problem = _name_problem(name, 3, 128)
    if problem is None and not _IDENTITY_NAME.fullmatch(name):
        bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c in "-_"))})
        problem = f"it contains {''.join(bad)!r}" if bad else "it must start with a letter or digit"
    if problem:
        raise _fail(
            "identity_name",
            f"{name!r} is not a valid user-assigned identity name: {problem}",
            "use 3-128 letters, digits, hyphens and underscores, starting with a letter or digit.",
        )
    return name


def check_cluster_name(name: str) -> str:
    """1-63 characters: letters, digits, hyphens, underscores; starts and ends alphanumeric."""
    problem = _name_problem(name, 1, 63)
    if problem is None and not _CLUSTER_NAME.fullmatch(name):
        bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c in "-_"))})
        problem = (
            f"it contains {''.join(bad)!r}"
            if bad
            else "it must start and end with a letter or digit"
        )
    if problem:
        raise _fail(
            "cluster_name",
            f"{name!r} is not a valid AKS cluster name: {problem}",
            "use 1-63 letters, digits, hyphens and underscores, starting and ending with a "
            "letter or digit.",
        )
    return name


def check_resource_group_name(name: str) -> str:
    """1-90 characters: Unicode letters and digits, ``_-.()``; cannot end in a period."""
    problem = _name_problem(name, 1, 90)
    if problem is None:
        bad = sorted(
            {
                c
                for c in name
                if c not in "_-.()" and unicodedata.category(c) not in _GROUP_LETTER_CATEGORIES
            }
        )
        if bad:
            problem = f"it contains {''.join(bad)!r}"
        elif name.endswith("."):
            problem = "it ends with a period"
    if problem:
        raise _fail(
            "resource_group_name",
            f"{name!r} is not a valid resource group name: {problem}",
            "use 1-90 letters, digits, underscores, hyphens, periods and parentheses, not "
            "ending in a period.",
        )
    return name


def check_role_assignment_scope(scope: str | ResourceId, *, allow_broad_scope: bool) -> ResourceId:
    """Refuse a subscription-wide (or wider) scope unless ``allow_broad_scope`` is set.

    Judges the exact scope that goes on the wire (parsed, never stripped or normalised).
    The tenant root ``/``, management groups and subscriptions are broad scopes. Returns the
    parsed scope.
    """
    rid = ResourceId.parse(scope)
    broad = {
        ResourceKind.TENANT: "the tenant root (every subscription of the tenant)",
        ResourceKind.MANAGEMENT_GROUP: f"management group {rid.name} (every subscription in it)",
        ResourceKind.SUBSCRIPTION: "a whole subscription",
    }
    if rid.kind in broad and not allow_broad_scope:
        raise _fail(
            "broad_scope",
            f"role assignment scope {rid} is {broad[rid.kind]}; least privilege asks for "
            "the narrowest scope that works",
            "pass the resource (or resource group) ID as scope, or allow_broad_scope=True if "
            "a grant this wide is intended.",
            resource_id=str(rid),
        )
    if not rid.subscription_id and rid.kind not in broad:
        raise _fail(
            "resource_id",
            f"{rid} is a tenant-level resource, not a scope role assignments are made at",
            "pass a resource, resource group, subscription, management group or '/' scope.",
            resource_id=str(rid),
        )
    return rid


def check_optional_group(resource_group: object) -> str | None:
    """None, or a valid resource group name (``list_*(resource_group=...)``)."""
    return None if resource_group is None else check_resource_group_name(resource_group)  # type: ignore[arg-type]


def known_location(region: str, known: frozenset[str]) -> str:
    """``region`` if ARM lists it for the subscription (an empty list is not checked)."""
    if known and region not in known:
        close = get_close_matches(region, sorted(known), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise _fail(
            "location",
            f"{region!r} is not a location of this subscription{hint}",
            "pass one of the regions `az account list-locations -o table` shows.",
        )
    return region


def check_role(role: object, subscription_id: str) -> Role:
    """A role name, GUID or definition ID; a custom role's definition must be in this
    subscription (a built-in role's definition ID means the same role under any subscription)."""
    if isinstance(role, Role):
        return role
    if isinstance(role, str):
        problem = text_problem(role)
        if problem:
            raise _fail(
                "role",
                f"role {role!r}: {problem}",
                "pass the exact role name (e.g. 'Reader'), GUID or definition ID.",
            )
    resolved = get_role(role)  # type: ignore[arg-type]
    if resolved.name is None and isinstance(role, str) and role.startswith("/"):
        rid = ResourceId.parse(role).expect(
            ResourceKind.ROLE_DEFINITION, what="role definition ID", rule="role"
        )
        if rid.subscription_id and rid.subscription_id != subscription_id:
            raise _fail(
                "role",
                f"custom role definition {rid.name} belongs to subscription "
                f"{rid.subscription_id}, but this client grants in {subscription_id}; a custom "
                "role is only assignable where it is defined (or listed in its assignableScopes)",
                "use the role definition ID of this subscription (az role definition list "
                "--custom-role-only), or a client of the role's subscription.",
                resource_id=str(rid),
            )
    return resolved


def check_grant(
    role: object,
    scope: object,
    *,
    allow_broad_scope: object,
    dry_run: object,
    subscription_id: str,
) -> ResourceId:
    """A grant's arguments, before anything is read or written (every grant path)."""
    check_bool(allow_broad_scope, "allow_broad_scope")
    check_bool(dry_run, "dry_run")
    check_role(role, subscription_id)
    return check_role_assignment_scope(scope, allow_broad_scope=allow_broad_scope)  # type: ignore[arg-type]


def check_cluster_reference(name_or_id: object, resource_group: object) -> ResourceId | str:
    """A cluster's resource ID (parsed), or its name with a resource group."""
    if isinstance(name_or_id, ResourceId) or (
        isinstance(name_or_id, str) and name_or_id.startswith("/")
    ):
        if resource_group is not None:
            raise _fail(
                "cluster-reference",
                "pass a cluster ID or a name with resource_group=, not both",
                "drop resource_group= (the ID already says it)",
            )
        return ResourceId.parse(name_or_id).expect(ResourceKind.MANAGED_CLUSTER, what="cluster ID")
    if resource_group is None:
        raise _fail(
            "cluster-reference",
            f"cluster {name_or_id!r} needs its resource group",
            "pass resource_group= with a cluster name, or pass the cluster's resource ID.",
        )
    check_resource_group_name(resource_group)  # type: ignore[arg-type]
    return check_cluster_name(name_or_id)  # type: ignore[arg-type]


@attrs.frozen
class ClusterRequest:
    """The checked, normalised arguments of ``create_cluster`` that the flow consumes."""

    attach_acr: tuple[ResourceId, ...]
    tags: dict[str, str] | None


_ADDON = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,62}")
MAX_NODE_COUNT = 1000
"""AKS's limit of nodes per node pool (and per cluster with virtual machine scale sets)."""


def _identity_ref(value: object, what: str) -> None:
    if value is None:
        return
    rid = getattr(value, "id", None)
    if isinstance(rid, ResourceId) and not isinstance(value, str):
        value = rid
    ResourceId.parse(value).expect(ResourceKind.USER_ASSIGNED_IDENTITY, what=what)  # type: ignore[arg-type]


def check_create_cluster(
    *,
    name: object,
    resource_group: object,
    identity: object,
    kubelet_identity: object,
    service_principal: object,
    network: object,
    attach_acr: object,
    node_count: object,
    kubernetes_version: object,
    addons: object,
    tags: object,
    flags: dict[str, object],
) -> ClusterRequest:
    """Types and values of every ``create_cluster`` argument, before anything is read."""
    from aks_identity._model import NetworkProfile, ServicePrincipal

    check_cluster_name(name)  # type: ignore[arg-type]
    check_resource_group_name(resource_group)  # type: ignore[arg-type]
    check_flags(**flags)
    _identity_ref(identity, "identity")
    _identity_ref(kubelet_identity, "kubelet_identity")
    for value, kind, what in (
        (service_principal, ServicePrincipal, "service_principal"),
        (network, NetworkProfile, "network"),
    ):
        if value is not None and not isinstance(value, kind):
            raise _fail(
                "type",
                f"{what}: expected an aks_identity.{kind.__name__}, got {type(value).__name__}",
                f"pass {what}=aks_identity.{kind.__name__}(...) or None.",
            )
    if isinstance(network, NetworkProfile):
        network.checked()  # one read from a cluster (NetworkProfile.from_arm) is checked here
    registries = tuple(
        ResourceId.parse(r).expect(ResourceKind.CONTAINER_REGISTRY, what="attach_acr")
        for r in check_str_sequence(attach_acr, "attach_acr")
    )
    _check_addons(addons)
    check_int(node_count, "node_count", low=1, high=MAX_NODE_COUNT, rule="node_count")
    check_kubernetes_version(kubernetes_version)
    return ClusterRequest(attach_acr=registries, tags=check_tags(tags))


def _check_addons(addons: object) -> None:
    """A list of add-on names, or a mapping of names to their config (str: str)."""
    if isinstance(addons, Mapping):
        names: tuple[object, ...] = tuple(addons)
        for name, config in addons.items():
            if not isinstance(config, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in config.items()
            ):
                raise _fail(
                    "addons",
                    f"the config of add-on {name!r} is not a mapping of str to str",
                    "pass addons={'name': {'key': 'value'}} or a list of names.",
                )
    else:
        names = check_str_sequence(addons, "addons")
    for addon in names:
        if not isinstance(addon, str) or not _ADDON.fullmatch(addon):
            raise _fail(
                "addons",
                f"addon {addon!r} is not an add-on name",
                "pass add-on names such as 'azure-keyvault-secrets-provider' or 'monitoring' "
                "(or their profile keys such as 'omsagent').",
            )


def check_service_cidr_overlap(
    network: NetworkProfile, subnet_prefixes: list[str], subnet: ResourceId
) -> None:
    """AKS refuses a service CIDR that overlaps the cluster subnet's address prefix
    (ServiceCidrOverlapExistingSubnetsCidr); AKS's default 10.0.0.0/16 counts too."""
    from aks_identity._model import DEFAULT_SERVICE_CIDR

    service = ipaddress.ip_network(network.service_cidr or DEFAULT_SERVICE_CIDR)
    for prefix in subnet_prefixes:
        try:
            block = ipaddress.ip_network(prefix, strict=False)
        except ValueError:
            continue
        if block.version == service.version and block.overlaps(service):
            raise _fail(
                "network",
                f"the service CIDR {service} overlaps the address prefix {block} of subnet "
                f"{subnet.name}; AKS refuses it (ServiceCidrOverlapExistingSubnetsCidr)",
                "pick a service_cidr (and dns_service_ip inside it) outside the virtual "
                "network, e.g. NetworkProfile(service_cidr='172.16.0.0/16', "
                "dns_service_ip='172.16.0.10', ...).",
                resource_id=str(subnet),
            )
