"""Wire shapes of Microsoft.ContainerService resources, as AKS returns them (no state, no HTTP).

Defaults and read-only fields follow ../shared/arm-samples (ManagedClustersGet.json, the CLI
recordings): ``resourcegroups`` lower-case in IDs, ``Microsoft.ContainerService/ManagedClusters``
as the type, ``servicePrincipalProfile.clientId`` ``"msi"`` on managed-identity clusters.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from typing import Any

NAMESPACE = "Microsoft.ContainerService"
CLUSTER_TYPE = f"{NAMESPACE}/ManagedClusters"
AGENT_POOL_TYPE = f"{NAMESPACE}/managedClusters/agentPools"
ASSIGN_ACTION = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
SUBNET_JOIN_ACTION = "Microsoft.Network/virtualNetworks/subnets/join/action"
DEFAULT_KUBERNETES_VERSION = "1.31.2"
MSI_CLIENT_ID = "msi"

# Add-ons for which AKS creates a user-assigned identity "<addon lower-case>-<cluster>" in the
# node resource group (managed-identity clusters only).
IDENTITY_ADDONS = frozenset(
    {
        "omsagent",
        "azurekeyvaultsecretsprovider",
        "ingressapplicationgateway",
        "azurepolicy",
        "aciconnectorlinux",
        "confcom",
    }
)

TERMINAL_STATES = frozenset({"Succeeded", "Failed", "Canceled"})


@dataclasses.dataclass(frozen=True)
class ClusterRef:
    """Where a managed cluster lives."""

    subscription_id: str
    resource_group: str
    name: str

    @property
    def id(self) -> str:
        """The cluster ID as AKS writes it."""
        return cluster_id(self.subscription_id, self.resource_group, self.name)

    @property
    def key(self) -> str:
        """Case-insensitive key."""
        return self.id.lower()


def cluster_id(subscription_id: str, resource_group: str, name: str) -> str:
    """The cluster ID the way AKS writes it (``resourcegroups`` lower-case)."""
    return (
        f"/subscriptions/{subscription_id}/resourcegroups/{resource_group}"
        f"/providers/{NAMESPACE}/managedClusters/{name}"
    )


def node_resource_group(resource_group: str, name: str, location: str) -> str:
    """AKS's default node resource group name."""
    return f"MC_{resource_group}_{name}_{location}"


def identity_id(subscription_id: str, resource_group: str, name: str) -> str:
    """A user-assigned identity ID in the form AKS reports it."""
    return (
        f"/subscriptions/{subscription_id}/resourcegroups/{resource_group}"
        f"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )


def _short_hash(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).lower().encode()).hexdigest()[:8]


def default_dns_prefix(name: str, resource_group: str, subscription_id: str) -> str:
    """The DNS prefix the CLI derives: ``<name[:10]>-<rg[:16]>-<sub[:6]>``."""
    return f"{name[:10]}-{resource_group[:16]}-{subscription_id[:6]}"


def fqdns(dns_prefix: str, location: str, cluster: str) -> dict[str, str]:
    """``fqdn`` and ``azurePortalFQDN`` for a cluster."""
    host = f"{dns_prefix}-{_short_hash(cluster)}"
    return {
        "fqdn": f"{host}.hcp.{location}.azmk8s.io",
        "azurePortalFQDN": f"{host}.portal.hcp.{location}.azmk8s.io",
    }


def oidc_issuer_url(location: str, tenant_id: str, cluster: str) -> str:
    """An issuer URL in the shape AKS uses."""
    suffix = hashlib.sha256(cluster.lower().encode()).hexdigest()[:32]
    guid = f"{suffix[:8]}-{suffix[8:12]}-{suffix[12:16]}-{suffix[16:20]}-{suffix[20:]}"
    return f"https://{location}.oic.prod-aks.azure.com/{tenant_id}/{guid}/"


def agent_pool_profile(
    requested: dict[str, Any],
    *,
    current: dict[str, Any] | None,
    kubernetes_version: str,
    node_image: str,
    state: str,
) -> dict[str, Any]:
    """An agentPoolProfiles entry: the request with AKS's defaults and read-only fields."""
    profile: dict[str, Any] = {
        "count": 3,
        "vmSize": "Standard_DS2_v2",
        "osDiskSizeGB": 128,
        "osDiskType": "Managed",
        "kubeletDiskType": "OS",
        "maxPods": 110,
        "type": "VirtualMachineScaleSets",
        "enableAutoScaling": False,
        "enableNodePublicIP": False,
        "mode": "System",
        "osType": "Linux",
        "osSKU": "Ubuntu",
        "enableFIPS": False,
        "enableEncryptionAtHost": False,
        "enableUltraSSD": False,
        "nodeLabels": {},
        "upgradeSettings": {"maxSurge": "10%"},
    }
    for key, value in requested.items():
        if value in (None, "") or key in _POOL_READ_ONLY:
            continue
        profile[key] = copy.deepcopy(value)
    if not profile.get("osDiskSizeGB"):
        profile["osDiskSizeGB"] = 128
    version = requested.get("orchestratorVersion") or kubernetes_version
    profile["orchestratorVersion"] = version
    profile["currentOrchestratorVersion"] = version
    profile["provisioningState"] = state
    profile["powerState"] = {"code": "Running"}
    profile["nodeImageVersion"] = (current or {}).get("nodeImageVersion") or node_image
    return profile


_POOL_READ_ONLY = frozenset(
    {"provisioningState", "powerState", "nodeImageVersion", "currentOrchestratorVersion", "eTag"}
)


def agent_pool_resource(cluster: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    """The agentPools child resource for one agentPoolProfiles entry."""
    properties = {k: copy.deepcopy(v) for k, v in profile.items() if k != "name"}
    return {
        "id": f"{cluster['id']}/agentPools/{profile['name']}",
        "name": profile["name"],
        "type": AGENT_POOL_TYPE,
        "properties": properties,
    }


DEFAULT_SKU = {"name": "Base", "tier": "Free"}


def default_storage_profile(requested: dict[str, Any] | None) -> dict[str, Any]:
    """storageProfile with the CSI drivers AKS enables by default."""
    profile: dict[str, Any] = {
        "diskCSIDriver": {"enabled": True},
        "fileCSIDriver": {"enabled": True},
        "snapshotController": {"enabled": True},
    }
    profile.update(copy.deepcopy(requested or {}))
    return profile


def default_network_profile(
    requested: dict[str, Any] | None, subscription_id: str, node_resource_group: str
) -> dict[str, Any]:
    """networkProfile with the defaults AKS fills in (an outbound IP in the node group)."""
    profile: dict[str, Any] = {
        "networkPlugin": "kubenet",
        "loadBalancerSku": "standard",
        "podCidr": "10.244.0.0/16",
        "serviceCidr": "10.0.0.0/16",
        "dnsServiceIP": "10.0.0.10",
        "outboundType": "loadBalancer",
    }
    profile.update({k: copy.deepcopy(v) for k, v in (requested or {}).items() if v is not None})
    if profile.get("networkPlugin") == "azure" and profile.get("networkPluginMode") != "overlay":
        profile.pop("podCidr", None)
    profile.setdefault("serviceCidrs", [profile["serviceCidr"]])
    if profile.get("podCidr"):
        profile.setdefault("podCidrs", [profile["podCidr"]])
    profile.setdefault("ipFamilies", ["IPv4"])
    if str(profile.get("loadBalancerSku", "")).lower() == "standard":
        profile["loadBalancerSku"] = "standard"
        balancer = profile.setdefault("loadBalancerProfile", {})
        balancer.setdefault("managedOutboundIPs", {"count": 1})
        ip_name = _short_hash(subscription_id, node_resource_group, "outbound")
        balancer["effectiveOutboundIPs"] = [
            {
                "id": f"/subscriptions/{subscription_id}/resourceGroups/{node_resource_group}"
                f"/providers/Microsoft.Network/publicIPAddresses/{ip_name}"
            }
        ]
        balancer.setdefault("allocatedOutboundPorts", 0)
        balancer.setdefault("idleTimeoutInMinutes", 30)
    return profile


# Keys of properties AKS computes; a client's copy of them (GET-modify-PUT) is ignored.
READ_ONLY_PROPERTIES = frozenset(
    {
        "provisioningState",
        "powerState",
        "currentKubernetesVersion",
        "fqdn",
        "azurePortalFQDN",
        "privateFQDN",
        "maxAgentPools",
        "identityProfile",
    }
)


# Kubernetes versions the emulated AKS offers (upgradeProfiles list the ones above a pool's).
KUBERNETES_VERSIONS = ("1.30.6", "1.31.2", "1.32.0")
UPGRADE_PROFILE_TYPE = f"{NAMESPACE}/managedClusters/upgradeprofiles"
POOL_UPGRADE_PROFILE_TYPE = f"{NAMESPACE}/managedClusters/agentPools/upgradeProfiles"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def upgrades(current: str) -> list[dict[str, Any]]:
    """``upgrades``: the offered Kubernetes versions newer than ``current``."""
    return [
        {"kubernetesVersion": v}
        for v in KUBERNETES_VERSIONS
        if _version_key(v) > _version_key(current)
    ]


def _pool_version(profile: dict[str, Any]) -> str:
    return str(profile.get("currentOrchestratorVersion") or profile.get("orchestratorVersion"))


def pool_upgrade_profile(
    cluster: dict[str, Any], profile: dict[str, Any], latest_node_image: str
) -> dict[str, Any]:
    """AgentPoolUpgradeProfile (AgentPoolsGetUpgradeProfile.json): ``latestNodeImageVersion``
    is the newest node image AKS offers the pool."""
    version = _pool_version(profile)
    return {
        "id": f"{cluster['id']}/agentPools/{profile['name']}/upgradeprofiles/default",
        "name": "default",
        "type": POOL_UPGRADE_PROFILE_TYPE,
        "properties": {
            "kubernetesVersion": version,
            "osType": profile.get("osType", "Linux"),
            "upgrades": upgrades(version),
            "latestNodeImageVersion": latest_node_image,
        },
    }


def cluster_upgrade_profile(cluster: dict[str, Any]) -> dict[str, Any]:
    """ManagedClusterUpgradeProfile (ManagedClustersGetUpgradeProfile.json)."""
    props = cluster["properties"]
    version = str(props.get("currentKubernetesVersion") or props.get("kubernetesVersion"))
    pools = [
        {
            "name": p["name"],
            "kubernetesVersion": _pool_version(p),
            "osType": p.get("osType", "Linux"),
            "upgrades": upgrades(_pool_version(p)),
        }
        for p in props.get("agentPoolProfiles") or []
    ]
    return {
        "id": f"{cluster['id']}/upgradeprofiles/default",
        "name": "default",
        "type": UPGRADE_PROFILE_TYPE,
        "properties": {
            "controlPlaneProfile": {
                "kubernetesVersion": version,
                "name": "master",
                "osType": "Linux",
                "upgrades": upgrades(version),
            },
            "agentPoolProfiles": pools,
        },
    }
