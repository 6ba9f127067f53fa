"""Custom role definitions: PUT / GET / LIST / DELETE with assignableScopes, via the real SDK.

Shape: Azure/azure-rest-api-specs specification/authorization/resource-manager/
Microsoft.Authorization/stable/2022-04-01/examples/PutRoleDefinition.json (commit
029741f2a57be0df0c346983e76f08dc7a69058a): the 201 body has ``properties.roleName``, ``type``,
``description``, ``assignableScopes``, ``permissions[{actions, notActions, dataActions,
notDataActions}]`` and ``id``/``type``/``name``.
"""

from __future__ import annotations

import uuid

from emu_support import IDENTITY_TYPE, Clients

from aks_identity.emulator import Emulator

ASSIGN = "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action"
PUT_EXAMPLE_KEYS = {"roleName", "type", "description", "assignableScopes", "permissions"}


def _custom(az: Clients, scope: str, guid: str, actions: list[str]) -> dict:
    body = {
        "properties": {
            "roleName": "Identity assigner",
            "description": "may assign user-assigned identities",
            "assignableScopes": [scope],
            "permissions": [
                {"actions": actions, "notActions": [], "dataActions": [], "notDataActions": []}
            ],
        }
    }
    path = f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    response = az.raw("PUT", path, body)
    return {"status": response.status_code, "body": response.json()}


def test_put_get_list_delete_a_custom_role(emu: Emulator, az: Clients) -> None:
    group = az.group()
    guid = str(uuid.uuid4())

    created = _custom(az, group, guid, [ASSIGN])
    again = _custom(az, group, guid, [ASSIGN, "*/read"])
    got = az.auth.role_definitions.get(group, guid)
    listed = [d.name for d in az.auth.role_definitions.list(group)]
    by_id = az.auth.role_definitions.get_by_id(az.definition(guid))

    assert created["status"] == 201 and again["status"] == 200
    assert set(created["body"]["properties"]) >= PUT_EXAMPLE_KEYS
    assert created["body"]["type"] == "Microsoft.Authorization/roleDefinitions"
    assert created["body"]["name"] == guid
    assert got.role_type == "CustomRole"
    assert got.assignable_scopes == [group]
    assert got.permissions[0].actions == [ASSIGN, "*/read"]
    assert guid in listed
    assert by_id.role_name == "Identity assigner"

    deleted = az.raw("DELETE", f"{group}/providers/Microsoft.Authorization/roleDefinitions/{guid}")
    gone = az.raw("GET", f"{group}/providers/Microsoft.Authorization/roleDefinitions/{guid}")
    assert deleted.status_code == 200
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "RoleDefinitionDoesNotExist"


def test_a_custom_role_grants_its_actions(emu: Emulator, az: Clients) -> None:
    group = az.group()
    guid = str(uuid.uuid4())
    _custom(az, group, guid, [ASSIGN])
    identity = az.identity()
    holder = emu.state.add_caller("assigner", principal_type="ServicePrincipal")

    az.assign(group, guid, holder.object_id, "ServicePrincipal")
    emu.clock.advance(3600)

    action = f"{IDENTITY_TYPE}/assign/action"
    assert emu.check_access(holder.object_id, action, identity.id)
    assert not emu.check_access(holder.object_id, f"{IDENTITY_TYPE}/write", identity.id)


def test_bad_role_definitions_are_refused(emu: Emulator, az: Clients) -> None:
    group = az.group()
    path = f"{group}/providers/Microsoft.Authorization/roleDefinitions"
    no_scopes = az.raw("PUT", f"{path}/{uuid.uuid4()}", {"properties": {"roleName": "x"}})
    not_a_guid = az.raw("PUT", f"{path}/not-a-guid", {"properties": {"roleName": "x"}})
    builtin = az.raw(
        "PUT",
        f"{path}/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        {"properties": {"roleName": "Owner", "assignableScopes": [group]}},
    )

    assert (no_scopes.status_code, no_scopes.json()["error"]["code"]) == (
        400,
        "InvalidRoleDefinition",
    )
    assert not_a_guid.json()["error"]["code"] == "InvalidRoleDefinitionId"
    assert builtin.json()["error"]["code"] == "RoleDefinitionUpdateNotPermitted"
