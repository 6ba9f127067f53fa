"""The identities AKS uses, as data: the guide's "Summary of managed identities used by AKS".

Each entry says where the identity appears in a managed cluster (``profile``), what it is
for, the role assignments AKS gives it by default, and whether you can bring your own.
"""

from __future__ import annotations

import enum

import attrs

__all__ = [
    "AKS_IDENTITIES",
    "CatalogEntry",
    "DefaultPermission",
    "IdentityCategory",
    "addon_entry",
    "catalog_entry",
]


class IdentityCategory(str, enum.Enum):
    """The "Identity" column of the guide's summary table."""

    CONTROL_PLANE = "Control plane"
    KUBELET = "Kubelet"
    ADDON = "Add-on"
    WORKLOAD = "Workload identity"

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class DefaultPermission:
    """A role AKS assigns an identity by default, and the scope it assigns it on."""

    role: str
    """Built-in role name (resolve with :func:`aks_identity._roles.get_role`)."""
    scope: str
    """Where, in words: ``node resource group``, ``DNS zone``, ``AKS cluster``, ..."""

    def __str__(self) -> str:
        return f"{self.role} on the {self.scope}"


@attrs.frozen(kw_only=True)
class CatalogEntry:
    """One identity AKS uses (or one add-on that needs none)."""

    key: str
    """Stable ID of the entry, e.g. ``control-plane``, ``kubelet``, ``omsagent``."""
    category: IdentityCategory
    name: str
    """The "Name" column: ``<cluster-name>-agentpool``, ``omsagent``, ..."""
    purpose: str
    profile: str
    """Where it lives in the managed cluster's properties, e.g. ``addonProfiles.omsagent``."""
    addon_key: str | None = None
    """The ``addonProfiles`` key, for add-ons configured there."""
    aliases: tuple[str, ...] = ()
    """Other names: Azure CLI add-on names, older keys."""
    needs_identity: bool = True
    default_permissions: tuple[DefaultPermission, ...] = ()
    bring_your_own: bool = False
    deprecated: bool = False
    advice: str | None = None
    """Notes and, for deprecated features, what to migrate to."""

    @property
    def default_permission_labels(self) -> tuple[str, ...]:
        """``("Contributor on the node resource group", ...)`` for inventory rows."""
        return tuple(str(p) for p in self.default_permissions)

    def matches(self, key: str) -> bool:
        """True if ``key`` names this entry (its key, addon key or an alias), ignoring case."""
        wanted = key.strip().lower()
        return wanted in {k.lower() for k in (self.key, self.addon_key, *self.aliases) if k}


_NODE_RG = "node resource group"
_NO_IDENTITY = "No identity required."
_NO_IDENTITY_ADVICE = "No identity required; nothing to grant."

AKS_IDENTITIES: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        key="control-plane",
        category=IdentityCategory.CONTROL_PLANE,
        name="<cluster-name>",
        purpose="Used by AKS control plane components to manage cluster resources including "
        "ingress load balancers and AKS-managed public IPs, Cluster Autoscaler, Azure Disk, "
        "File, Blob CSI drivers.",
        profile="identity",
        default_permissions=(DefaultPermission("Contributor", _NODE_RG),),
        bring_your_own=True,
        advice="With a custom subnet the control plane also needs Network Contributor (or "
        "Microsoft.Network/virtualNetworks/subnets/join/action) on the subnet; a "
        "user-assigned control plane with a pre-created kubelet identity needs Managed "
        "Identity Operator on the kubelet identity.",
    ),
    CatalogEntry(
        key="kubelet",
        category=IdentityCategory.KUBELET,
        name="<cluster-name>-agentpool",
        purpose="Authentication with Azure Container Registry (ACR).",
        profile="identityProfile.kubeletidentity",
        aliases=("kubeletidentity",),
        bring_your_own=True,
        advice="No default role for Kubernetes 1.15 and later; attaching a registry grants "
        "AcrPull on it.",
    ),
    CatalogEntry(
        key="azure-npm",
        category=IdentityCategory.ADDON,
        name="AzureNPM",
        purpose=_NO_IDENTITY,
        profile="networkProfile.networkPolicy",
        aliases=("AzureNPM", "azure network policy manager"),
        needs_identity=False,
        advice=_NO_IDENTITY_ADVICE,
    ),
    CatalogEntry(
        key="azure-cni-network-monitoring",
        category=IdentityCategory.ADDON,
        name="AzureCNI network monitoring",
        purpose=_NO_IDENTITY,
        profile="networkProfile",
        aliases=("AzureCNI network monitoring",),
        needs_identity=False,
        advice=_NO_IDENTITY_ADVICE,
    ),
    CatalogEntry(
        key="azure-policy",
        category=IdentityCategory.ADDON,
        name="azure-policy (gatekeeper)",
        purpose=_NO_IDENTITY,
        profile="addonProfiles.azurepolicy",
        addon_key="azurepolicy",
        aliases=("azure-policy", "gatekeeper"),
        needs_identity=False,
        advice=_NO_IDENTITY_ADVICE,
    ),
    CatalogEntry(
        key="calico",
        category=IdentityCategory.ADDON,
        name="Calico",
        purpose=_NO_IDENTITY,
        profile="networkProfile.networkPolicy",
        needs_identity=False,
        advice=_NO_IDENTITY_ADVICE,
    ),
    CatalogEntry(
        key="application-routing",
        category=IdentityCategory.ADDON,
        name="application-routing",
        purpose="Manages Azure DNS and Azure Key Vault certificates.",
        profile="ingressProfile.webAppRouting.identity",
        aliases=("webAppRouting", "app-routing", "approuting", "web_application_routing"),
        default_permissions=(
            DefaultPermission("Key Vault Secrets User", "key vault"),
            DefaultPermission("DNS Zone Contributor", "DNS zones"),
            DefaultPermission("Private DNS Zone Contributor", "private DNS zones"),
        ),
    ),
    CatalogEntry(
        key="http-application-routing",
        category=IdentityCategory.ADDON,
        name="HTTPApplicationRouting",
        purpose="Manages required network resources.",
        profile="addonProfiles.httpApplicationRouting",
        addon_key="httpApplicationRouting",
        aliases=("http_application_routing",),
        default_permissions=(
            DefaultPermission("Reader", _NODE_RG),
            DefaultPermission("Contributor", "DNS zone"),
        ),
        deprecated=True,
        advice="The HTTP application routing add-on was retired on 3 March 2025: migrate to "
        "the application routing add-on (ingressProfile.webAppRouting).",
    ),
    CatalogEntry(
        key="ingress-application-gateway",
        category=IdentityCategory.ADDON,
        name="Ingress application gateway",
        purpose="Manages required network resources.",
        profile="addonProfiles.ingressApplicationGateway",
        addon_key="ingressApplicationGateway",
        aliases=("ingress-appgw", "agic"),
        default_permissions=(DefaultPermission("Contributor", _NODE_RG),),
    ),
    CatalogEntry(
        key="omsagent",
        category=IdentityCategory.ADDON,
        name="omsagent",
        purpose="Used to send AKS metrics to Azure Monitor.",
        profile="addonProfiles.omsagent",
        addon_key="omsagent",
        aliases=("monitoring", "container insights"),
        default_permissions=(DefaultPermission("Monitoring Metrics Publisher", "AKS cluster"),),
    ),
    CatalogEntry(
        key="virtual-node",
        category=IdentityCategory.ADDON,
        name="Virtual-Node (ACIConnector)",
        purpose="Manages required network resources for Azure Container Instances (ACI).",
        profile="addonProfiles.aciConnectorLinux",
        addon_key="aciConnectorLinux",
        aliases=("aciConnector", "ACIConnector", "virtual-node"),
        default_permissions=(DefaultPermission("Contributor", _NODE_RG),),
    ),
    CatalogEntry(
        key="cost-analysis",
        category=IdentityCategory.ADDON,
        name="Cost analysis",
        purpose="Used to gather cost allocation data.",
        profile="metricsProfile.costAnalysis",
        aliases=("costAnalysis",),
        bring_your_own=True,
    ),
    CatalogEntry(
        key="azure-keyvault-secrets-provider",
        category=IdentityCategory.ADDON,
        name="azure-keyvault-secrets-provider",
        purpose="Secrets Store CSI driver: mounts Key Vault secrets, keys and certificates "
        "into pods.",
        profile="addonProfiles.azureKeyvaultSecretsProvider",
        addon_key="azureKeyvaultSecretsProvider",
        aliases=("azure-keyvault-secrets-provider", "keyvault secrets provider"),
        advice="Not in the guide's summary table. AKS creates the add-on identity without "
        "roles: grant it (or a workload identity) Key Vault Secrets User on each vault.",
    ),
    CatalogEntry(
        key="workload-identity",
        category=IdentityCategory.WORKLOAD,
        name="Microsoft Entra Workload ID",
        purpose="Enables applications to access cloud resources securely with Microsoft "
        "Entra Workload ID.",
        profile="securityProfile.workloadIdentity",
        aliases=("workloadIdentity", "Microsoft Entra Workload ID"),
        advice="Needs the OIDC issuer (oidcIssuerProfile); each application uses its own "
        "user-assigned identity with a federated identity credential.",
    ),
    CatalogEntry(
        key="pod-identity",
        category=IdentityCategory.ADDON,
        name="Microsoft Entra pod-managed identity (aad-pod-identity)",
        purpose="Deprecated: let pods use user-assigned identities through NMI, which "
        "intercepts calls to the instance metadata (IMDS) endpoint.",
        profile="podIdentityProfile",
        aliases=("podIdentityProfile", "aad-pod-identity", "pod-managed identity"),
        deprecated=True,
        advice="Deprecated (open-source project archived Sept 2023; the AKS add-on's "
        "deprecation began Sept 2024). Migrate to Microsoft Entra Workload ID: enable the "
        "OIDC issuer and workload identity, add a federated identity credential to each "
        "user-assigned identity for its service account, move the pods over, then disable "
        "pod identity.",
    ),
)


def catalog_entry(key: str) -> CatalogEntry | None:
    """The entry named ``key`` (entry key, addonProfiles key or alias), ignoring case."""
    return next((entry for entry in AKS_IDENTITIES if entry.matches(key)), None)


def addon_entry(addon_key: str) -> CatalogEntry | None:
    """The entry for an ``addonProfiles`` key (case-insensitive, ``aciConnector*`` included)."""
    entry = catalog_entry(addon_key)
    if entry is None and addon_key.lower().startswith("aciconnector"):
        entry = catalog_entry("virtual-node")
    return entry
