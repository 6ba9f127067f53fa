"""Role assignments done right: deterministic names, principalType always, never a duplicate.

A grant first looks for an equivalent assignment (same principal and role, at the scope or
inherited from a parent scope) and reuses it. Otherwise it PUTs an assignment whose name is
a UUIDv5 of the lower-cased scope, the principal's object ID and the role GUID, so a re-run
PUTs the same name; ``409 RoleAssignmentExists`` (the same grant under another name, not yet
visible to the lookup) is answered with the existing assignment.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from aks_identity._checks import odata_literal
from aks_identity._errors import AksIdentityError, AuthorizationError, ConflictError, NotFoundError
from aks_identity._ids import ResourceId
from aks_identity._model import Principal
from aks_identity._objects import RoleAssignment
from aks_identity._plan import Plan, PlanBuilder, PlannedGrant, execute
from aks_identity._retry import on_codes, retry_transient, wait_until
from aks_identity._roles import Role, get_role, permits, role_guid_from_definition_id
from aks_identity._rules import check_grant
from aks_identity._warnings import PropagationWarning, emit

if TYPE_CHECKING:
    from aks_identity._client import Azure

__all__ = ["ASSIGNMENT_NAMESPACE", "Grants", "assignment_name", "is_ours", "role_covers"]

ASSIGNMENT_NAMESPACE = uuid.UUID("7d0e6f0c-2b7a-5c1e-9a43-6b1f2d8e4a90")
"""Fixed namespace of aks_identity's deterministic role assignment names."""


def assignment_name(scope: str | ResourceId, principal_id: str, role_guid: str) -> str:
    """The deterministic name of a role assignment (a UUID)."""
    key = "|".join((str(ResourceId.parse(scope)).lower(), principal_id.lower(), role_guid.lower()))
    return str(uuid.uuid5(ASSIGNMENT_NAMESPACE, key))


def is_ours(assignment: RoleAssignment) -> bool:
    """True if aks_identity made this assignment: its name is the deterministic one."""
    return assignment.name.lower() == assignment_name(
        assignment.scope, assignment.principal_id, assignment.role.guid
    )


# What AKS (or the workload) actually checks for each automatic grant: an assignment of a
# role that permits these actions at the scope or above counts as the grant. Other roles
# need every action and data action of the role itself.
_NEEDED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    get_role("Managed Identity Operator").guid: (
        ("Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",),
        (),
    ),
    get_role("Network Contributor").guid: (
        ("Microsoft.Network/virtualNetworks/subnets/join/action",),
        (),
    ),
    get_role("AcrPull").guid: (("Microsoft.ContainerRegistry/registries/pull/read",), ()),
}


def needed_actions(role: Role) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(actions, data actions) a covering role must permit."""
    return _NEEDED.get(role.guid, (role.actions, role.data_actions))


def _grants_all(role: Role, actions: Sequence[str], data: bool) -> bool:
    return all(permits(role, action, data=data) for action in actions)


def role_covers(held: Role, wanted: Role) -> bool:
    """True if ``held`` permits what ``wanted`` is needed for (the same role always does)."""
    if held.guid == wanted.guid:
        return True
    actions, data_actions = needed_actions(wanted)
    if not actions and not data_actions:
        return False
    if wanted.guid not in _NEEDED and not _denies_no_more(held, wanted):
        return False
    return _grants_all(held, actions, False) and _grants_all(held, data_actions, True)


def _denies_no_more(held: Role, wanted: Role) -> bool:
    """``held`` excludes nothing ``wanted`` allows: a wildcard grant (``*``) with exclusions
    covers only a role with the same exclusions or more (Contributor never covers Owner)."""
    mine = {a.lower() for a in wanted.not_actions}
    theirs = {a.lower() for a in wanted.not_data_actions}
    return {a.lower() for a in held.not_actions} <= mine and {
        a.lower() for a in held.not_data_actions
    } <= theirs


def role_label(role: Role) -> str:
    """A role's name, or its GUID for a custom role."""
    return role.name or role.guid


def _same_role(assignment: RoleAssignment, role: Role) -> bool:
    return role_guid_from_definition_id(assignment.role_definition_id) == role.guid


class Grants:
    """Role assignment operations of one :class:`~aks_identity.Azure` client."""

    def __init__(self, azure: Azure) -> None:
        self._azure = azure


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
        """Assign ``role`` to ``principal`` at ``scope`` (idempotent), or plan it.

        The principal's assignments are read once, while planning: an equivalent one is
        reused (a step that writes nothing, no PropagationWarning).
        """
        target = check_grant(  # every grant path checks here, before anything is read
            role,
            scope,
            allow_broad_scope=allow_broad_scope,
            dry_run=dry_run,
            subscription_id=self._azure.subscription_id,
        )
        resolved = get_role(role)
        label = role_label(resolved)
        builder = PlanBuilder(
            f"grant {label} to {principal.object_id} on {target}",
            target,
            runner=self._azure._guard,
            finish=lambda results: results[0],
        )
        existing = self.find_equivalent(principal, resolved, target)
        planned = PlannedGrant(
            role=label,
            scope=target,
            principal=f"{principal.principal_type.value} {principal.object_id}",
            reason="requested",
        )
        if existing is not None:
            builder.step(
                "reuse",
                f"{planned}: assignment {existing.name} exists (at {existing.scope})",
                lambda: existing,
                target=target,
                writes=False,
            )
        else:
            builder.grant(
                planned,
                lambda: self.ensure(
                    principal, resolved, target, known_to_exist=known_to_exist, checked=True
                ),
            )
            builder.warn(
                PropagationWarning(
                    f"the {label} grant on {target.name or target} can take up to "
                    "60 minutes to take effect; RoleAssignment.wait_until_effective() waits for it"
                )
            )
        # PropagationWarning only once the grant is made (or shown in a dry run), never when
        # the caller's permissions refuse it before the write.
        plan = builder.plan(emit_warnings=False)
        if dry_run:
            emit(plan.warnings)
            return plan
        result = execute(plan)[0]
        emit(plan.warnings)
        assert isinstance(result, RoleAssignment)
        return result

    # -- doing --------------------------------------------------------------------------

    def find_equivalent(
        self, principal: Principal, role: Role, scope: ResourceId, *, covering: bool = False
    ) -> RoleAssignment | None:
        """An assignment of ``role`` to ``principal`` at ``scope`` or a parent scope; with
        ``covering``, also one of a role that permits what ``role`` is needed for (Owner,
        Contributor, a custom role read from ARM)."""
        try:
            listed = self._azure._arm.list_role_assignments(
                scope, filter=f"principalId eq {odata_literal(principal.object_id)}"
            )
        except AuthorizationError:
            if scope.subscription_id:
                raise
            # Above subscriptions (tenant root, management groups) a subscription's Owner may
            # not read; nothing is known to exist there, and the write itself will tell.
            return None
        for assignment in listed:
            if assignment.principal_id != principal.object_id or not scope.is_within(
                assignment.scope
            ):
                continue
            if _same_role(assignment, role):
                return assignment
            if covering and role_covers(self.role_of(assignment), role):
                return assignment
        return None

    def role_of(self, assignment: RoleAssignment) -> Role:
        """The assignment's role; a custom role's permissions are read from ARM."""
        role = assignment.role
        if role.is_builtin:
            return role
        return self._azure._arm.get_role_definition(assignment.role_definition_id) or role

    def ensure(
        self,
        principal: Principal,
        role: Role,
        scope: ResourceId,
        *,
        known_to_exist: bool,
        covering: bool = False,
        checked: bool = False,
    ) -> RoleAssignment:
        """The assignment of ``role`` to ``principal`` at ``scope``: found, or created once.

        ``checked``: the caller already looked (one listing per principal per plan).
        """
        if not checked:
            existing = self.find_equivalent(principal, role, scope, covering=covering)
            if existing is not None:
                return existing
        policy = self._azure.retry

        def create() -> RoleAssignment:
            return self._azure._arm.put_role_assignment(
                scope,
                assignment_name(scope, principal.object_id, role.guid),
                # Named in the scope's own subscription (tenant-level form above subscriptions).
                role_definition_id=role.definition_id(
                    scope.subscription if scope.subscription_id else None
                ),
                principal_id=principal.object_id,
                # Always send principalType, so ARM skips its directory lookup and a fresh
                # principal never hits PrincipalNotFound.
                principal_type=principal.principal_type,
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
                assignment.scope, filter=f"principalId eq {odata_literal(assignment.principal_id)}"
            )
            return any(a.id.lower() == assignment.id.lower() for a in listed)

        wait_until(
            visible, policy=self._azure.retry, awaited=f"{what} to be visible", timeout=timeout
        )
