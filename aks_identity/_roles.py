"""Azure built-in roles (name <-> GUID, permissions as ARM lists them) and action matching."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from aks_identity._errors import ValidationError
from aks_identity._ids import ResourceId

__all__ = [
    "BUILTIN_ROLES",
    "Role",
    "action_matches",
    "get_role",
    "permits",
    "role_guid_from_definition_id",
]

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_DEFINITION_ID = re.compile(
    r"^(?:/.*)?/providers/Microsoft\.Authorization/roleDefinitions/([^/]+)/?$", re.IGNORECASE
)
_PROVIDER_PATH = "/providers/Microsoft.Authorization/roleDefinitions/"


def _guid(value: str) -> str:
    if not isinstance(value, str) or not _GUID.fullmatch(value.strip()):
        raise ValidationError(f"role definition GUID {value!r} is not a GUID", rule="role")
    return value.strip().lower()


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _segment_matches(pattern: str, value: str) -> bool:
    if "*" not in pattern:
        return pattern == value
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, value) is not None


def _match(pattern: list[str], action: list[str]) -> bool:
    """ARM wildcard match on '/'-separated segments; a lone '*' spans zero or more segments."""
    if not pattern:
        return not action
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        return any(_match(rest, action[i:]) for i in range(len(action) + 1))
    return bool(action) and _segment_matches(head, action[0]) and _match(rest, action[1:])


def action_matches(pattern: str, action: str) -> bool:
    """True if the permission ``pattern`` (with ``*`` wildcards) covers ``action``.

    Case-insensitive, as ARM is. ``*`` alone matches any number of path segments, so
    ``Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action`` covers
    ``Microsoft.ManagedIdentity/userAssignedIdentities/assign/action``.
    """
    return _match(pattern.lower().split("/"), action.lower().split("/"))


@attrs.frozen(kw_only=True)
class Role:
    """An Azure role definition: built-in (with its documented permissions) or custom.

    A custom role known only by its definition ID has ``name=None`` and no permissions.
    """

    name: str | None
    guid: str = attrs.field(converter=_guid)
    actions: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    not_actions: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    data_actions: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    not_data_actions: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    description: str = attrs.field(default="", repr=False)

    @property
    def is_builtin(self) -> bool:
        """True for a role in :data:`BUILTIN_ROLES`."""
        return self.guid in _BY_GUID

    def definition_id(self, scope: str | ResourceId | None = None) -> str:
        """The role definition ID at ``scope`` (``None``: the tenant-level ``/providers/...``)."""
        prefix = "" if scope is None or scope == "/" else str(ResourceId.parse(scope))
        return f"{prefix}{_PROVIDER_PATH}{self.guid}"

    def permits(self, action: str, *, data: bool = False) -> bool:
        """True if this role grants ``action`` (a data action when ``data=True``)."""
        return permits(self, action, data=data)

    @classmethod
    def from_arm(cls, body: Mapping[str, Any]) -> Role:
        """Build a role from an ARM role definition body (``properties.permissions`` etc.)."""
        props = body.get("properties", body)
        perms = props.get("permissions") or [{}]
        merged: dict[str, list[str]] = {}
        for key in ("actions", "notActions", "dataActions", "notDataActions"):
            merged[key] = [a for p in perms for a in (p.get(key) or [])]
        return cls(
            name=props.get("roleName"),
            guid=body.get("name") or role_guid_from_definition_id(str(body.get("id"))),
            actions=merged["actions"],
            not_actions=merged["notActions"],
            data_actions=merged["dataActions"],
            not_data_actions=merged["notDataActions"],
            description=props.get("description") or "",
        )

    def to_arm(self) -> dict[str, Any]:
        """The ARM role definition body (tenant-level ID), e.g. for an emulator."""
        return {
            "id": self.definition_id(),
            "name": self.guid,
            "type": "Microsoft.Authorization/roleDefinitions",
            "properties": {
                "roleName": self.name,
                "type": "BuiltInRole" if self.is_builtin else "CustomRole",
                "description": self.description,
                "assignableScopes": ["/"],
                "permissions": [
                    {
                        "actions": list(self.actions),
                        "notActions": list(self.not_actions),
                        "dataActions": list(self.data_actions),
                        "notDataActions": list(self.not_data_actions),
                    }
                ],
            },
        }


def permits(role: Role | str, action: str, *, data: bool = False) -> bool:
    """True if ``role`` grants ``action``: matched by an allowed pattern and no excluded one.

    Control-plane actions are checked against ``actions``/``not_actions``; pass
    ``data=True`` for data actions (``data_actions``/``not_data_actions``). ``*`` in
    ``actions`` never grants data actions, as in ARM.
    """
    resolved = get_role(role)
    allowed, denied = (
        (resolved.data_actions, resolved.not_data_actions)
        if data
        else (resolved.actions, resolved.not_actions)
    )
    return any(action_matches(p, action) for p in allowed) and not any(
        action_matches(p, action) for p in denied
    )


def role_guid_from_definition_id(definition_id: str) -> str:
    """The lower-case GUID of a role definition ID at any scope (a bare GUID is accepted)."""
    text = definition_id.strip()
    match = _DEFINITION_ID.fullmatch(text)
    candidate = match.group(1) if match else text
    if not _GUID.fullmatch(candidate):
        raise ValidationError(
            f"{definition_id!r} is not a role definition ID "
            f"({{scope}}{_PROVIDER_PATH}{{guid}}) or a role definition GUID",
            rule="role",
        )
    return candidate.lower()


def _normalize_name(name: str) -> str:
    return " ".join(name.split()).lower()


def get_role(value: str | Role) -> Role:
    """Resolve a role by name (case-insensitive), GUID or role definition ID at any scope.

    An unknown GUID or definition ID gives a custom ``Role(name=None, guid=...)``; an
    unknown name raises :class:`ValidationError` listing close matches.
    """
    if isinstance(value, Role):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"expected a role name, GUID or definition ID, got {value!r}")
    text = value.strip()
    if "/" in text or _GUID.fullmatch(text):
        guid = role_guid_from_definition_id(text)
        return _BY_GUID.get(guid) or Role(name=None, guid=guid)
    role = _BY_NAME.get(_normalize_name(text))
    if role is not None:
        return role
    close = difflib.get_close_matches(_normalize_name(text), list(_BY_NAME), n=3, cutoff=0.5)
    hint = (
        "did you mean " + " or ".join(repr(_BY_NAME[c].name) for c in close) + "? " if close else ""
    )
    raise ValidationError(
        f"unknown built-in role {text!r}; {hint}Pass a built-in role name "
        f"({', '.join(str(r.name) for r in BUILTIN_ROLES)}), a role definition GUID, or the "
        "role definition ID of a custom role.",
        rule="role",
    )


_READ_ROLES = "Microsoft.Authorization/*/read"
_ALERTS = "Microsoft.Insights/alertRules/*"
_DEPLOYMENTS = "Microsoft.Resources/deployments/*"
_GROUPS_READ = "Microsoft.Resources/subscriptions/resourceGroups/read"
_HEALTH = "Microsoft.ResourceHealth/availabilityStatuses/read"
_SUPPORT = "Microsoft.Support/*"

# Permissions as Azure documents them ("Azure built-in roles", generated reference).
BUILTIN_ROLES: tuple[Role, ...] = (
    Role(
        name="Owner",
        guid="8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        actions=["*"],
        description="Grants full access to manage all resources, including the ability to "
        "assign roles in Azure RBAC.",
    ),
    Role(
        name="Contributor",
        guid="b24988ac-6180-42a0-ab88-20f7382dd24c",
        actions=["*"],
        not_actions=[
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
            "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
            "Microsoft.Subscription/cancel/action",
            "Microsoft.Subscription/enable/action",
        ],
        description="Grants full access to manage all resources, but does not allow you to "
        "assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image "
        "galleries.",
    ),
    Role(
        name="Reader",
        guid="acdd72a7-3385-48ef-bd42-f606fba81ae7",
        actions=["*/read"],
        description="View all resources, but does not allow you to make any changes.",
    ),
    Role(
        name="User Access Administrator",
        guid="18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        actions=["*/read", "Microsoft.Authorization/*", _SUPPORT],
        description="Lets you manage user access to Azure resources.",
    ),
    Role(
        name="Role Based Access Control Administrator",
        guid="f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        actions=[
            "Microsoft.Authorization/roleAssignments/write",
            "Microsoft.Authorization/roleAssignments/delete",
            "*/read",
            _SUPPORT,
        ],
        description="Manage access to Azure resources by assigning roles using Azure RBAC. "
        "This role does not allow you to manage access using other ways, such as Azure Policy.",
    ),
    Role(
        name="Network Contributor",
        guid="4d97b98b-1d4f-4787-a291-c67834d212e7",
        actions=[
            _READ_ROLES,
            _ALERTS,
            "Microsoft.Network/*",
            _HEALTH,
            _DEPLOYMENTS,
            _GROUPS_READ,
            _SUPPORT,
        ],
        description="Lets you manage networks, but not access to them.",
    ),
    Role(
        name="Managed Identity Operator",
        guid="f1a07417-d97a-45cb-824c-7a7467783830",
        actions=[
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            _READ_ROLES,
            _ALERTS,
            _GROUPS_READ,
            _DEPLOYMENTS,
            _SUPPORT,
        ],
        description="Read and Assign User Assigned Identity",
    ),
    Role(
        name="AcrPull",
        guid="7f951dda-4ed3-4680-a7ca-43fe172d538d",
        actions=["Microsoft.ContainerRegistry/registries/pull/read"],
        description="acr pull",
    ),
    Role(
        name="AcrPush",
        guid="8311e382-0749-4cb8-b61a-304f252e45ec",
        actions=[
            "Microsoft.ContainerRegistry/registries/pull/read",
            "Microsoft.ContainerRegistry/registries/push/write",
        ],
        description="acr push",
    ),
    Role(
        name="Key Vault Secrets User",
        guid="4633458b-17de-408a-b874-0445c86b69e6",
        data_actions=[
            "Microsoft.KeyVault/vaults/secrets/getSecret/action",
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
        ],
        description="Read secret contents. Only works for key vaults that use the 'Azure "
        "role-based access control' permission model.",
    ),
    Role(
        name="Key Vault Administrator",
        guid="00482a5a-887f-4fb3-b363-3b7fe8e74483",
        actions=[
            _READ_ROLES,
            _ALERTS,
            _DEPLOYMENTS,
            _GROUPS_READ,
            _SUPPORT,
            "Microsoft.KeyVault/checkNameAvailability/read",
            "Microsoft.KeyVault/deletedVaults/read",
            "Microsoft.KeyVault/locations/*/read",
            "Microsoft.KeyVault/vaults/*/read",
            "Microsoft.KeyVault/operations/read",
        ],
        data_actions=["Microsoft.KeyVault/vaults/*"],
        description="Perform all data plane operations on a key vault and all objects in it, "
        "including certificates, keys, and secrets. Cannot manage key vault resources or "
        "manage role assignments. Only works for key vaults that use the 'Azure role-based "
        "access control' permission model.",
    ),
    Role(
        name="Monitoring Metrics Publisher",
        guid="3913510d-42f4-4e42-8a64-420c390055eb",
        actions=["Microsoft.Insights/Register/Action", _SUPPORT, _GROUPS_READ],
        data_actions=["Microsoft.Insights/Metrics/Write", "Microsoft.Insights/Telemetry/Write"],
        description="Enables publishing metrics against Azure resources",
    ),
    Role(
        name="DNS Zone Contributor",
        guid="befefa01-2a29-4197-83a8-272ff33ce314",
        actions=[
            _READ_ROLES,
            _ALERTS,
            "Microsoft.Network/dnsZones/*",
            _HEALTH,
            _DEPLOYMENTS,
            _GROUPS_READ,
            _SUPPORT,
        ],
        description="Lets you manage DNS zones and record sets in Azure DNS, but does not let "
        "you control who has access to them.",
    ),
    Role(
        name="Private DNS Zone Contributor",
        guid="b12aa53e-6015-4669-85d0-8515ebb3ae7f",
        actions=[
            _ALERTS,
            _DEPLOYMENTS,
            _GROUPS_READ,
            _SUPPORT,
            "Microsoft.Network/privateDnsZones/*",
            "Microsoft.Network/privateDnsOperationResults/*",
            "Microsoft.Network/privateDnsOperationStatuses/*",
            "Microsoft.Network/virtualNetworks/read",
            "Microsoft.Network/virtualNetworks/join/action",
            _READ_ROLES,
        ],
        description="Lets you manage private DNS zone resources, but not the virtual networks "
        "they are linked to.",
    ),
)

_BY_GUID = {role.guid: role for role in BUILTIN_ROLES}
_BY_NAME = {_normalize_name(str(role.name)): role for role in BUILTIN_ROLES}
