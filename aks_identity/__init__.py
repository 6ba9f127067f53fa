"""aks_identity: manage the identities of Azure Kubernetes Service clusters.

Start with :class:`Azure` (or ``aks_identity.emulator.Emulator().azure()`` offline).
"""

from aks_identity._catalog import AKS_IDENTITIES, CatalogEntry, DefaultPermission, IdentityCategory
from aks_identity._client import Azure
from aks_identity._errors import (
    AksIdentityError,
    AuthorizationError,
    ConfirmationRequired,
    ConflictError,
    NotFoundError,
    PropagationTimeout,
    TransientError,
    ValidationError,
)
from aks_identity._fleet import (
    AuditReport,
    ClusterOutcome,
    ClusterPlan,
    Finding,
    Fleet,
    FleetPlan,
    FleetResult,
    Severity,
)
from aks_identity._ids import ResourceId, ResourceKind
from aks_identity._model import (
    ClusterIdentity,
    IdentityType,
    NetworkProfile,
    Principal,
    PrincipalType,
    ServicePrincipal,
)
from aks_identity._objects import (
    AddonProfile,
    AgentPool,
    Cluster,
    IdentityUse,
    KubeletIdentity,
    ManagedIdentity,
    PodIdentity,
    ResourceGroup,
    RoleAssignment,
)
from aks_identity._plan import Plan, PlannedGrant, Step
from aks_identity._retry import RetryPolicy
from aks_identity._roles import BUILTIN_ROLES, Role, get_role
from aks_identity._warnings import (
    AksIdentityWarning,
    DowntimeWarning,
    PropagationWarning,
    RegistryReattachWarning,
    ServicePrincipalKubeletWarning,
    TokenRefreshWarning,
)

__all__ = [
    "AKS_IDENTITIES",
    "BUILTIN_ROLES",
    "AddonProfile",
    "AgentPool",
    "AksIdentityError",
    "AksIdentityWarning",
    "AuditReport",
    "AuthorizationError",
    "Azure",
    "CatalogEntry",
    "Cluster",
    "ClusterIdentity",
    "ClusterOutcome",
    "ClusterPlan",
    "ConfirmationRequired",
    "ConflictError",
    "DefaultPermission",
    "DowntimeWarning",
    "Finding",
    "Fleet",
    "FleetPlan",
    "FleetResult",
    "IdentityCategory",
    "IdentityType",
    "IdentityUse",
    "KubeletIdentity",
    "ManagedIdentity",
    "NetworkProfile",
    "NotFoundError",
    "Plan",
    "PlannedGrant",
    "PodIdentity",
    "Principal",
    "PrincipalType",
    "PropagationTimeout",
    "PropagationWarning",
    "RegistryReattachWarning",
    "ResourceGroup",
    "ResourceId",
    "ResourceKind",
    "RetryPolicy",
    "Role",
    "RoleAssignment",
    "ServicePrincipal",
    "ServicePrincipalKubeletWarning",
    "Severity",
    "Step",
    "TokenRefreshWarning",
    "TransientError",
    "ValidationError",
    "get_role",
]
