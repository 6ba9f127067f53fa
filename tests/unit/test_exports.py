"""The public API is exactly what __all__ says (names are binding, see DESIGN.md)."""

from __future__ import annotations

import aks_identity

EXPECTED = {
    "AKS_IDENTITIES",
    "BUILTIN_ROLES",
    "AddonProfile",
    "AgentPool",
    "AksIdentityError",
    "AksIdentityWarning",
    "AuthorizationError",
    "Azure",
    "BUILTIN_ROLES",
    "CatalogEntry",
    "Cluster",
    "ClusterIdentity",
    "ConfirmationRequired",
    "ConflictError",
    "DefaultPermission",
    "DowntimeWarning",
    "IdentityCategory",
    "IdentityInventory",
    "IdentityType",
    "IdentityUse",
    "KeptAssignmentWarning",
    "KubeletIdentity",
    "ManagedIdentity",
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
    "Step",
    "TokenRefreshWarning",
    "TransientError",
    "ValidationError",
    "get_role",
    # fleet (issue 11)
    "AuditReport",
    "ClusterOutcome",
    "ClusterPlan",
    "Finding",
    "Fleet",
    "FleetPlan",
    "FleetResult",
    "Severity",
}
EXPECTED |= {"MissingPermission", "MissingPermissionsError", "TargetState"}  # issue 8/11 (guard)


def test_exported_names_are_pinned() -> None:
    assert set(aks_identity.__all__) == EXPECTED
    assert len(aks_identity.__all__) == len(EXPECTED)


def test_every_exported_name_resolves() -> None:
    for name in aks_identity.__all__:
        assert getattr(aks_identity, name) is not None, name


def test_no_private_or_sdk_names_leak() -> None:
    public = {n for n in dir(aks_identity) if not n.startswith(("_", "@"))}  # "@": pytest
    assert public - set(aks_identity.__all__) <= {"emulator"}


def test_errors_form_one_tree() -> None:
    for name in (
        "ValidationError",
        "NotFoundError",
        "ConflictError",
        "AuthorizationError",
        "TransientError",
        "PropagationTimeout",
        "ConfirmationRequired",
    ):
        assert issubclass(getattr(aks_identity, name), aks_identity.AksIdentityError)


def test_binding_emulator_api_is_present(arm_emulator: object) -> None:
    for attr in (
        "url",
        "subscription_id",
        "tenant_id",
        "credential",
        "ca_bundle",
        "azure",
        "clock",
        "requests",
        "faults",
        "check_access",
        "put_resource",
        "reset",
        "az_setup",
        "create_service_principal",
        "caller_client_id",
    ):
        assert hasattr(arm_emulator, attr), attr
