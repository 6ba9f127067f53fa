"""Converters: ARM bodies and SDK models -> domain objects, and domain values -> request bodies.

Clusters travel as their REST JSON (the containerservice models are mappings over it), so a
GET-modify-PUT keeps every property the library does not touch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from aks_identity._ids import ResourceId
from aks_identity._model import (
    ClusterIdentity,
    IdentityType,
    NetworkProfile,
    PrincipalType,
    ServicePrincipal,
)
from aks_identity._objects import (
    AddonProfile,
    AgentPool,
    Cluster,
    KubeletIdentity,
    ManagedIdentity,
    PodIdentity,
    ResourceGroup,
    RoleAssignment,
)

if TYPE_CHECKING:
    from aks_identity._client import Azure

__all__ = [
    "ClusterSpec",
    "KubeletSpec",
    "cluster",
    "cluster_body",
    "identity",
    "resource_group",
    "role_assignment",
    "set_control_plane",
    "set_kubelet",
]

JSON = dict[str, Any]


def _get(mapping: Any, *keys: str) -> Any:
    """Nested lookup that tolerates missing levels and key casing (AKS mixes both)."""
    value = mapping
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        if key in value:
            value = value[key]
            continue
        lowered = {str(k).lower(): v for k, v in value.items()}
        value = lowered.get(key.lower())
    return value


def resource_group(owner: Azure, model: Any) -> ResourceGroup:
    """SDK ResourceGroup -> ResourceGroup."""
    body = _json(model)
    return ResourceGroup(
        azure=owner,
        id=body["id"],
        name=body["name"],
        location=body["location"],
        tags=body.get("tags"),
        provisioning_state=_get(body, "properties", "provisioningState"),
    )


def identity(owner: Azure, model: Any) -> ManagedIdentity:
    """SDK Identity (msi) -> ManagedIdentity."""
    return ManagedIdentity(
        azure=owner,
        id=model.id,
        name=model.name,
        location=model.location,
        principal_id=str(model.principal_id),
        client_id=str(model.client_id),
        tenant_id=str(model.tenant_id),
        tags=model.tags,
    )


def role_assignment(owner: Azure, model: Any) -> RoleAssignment:
    """SDK RoleAssignment (authorization) -> RoleAssignment."""
    kind = model.principal_type
    return RoleAssignment(
        azure=owner,
        id=model.id,
        name=model.name,
        scope=model.scope,
        principal_id=str(model.principal_id).lower(),
        principal_type=PrincipalType(str(kind)) if kind else None,
        role_definition_id=model.role_definition_id,
    )


def _json(model: Any) -> Mapping[str, Any]:
    """The REST JSON of a model: itself when it is a mapping over that JSON (the typespec
    models of containerservice, read without an ``as_dict()`` copy), else ``as_dict()``."""
    if isinstance(model, Mapping):
        return model
    return dict(model.as_dict())


def _cluster_identity(body: Mapping[str, Any]) -> ClusterIdentity:
    raw = body.get("identity") or {}
    kind = str(raw.get("type") or "None")
    if kind.lower() == "userassigned":
        assigned = raw.get("userAssignedIdentities") or {}
        first = next(iter(assigned.values()), None) or {}
        return ClusterIdentity(
            type=IdentityType.USER_ASSIGNED,
            principal_id=_lower(first.get("principalId")),
            tenant_id=raw.get("tenantId"),
            user_assigned=tuple(assigned),
        )
    if kind.lower() == "systemassigned":
        return ClusterIdentity(
            type=IdentityType.SYSTEM_ASSIGNED,
            principal_id=_lower(raw.get("principalId")),
            tenant_id=raw.get("tenantId"),
        )
    return ClusterIdentity(type=IdentityType.SERVICE_PRINCIPAL)


def _lower(value: Any) -> str | None:
    return str(value).lower() if value else None


def cluster(owner: Azure, model: Any) -> Cluster:
    """ManagedCluster (model or JSON) -> Cluster."""
    body = _json(model)
    props = body.get("properties") or {}
    cluster_id = ResourceId.parse(body["id"])
    kubelet_raw = _get(props, "identityProfile", "kubeletidentity")
    kubelet = None
    if kubelet_raw and kubelet_raw.get("resourceId"):
        kubelet = KubeletIdentity(
            azure=owner,
            resource_id=kubelet_raw["resourceId"],
            client_id=str(kubelet_raw.get("clientId") or ""),
            object_id=str(kubelet_raw.get("objectId") or "").lower(),
            cluster_id=cluster_id,
        )
    pools = tuple(
        AgentPool(
            name=p.get("name", ""),
            node_image_version=p.get("nodeImageVersion"),
            subnet_id=p.get("vnetSubnetID"),
            count=p.get("count"),
            mode=p.get("mode"),
            provisioning_state=p.get("provisioningState"),
        )
        for p in props.get("agentPoolProfiles") or []
    )
    net = props.get("networkProfile") or {}
    network = NetworkProfile.from_arm(  # a read: never refused for values users may not ask
        plugin=net.get("networkPlugin") or "kubenet",
        plugin_mode=net.get("networkPluginMode"),
        subnet_id=next((p.subnet_id for p in pools if p.subnet_id), None),
        service_cidr=net.get("serviceCidr"),
        dns_service_ip=net.get("dnsServiceIP"),
        pod_cidr=net.get("podCidr"),
    )
    addons = tuple(
        AddonProfile(
            name=name,
            enabled=bool(addon.get("enabled")),
            identity_id=_get(addon, "identity", "resourceId"),
            client_id=_get(addon, "identity", "clientId"),
            object_id=_lower(_get(addon, "identity", "objectId")),
            config={str(k): str(v) for k, v in (addon.get("config") or {}).items()},
        )
        for name, addon in (props.get("addonProfiles") or {}).items()
    )
    routing = _get(props, "ingressProfile", "webAppRouting") or {}
    web_app_routing = (
        AddonProfile(
            name="webAppRouting",
            enabled=bool(routing.get("enabled")),
            identity_id=_get(routing, "identity", "resourceId"),
            client_id=_get(routing, "identity", "clientId"),
            object_id=_lower(_get(routing, "identity", "objectId")),
        )
        if routing
        else None
    )
    pod_profile = props.get("podIdentityProfile") or {}
    pod_identities = tuple(
        PodIdentity(
            name=p.get("name", ""),
            namespace=p.get("namespace", ""),
            identity_id=(
                ResourceId.parse(_get(p, "identity", "resourceId"))
                if _get(p, "identity", "resourceId")
                else None
            ),
            client_id=_get(p, "identity", "clientId"),
            object_id=_lower(_get(p, "identity", "objectId")),
        )
        for p in pod_profile.get("userAssignedIdentities") or []
    )
    return Cluster(
        azure=owner,
        id=cluster_id,
        name=body["name"],
        location=body["location"],
        provisioning_state=props.get("provisioningState"),
        identity=_cluster_identity(body),
        service_principal_client_id=_get(props, "servicePrincipalProfile", "clientId"),
        kubelet_identity=kubelet,
        network=network,
        agent_pools=pools,
        addons=addons,
        pod_identities=pod_identities,
        pod_identity_enabled=bool(pod_profile.get("enabled")),
        oidc_issuer_enabled=bool(_get(props, "oidcIssuerProfile", "enabled")),
        oidc_issuer_url=_get(props, "oidcIssuerProfile", "issuerURL"),
        workload_identity_enabled=bool(
            _get(props, "securityProfile", "workloadIdentity", "enabled")
        ),
        private_dns_zone=_get(props, "apiServerAccessProfile", "privateDNSZone"),
        node_resource_group=props.get("nodeResourceGroup"),
        kubernetes_version=props.get("currentKubernetesVersion") or props.get("kubernetesVersion"),
        web_app_routing=web_app_routing,
        cost_analysis_enabled=bool(_get(props, "metricsProfile", "costAnalysis", "enabled")),
        etag=body.get("eTag"),
    )


@attrs.frozen(kw_only=True)
class KubeletSpec:
    """A kubelet identity as the cluster body names it."""

    resource_id: ResourceId
    client_id: str
    object_id: str


@attrs.frozen(kw_only=True)
class ClusterSpec:
    """What a new cluster is made of (domain values only)."""

    location: str
    dns_prefix: str
    identity_id: ResourceId | None = None
    """User-assigned control-plane identity; None: system-assigned (or service principal)."""
    service_principal: ServicePrincipal | None = None
    kubelet: KubeletSpec | None = None
    network: NetworkProfile | None = None
    private_dns_zone: str | None = None
    node_count: int = 1
    vm_size: str = "Standard_DS2_v2"
    kubernetes_version: str | None = None
    addons: Sequence[str] = ()
    addon_config: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)
    """Per add-on, its ``config`` (e.g. ``applicationGatewayId`` for ingressApplicationGateway)."""
    enable_oidc_issuer: bool = False
    enable_workload_identity: bool = False
    tags: Mapping[str, str] = attrs.field(factory=dict)


def _control_plane_identity(identity_id: ResourceId | None) -> JSON:
    if identity_id is None:
        return {"type": "SystemAssigned"}
    return {"type": "UserAssigned", "userAssignedIdentities": {str(identity_id): {}}}


def _kubelet_body(kubelet: KubeletSpec) -> JSON:
    return {
        "kubeletidentity": {
            "resourceId": str(kubelet.resource_id),
            "clientId": kubelet.client_id,
            "objectId": kubelet.object_id,
        }
    }


def cluster_body(spec: ClusterSpec) -> JSON:
    """The PUT body that creates a cluster."""
    pool: JSON = {
        "name": "nodepool1",
        "count": spec.node_count,
        "vmSize": spec.vm_size,
        "mode": "System",
        "osType": "Linux",
        "type": "VirtualMachineScaleSets",
    }
    props: JSON = {"dnsPrefix": spec.dns_prefix, "enableRBAC": True, "agentPoolProfiles": [pool]}
    if spec.kubernetes_version:
        props["kubernetesVersion"] = spec.kubernetes_version
    body: JSON = {"location": spec.location, "properties": props}
    if spec.tags:
        body["tags"] = dict(spec.tags)
    if spec.service_principal is not None:
        props["servicePrincipalProfile"] = {
            "clientId": spec.service_principal.client_id,
            "secret": spec.service_principal.secret,
        }
    else:
        body["identity"] = _control_plane_identity(spec.identity_id)
    if spec.kubelet is not None:
        props["identityProfile"] = _kubelet_body(spec.kubelet)
    if spec.network is not None:
        net = spec.network
        if net.subnet_id is not None:
            pool["vnetSubnetID"] = str(net.subnet_id)
        network: JSON = {
            "networkPlugin": net.plugin,
            "networkPluginMode": net.plugin_mode,
            "serviceCidr": net.service_cidr,
            "dnsServiceIP": net.dns_service_ip,
            "podCidr": net.pod_cidr,
        }
        props["networkProfile"] = {k: v for k, v in network.items() if v is not None}
    if spec.private_dns_zone is not None:
        props["apiServerAccessProfile"] = {
            "enablePrivateCluster": True,
            "privateDNSZone": spec.private_dns_zone,
        }
    if spec.addons:
        props["addonProfiles"] = {
            name: {"enabled": True, "config": dict(spec.addon_config.get(name, {}))}
            for name in spec.addons
        }
    if spec.enable_oidc_issuer or spec.enable_workload_identity:
        props["oidcIssuerProfile"] = {"enabled": True}
    if spec.enable_workload_identity:
        props["securityProfile"] = {"workloadIdentity": {"enabled": True}}
    return body


def set_control_plane(body: JSON, identity_id: ResourceId | None) -> JSON:
    """The cluster body with a new control-plane identity (None: system-assigned)."""
    updated = dict(body)
    updated["identity"] = _control_plane_identity(identity_id)
    props = dict(updated.get("properties") or {})
    profile = dict(props.get("servicePrincipalProfile") or {})
    if profile:
        profile.pop("secret", None)
        props["servicePrincipalProfile"] = profile
    updated["properties"] = props
    return updated


def set_addons(body: JSON, addons: Mapping[str, Mapping[str, str] | None]) -> JSON:
    """The cluster body with add-ons enabled (a config) or disabled (None)."""
    updated = dict(body)
    props = dict(updated.get("properties") or {})
    profiles = {k: dict(v or {}) for k, v in (props.get("addonProfiles") or {}).items()}
    for name, config in addons.items():
        key = next((k for k in profiles if k.lower() == name.lower()), name)
        profile = profiles.setdefault(key, {})
        profile["enabled"] = config is not None
        if config is not None:
            profile["config"] = {**(profile.get("config") or {}), **dict(config)}
    props["addonProfiles"] = profiles
    updated["properties"] = props
    return updated


def set_kubelet(body: JSON, kubelet: KubeletSpec) -> JSON:
    """The cluster body with a new kubelet identity."""
    updated = dict(body)
    props = dict(updated.get("properties") or {})
    profile = dict(props.get("identityProfile") or {})
    profile.update(_kubelet_body(kubelet))
    props["identityProfile"] = profile
    updated["properties"] = props
    return updated
