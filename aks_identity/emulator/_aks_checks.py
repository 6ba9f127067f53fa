"""AKS's own checks on a managed-cluster write, with AKS's error codes (no side effects).

The messages follow what AKS returns (CustomKubeletIdentityMissingPermissionError,
ServicePrincipalNotFound as recorded by the Azure CLI tests; the other codes as AKS names them).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from . import _aks_shapes as shapes
from ._aks_errors import AksError, linked_subnet_failed
from ._aks_network import check_network
from ._aks_runtime import ClusterRuntime, service_principal_label, system_assigned_label
from ._errors import ArmError
from ._state import State

SYSTEM_ASSIGNED = "SystemAssigned"
USER_ASSIGNED = "UserAssigned"
SERVICE_PRINCIPAL = "ServicePrincipal"
NEW_SYSTEM_ASSIGNED = "systemAssigned:<new>"


@dataclasses.dataclass(frozen=True)
class ControlPlane:
    """The control-plane credential a write asks for."""

    kind: str  # SYSTEM_ASSIGNED | USER_ASSIGNED | SERVICE_PRINCIPAL
    identity: dict[str, Any] | None = None  # the user-assigned identity's ARM body
    client_id: str | None = None  # the service principal's client ID

    @property
    def managed(self) -> bool:
        return self.kind != SERVICE_PRINCIPAL

    @property
    def principal_id(self) -> str | None:
        return str(self.identity["properties"]["principalId"]) if self.identity else None

    @property
    def identity_id(self) -> str | None:
        return str(self.identity["id"]) if self.identity else None

    def label(self, runtime: ClusterRuntime | None) -> str:
        """The credential label (see _aks_runtime)."""
        if self.identity is not None:
            return str(self.identity["id"])
        if self.client_id is not None:
            return service_principal_label(self.client_id)
        if runtime is None or runtime.system_principal_id is None:
            return NEW_SYSTEM_ASSIGNED
        return system_assigned_label(runtime.system_principal_id)


@dataclasses.dataclass(frozen=True)
class Plan:
    """A validated write."""

    location: str
    control_plane: ControlPlane
    kubelet_id: str | None  # None: auto-created (managed) or none (service principal)
    kubelet_custom: bool
    kubelet_changed: bool
    pools: list[dict[str, Any]]


def properties(body: dict[str, Any] | None) -> dict[str, Any]:
    """``body["properties"]`` or {}."""
    props = (body or {}).get("properties")
    return props if isinstance(props, dict) else {}


def lower_keys(mapping: Any) -> dict[str, Any]:
    """A mapping with lower-cased keys ({} for anything else)."""
    return {str(k).lower(): v for k, v in mapping.items()} if isinstance(mapping, dict) else {}


def requested_kubelet(body: dict[str, Any]) -> str | None:
    """identityProfile.kubeletidentity.resourceId of a request."""
    kubelet = lower_keys(properties(body).get("identityProfile")).get("kubeletidentity")
    resource_id = kubelet.get("resourceId") if isinstance(kubelet, dict) else None
    return str(resource_id) if resource_id else None


def current_kubelet(existing: dict[str, Any] | None) -> str | None:
    """The kubelet identity ID a cluster shows now."""
    kubelet = lower_keys(properties(existing).get("identityProfile")).get("kubeletidentity")
    return str(kubelet["resourceId"]) if isinstance(kubelet, dict) else None


def referenced_identities(body: dict[str, Any]) -> list[str]:
    """Every user-assigned identity a request assigns (control plane and kubelet)."""
    identity = body.get("identity") if isinstance(body.get("identity"), dict) else {}
    ids = [str(k) for k in (identity or {}).get("userAssignedIdentities") or {}]
    kubelet = requested_kubelet(body)
    if kubelet:
        ids.append(kubelet)
    return list(dict.fromkeys(ids))


def subnets(pools: list[dict[str, Any]]) -> list[str]:
    """The custom subnets of agent pools."""
    return list(dict.fromkeys(str(p["vnetSubnetID"]) for p in pools if p.get("vnetSubnetID")))


def plan_write(
    state: State,
    body: dict[str, Any],
    existing: dict[str, Any] | None,
    runtime: ClusterRuntime | None,
) -> Plan:
    """Validate a PUT the way AKS does; raise AksError/ArmError on the first broken rule."""
    location = _location(body, existing)
    control_plane = _control_plane(state, body, existing)
    current = current_kubelet(existing)
    requested = requested_kubelet(body)
    custom = bool(runtime and runtime.kubelet_custom)
    kubelet_id = current if control_plane.managed else None
    changed = existing is None
    if requested and (current is None or requested.lower() != current.lower()):
        kubelet_id, custom, changed = requested, True, True
    elif requested and runtime is not None and runtime.kubelet_custom:
        # After a failed kubelet switch the stored body already names the new identity, but
        # the nodes still run the old one: the re-run switches (and reimages) for real.
        in_use = {
            label.lower()
            for label in runtime.kubelet.values()
            if not label.lower().startswith("serviceprincipal:")
        }
        if in_use and in_use != {requested.lower()}:
            kubelet_id, custom, changed = requested, True, True
    if custom and control_plane.kind != USER_ASSIGNED:
        raise AksError(
            400,
            "CustomKubeletIdentityOnlySupportedOnUserAssignedMSICluster",
            "Custom kubelet identity is only supported on a cluster that uses a user-assigned "
            "managed identity as its control-plane identity. See "
            "https://aka.ms/aks/kubelet-identity for more details.",
        )
    cp_changed = runtime is None or control_plane.label(runtime) != runtime.control_plane
    if custom and kubelet_id and (changed or cp_changed):
        _check_kubelet(state, control_plane, kubelet_id)
    pools = (
        properties(body).get("agentPoolProfiles")
        or properties(existing).get("agentPoolProfiles")
        or [{"name": "nodepool1"}]
    )
    if existing is None:
        check_network(state, body, pools)
    if control_plane.kind == USER_ASSIGNED:
        before = {s.lower() for s in subnets(properties(existing).get("agentPoolProfiles") or [])}
        for subnet in subnets(pools):
            if (cp_changed or subnet.lower() not in before) and not state.rbac.check_access(
                str(control_plane.principal_id), shapes.SUBNET_JOIN_ACTION, subnet
            ):
                raise linked_subnet_failed(str(control_plane.principal_id), subnet)
    return Plan(location, control_plane, kubelet_id, custom, changed, pools)


def _location(body: dict[str, Any], existing: dict[str, Any] | None) -> str:
    if existing is not None:
        return str(existing["location"])
    location = body.get("location")
    if not location:
        raise ArmError(
            400, "LocationRequired", "The location property is required for this definition."
        )
    return str(location).replace(" ", "").lower()


def _control_plane(
    state: State, body: dict[str, Any], existing: dict[str, Any] | None
) -> ControlPlane:
    identity = body.get("identity") or (existing or {}).get("identity") or {}
    kind = str(identity.get("type") or "None").lower()
    if kind == SYSTEM_ASSIGNED.lower():
        return ControlPlane(SYSTEM_ASSIGNED)
    if kind == USER_ASSIGNED.lower():
        ids = list((identity.get("userAssignedIdentities") or {}).keys())
        if len(ids) != 1:
            raise AksError(
                400,
                "BadRequest",
                f"A managed cluster takes exactly one user-assigned identity; got {len(ids)}.",
            )
        resolved = state.identities.get(ids[0])
        if resolved is None:
            raise ArmError(
                400,
                "FailedIdentityOperation",
                f"Identity operation for resource '{ids[0]}' failed with error 'Failed to "
                "perform resource identity operation. Status: 'NotFound'.'.",
            )
        return ControlPlane(USER_ASSIGNED, identity=resolved)
    if existing is not None and existing.get("identity"):
        raise AksError(
            400,
            "BadRequest",
            "A managed-identity cluster cannot be converted back to a service principal cluster.",
        )
    return ControlPlane(SERVICE_PRINCIPAL, client_id=_service_principal(state, body, existing))


def _service_principal(state: State, body: dict[str, Any], existing: dict[str, Any] | None) -> str:
    profile = (
        properties(body).get("servicePrincipalProfile")
        or properties(existing).get("servicePrincipalProfile")
        or {}
    )
    client_id = profile.get("clientId")
    if not client_id or client_id == shapes.MSI_CLIENT_ID:
        raise AksError(
            400,
            "InvalidParameter",
            "Either a managed identity (identity.type) or a service principal "
            "(properties.servicePrincipalProfile.clientId and secret) is required.",
        )
    if existing is None and not profile.get("secret"):
        raise AksError(
            400,
            "InvalidParameter",
            "The value of parameter servicePrincipalProfile.secret is invalid: a service "
            "principal cluster needs the client secret.",
        )
    principal = state.directory.find_by_client_id(str(client_id))
    if principal is None or not state.directory.is_replicated(principal.object_id):
        raise AksError(
            400,
            "ServicePrincipalNotFound",
            f"Service principal clientID: {client_id} not found in Active Directory tenant "
            f"{state.tenant_id}, Please see https://aka.ms/aks-sp-help for more details.",
        )
    return str(client_id)


def _check_kubelet(state: State, control_plane: ControlPlane, kubelet_id: str) -> None:
    if state.identities.get(kubelet_id) is None:
        raise AksError(
            400,
            "CustomKubeletIdentityPropertyError",
            f"The kubelet identity '{kubelet_id}' was not found; it must be an existing "
            "user-assigned managed identity.",
        )
    if not state.rbac.check_access(
        str(control_plane.principal_id), shapes.ASSIGN_ACTION, kubelet_id
    ):
        raise AksError(
            400,
            "CustomKubeletIdentityMissingPermissionError",
            "The cluster using user-assigned managed identity must be granted 'Managed "
            "Identity Operator' role to assign kubelet identity. You can run 'az role "
            "assignment create --assignee <control-plane-identity-principal-id> --role "
            "'Managed Identity Operator' --scope <kubelet-identity-resource-id>' to grant "
            "the permission. See "
            "https://learn.microsoft.com/en-us/azure/aks/use-managed-identity#add-role-assignment",
        )
