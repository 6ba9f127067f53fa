"""aks_identity: manage the identities of Azure Kubernetes Service clusters.

Start with :class:`Azure` (or ``aks_identity.emulator.Emulator().azure()`` offline).
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING

from aks_identity._azure._pipeline import SdkOptions
from aks_identity._catalog import AKS_IDENTITIES, CatalogEntry, DefaultPermission, IdentityCategory
from aks_identity._client import Azure
from aks_identity._errors import (
    AksIdentityError,
    AuthorizationError,
    ConfirmationRequired,
    ConflictError,
    NotFoundError,
    PropagationTimeout,
    RealAzureBlocked,
    TransientError,
    ValidationError,
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
    IdentityInventory,
    IdentityUse,
    KubeletIdentity,
    ManagedIdentity,
    PodIdentity,
    ResourceGroup,
    RoleAssignment,
)
from aks_identity._permissions import MissingPermission, MissingPermissionsError
from aks_identity._plan import Plan, PlannedGrant, Step, TargetState
from aks_identity._retry import RetryPolicy
from aks_identity._roles import BUILTIN_ROLES, Role, get_role
from aks_identity._warnings import (
    AksIdentityWarning,
    DowntimeWarning,
    KeptAssignmentWarning,
    NoNewerNodeImageWarning,
    PropagationWarning,
    RegistryReattachWarning,
    ServicePrincipalKubeletWarning,
    TokenRefreshWarning,
)

if _TYPE_CHECKING:
    __version__: str
    """The installed version of aks-identity (read from its metadata on first access)."""

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

_FLEET = frozenset(
    {
        "AuditReport",
        "ClusterOutcome",
        "ClusterPlan",
        "Finding",
        "Fleet",
        "FleetPlan",
        "FleetResult",
        "Severity",
    }
)
"""Loaded on first use (PEP 562): ``import aks_identity`` stays as cheap as the SDK's."""


def __getattr__(name: str) -> object:
    if name == "__version__":
        from aks_identity._version import version

        return version()
    if name in _FLEET:
        from aks_identity import _fleet

        value = getattr(_fleet, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'aks_identity' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_FLEET})


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
    "IdentityInventory",
    "IdentityType",
    "IdentityUse",
    "KeptAssignmentWarning",
    "KubeletIdentity",
    "ManagedIdentity",
    "MissingPermission",
    "MissingPermissionsError",
    "NetworkProfile",
    "NoNewerNodeImageWarning",
    "NotFoundError",
    "Plan",
    "PlannedGrant",
    "PodIdentity",
    "Principal",
    "PrincipalType",
    "PropagationTimeout",
    "PropagationWarning",
    "RealAzureBlocked",
    "RegistryReattachWarning",
    "ResourceGroup",
    "ResourceId",
    "ResourceKind",
    "RetryPolicy",
    "Role",
    "RoleAssignment",
    "SdkOptions",
    "ServicePrincipal",
    "ServicePrincipalKubeletWarning",
    "Severity",
    "Step",
    "TargetState",
    "TokenRefreshWarning",
    "TransientError",
    "ValidationError",
    "get_role",
]
