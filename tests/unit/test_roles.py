"""Built-in role catalog, lookup, definition IDs and ARM action matching."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aks_identity._errors import ValidationError
from aks_identity._ids import ResourceId
from aks_identity._roles import (
    BUILTIN_ROLES,
    Role,
    action_matches,
    get_role,
    permits,
    role_guid_from_definition_id,
)

SUB = "00000000-1111-2222-3333-444444444444"

DOCUMENTED = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "DNS Zone Contributor": "befefa01-2a29-4197-83a8-272ff33ce314",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
}

ASSIGN_IDENTITY = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
JOIN_SUBNET = "Microsoft.Network/virtualNetworks/subnets/join/action"
WRITE_ASSIGNMENT = "Microsoft.Authorization/roleAssignments/write"
GET_SECRET = "Microsoft.KeyVault/vaults/secrets/getSecret/action"
PULL = "Microsoft.ContainerRegistry/registries/pull/read"
READ_IDENTITY = "Microsoft.ManagedIdentity/userAssignedIdentities/read"
WRITE_IDENTITY = "Microsoft.ManagedIdentity/userAssignedIdentities/write"
SET_SECRET = "Microsoft.KeyVault/vaults/secrets/setSecret/action"
JOIN_VNET = "Microsoft.Network/virtualNetworks/join/action"
READER_ID = (
    "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
)


@pytest.mark.parametrize(("name", "guid"), DOCUMENTED.items())
def test_documented_roles_by_name_and_guid(name: str, guid: str) -> None:
    role = get_role(name)
    assert role.name == name
    assert role.guid == guid
    assert get_role(guid) is role
    assert get_role(guid.upper()) is role
    assert get_role(name.upper()) is role
    assert get_role(f"  {name.lower()}  ") is role
    assert role.is_builtin
    assert role.description


def test_catalog_has_unique_names_and_guids() -> None:
    assert len({r.guid for r in BUILTIN_ROLES}) == len(BUILTIN_ROLES)
    assert len({str(r.name).lower() for r in BUILTIN_ROLES}) == len(BUILTIN_ROLES)
    assert set(DOCUMENTED) <= {r.name for r in BUILTIN_ROLES}


def test_role_objects_pass_through() -> None:
    role = get_role("Reader")
    assert get_role(role) is role


@pytest.mark.parametrize(
    "definition_id",
    [
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/"
        "7f951dda-4ed3-4680-a7ca-43fe172d538d",
        "/providers/Microsoft.Authorization/roleDefinitions/7F951DDA-4ED3-4680-A7CA-43FE172D538D",
        f"/subscriptions/{SUB}/resourceGroups/rg/providers/microsoft.authorization/"
        "roledefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
    ],
)
def test_definition_ids_at_any_scope(definition_id: str) -> None:
    assert role_guid_from_definition_id(definition_id) == "7f951dda-4ed3-4680-a7ca-43fe172d538d"
    assert get_role(definition_id).name == "AcrPull"


def test_unknown_definition_id_is_a_custom_role() -> None:
    guid = "12345678-aaaa-bbbb-cccc-1234567890ab"
    role = get_role(
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    )
    assert role == Role(name=None, guid=guid)
    assert not role.is_builtin
    assert get_role(guid.upper()).guid == guid


def test_unknown_name_lists_close_matches() -> None:
    with pytest.raises(ValidationError) as info:
        get_role("Managed Identity Operater")
    assert "unknown built-in role 'Managed Identity Operater'" in info.value.message
    assert "did you mean 'Managed Identity Operator'?" in info.value.message
    assert info.value.rule == "role"


def test_unknown_name_without_close_matches_lists_the_catalog() -> None:
    with pytest.raises(ValidationError) as info:
        get_role("Galaxy Brain")
    assert "did you mean" not in info.value.message
    assert "AcrPull" in info.value.message
    assert "role definition ID of a custom role" in info.value.message


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_role_is_rejected(value: str) -> None:
    with pytest.raises(ValidationError, match="expected a role name"):
        get_role(value)


def test_malformed_definition_id_is_rejected() -> None:
    with pytest.raises(ValidationError, match="is not a role definition ID"):
        role_guid_from_definition_id("/providers/Microsoft.Authorization/roleDefinitions/abc")
    with pytest.raises(ValidationError, match="is not a role definition ID"):
        get_role("/subscriptions/x/providers/Microsoft.Network/virtualNetworks/v")


def test_custom_role_guid_must_be_a_guid() -> None:
    with pytest.raises(ValidationError, match="is not a GUID"):
        Role(name="x", guid="nope")


def test_definition_id_at_scopes() -> None:
    role = get_role("AcrPull")
    suffix = (
        "/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d"
    )
    assert role.definition_id() == suffix
    assert role.definition_id("/") == suffix
    assert role.definition_id(f"/subscriptions/{SUB.upper()}") == f"/subscriptions/{SUB}{suffix}"
    group = ResourceId.parse(f"/subscriptions/{SUB}/resourcegroups/rg")
    assert role.definition_id(group) == f"/subscriptions/{SUB}/resourceGroups/rg{suffix}"


# -- permissions (the emulator's RBAC relies on these) ------------------------------------


@pytest.mark.parametrize(
    ("role", "action", "data", "expected"),
    [
        ("Owner", WRITE_ASSIGNMENT, False, True),
        ("Owner", JOIN_SUBNET, False, True),
        ("Owner", GET_SECRET, True, False),  # '*' in actions never grants data actions
        ("Contributor", JOIN_SUBNET, False, True),
        ("Contributor", ASSIGN_IDENTITY, False, True),
        ("Contributor", WRITE_ASSIGNMENT, False, False),  # notActions: Authorization/*/Write
        ("Contributor", "Microsoft.Authorization/roleAssignments/delete", False, False),
        ("Contributor", "Microsoft.Authorization/roleAssignments/read", False, True),
        ("Contributor", "Microsoft.Authorization/elevateAccess/action", False, False),
        ("Reader", "Microsoft.Network/virtualNetworks/read", False, True),
        ("Reader", JOIN_SUBNET, False, False),
        ("Reader", "Microsoft.ContainerService/managedClusters/write", False, False),
        ("User Access Administrator", WRITE_ASSIGNMENT, False, True),
        ("User Access Administrator", JOIN_SUBNET, False, False),
        ("Role Based Access Control Administrator", WRITE_ASSIGNMENT, False, True),
        ("Network Contributor", JOIN_SUBNET, False, True),
        ("Network Contributor", "Microsoft.Network/privateDnsZones/write", False, True),
        ("Network Contributor", ASSIGN_IDENTITY, False, False),
        ("Network Contributor", WRITE_ASSIGNMENT, False, False),
        ("Managed Identity Operator", ASSIGN_IDENTITY, False, True),
        ("Managed Identity Operator", READ_IDENTITY, False, True),
        ("Managed Identity Operator", WRITE_IDENTITY, False, False),
        ("Managed Identity Operator", JOIN_SUBNET, False, False),
        ("AcrPull", PULL, False, True),
        ("AcrPull", "Microsoft.ContainerRegistry/registries/push/write", False, False),
        ("AcrPush", "Microsoft.ContainerRegistry/registries/push/write", False, True),
        ("Key Vault Secrets User", GET_SECRET, True, True),
        ("Key Vault Secrets User", GET_SECRET, False, False),
        ("Key Vault Secrets User", SET_SECRET, True, False),
        ("Key Vault Administrator", GET_SECRET, True, True),
        ("Key Vault Administrator", "Microsoft.KeyVault/vaults/write", False, False),
        ("Monitoring Metrics Publisher", "Microsoft.Insights/Metrics/Write", True, True),
        ("Monitoring Metrics Publisher", "Microsoft.Insights/Metrics/Write", False, False),
        ("DNS Zone Contributor", "Microsoft.Network/dnsZones/A/write", False, True),
        ("DNS Zone Contributor", "Microsoft.Network/privateDnsZones/write", False, False),
        ("Private DNS Zone Contributor", "Microsoft.Network/privateDnsZones/write", False, True),
        ("Private DNS Zone Contributor", JOIN_VNET, False, True),
        ("Private DNS Zone Contributor", JOIN_SUBNET, False, False),
    ],
)
def test_permits(role: str, action: str, data: bool, expected: bool) -> None:
    assert permits(role, action, data=data) is expected
    assert get_role(role).permits(action.upper(), data=data) is expected


def test_custom_role_without_permissions_permits_nothing() -> None:
    assert not permits(Role(name=None, guid="12345678-aaaa-bbbb-cccc-1234567890ab"), "x/read")


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("*", "Microsoft.Network/virtualNetworks/write", True),
        ("*/read", "Microsoft.Resources/subscriptions/resourceGroups/read", True),
        ("*/read", "Microsoft.Resources/subscriptions/resourceGroups/write", False),
        ("Microsoft.Network/*", "microsoft.network/virtualnetworks/subnets/join/action", True),
        ("Microsoft.Network/*", "Microsoft.NetworkFunction/x/read", False),
        ("Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", ASSIGN_IDENTITY, True),
        (
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/assign/action",
            True,
        ),
        ("Microsoft.Authorization/*/Write", WRITE_ASSIGNMENT, True),
        ("Microsoft.Network/dnsZones/*", "Microsoft.Network/dnsZonesX/read", False),
        ("Microsoft.Insights/alertRules/*", "Microsoft.Insights/alertRules/read", True),
        ("Microsoft.Net*/virtualNetworks/read", "Microsoft.Network/virtualNetworks/read", True),
        ("a/b", "a/b/c", False),
    ],
)
def test_action_matches(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected


segments = st.from_regex(r"\A[A-Za-z][A-Za-z0-9.]{0,8}\Z")


@given(st.lists(segments, min_size=1, max_size=6))
def test_star_matches_every_action_and_literal_matches_itself(parts: list[str]) -> None:
    action = "/".join(parts)
    assert action_matches("*", action)
    assert action_matches(action.swapcase(), action)
    assert action_matches(f"{parts[0]}/*", action)
    assert action_matches(f"*/{parts[-1]}", action)


# -- ARM round trip -----------------------------------------------------------------------


@pytest.mark.parametrize("role", BUILTIN_ROLES, ids=lambda r: str(r.name))
def test_arm_body_round_trip(role: Role) -> None:
    body = role.to_arm()
    assert body["name"] == role.guid
    assert body["properties"]["type"] == "BuiltInRole"
    assert Role.from_arm(body) == role


def test_from_arm_reads_a_documented_definition() -> None:
    body = {
        "id": READER_ID,
        "properties": {
            "roleName": "Reader",
            "description": "View all resources, but does not allow you to make any changes.",
            "permissions": [
                {"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []}
            ],
        },
    }
    assert Role.from_arm(body) == get_role("Reader")


def test_custom_role_body_is_marked_custom() -> None:
    role = Role(name="Mine", guid="12345678-aaaa-bbbb-cccc-1234567890ab", actions=["x/read"])
    assert role.to_arm()["properties"]["type"] == "CustomRole"
