"""Microsoft.Authorization: role assignments, their propagation, and access checks.

An assignment is in force ``propagation_delay`` seconds after it is created; until then neither
:meth:`Rbac.check_access` nor the caller checks count it, as in Azure, where a new grant can take
minutes (documented: up to an hour) to reach every resource provider.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aks_identity._roles import BUILTIN_ROLES, Role, permits

from ._config import Delay
from ._directory import Directory, new_guid
from ._errors import ArmError, authorization_failed
from ._scopes import is_within, key

__all__ = [
    "ASSIGNMENT_TYPE",
    "Assignment",
    "CustomRole",
    "Rbac",
    "definition_id",
    "role_by_guid",
]

ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"
_PROVIDER = "/providers/Microsoft.Authorization"


def role_by_guid(guid: str) -> Role | None:
    """The built-in role with this GUID, or None."""
    wanted = guid.lower()
    return next((r for r in BUILTIN_ROLES if r.guid == wanted), None)


def definition_id(subscription_id: str | None, guid: str) -> str:
    """A role definition's ID as ARM returns it (subscription-scoped when in a subscription)."""
    prefix = f"/subscriptions/{subscription_id}" if subscription_id else ""
    return f"{prefix}{_PROVIDER}/roleDefinitions/{guid}"


def guid_of(role_definition_id: str) -> str:
    """The GUID at the end of a role definition ID."""
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


@dataclass(frozen=True)
class CustomRole:
    """A custom role definition and where it may be assigned."""

    role: Role
    assignable_scopes: tuple[str, ...]


@dataclass
class Assignment:
    """A role assignment and when it comes into force."""

    name: str
    scope: str
    role_guid: str
    principal_id: str
    principal_type: str
    created_at: float
    effective_at: float
    created_by: str | None = None
    description: str | None = None

    @property
    def id(self) -> str:
        """The assignment's resource ID."""
        return f"{self.scope}{_PROVIDER}/roleAssignments/{self.name}"

    def same_grant(self, other: Assignment) -> bool:
        """Same scope, principal and role."""
        return (
            key(self.scope) == key(other.scope)
            and self.principal_id.lower() == other.principal_id.lower()
            and self.role_guid == other.role_guid
        )


class Rbac:
    """Role assignments by name; access checks over assignments in force."""

    def __init__(
        self,
        *,
        subscription_id: str,
        tenant_id: str,
        now: Callable[[], float],
        rng: random.Random,
        propagation_delay: Callable[[], Delay],
        directory: Directory,
        iso: Callable[[float], str],
    ) -> None:
        self._subscription_id = subscription_id
        self._tenant_id = tenant_id
        self._now = now
        self._rng = rng
        self._delay = propagation_delay
        self._directory = directory
        self._iso = iso
        self._assignments: dict[str, Assignment] = {}
        self._custom: dict[str, CustomRole] = {}
        self._by_principal: dict[str, dict[str, Assignment]] = {}
        """The same assignments by principal: access checks never scan every assignment."""

    # -- role definitions ----------------------------------------------------------------

    def role(self, guid: str) -> Role | None:
        """A built-in role, or a custom role PUT through ARM, by GUID."""
        found = role_by_guid(guid)
        if found is not None:
            return found
        custom = self._custom.get(guid.lower())
        return custom.role if custom is not None else None

    def custom_role(self, guid: str) -> CustomRole | None:
        """A custom role definition, or None."""
        return self._custom.get(guid.lower())

    def custom_roles(self) -> list[CustomRole]:
        """Every custom role definition, in creation order."""
        return list(self._custom.values())

    def put_definition(self, guid: str, properties: dict[str, Any]) -> tuple[int, CustomRole]:
        """Create or update a custom role (RoleDefinitions_CreateOrUpdate): 201 or 200."""
        try:
            uuid.UUID(guid)
        except ValueError:
            raise ArmError(
                400,
                "InvalidRoleDefinitionId",
                f"The role definition ID '{guid}' is not valid. It must be a GUID.",
            ) from None
        if role_by_guid(guid) is not None:
            raise ArmError(
                400,
                "RoleDefinitionUpdateNotPermitted",
                "Built-in role definitions cannot be updated.",
            )
        name = properties.get("roleName")
        scopes = properties.get("assignableScopes")
        permissions = properties.get("permissions") or [{}]
        if (
            not isinstance(name, str)
            or not name
            or not isinstance(scopes, list)
            or not scopes
            or not all(isinstance(x, str) and x for x in scopes)
            or not isinstance(permissions, list)
            or not all(isinstance(p, dict) for p in permissions)
        ):
            raise ArmError(
                400,
                "InvalidRoleDefinition",
                "The role definition needs properties.roleName, a non-empty "
                "properties.assignableScopes and properties.permissions.",
            )
        role = Role.from_arm({"name": guid.lower(), "properties": properties})
        existed = guid.lower() in self._custom
        self._custom[guid.lower()] = CustomRole(
            role=role, assignable_scopes=tuple(x.rstrip("/") for x in scopes)
        )
        return (200 if existed else 201), self._custom[guid.lower()]

    def delete_definition(self, guid: str) -> CustomRole | None:
        """Delete a custom role; the deleted one, or None."""
        return self._custom.pop(guid.lower(), None)

    def _add(self, assignment: Assignment) -> None:
        name = assignment.name.lower()
        self._assignments[name] = assignment
        self._by_principal.setdefault(assignment.principal_id.lower(), {})[name] = assignment

    def _remove(self, name: str) -> None:
        assignment = self._assignments.pop(name.lower())
        held = self._by_principal.get(assignment.principal_id.lower(), {})
        held.pop(name.lower(), None)
        if not held:
            self._by_principal.pop(assignment.principal_id.lower(), None)

    def of_principal(self, principal_id: str) -> list[Assignment]:
        """Every assignment of one principal (any scope, in force or not)."""
        return list(self._by_principal.get(principal_id.lower(), {}).values())

    # -- reads ---------------------------------------------------------------------------

    def get(self, scope: str, name: str) -> Assignment | None:
        """The assignment ``name`` at ``scope``, or None."""
        found = self._assignments.get(name.lower())
        if found is None or key(found.scope) != key(scope):
            return None
        return found

    def all(self) -> list[Assignment]:
        """Every assignment, in creation order."""
        return list(self._assignments.values())

    def in_force(self, principal_id: str, scope: str) -> list[Assignment]:
        """The principal's assignments at or above ``scope`` that are in force now."""
        now = self._now()
        return [
            a
            for a in self._by_principal.get(principal_id.lower(), {}).values()
            if a.effective_at <= now and is_within(scope, a.scope)
        ]

    def check_access(
        self, principal_id: str, action: str, scope: str, *, data: bool = False
    ) -> bool:
        """Whether an assignment in force lets the principal perform ``action`` on ``scope``."""
        for assignment in self.in_force(principal_id, scope):
            role = self.role(assignment.role_guid)
            if role is not None and permits(role, action, data=data):
                return True
        return False

    def holds_any_within(self, principal_id: str, scope: str) -> bool:
        """Whether the principal holds any role in force at or below ``scope``."""
        now = self._now()
        return any(
            a.effective_at <= now and is_within(a.scope, scope)
            for a in self.of_principal(principal_id)
        )

    def require(self, principal_id: str, action: str, scope: str, *, linked: bool = False) -> None:
        """403 AuthorizationFailed (LinkedAuthorizationFailed) unless access is in force."""
        if not self.check_access(principal_id, action, scope):
            raise authorization_failed(principal_id, action, scope, linked=linked)

    def permissions(self, principal_id: str, scope: str) -> list[dict[str, list[str]]]:
        """The permissions of every role the principal holds (in force) at ``scope``."""
        roles = {a.role_guid for a in self.in_force(principal_id, scope)}
        found = [r for r in (self.role(g) for g in sorted(roles)) if r is not None]
        return [permissions_body(role) for role in found]

    # -- writes --------------------------------------------------------------------------

    def assign(
        self,
        scope: str,
        role_definition_id: str,
        principal_id: str,
        principal_type: str = "ServicePrincipal",
        name: str | None = None,
        *,
        propagated: bool = False,
        created_by: str | None = None,
    ) -> dict[str, Any]:
        """Create an assignment without ARM's checks (for the emulator's own grants).

        Returns the existing equivalent assignment if there is one. ``propagated=True`` puts
        it in force at once instead of after the propagation delay.
        """
        candidate = self._new(
            scope,
            guid_of(role_definition_id),
            principal_id,
            principal_type,
            name,
            propagated=propagated,
            created_by=created_by,
        )
        existing = self.equivalent(candidate)
        if existing is not None:
            return self.body(existing)
        self._add(candidate)
        return self.body(candidate)

    def create(
        self, scope: str, name: str, properties: dict[str, Any], caller: str | None
    ) -> tuple[int, dict[str, Any]]:
        """PUT a role assignment with ARM's checks; ``(status, body)``."""
        role_def = properties.get("roleDefinitionId")
        principal_id = properties.get("principalId")
        if not isinstance(role_def, str) or not isinstance(principal_id, str):
            raise ArmError(
                400,
                "InvalidRoleAssignmentRequest" if role_def else "InvalidRequestContent",
                "The request must specify properties.roleDefinitionId and properties.principalId.",
            )
        guid = guid_of(role_def)
        if self.role(guid) is None:
            raise ArmError(
                400,
                "RoleDefinitionDoesNotExist",
                f"The specified role definition with ID '{guid}' does not exist.",
            )
        given_type = properties.get("principalType")
        candidate = self._new(
            scope,
            guid,
            principal_id,
            str(given_type or "ServicePrincipal"),
            name,
            created_by=caller,
            description=properties.get("description"),
        )
        existing = self._assignments.get(name.lower())
        if existing is not None:
            if existing.same_grant(candidate):
                return 200, self.body(existing)
            raise ArmError(
                400,
                "RoleAssignmentUpdateNotPermitted",
                "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
            )
        candidate.principal_type = self._principal_type(principal_id, given_type)
        duplicate = self.equivalent(candidate)
        if duplicate is not None:
            raise ArmError(
                409,
                "RoleAssignmentExists",
                "The role assignment already exists. The ID of the existing role assignment is "
                f"{duplicate.name.replace('-', '')}.",
            )
        self._add(candidate)
        return 201, self.body(candidate)

    def delete(self, scope: str, name: str) -> dict[str, Any] | None:
        """Delete an assignment; its last body, or None when there was none."""
        found = self.get(scope, name)
        if found is None:
            return None
        self._remove(found.name)
        return self.body(found)

    def delete_at(self, scope: str) -> None:
        """Remove the assignments made at exactly ``scope`` (its resource was deleted)."""
        for name in [n for n, a in self._assignments.items() if key(a.scope) == key(scope)]:
            self._remove(name)

    def equivalent(self, candidate: Assignment) -> Assignment | None:
        """An existing assignment of the same role to the same principal at the same scope."""
        held = self._by_principal.get(candidate.principal_id.lower(), {}).values()
        return next((a for a in held if a.same_grant(candidate)), None)

    def clear(self) -> None:
        """Forget every assignment and custom role."""
        self._assignments.clear()
        self._custom.clear()
        self._by_principal.clear()

    # -- listing -------------------------------------------------------------------------

    def list(
        self,
        scope: str,
        *,
        at_scope: bool = False,
        principal_id: str | None = None,
    ) -> list[Assignment]:
        """Assignments that apply at ``scope`` (at or above it) and, unless ``at_scope``, below."""
        found: Iterable[Assignment] = self._assignments.values()
        if principal_id is not None:
            found = self.of_principal(principal_id)
        return [
            a
            for a in found
            if is_within(scope, a.scope) or (not at_scope and is_within(a.scope, scope))
        ]

    # -- shapes --------------------------------------------------------------------------

    def body(self, assignment: Assignment) -> dict[str, Any]:
        """A role assignment as ARM returns it."""
        created = self._iso(assignment.created_at)
        return {
            "properties": {
                "roleDefinitionId": definition_id(
                    _subscription_of(assignment.scope) or self._subscription_id,
                    assignment.role_guid,
                ),
                "principalId": assignment.principal_id,
                "principalType": assignment.principal_type,
                "scope": assignment.scope or "/",  # ARM names the tenant root "/"
                "condition": None,
                "conditionVersion": None,
                "createdOn": created,
                "updatedOn": created,
                "createdBy": None,
                "updatedBy": assignment.created_by,
                "delegatedManagedIdentityResourceId": None,
                "description": assignment.description,
            },
            "id": assignment.id,
            "type": ASSIGNMENT_TYPE,
            "name": assignment.name,
        }

    # -- internals -----------------------------------------------------------------------

    def _new(
        self,
        scope: str,
        guid: str,
        principal_id: str,
        principal_type: str,
        name: str | None,
        *,
        propagated: bool = False,
        created_by: str | None = None,
        description: Any = None,
    ) -> Assignment:
        now = self._now()
        delay = 0.0 if propagated else self._delay().sample(self._rng)
        return Assignment(
            name=(name or new_guid(self._rng)).lower(),
            scope=scope.rstrip("/"),
            role_guid=guid,
            principal_id=principal_id.lower(),
            principal_type=principal_type,
            created_at=now,
            effective_at=now + delay,
            created_by=created_by,
            description=description if isinstance(description, str) else None,
        )

    def _principal_type(self, principal_id: str, given: Any) -> str:
        """ARM's principal checks: PrincipalNotFound unless a type is given; type mismatch."""
        principal = self._directory.get(principal_id)
        visible = principal is not None and self._directory.is_replicated(principal_id)
        if not given:
            if principal is None or not visible:
                raise ArmError(
                    400,
                    "PrincipalNotFound",
                    f"Principal {principal_id.replace('-', '').lower()} does not exist in the "
                    f"directory {self._tenant_id}.",
                )
            return principal.principal_type
        if principal is not None and visible and principal.principal_type != str(given):
            raise ArmError(
                400,
                "UnmatchedPrincipalType",
                f"The PrincipalId '{principal_id.replace('-', '').lower()}' has type "
                f"'{principal.principal_type}' , which is different from specified PrincipalType "
                f"'{given}'.",
            )
        return str(given)


def _subscription_of(scope: str) -> str | None:
    parts = scope.split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else None


def permissions_body(role: Role) -> dict[str, list[str]]:
    """A role's permission block as ARM lists it."""
    return {
        "actions": list(role.actions),
        "notActions": list(role.not_actions),
        "dataActions": list(role.data_actions),
        "notDataActions": list(role.not_data_actions),
    }
