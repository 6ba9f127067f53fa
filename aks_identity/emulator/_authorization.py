"""Routes: Microsoft.Authorization role definitions, role assignments and permissions.

Scopes are a subscription, a resource group or any resource below them; role assignments at a
scope that does not exist are refused (404) as ARM does.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from aks_identity._roles import BUILTIN_ROLES, Role

from ._errors import ArmError, invalid_request
from ._rbac import Assignment, definition_id, permissions_body
from ._routes import Context, Reply, route
from ._scopes import is_within
from ._state import State

__all__ = ["parse_filter", "role_definition_body"]

# A subscription (or below it), a management group (or below it), or the tenant root ("").
_SCOPE = (
    r"(?P<scope>(?:/subscriptions/[^/]+|/providers/Microsoft\.Management/managementGroups/[^/]+)"
    r"(?:/.*?)?|)"
)
_AUTH = r"/providers/Microsoft\.Authorization"
_ASSIGNMENTS = _SCOPE + _AUTH + r"/roleAssignments"
_DEFINITIONS = r"(?P<scope>(?:/subscriptions/[^/]+(?:/.*?)?)?)" + _AUTH + r"/roleDefinitions"

_ROLE_NAME = re.compile(r"^roleName\s+eq\s+'(?P<name>[^']*)'$", re.IGNORECASE)
_AT_SCOPE = re.compile(r"^atScope\(\)$", re.IGNORECASE)
_ASSIGNED_TO = re.compile(r"^assignedTo\('(?P<id>[^']*)'\)$", re.IGNORECASE)
_PRINCIPAL = re.compile(r"^principalId\s+eq\s+'(?P<id>[^']*)'$", re.IGNORECASE)


def role_definition_body(state: State, role: Role, scope: str) -> dict[str, Any]:
    """A role definition as ARM returns it (PutRoleDefinition.json, GetRoleDefinitionByName.json):
    built-in roles are assignable everywhere, custom roles at their ``assignableScopes``."""
    subscription = scope.split("/")[2] if scope.lower().startswith("/subscriptions/") else None
    custom = state.rbac.custom_role(role.guid)
    return {
        "properties": {
            "roleName": role.name,
            "type": "CustomRole" if custom is not None else "BuiltInRole",
            "description": role.description,
            "assignableScopes": list(custom.assignable_scopes) if custom is not None else ["/"],
            "permissions": [permissions_body(role)],
            "createdOn": "2017-12-14T19:52:04.3924594Z",
            "updatedOn": "2021-11-11T20:13:47.8628684Z",
            "createdBy": None,
            "updatedBy": None,
        },
        "id": definition_id(subscription, role.guid),
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": role.guid,
    }


def parse_filter(text: str | None) -> tuple[bool, str | None]:
    """``(at_scope, principal_id)`` of a role assignment ``$filter``; 400 when unsupported."""
    at_scope, principal = False, None
    for clause in re.split(r"\s+and\s+", (text or "").strip(), flags=re.IGNORECASE):
        if not clause:
            continue
        if _AT_SCOPE.fullmatch(clause):
            at_scope = True
        elif found := (_ASSIGNED_TO.fullmatch(clause) or _PRINCIPAL.fullmatch(clause)):
            principal = found["id"]
        else:
            raise ArmError(400, "UnsupportedQuery", f"The filter '{text}' is not supported.")
    return at_scope, principal


# -- role definitions ---------------------------------------------------------------------


@route("GET", _DEFINITIONS)
def list_definitions(ctx: Context, scope: str) -> Reply:
    """RoleDefinitions_List, with ``$filter=roleName eq '...'``."""
    wanted: str | None = None
    text = ctx.query.get("$filter")
    if text:
        found = _ROLE_NAME.fullmatch(text.strip())
        if found is None:
            raise ArmError(400, "UnsupportedQuery", f"The filter '{text}' is not supported.")
        wanted = found["name"].lower()
    custom = [
        c.role
        for c in ctx.state.rbac.custom_roles()
        if not scope or any(is_within(scope, a) or is_within(a, scope) for a in c.assignable_scopes)
    ]
    roles = [
        r for r in (*BUILTIN_ROLES, *custom) if wanted is None or (r.name or "").lower() == wanted
    ]
    return Reply(200, {"value": [role_definition_body(ctx.state, r, scope) for r in roles]})


def _missing_definition(guid: str) -> ArmError:
    return ArmError(
        404,
        "RoleDefinitionDoesNotExist",
        f"The specified role definition with ID '{guid}' does not exist.",
    )


@route("GET", _DEFINITIONS + r"/(?P<guid>[^/]+)")
def get_definition(ctx: Context, scope: str, guid: str) -> Reply:
    """RoleDefinitions_Get (and GetById)."""
    role = ctx.state.rbac.role(guid)
    if role is None:
        raise _missing_definition(guid)
    return Reply(200, role_definition_body(ctx.state, role, scope))


@route("PUT", _DEFINITIONS + r"/(?P<guid>[^/]+)")
def put_definition(ctx: Context, scope: str, guid: str) -> Reply:
    """RoleDefinitions_CreateOrUpdate: a custom role (201 created, 200 updated)."""
    if scope:
        ctx.state.resources.require_scope(scope)
    body = ctx.body if isinstance(ctx.body, dict) else None
    if body is None or not isinstance(body.get("properties"), dict):
        raise invalid_request()
    status, custom = ctx.state.rbac.put_definition(guid, body["properties"])
    return Reply(status, role_definition_body(ctx.state, custom.role, scope))


@route("DELETE", _DEFINITIONS + r"/(?P<guid>[^/]+)")
def delete_definition(ctx: Context, scope: str, guid: str) -> Reply:
    """RoleDefinitions_Delete: 200 with the deleted custom role, 204 when there was none."""
    deleted = ctx.state.rbac.delete_definition(guid)
    if deleted is None:
        return Reply(204)
    return Reply(200, role_definition_body(ctx.state, deleted.role, scope))


# -- role assignments ---------------------------------------------------------------------


def _name(name: str) -> str:
    try:
        uuid.UUID(name)
    except ValueError:
        raise ArmError(
            400,
            "InvalidRoleAssignmentId",
            f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.",
        ) from None
    return name


@route("PUT", _ASSIGNMENTS + r"/(?P<name>[^/]+)")
def put_assignment(ctx: Context, scope: str, name: str) -> Reply:
    """RoleAssignments_Create: 201 created, 200 unchanged; ARM's conflict and principal rules."""
    ctx.state.resources.require_scope(scope)
    body = ctx.body if isinstance(ctx.body, dict) else None
    if body is None or not isinstance(body.get("properties"), dict):
        raise invalid_request()
    status, saved = ctx.state.rbac.create(scope, _name(name), body["properties"], ctx.caller)
    return Reply(status, saved)


@route("GET", _ASSIGNMENTS + r"/(?P<name>[^/]+)")
def get_assignment(ctx: Context, scope: str, name: str) -> Reply:
    """RoleAssignments_Get (and GetById)."""
    found = ctx.state.rbac.get(scope, name)
    if found is None:
        raise ArmError(404, "RoleAssignmentNotFound", f"The role assignment '{name}' is not found.")
    return Reply(200, ctx.state.rbac.body(found))


@route("DELETE", _ASSIGNMENTS + r"/(?P<name>[^/]+)")
def delete_assignment(ctx: Context, scope: str, name: str) -> Reply:
    """RoleAssignments_Delete: 200 with the deleted assignment, 204 when there was none."""
    deleted = ctx.state.rbac.delete(scope, name)
    return Reply(204) if deleted is None else Reply(200, deleted)


@route("GET", _ASSIGNMENTS)
def list_assignments(ctx: Context, scope: str) -> Reply:
    """RoleAssignments_ListForScope / ForSubscription / ForResourceGroup / ForResource."""
    ctx.state.resources.require_scope(scope)
    at_scope, principal = parse_filter(ctx.query.get("$filter"))
    found: list[Assignment] = ctx.state.rbac.list(scope, at_scope=at_scope, principal_id=principal)
    return Reply(200, ctx.page(lambda: [ctx.state.rbac.body(a) for a in found]))


@route("GET", _SCOPE + _AUTH + r"/permissions")
def list_permissions(ctx: Context, scope: str) -> Reply:
    """Permissions_ListForResource(Group): what the caller may do at the scope."""
    ctx.state.resources.require_scope(scope)
    return Reply(200, {"value": ctx.state.rbac.permissions(ctx.caller, scope)})
