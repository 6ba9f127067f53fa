"""The audit's rules: pure functions from what was read (clusters, role assignments, directory
facts) to findings. No I/O here; :mod:`aks_identity._fleet._fleet` reads, this judges.

Every rule names the library call that fixes what it finds. "An equivalent role" means any role
(built-in or custom) whose permissions include the action AKS needs, at the scope or above it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from aks_identity._model import IdentityType
from aks_identity._objects import Cluster
from aks_identity._roles import Role, get_role

from ._report import Finding, Severity

__all__ = ["Assignment", "AuditInput", "assignments_from_rows", "findings"]

SUBNET_JOIN = "Microsoft.Network/virtualNetworks/subnets/join/action"
IDENTITY_ASSIGN = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
ACR_PULL = "Microsoft.ContainerRegistry/registries/pull/read"
_BROAD = {
    get_role("Owner").guid: Severity.ERROR,
    get_role("User Access Administrator").guid: Severity.ERROR,
    get_role("Contributor").guid: Severity.WARNING,
}
_SYSTEM_ZONES = {"", "system", "none"}


@attrs.frozen(kw_only=True)
class Assignment:
    """A role assignment as Resource Graph's ``authorizationresources`` lists it."""

    id: str
    scope: str
    principal_id: str
    principal_type: str | None
    role: Role

    @property
    def role_label(self) -> str:
        """The role's name, or its GUID for an unknown custom role."""
        return self.role.name or self.role.guid


def assignments_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Assignment]:
    """Role assignment rows -> :class:`Assignment` (custom role rows give their permissions)."""
    materialised = list(rows)
    custom: dict[str, Role] = {}
    for row in materialised:
        if str(row.get("type", "")).lower() == "microsoft.authorization/roledefinitions":
            role = Role.from_arm({"name": row.get("name"), **dict(row)})
            custom[role.guid] = role
    found = []
    for row in materialised:
        if str(row.get("type", "")).lower() != "microsoft.authorization/roleassignments":
            continue
        props = row.get("properties") or {}
        definition = str(props.get("roleDefinitionId") or "")
        principal = str(props.get("principalId") or "").lower()
        if not definition or not principal:
            continue
        role = get_role(definition)
        found.append(
            Assignment(
                id=str(row["id"]),
                scope=str(props.get("scope") or _scope_of(str(row["id"]))),
                principal_id=principal,
                principal_type=props.get("principalType"),
                role=custom.get(role.guid, role),
            )
        )
    return found


def _scope_of(assignment_id: str) -> str:
    index = assignment_id.lower().rfind("/providers/microsoft.authorization/roleassignments/")
    return assignment_id[:index] or "/"


def _within(resource_id: str, scope: str) -> bool:
    rid, sc = resource_id.rstrip("/").lower(), scope.rstrip("/").lower()
    return sc in ("", rid) or rid.startswith(sc + "/")


def _broad(scope: str) -> bool:
    """Subscription scope or wider (tenant root, management groups)."""
    parts = scope.rstrip("/").split("/")
    if len(parts) <= 1:
        return True
    if parts[1].lower() == "providers":
        return "microsoft.management/managementgroups" in scope.lower()
    return len(parts) == 3 and parts[1].lower() == "subscriptions"


def _is_registry(scope: str) -> bool:
    parts = scope.rstrip("/").split("/")
    return (
        len(parts) == 9 and "/".join(parts[6:8]).lower() == "microsoft.containerregistry/registries"
    )


@attrs.frozen(kw_only=True)
class AuditInput:
    """Everything the rules judge."""

    clusters: Sequence[Cluster]
    assignments: Sequence[Assignment]
    unreadable: Sequence[tuple[str, str]] = ()
    """Subscriptions asked for that could not be read, with the reason."""
    existing_principals: frozenset[str] | None = None
    """Object IDs the directory confirmed exist; None when the directory was not read."""
    service_principals: Mapping[str, str | None] = attrs.field(factory=dict)
    """Service principal client ID -> object ID (None: not in the directory)."""
    newer_node_image: Mapping[str, bool | None] = attrs.field(factory=dict)
    """Cluster ID (lower case) -> whether a newer node image exists (None: unknown)."""
    directory_error: str | None = None


class _Grants:
    def __init__(self, assignments: Sequence[Assignment]) -> None:
        self.of: dict[str, list[Assignment]] = defaultdict(list)
        for assignment in assignments:
            self.of[assignment.principal_id].append(assignment)

    def covers(self, principal_id: str, action: str, target: str) -> bool:
        return any(
            _within(target, a.scope) and a.role.permits(action)
            for a in self.of.get(principal_id.lower(), ())
        )


def findings(data: AuditInput) -> list[Finding]:
    """Every finding, errors first, then by cluster and code."""
    grants = _Grants(data.assignments)
    found: list[Finding] = []
    for subscription, reason in data.unreadable:
        found.append(
            Finding(
                cluster_id=f"/subscriptions/{subscription}",
                code="SubscriptionNotReadable",
                severity=Severity.ERROR,
                message=f"subscription {subscription} could not be read: {reason}",
                fix="grant the caller Reader on the subscription, or leave it out of "
                "Fleet(subscriptions=...)",
            )
        )
    if data.directory_error is not None:
        found.append(
            Finding(
                cluster_id="/",
                code="DirectoryNotReadable",
                severity=Severity.WARNING,
                message="Microsoft Graph could not be read, so orphaned role assignments and "
                "registries of retired service principals were not checked: "
                f"{data.directory_error}",
                fix="grant the caller Directory.Read.All (or a directory reader role), then "
                "re-run fleet.audit()",
            )
        )
    for cluster in data.clusters:
        found.extend(_cluster_findings(cluster, grants, data))
    found.extend(_orphans(data))
    found.sort(key=lambda f: (-f.severity.rank, f.cluster_id.lower(), f.code))
    return found


def _finding(cluster: Cluster, code: str, severity: Severity, message: str, fix: str) -> Finding:
    return Finding(
        cluster_id=str(cluster.id), code=code, severity=severity, message=message, fix=fix
    )


def _cluster_findings(cluster: Cluster, grants: _Grants, data: AuditInput) -> list[Finding]:
    found: list[Finding] = []
    kind = cluster.identity_type
    client_id = (cluster.service_principal_client_id or "").lower()
    service_principal = (
        data.service_principals.get(client_id) if client_id and client_id != "msi" else None
    )
    if kind is IdentityType.SERVICE_PRINCIPAL:
        found.append(
            _finding(
                cluster,
                "ServicePrincipalControlPlane",
                Severity.ERROR,
                f"the control plane uses service principal {client_id or '?'}, whose secret "
                "expires and must be rotated by hand",
                "cluster.enable_managed_identity()  # or cluster.use_identity(identity)",
            )
        )
    elif not cluster.kubelet_uses_managed_identity and client_id and client_id != "msi":
        found.append(_kubelet_on_service_principal(cluster, client_id, data))
    if cluster.pod_identity_enabled:
        count = len(cluster.pod_identities)
        found.append(
            _finding(
                cluster,
                "PodIdentityEnabled",
                Severity.WARNING,
                f"pod-managed identity (deprecated; {count} pod "
                f"identit{'ies' if count != 1 else 'y'}) is enabled: move each workload to "
                "Microsoft Entra Workload ID (OIDC issuer + federated credentials)",
                "no library call yet: az aks update --enable-oidc-issuer "
                "--enable-workload-identity, federate each identity, then "
                "az aks update --disable-pod-identity",
            )
        )
    control = cluster.principal_id or service_principal
    if control:
        for subnet in cluster.subnet_ids:
            if not grants.covers(control, SUBNET_JOIN, str(subnet)):
                found.append(
                    _finding(
                        cluster,
                        "SubnetMissingNetworkContributor",
                        Severity.ERROR,
                        f"the control-plane identity ({control}) cannot join custom subnet "
                        f"{subnet.name}: no Network Contributor (or equivalent) on it or above",
                        f"cluster.grant('Network Contributor', '{subnet}')",
                    )
                )
    kubelet = cluster.kubelet_identity
    node_group = (cluster.node_resource_group or "").lower()
    pre_created = (
        kubelet is not None and (kubelet.resource_id.resource_group or "").lower() != node_group
    )
    if (
        kubelet is not None
        and pre_created
        and cluster.principal_id
        and not grants.covers(cluster.principal_id, IDENTITY_ASSIGN, str(kubelet.resource_id))
    ):
        found.append(
            _finding(
                cluster,
                "KubeletMissingManagedIdentityOperator",
                Severity.ERROR,
                f"the control-plane identity cannot assign pre-created kubelet identity "
                f"{kubelet.name}: no Managed Identity Operator (or equivalent) on it",
                f"cluster.grant('Managed Identity Operator', '{kubelet.resource_id}')",
            )
        )
    if kubelet is not None and service_principal and kind is not IdentityType.SERVICE_PRINCIPAL:
        found.extend(_registries_left_behind(cluster, service_principal, grants))
    if (
        kind is IdentityType.SYSTEM_ASSIGNED
        and (cluster.private_dns_zone or "").lower() not in _SYSTEM_ZONES
    ):
        found.append(
            _finding(
                cluster,
                "SystemAssignedWithCustomPrivateDnsZone",
                Severity.ERROR,
                "a system-assigned identity with a custom private DNS zone is not supported by "
                "AKS: the identity cannot be granted on the zone before the cluster exists",
                "cluster.use_identity(identity)  # a user-assigned identity holding Private DNS "
                f"Zone Contributor on {cluster.private_dns_zone}",
            )
        )
    identities = [
        (cluster.principal_id, "control-plane"),
        (kubelet.object_id if kubelet else None, "kubelet"),
    ]
    identities += [(a.object_id, f"add-on {a.name}") for a in cluster.addons if a.object_id]
    for principal, what in identities:
        if principal:
            found.extend(_broad_roles(cluster, principal, what, grants))
    return found


def _kubelet_on_service_principal(cluster: Cluster, client_id: str, data: AuditInput) -> Finding:
    newer = data.newer_node_image.get(str(cluster.id).lower())
    if newer is True:
        state, fix = (
            "a newer node image is available: upgrading moves the kubelet to its managed identity",
            "cluster.upgrade_node_images(allow_downtime=True)",
        )
    elif newer is False:
        state, fix = (
            "no newer node image exists yet: the kubelet moves with the next node image",
            "cluster.upgrade_node_images(allow_downtime=True)  # once AKS publishes a newer "
            "node image",
        )
    else:
        state, fix = (
            "whether a newer node image exists is unknown",
            "cluster.upgrade_node_images(allow_downtime=True)",
        )
    return _finding(
        cluster,
        "KubeletOnServicePrincipal",
        Severity.WARNING,
        f"the control plane uses a managed identity but the kubelet still uses service "
        f"principal {client_id}; {state}",
        fix,
    )


def _registries_left_behind(
    cluster: Cluster, service_principal: str, grants: _Grants
) -> list[Finding]:
    kubelet = cluster.kubelet_identity
    assert kubelet is not None
    registries = {
        a.scope
        for a in grants.of.get(service_principal.lower(), ())
        if _is_registry(a.scope) and a.role.permits(ACR_PULL)
    }
    return [
        _finding(
            cluster,
            "RegistryOnlyServicePrincipal",
            Severity.ERROR,
            f"only the retired service principal can pull from registry "
            f"{registry.rsplit('/', 1)[-1]}; the kubelet identity {kubelet.name} cannot",
            f"cluster.attach_acr('{registry}')",
        )
        for registry in sorted(registries)
        if not grants.covers(kubelet.object_id, ACR_PULL, registry)
    ]


def _broad_roles(cluster: Cluster, principal: str, what: str, grants: _Grants) -> list[Finding]:
    found = []
    for assignment in grants.of.get(principal.lower(), ()):
        severity = _BROAD.get(assignment.role.guid)
        if severity is None or not _broad(assignment.scope):
            continue
        found.append(
            _finding(
                cluster,
                "BroadRoleAssignment",
                severity,
                f"the {what} identity holds {assignment.role_label} at {assignment.scope}: "
                "far more than AKS needs",
                f"az.get_role_assignment('{assignment.id}').revoke()  # after granting the "
                "narrow roles it needs",
            )
        )
    return found


def _orphans(data: AuditInput) -> list[Finding]:
    if data.existing_principals is None:
        return []
    found = []
    for assignment in data.assignments:
        if assignment.principal_id in data.existing_principals:
            continue
        parts = assignment.scope.split("/")
        owner = (
            "/".join(parts[:3]) if len(parts) >= 3 and parts[1].lower() == "subscriptions" else "/"
        )
        found.append(
            Finding(
                cluster_id=owner,
                code="OrphanedRoleAssignment",
                severity=Severity.WARNING,
                message=f"role assignment of {assignment.role_label} at {assignment.scope} "
                f"names principal {assignment.principal_id}, which no longer exists "
                "(a deleted identity or cluster)",
                fix=f"az.get_role_assignment('{assignment.id}').revoke()",
            )
        )
    return found
