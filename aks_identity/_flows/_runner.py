"""The I/O side of the flows: reads that make a snapshot, and the writes a plan's steps call.

Dependent writes that fail only because a grant the flow made has not propagated yet are
retried through ``_retry``; everything else fails fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import attrs

from aks_identity._errors import (
    AksIdentityError,
    AuthorizationError,
    ConfirmationRequired,
    ConflictError,
    NotFoundError,
)
from aks_identity._ids import ResourceId, ResourceKind
from aks_identity._model import Principal
from aks_identity._plan import Plan, TargetState, execute
from aks_identity._retry import Reason, retry_transient, wait_until
from aks_identity._roles import Role, get_role, role_guid_from_definition_id
from aks_identity._rules import check_same_tenant
from aks_identity._warnings import emit

from ._common import TERMINAL, Snapshot
from .registries import registries_held

if TYPE_CHECKING:
    from aks_identity._azure import Arm
    from aks_identity._client import Azure
    from aks_identity._grants import Grants
    from aks_identity._objects import Cluster, ManagedIdentity, RoleAssignment

__all__ = ["Runner"]


def _operation_not_allowed(error: BaseException) -> bool:
    return (getattr(error, "code", None) or "").lower() == "operationnotallowed"


class Runner:
    """Reads and writes of one :class:`~aks_identity.Azure` client for the flows."""

    def __init__(self, azure: Azure, arm: Arm, grants: Grants) -> None:
        self.azure = azure
        self.arm = arm
        self.grants = grants
        self._tenant: str | None = None

    @property
    def retry(self) -> Any:
        return self.azure.retry

    # -- reads --------------------------------------------------------------------------

    def tenant(self) -> str | None:
        """The subscription's tenant (read once)."""
        if self._tenant is None:
            self._tenant = self.arm.subscription_tenant()
        return self._tenant

    def check_tenant(self, identity: ManagedIdentity, what: str) -> None:
        subscription = identity.id.subscription_id or ""
        if (
            self._tenant is None
            and identity.tenant_id
            and subscription.lower() == self.azure.subscription_id.lower()
        ):
            # an identity of this subscription lives in its tenant: no subscription read
            self._tenant = identity.tenant_id
        tenant = self.tenant()
        if tenant:
            check_same_tenant(identity.tenant_id, tenant, what=what)

    def resolve_identity(
        self, value: ManagedIdentity | str | ResourceId, *, what: str
    ) -> ManagedIdentity:
        """A user-assigned identity from an object or a resource ID (read from ARM)."""
        from aks_identity._objects import ManagedIdentity

        if isinstance(value, ManagedIdentity):
            return value
        rid = ResourceId.parse(value).expect(ResourceKind.USER_ASSIGNED_IDENTITY, what=what)
        return self.azure.get_identity(rid)

    def find_cluster(self, rid: ResourceId) -> Cluster | None:
        try:
            return self.arm.get_cluster(rid)
        except NotFoundError:
            return None

    def get_cluster(self, rid: ResourceId) -> Cluster:
        return self.azure.get_cluster(rid)

    def listed_cluster(self, rid: ResourceId) -> Cluster | None:
        """The cluster as its group's cluster listing shows it (None: not there): an existence
        check that does not fail when the cluster does not exist."""
        wanted = str(rid).lower()
        listed = self.arm.list_clusters(rid.resource_group)
        return next((c for c in listed if str(c.id).lower() == wanted), None)

    def service_principal_registries(self, client_id: str) -> tuple[ResourceId, ...] | None:
        """Registries where the service principal ``client_id`` holds AcrPull: its object ID
        from Microsoft Graph (by appId), then its role assignments (one listing). None when
        Graph or the assignments cannot be read (the caller then names the registries)."""
        try:
            found = self.azure._graph_client().service_principal_by_app_id(client_id)
            if found is None or not found.get("id"):
                return ()
            held = self.assignments_of(str(found["id"]))
        except AksIdentityError:
            return None
        return registries_held(held)

    def assignments_of(self, principal_id: str) -> tuple[RoleAssignment, ...]:
        """Every role assignment of a principal in the subscription (one listing)."""
        return tuple(self.azure.role_assignments(principal=principal_id))

    def snapshot(
        self,
        *,
        cluster: Cluster | None = None,
        principals: Iterable[str | None] = (),
        latest_images: bool = False,
    ) -> Snapshot:
        """Read what planning needs: assignments of the known principals (and the custom
        roles among them), and per pool the newest node image."""
        assignments: dict[str, tuple[RoleAssignment, ...]] = {}
        for principal in principals:
            if principal and principal.lower() not in assignments:
                try:
                    assignments[principal.lower()] = self.assignments_of(principal)
                except AuthorizationError:
                    # A caller whose roles are on a resource group cannot list the whole
                    # subscription: the principal stays unknown and each grant looks at its
                    # own scope when it runs.
                    continue
        images: dict[str, str | None] = {}
        if latest_images and cluster is not None:
            for pool in cluster.agent_pools:
                images[pool.name] = self.arm.latest_node_image(cluster.id, pool.name)
        return Snapshot(
            cluster=cluster,
            assignments=assignments,
            roles=self.custom_roles(a for group in assignments.values() for a in group),
            latest_images=images,
            cloud=self.azure.cloud,
        )

    def custom_roles(self, assignments: Iterable[RoleAssignment]) -> dict[str, Role]:
        """Definitions of the custom roles among ``assignments``, read from ARM."""
        roles: dict[str, Role] = {}
        for assignment in assignments:
            guid = role_guid_from_definition_id(assignment.role_definition_id)
            if guid in roles or get_role(guid).is_builtin:
                continue
            found = self.arm.get_role_definition(assignment.role_definition_id)
            if found is not None:
                roles[guid] = found
        return roles

    # -- writes (the Writer protocol) ----------------------------------------------------

    def ensure_grant(
        self,
        principal: Principal | Callable[[], Principal],
        role: Role,
        scope: ResourceId,
        *,
        checked: bool,
    ) -> RoleAssignment:
        """The assignment, found or created; ``checked``: the plan already looked for it."""
        who_now = principal() if callable(principal) else principal
        return self.grants.ensure(
            who_now, role, scope, known_to_exist=True, covering=True, checked=checked
        )

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
    ) -> Cluster:
        """PUT a cluster; retry what ``reason`` names and 409 OperationNotAllowed.

        ``create_only``: ``If-None-Match: *`` (412 :class:`PreconditionFailed` when it exists).
        For updates, ``update`` turns the current body into the new one: the body this client
        last read or wrote, sent with its eTag (``If-Match``); AKS answers 412 when the cluster
        changed since, and only then (or after another operation ended) is it read again, so
        nothing stale is written.
        """
        from aks_identity._azure import PreconditionFailed

        state: dict[str, Any] = {"body": body, "etag": None, "fresh": False}

        def build() -> None:
            assert update is not None
            held = None if state["fresh"] else self.arm.held_cluster_body(rid)
            current = held if held is not None else self.arm.get_cluster_body(rid)
            etag = current.get("eTag") or current.get("etag")
            state["etag"] = None if etag is None else str(etag)
            state["body"] = update(current)

        def attempt() -> Cluster:
            while True:
                if state["body"] is None:
                    build()
                conditions: dict[str, Any] = {}
                if state["etag"]:
                    conditions["if_match"] = state["etag"]
                if create_only:
                    conditions["create_only"] = True
                try:
                    return self.arm.put_cluster(rid, state["body"], doing=doing, **conditions)
                except PreconditionFailed:
                    if update is None or state["fresh"]:
                        raise
                    state["body"], state["fresh"] = None, True  # changed since: read it again
                except ConflictError as error:
                    if _operation_not_allowed(error):
                        self.wait_terminal(rid)
                        if update is not None:
                            state["body"], state["fresh"] = None, True
                    raise

        def why(error: BaseException) -> str | None:
            if _operation_not_allowed(error):
                return "another operation on the cluster has ended; retrying"
            return reason(error)

        return retry_transient(attempt, policy=self.retry, reason=why, awaited=awaited)

    def upgrade_pool(self, rid: ResourceId, pool: str) -> None:
        def attempt() -> None:
            try:
                self.arm.upgrade_node_image(rid, pool)
            except ConflictError as error:
                if _operation_not_allowed(error):
                    self.wait_terminal(rid)
                raise

        retry_transient(
            attempt,
            policy=self.retry,
            reason=lambda e: (
                "another operation on the cluster has ended" if _operation_not_allowed(e) else None
            ),
            awaited=f"cluster {rid.name} to accept the node image upgrade",
        )

    def delete_role_assignment(self, assignment_id: str) -> None:
        self.arm.delete_role_assignment(assignment_id)

    def delete_cluster(self, rid: ResourceId) -> None:
        try:
            self.arm.delete_cluster(rid)
        except NotFoundError:
            return

    def wait_terminal(self, rid: ResourceId) -> None:
        def terminal() -> bool:
            body = self.arm.get_cluster_body(rid)
            state = str((body.get("properties") or {}).get("provisioningState") or "")
            return state.lower() in TERMINAL

        wait_until(
            terminal,
            policy=self.retry,
            awaited=f"the operation in progress on cluster {rid.name} to end",
        )

    # -- running plans ------------------------------------------------------------------

    def result(self, results: list[Any], rid: ResourceId) -> Cluster:
        """The cluster the last write step returned, or a fresh GET when none did."""
        from aks_identity._objects import Cluster

        clusters = [r for r in results if isinstance(r, Cluster)]
        return clusters[-1] if clusters else self.get_cluster(rid)

    def bind(
        self,
        plan: Plan,
        rid: ResourceId,
        *,
        seen: Cluster | None,
        finish: Callable[[list[Any]], Any] | None = None,
    ) -> Plan:
        """The plan as this client runs it: the caller's permissions are checked before its
        first write, and it can be applied later (``Plan.apply``) while the cluster is as
        ``seen`` when it was planned."""
        return attrs.evolve(
            plan,
            runner=self.azure._guard,
            planned_state=TargetState(exists=seen is not None, etag=seen.etag if seen else None),
            finish=finish or (lambda results: self.result(results, rid)),
        )

    def run(
        self, plan: Plan, rid: ResourceId, *, dry_run: bool, seen: Cluster | None
    ) -> Cluster | Plan:
        """Return the plan (dry run), or run it and return the cluster."""
        plan = self.bind(plan, rid, seen=seen)
        if dry_run:
            return plan
        return self.result(execute(plan), rid)

    def run_with_downtime(
        self,
        plan: Plan,
        rid: ResourceId,
        *,
        allow_downtime: bool,
        dry_run: bool,
        seen: Cluster | None,
    ) -> Cluster | Plan:
        """Like :meth:`run`, but a plan with downtime needs ``allow_downtime``; its warnings
        are emitted only when it is returned or runs (never when refused)."""
        plan = self.bind(plan, rid, seen=seen)
        if dry_run:
            emit(plan.warnings)
            return plan
        if plan.expected_downtime and not allow_downtime:
            raise ConfirmationRequired(
                f"{plan.operation} causes downtime ({plan.expected_downtime}); re-run with "
                "allow_downtime=True (the plan is on this error's .plan)",
                plan=plan,
                resource_id=str(rid),
            )
        emit(plan.warnings)
        return self.result(execute(plan), rid)
