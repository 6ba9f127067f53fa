"""Role assignments done right: deterministic names, principalType always, never a duplicate.

A grant first looks for an equivalent assignment (same principal and role, at the scope or
inherited from a parent scope) and reuses it. Otherwise it PUTs an assignment whose name is
a UUIDv5 of the lower-cased scope, the principal's object ID and the role GUID, so a re-run
PUTs the same name; ``409 RoleAssignmentExists`` (the same grant under another name, not yet
visible to the lookup) is answered with the existing assignment.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from aks_identity._errors import AksIdentityError, ConflictError, NotFoundError
from aks_identity._ids import ResourceId
from aks_identity._model import Principal
from aks_identity._objects import RoleAssignment
from aks_identity._plan import Plan, PlanBuilder, PlannedGrant, execute
from aks_identity._retry import on_codes, retry_transient, wait_until
from aks_identity._roles import Role, get_role, role_guid_from_definition_id
from aks_identity._rules import check_role_assignment_scope
from aks_identity._warnings import PropagationWarning

if TYPE_CHECKING:
    from aks_identity._client import Azure

__all__ = ["ASSIGNMENT_NAMESPACE", "Grants", "assignment_name"]

ASSIGNMENT_NAMESPACE = uuid.UUID("7d0e6f0c-2b7a-5c1e-9a43-6b1f2d8e4a90")
"""Fixed namespace of aks_identity's deterministic role assignment names."""


def assignment_name(scope: str | ResourceId, principal_id: str, role_guid: str) -> str:
    """The deterministic name of a role assignment (a UUID)."""
    key = "|".join((str(ResourceId.parse(scope)).lower(), principal_id.lower(), role_guid.lower()))
    return str(uuid.uuid5(ASSIGNMENT_NAMESPACE, key))


def role_label(role: Role) -> str:
    """A role's name, or its GUID for a custom role."""
    return role.name or role.guid


def _same_role(assignment: RoleAssignment, role: Role) -> bool:
    return role_guid_from_definition_id(assignment.role_definition_id) == role.guid


class Grants:
    """Role assignment operations of one :class:`~aks_identity.Azure` client."""

    def __init__(self, azure: Azure) -> None:
        self._azure = azure

    @property
    def _subscription_scope(self) -> ResourceId:
        return ResourceId.parse(f"/subscriptions/{self._azure.subscription_id}")

    # -- planning -------------------------------------------------------------------------

    def add(
        self,
        builder: PlanBuilder,
        principal: Principal | Callable[[], Principal],
        role: str | Role,
        scope: str | ResourceId,
        *,
        who: str,
        reason: str,
        skip_with: str | None = None,
        known_to_exist: bool = True,
        allow_broad_scope: bool = False,
        results: list[RoleAssignment] | None = None,
    ) -> None:
        """Add a grant step to ``builder``; ``principal`` may be resolved only when it runs."""
        resolved_role = get_role(role)
        target = ResourceId.parse(scope)
        check_role_assignment_scope(target, allow_broad_scope=allow_broad_scope)

        def run() -> RoleAssignment:
            who_now = principal() if callable(principal) else principal
            assignment = self.ensure(who_now, resolved_role, target, known_to_exist=known_to_exist)
            if results is not None:
                results.append(assignment)
            return assignment

        builder.grant(
            PlannedGrant(
                role=role_label(resolved_role),
                scope=target,
                principal=who,
                reason=reason,
                skip_with=skip_with,
            ),
            run,
        )

    def grant(
        self,
        principal: Principal,
        role: str | Role,
        scope: str | ResourceId,
        *,
        allow_broad_scope: bool = False,
        dry_run: bool = False,
        known_to_exist: bool = False,
    ) -> RoleAssignment | Plan:
        """Assign ``role`` to ``principal`` at ``scope`` (idempotent), or plan it."""
        target = ResourceId.parse(scope)
        resolved = get_role(role)
        results: list[RoleAssignment] = []
        builder = PlanBuilder(
            f"grant {role_label(resolved)} to {principal.object_id} on {target}",
            target,
            runner=self._azure._guard,
            finish=lambda _: results[-1],
        )
        self.add(
            builder,
            principal,
            resolved,
            target,
            who=f"{principal.principal_type.value} {principal.object_id}",
            reason="requested",
            known_to_exist=known_to_exist,
            allow_broad_scope=allow_broad_scope,
            results=results,
        )
        builder.warn(
            PropagationWarning(
                f"the {role_label(resolved)} grant on {target.name or target} can take up to "
                "60 minutes to take effect; RoleAssignment.wait_until_effective() waits for it"
            )
        )
        plan = builder.plan()
        if dry_run:
            return plan
        execute(plan)
        return results[0]

    # -- doing --------------------------------------------------------------------------

    def find_equivalent(
        self, principal: Principal, role: Role, scope: ResourceId
    ) -> RoleAssignment | None:
        """An assignment of ``role`` to ``principal`` at ``scope`` or a parent scope."""
        for assignment in self._azure._arm.list_role_assignments(
            scope, filter=f"principalId eq '{principal.object_id}'"
        ):
            if (
                assignment.principal_id == principal.object_id
                and _same_role(assignment, role)
                and scope.is_within(assignment.scope)
            ):
                return assignment
        return None

    def ensure(
        self, principal: Principal, role: Role, scope: ResourceId, *, known_to_exist: bool
    ) -> RoleAssignment:
        """The assignment of ``role`` to ``principal`` at ``scope``: found, or created once."""
        existing = self.find_equivalent(principal, role, scope)
        if existing is not None:
            return existing
        policy = self._azure.retry

        def create() -> RoleAssignment:
            return self._azure._arm.put_role_assignment(
                scope,
                assignment_name(scope, principal.object_id, role.guid),
                role_definition_id=role.definition_id(self._subscription_scope),
                principal_id=principal.object_id,
                # Known principals (managed identities): always send principalType, so ARM
                # skips its directory lookup and a new identity never hits PrincipalNotFound.
                # An explicit principal of unknown existence: let ARM check it (fail fast).
                principal_type=principal.principal_type if known_to_exist else None,
            )

        reason = on_codes(
            "PrincipalNotFound",
            why="the principal exists but has not replicated in Microsoft Entra ID yet",
        )
        try:
            return retry_transient(
                create,
                policy=policy,
                reason=reason if known_to_exist else (lambda _: None),
                awaited=f"principal {principal.object_id} to replicate",
            )
        except ConflictError as conflict:
            if (conflict.code or "").lower() != "roleassignmentexists":
                raise
            return self._after_conflict(principal, role, scope, conflict)

    def _after_conflict(
        self, principal: Principal, role: Role, scope: ResourceId, conflict: AksIdentityError
    ) -> RoleAssignment:
        """409 RoleAssignmentExists: return the existing assignment once it is listed."""
        found: list[RoleAssignment] = []

        def listed() -> bool:
            match = self.find_equivalent(principal, role, scope)
            if match is not None:
                found.append(match)
            return match is not None

        wait_until(
            listed,
            policy=self._azure.retry,
            awaited=f"the existing {role_label(role)} assignment to be listed",
            timeout=min(self._azure.retry.total, 300.0),
        )
        return found[0]

    def revoke(self, assignment: RoleAssignment, *, dry_run: bool = False) -> Plan | None:
        """Delete an assignment (idempotent), or plan it."""
        builder = PlanBuilder(
            f"revoke {assignment.role_name} on {assignment.scope}",
            assignment.id,
            runner=self._azure._guard,
            finish=lambda _: None,
        )
        builder.step(
            "revoke",
            f"delete role assignment {assignment.name} ({assignment.role_name} for "
            f"{assignment.principal_id} on {assignment.scope})",
            lambda: self._azure._arm.delete_role_assignment(assignment.id),
            target=assignment.scope,
        )
        plan = builder.plan()
        if dry_run:
            return plan
        execute(plan)
        return None

    def wait_until_effective(
        self,
        assignment: RoleAssignment,
        *,
        probe: Callable[[], bool] | None,
        timeout: float | None,
    ) -> None:
        """Wait until ``probe`` passes, or until ARM returns the assignment consistently."""
        what = f"{assignment.role_name} for {assignment.principal_id} on {assignment.scope}"
        if probe is not None:
            wait_until(
                probe, policy=self._azure.retry, awaited=f"{what} to take effect", timeout=timeout
            )
            return

        def visible() -> bool:
            try:
                self._azure._arm.get_role_assignment(assignment.id)
            except NotFoundError:
                return False
            listed = self._azure._arm.list_role_assignments(
                assignment.scope, filter=f"principalId eq '{assignment.principal_id}'"
            )
            return any(a.id.lower() == assignment.id.lower() for a in listed)

        wait_until(
            visible, policy=self._azure.retry, awaited=f"{what} to be visible", timeout=timeout
        )
