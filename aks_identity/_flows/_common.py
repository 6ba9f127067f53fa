"""What every flow shares: the snapshot a plan is made from, the writer its steps call, and
pure grant planning (an automatic grant is skipped when an assignment covers it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from aks_identity._errors import ValidationError
from aks_identity._grants import role_covers, role_label
from aks_identity._ids import ResourceId
from aks_identity._model import IdentityType, Principal
from aks_identity._plan import PlanBuilder, PlannedGrant
from aks_identity._retry import Reason
from aks_identity._roles import Role, get_role, role_guid_from_definition_id
from aks_identity._rules import check_role_assignment_scope
from aks_identity._warnings import PropagationWarning

if TYPE_CHECKING:
    from aks_identity._objects import Cluster, ManagedIdentity, RoleAssignment

__all__ = [
    "ACR_PULL",
    "OPERATOR",
    "SUBNET_JOIN",
    "Snapshot",
    "Writer",
    "covering",
    "failed",
    "plan_grant",
    "propagation",
    "skip",
    "who",
]

SUBNET_JOIN = "Network Contributor"
OPERATOR = "Managed Identity Operator"
ACR_PULL = "AcrPull"
TERMINAL = frozenset({"succeeded", "failed", "canceled"})


@attrs.frozen(kw_only=True)
class Snapshot:
    """What a plan is made from: read once, before planning, so planning does no I/O."""

    cluster: Cluster | None = None
    assignments: Mapping[str, tuple[RoleAssignment, ...]] = attrs.field(factory=dict)
    """Role assignments by principal object ID (lower case): only principals listed here are
    checked for covering assignments at plan time."""
    roles: Mapping[str, Role] = attrs.field(factory=dict)
    """Custom role definitions (read from ARM) by GUID."""
    latest_images: Mapping[str, str | None] = attrs.field(factory=dict)
    """Per agent pool, the newest node image AKS offers (None: AKS does not say)."""
    tenant_id: str | None = None
    cloud: str = "AzureCloud"
    """The Azure CLI name of the cloud (some add-on grants are made only in AzureCloud)."""

    def role_of(self, assignment: RoleAssignment) -> Role:
        guid = role_guid_from_definition_id(assignment.role_definition_id)
        return self.roles.get(guid) or get_role(assignment.role_definition_id)

    def knows(self, principal_id: str) -> bool:
        return principal_id.lower() in self.assignments


def covering(
    snapshot: Snapshot, principal_id: str, role: Role, scope: ResourceId
) -> RoleAssignment | None:
    """An assignment of the principal at ``scope`` or above whose role covers ``role``."""
    for assignment in snapshot.assignments.get(principal_id.lower(), ()):
        if scope.is_within(assignment.scope) and role_covers(snapshot.role_of(assignment), role):
            return assignment
    return None


class Writer(Protocol):
    """The writes a plan's steps make (the runner implements them; unit tests fake them)."""

    def ensure_grant(
        self,
        principal: Principal | Callable[[], Principal],
        role: Role,
        scope: ResourceId,
        *,
        checked: bool,
    ) -> RoleAssignment: ...

    def put_cluster(
        self,
        rid: ResourceId,
        body: dict[str, Any] | None,
        *,
        doing: str,
        reason: Reason,
        awaited: str,
        update: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        create_only: bool = False,
    ) -> Cluster: ...

    def upgrade_pool(self, rid: ResourceId, pool: str) -> None: ...

    def delete_role_assignment(self, assignment_id: str) -> None: ...

    def delete_cluster(self, rid: ResourceId) -> None: ...


def plan_grant(
    builder: PlanBuilder,
    snapshot: Snapshot,
    writer: Writer,
    principal: Principal | Callable[[], Principal],
    *,
    role: str | Role,
    scope: str | ResourceId,
    who: str,
    reason: str,
    skip_with: str | None = None,
) -> bool:
    """Add a grant to the plan; a covering assignment in the snapshot makes it a no-write step.

    Returns True when the grant will be created (so the caller warns about propagation).
    """
    resolved = get_role(role)
    target = ResourceId.parse(scope)
    check_role_assignment_scope(target, allow_broad_scope=False)
    label = role_label(resolved)
    checked = isinstance(principal, Principal) and snapshot.knows(principal.object_id)
    if checked:
        assert isinstance(principal, Principal)
        found = covering(snapshot, principal.object_id, resolved, target)
        if found is not None:
            held = role_label(snapshot.role_of(found))
            builder.covered(
                PlannedGrant(
                    role=label,
                    scope=target,
                    principal=who,
                    reason=reason,
                    skip_with=skip_with,
                    covered_by=f"{held} at {found.scope}",
                )
            )
            return False

    def run() -> RoleAssignment:
        return writer.ensure_grant(principal, resolved, target, checked=checked)

    builder.grant(
        PlannedGrant(role=label, scope=target, principal=who, reason=reason, skip_with=skip_with),
        run,
    )
    return True


def propagation_warning(what: str = "grants made by this operation") -> PropagationWarning:
    return PropagationWarning(
        f"{what} can take up to 60 minutes to take effect "
        "(RoleAssignment.wait_until_effective() waits for one)"
    )


def skip(flag: str) -> str:
    """The keyword argument that skips a grant."""
    return f"{flag}=False"


def who(identity: ManagedIdentity) -> str:
    """A user-assigned identity in a plan's words."""
    return f"identity {identity.name} ({identity.principal_id})"


def failed(cluster: Cluster) -> bool:
    """The last operation on the cluster failed: a re-run must write again."""
    return (cluster.provisioning_state or "").lower() == "failed"


def settled(cluster: Cluster) -> bool:
    """No operation runs on the cluster."""
    return (cluster.provisioning_state or "succeeded").lower() in TERMINAL


def custom_kubelet(cluster: Cluster) -> bool:
    """The kubelet identity is pre-created (not AKS's own in the node resource group)."""
    kubelet = cluster.kubelet_identity
    if kubelet is None:
        return False
    node_group = (cluster.node_resource_group or "").lower()
    return (kubelet.resource_id.resource_group or "").lower() != node_group


def control_plane_principal(cluster: Cluster) -> Principal:
    """The control plane's principal; a service-principal cluster has none ARM knows."""
    if cluster.identity_type is IdentityType.SERVICE_PRINCIPAL or not cluster.principal_id:
        raise ValidationError(
            f"cluster {cluster.name} uses a service principal, whose object ID ARM does not "
            "report: migrate it first (cluster.enable_managed_identity()), or grant through "
            "Azure.grant(Principal(object_id), role, scope).",
            rule="control-plane-identity",
            resource_id=str(cluster.id),
        )
    return Principal(cluster.principal_id)


def propagation(
    *, operator_principal: str | None = None, subnet_principal: str | None = None
) -> Reason:
    """Retry AKS's permission errors only for grants this flow made or found."""

    def reason(error: BaseException) -> str | None:
        code = (getattr(error, "code", None) or "").lower()
        message = str(getattr(error, "message", "")).lower()
        if operator_principal and code == "customkubeletidentitymissingpermissionerror":
            return (
                "the Managed Identity Operator grant on the kubelet identity has not propagated yet"
            )
        if (
            subnet_principal
            and code == "linkedauthorizationfailed"
            and getattr(error, "status", None) == 400
            and subnet_principal.lower() in message
        ):
            return "the Network Contributor grant on the subnet has not propagated yet"
        return None

    return reason


def no_retry(_: BaseException) -> str | None:
    """A retry reason that retries nothing."""
    return None


class Holder:
    """The cluster a write step returned, for the steps after it (principal known then)."""

    def __init__(self, cluster: Cluster | None = None) -> None:
        self.cluster = cluster

    def set(self, cluster: Cluster) -> Cluster:
        self.cluster = cluster
        return cluster

    def get(self) -> Cluster:
        if self.cluster is None:
            raise RuntimeError("the cluster is known only after the write step ran")
        return self.cluster
