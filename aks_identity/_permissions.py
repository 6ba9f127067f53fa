"""The caller's own permissions, checked before the first write of a plan.

Every :class:`~aks_identity._plan.Step` that writes declares the ``(action, scope)`` pairs it
needs (:data:`Need`). Before a plan runs, :class:`PlanGuard` reads ARM's
``Microsoft.Authorization/permissions`` for the caller and refuses the whole plan with an
:class:`~aks_identity.AuthorizationError` naming each missing action, its scope and the
least-privileged built-in role that grants it, so that a plan never stops halfway because
the caller was not allowed to make one of its writes.

Reads are cheap: one per resource group (or subscription) per client, cached for
:data:`CACHE_SECONDS` on the RetryPolicy's clock; the permissions of a narrower scope (a
subnet, a registry) are read only when the group's do not already grant the action.
Deny assignments and ABAC conditions are not visible in this API: ARM may still refuse a
write the check let through (the plan's error then names what was done, as before).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from aks_identity._errors import AksIdentityError, AuthorizationError, NotFoundError
from aks_identity._ids import ResourceId, ResourceKind
from aks_identity._roles import BUILTIN_ROLES, Role, permits

if TYPE_CHECKING:
    from aks_identity._plan import Plan, TargetState
    from aks_identity._retry import RetryPolicy

__all__ = [
    "CACHE_SECONDS",
    "MissingPermission",
    "MissingPermissionsError",
    "Need",
    "PlanGuard",
    "assign_needs",
    "least_privileged_role",
    "needs_for",
]

Need = tuple[str, ResourceId]
"""``(action, scope)``: an RBAC action the caller must hold at a scope."""

CACHE_SECONDS = 300.0
"""How long a permissions read is trusted (ARM's own role assignment cache is ~5 minutes)."""

ROLE_ASSIGNMENT_WRITE = "Microsoft.Authorization/roleAssignments/write"
ROLE_ASSIGNMENT_DELETE = "Microsoft.Authorization/roleAssignments/delete"
ASSIGN_IDENTITY = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
UPGRADE_NODE_IMAGE = (
    "Microsoft.ContainerService/managedClusters/agentPools/upgradeNodeImageVersion/action"
)
_GROUPS = "Microsoft.Resources/subscriptions/resourceGroups"
_NO_GUID = "00000000-0000-0000-0000-000000000000"

PermissionBlock = Mapping[str, Sequence[str]]
"""One entry of the permissions list: ``actions``, ``notActions`` (data actions ignored)."""


def _resource_action(target: ResourceId, verb: str) -> str:
    if target.is_scope_only:
        return f"{_GROUPS}/{verb}"
    return f"{target.full_type}/{verb}"


def needs_for(action: str, target: ResourceId | None) -> tuple[Need, ...]:
    """What a step of kind ``action`` on ``target`` needs (the default for a Step)."""
    if target is None:
        return ()
    verb = action.lower()
    if verb == "grant":
        return ((ROLE_ASSIGNMENT_WRITE, target),)
    if verb == "revoke":
        return ((ROLE_ASSIGNMENT_DELETE, target),)
    if verb == "upgrade":
        return ((UPGRADE_NODE_IMAGE, target),)
    if verb == "delete":
        return ((_resource_action(target, "delete"), target),)
    if verb in {"create", "update"}:
        scope = target.parent if target.is_scope_only and target.parent else target
        return ((_resource_action(target, "write"), scope),)
    return ()


def assign_needs(identities: Iterable[ResourceId | None]) -> tuple[Need, ...]:
    """``userAssignedIdentities/*/assign/action`` on each identity a write attaches."""
    return tuple((ASSIGN_IDENTITY, rid) for rid in identities if rid is not None)


def _breadth(role: Role) -> tuple[int, int, str]:
    """How much a role grants, roughly: ``*`` >> ``*/read`` >> namespace wildcards >> one."""
    score = 0
    for pattern in role.actions:
        if pattern == "*":
            score += 10_000
        elif pattern.startswith("*"):
            score += 100
        else:
            score += 1 + 10 * pattern.count("*")
    return score, len(role.actions), str(role.name)


def least_privileged_role(action: str, roles: Iterable[Role] = BUILTIN_ROLES) -> Role | None:
    """The narrowest built-in role that permits ``action`` (None when no known role does)."""
    candidates = [r for r in roles if permits(r, action)]
    return min(candidates, key=_breadth) if candidates else None


def granted(blocks: Sequence[PermissionBlock], action: str) -> bool:
    """True if one permission block allows ``action`` and does not exclude it (ARM's rule)."""
    return any(
        permits(
            Role(
                name=None,
                guid=_NO_GUID,
                actions=list(block.get("actions") or ()),
                not_actions=list(block.get("notActions") or ()),
            ),
            action,
        )
        for block in blocks
    )


@attrs.frozen(kw_only=True)
class MissingPermission:
    """An action the caller lacks at a scope, the step that needs it and a role that grants it."""

    action: str
    scope: ResourceId
    step: str
    role: str | None

    def __str__(self) -> str:
        fix = (
            f"the built-in role {self.role!r} grants it"
            if self.role
            else "no built-in role this library knows grants it"
        )
        return f"{self.action} on {self.scope} (for {self.step}; {fix})"


class MissingPermissionsError(AuthorizationError):
    """The caller lacks permissions a plan needs; nothing was written. ``missing`` lists them."""

    def __init__(self, operation: str, missing: Sequence[MissingPermission]) -> None:
        lines = "; ".join(str(m) for m in missing)
        roles = sorted({f"{m.role!r} on {m.scope}" for m in missing if m.role})
        fix = "ask an administrator for " + ", ".join(roles) if roles else "ask an administrator"
        super().__init__(
            f"the caller may not {operation}: missing {lines}. Nothing was written: {fix}, "
            "then re-run (role assignments can take a few minutes to reach ARM).",
            code="AuthorizationFailed",
            status=403,
            resource_id=str(missing[0].scope) if missing else None,
        )
        self.missing: tuple[MissingPermission, ...] = tuple(missing)


Reader = Callable[[ResourceId], "list[dict[str, list[str]]]"]
"""Reads the caller's permission blocks at a scope (``Arm.permissions``)."""


class PlanGuard:
    """Runs a client's plans safely: checks their needs against the caller's permissions
    (cached per scope) and reads a plan's target again before a reviewed plan is applied."""

    def __init__(
        self,
        read: Reader,
        policy: Callable[[], RetryPolicy],
        *,
        cluster_body: Callable[[ResourceId], Mapping[str, Any]],
    ) -> None:
        self._read = read
        self._policy = policy
        self._cluster_body = cluster_body
        self._cache: dict[ResourceId, tuple[float, list[dict[str, list[str]]] | None]] = {}

    def clear(self) -> None:
        """Forget every cached read (done after each refusal)."""
        self._cache.clear()

    def target_state(self, target: ResourceId) -> TargetState | None:
        """A managed cluster as it is now (exists, ETag); None for other targets."""
        from aks_identity._plan import TargetState

        if target.kind is not ResourceKind.MANAGED_CLUSTER:
            return None
        try:
            body = self._cluster_body(target)
        except NotFoundError:
            return TargetState(exists=False)
        etag = body.get("eTag") or body.get("etag")
        return TargetState(exists=True, etag=None if etag is None else str(etag))

    def _blocks(self, scope: ResourceId) -> list[dict[str, list[str]]] | None:
        """The caller's permissions at ``scope``; None when the scope does not exist."""
        now = self._policy().clock()
        cached = self._cache.get(scope)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        try:
            blocks: list[dict[str, list[str]]] | None = self._read(scope)
        except NotFoundError:
            blocks = None
        except AuthorizationError:
            blocks = []  # not even allowed to read its own permissions there: holds nothing
        self._cache[scope] = (now, blocks)
        return blocks

    def allows(self, action: str, scope: ResourceId) -> bool:
        """True if the caller may perform ``action`` at ``scope``.

        Reads the scope's resource group first (or the subscription for a subscription or
        group scope, or when the group does not exist yet), then the scope itself only if
        the wider read does not grant the action.
        """
        wide = scope.resource_group_id or scope.subscription
        for candidate in (wide,) if wide == scope else (wide, scope):
            blocks = self._blocks(candidate)
            if blocks is None and candidate == wide and candidate.resource_group is not None:
                # the group does not exist yet (the plan creates it): what the subscription grants
                return granted(self._blocks(candidate.subscription) or [], action)
            if granted(blocks or [], action):
                return True
        return False

    def missing(self, plan: Plan) -> list[MissingPermission]:
        """Every permission the plan's writes need and the caller lacks (deduplicated)."""
        found: list[MissingPermission] = []
        seen: set[tuple[str, ResourceId]] = set()
        for step in plan.writes:
            for action, scope in step.needs:
                key = (action.lower(), scope)
                if key in seen:
                    continue
                seen.add(key)
                if not self.allows(action, scope):
                    role = least_privileged_role(action)
                    found.append(
                        MissingPermission(
                            action=action,
                            scope=scope,
                            step=str(step),
                            role=None if role is None else role.name,
                        )
                    )
        if found:  # a refusal is not cached: the caller may be granted the role and re-run
            self.clear()
        return found

    def check(self, plan: Plan) -> None:
        """Raise :class:`MissingPermissionsError` unless the caller may make every write."""
        try:
            missing = self.missing(plan)
        except AksIdentityError as error:
            error.record_progress((), tuple(str(s) for s in plan.steps))
            raise
        if missing:
            raise MissingPermissionsError(plan.operation, missing)
