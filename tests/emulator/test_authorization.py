"""Microsoft.Authorization through the real AuthorizationManagementClient."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from emu_support import (
    MANAGED_IDENTITY_OPERATOR,
    NETWORK_CONTRIBUTOR,
    OWNER,
    READER,
    Clients,
)

from aks_identity.emulator import Emulator

# -- role definitions ---------------------------------------------------------------------


def test_role_definitions_filter_by_name_at_any_scope(az: Clients) -> None:
    group = az.group()
    identity = az.identity()

    for scope in (az.sub, group, identity.id):
        [found] = az.auth.role_definitions.list(
            scope, filter="roleName eq 'Managed Identity Operator'"
        )
        assert found.name == MANAGED_IDENTITY_OPERATOR
        assert found.id == az.definition(MANAGED_IDENTITY_OPERATOR)
        assert found.role_type == "BuiltInRole"
        assert "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action" in (
            found.permissions[0].actions
        )


def test_role_definition_get_and_unknown(az: Clients) -> None:
    reader = az.auth.role_definitions.get(az.sub, READER)
    by_id = az.auth.role_definitions.get_by_id(az.definition(READER))

    assert reader.role_name == by_id.role_name == "Reader"
    with pytest.raises(ResourceNotFoundError) as caught:
        az.auth.role_definitions.get(az.sub, str(uuid.uuid4()))
    assert caught.value.error.code == "RoleDefinitionDoesNotExist"
    assert len(list(az.auth.role_definitions.list(az.sub))) >= 11


# -- role assignments: CRUD ---------------------------------------------------------------


def test_create_get_delete_round_trip(az: Clients) -> None:
    az.group()
    identity = az.identity()
    name = str(uuid.uuid4())

    created = az.assign(identity.id, READER, identity.principal_id, "ServicePrincipal", name)
    got = az.auth.role_assignments.get(identity.id, name)
    by_id = az.auth.role_assignments.get_by_id(created.id)
    deleted = az.auth.role_assignments.delete(identity.id, name)
    gone = az.auth.role_assignments.delete(identity.id, name)

    assert created.id == f"{identity.id}/providers/Microsoft.Authorization/roleAssignments/{name}"
    assert created.scope == identity.id
    assert created.role_definition_id == az.definition(READER)
    assert created.principal_type == "ServicePrincipal"
    assert got.name == by_id.name == name
    assert deleted is not None and deleted.name == name
    assert gone is None
    with pytest.raises(ResourceNotFoundError) as caught:
        az.auth.role_assignments.get(identity.id, name)
    assert caught.value.error.code == "RoleAssignmentNotFound"


def test_identical_put_is_200_and_changed_put_is_update_not_permitted(az: Clients) -> None:
    group = az.group()
    one, two = az.identity("id1"), az.identity("id2")
    name = str(uuid.uuid4())
    body = {
        "properties": {"roleDefinitionId": az.definition(READER), "principalId": one.principal_id}
    }
    path = f"{group}/providers/Microsoft.Authorization/roleAssignments/{name}"

    first = az.raw("PUT", path, body)
    second = az.raw("PUT", path, body)
    changed = az.raw(
        "PUT", path, {"properties": {**body["properties"], "principalId": two.principal_id}}
    )

    assert (first.status_code, second.status_code, changed.status_code) == (201, 200, 400)
    assert changed.json()["error"]["code"] == "RoleAssignmentUpdateNotPermitted"


def test_same_grant_under_another_name_is_409_role_assignment_exists(az: Clients) -> None:
    group = az.group()
    identity = az.identity()
    existing = az.assign(group, READER, identity.principal_id, "ServicePrincipal")

    with pytest.raises(HttpResponseError) as caught:
        az.assign(group, READER, identity.principal_id, "ServicePrincipal")

    assert caught.value.status_code == 409
    assert caught.value.error.code == "RoleAssignmentExists"
    assert existing.name.replace("-", "") in caught.value.error.message


def test_unknown_role_definition_is_rejected(az: Clients) -> None:
    group = az.group()
    identity = az.identity()

    with pytest.raises(HttpResponseError) as caught:
        az.assign(group, str(uuid.uuid4()), identity.principal_id, "ServicePrincipal")

    assert caught.value.error.code == "RoleDefinitionDoesNotExist"


def test_assignment_name_must_be_a_guid(az: Clients) -> None:
    group = az.group()
    identity = az.identity()

    with pytest.raises(HttpResponseError) as caught:
        az.assign(group, READER, identity.principal_id, "ServicePrincipal", name="not-a-guid")

    assert caught.value.error.code == "InvalidRoleAssignmentId"


@pytest.mark.parametrize(
    ("suffix", "code"),
    [
        ("/resourceGroups/missing", "ResourceGroupNotFound"),
        ("/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/nope", "ResourceNotFound"),
    ],
)
def test_scope_must_exist(az: Clients, suffix: str, code: str) -> None:
    az.group()
    identity = az.identity()

    with pytest.raises(HttpResponseError) as caught:
        az.assign(az.sub + suffix, READER, identity.principal_id, "ServicePrincipal")

    assert caught.value.status_code == 404
    assert caught.value.error.code == code


# -- principals ---------------------------------------------------------------------------


def test_principal_not_found_until_replicated_without_principal_type(
    az: Clients, emu: Emulator
) -> None:
    emu.state.config.replication_delay = emu.state.config.replication_delay.fixed(120)
    group = az.group()
    identity = az.identity()

    with pytest.raises(HttpResponseError) as caught:
        az.assign(group, READER, identity.principal_id)
    emu.clock.advance(120)
    later = az.assign(group, READER, identity.principal_id)

    assert caught.value.status_code == 400
    assert caught.value.error.code == "PrincipalNotFound"
    assert identity.principal_id.replace("-", "") in caught.value.error.message
    assert later.principal_type == "ServicePrincipal"


def test_principal_type_given_is_accepted_before_replication(az: Clients, emu: Emulator) -> None:
    emu.state.config.replication_delay = emu.state.config.replication_delay.fixed(120)
    group = az.group()
    identity = az.identity()

    created = az.assign(group, READER, identity.principal_id, "ServicePrincipal")

    assert created.principal_type == "ServicePrincipal"


def test_unknown_principal_fails_only_without_principal_type(az: Clients) -> None:
    group = az.group()
    ghost = str(uuid.uuid4())

    with pytest.raises(HttpResponseError) as caught:
        az.assign(group, READER, ghost)
    accepted = az.assign(group, READER, ghost, "ServicePrincipal")

    assert caught.value.error.code == "PrincipalNotFound"
    assert accepted.principal_id == ghost


def test_principal_type_must_match_a_known_principal(az: Clients) -> None:
    group = az.group()
    identity = az.identity()

    with pytest.raises(HttpResponseError) as caught:
        az.assign(group, READER, identity.principal_id, "User")

    assert caught.value.error.code == "UnmatchedPrincipalType"


# -- listing ------------------------------------------------------------------------------


@pytest.fixture
def layered(az: Clients) -> dict[str, str]:
    """Assignments at subscription, group and identity scope for one principal."""
    group = az.group()
    identity = az.identity("id1")
    other = az.identity("id2")
    pid = identity.principal_id
    return {
        "sub": az.assign(az.sub, READER, pid, "ServicePrincipal").name,
        "group": az.assign(group, NETWORK_CONTRIBUTOR, pid, "ServicePrincipal").name,
        "identity": az.assign(identity.id, MANAGED_IDENTITY_OPERATOR, pid, "ServicePrincipal").name,
        "other": az.assign(identity.id, READER, other.principal_id, "ServicePrincipal").name,
        "principal": pid,
        "identity_id": identity.id,
        "group_id": group,
    }


def _names(found: object) -> set[str]:
    return {a.name for a in found}  # type: ignore[attr-defined]


def test_at_scope_includes_parents_not_children(az: Clients, layered: dict[str, str]) -> None:
    at_group = _names(
        az.auth.role_assignments.list_for_scope(layered["group_id"], filter="atScope()")
    )

    assert {layered["sub"], layered["group"]} <= at_group
    assert layered["identity"] not in at_group


def test_without_filter_children_are_included(az: Clients, layered: dict[str, str]) -> None:
    in_group = _names(az.auth.role_assignments.list_for_resource_group("rg1"))

    assert {layered["sub"], layered["group"], layered["identity"], layered["other"]} <= in_group


def test_filter_by_principal(az: Clients, layered: dict[str, str]) -> None:
    pid = layered["principal"]
    assigned = _names(
        az.auth.role_assignments.list_for_scope(
            layered["identity_id"], filter=f"assignedTo('{pid}')"
        )
    )
    by_id = _names(az.auth.role_assignments.list_for_subscription(filter=f"principalId eq '{pid}'"))
    both = _names(
        az.auth.role_assignments.list_for_scope(
            layered["group_id"], filter=f"atScope() and assignedTo('{pid}')"
        )
    )

    assert assigned == {layered["sub"], layered["group"], layered["identity"]}
    assert by_id == assigned
    assert both == {layered["sub"], layered["group"]}


def test_unsupported_filter_is_400(az: Clients) -> None:
    with pytest.raises(HttpResponseError) as caught:
        list(az.auth.role_assignments.list_for_subscription(filter="roleName eq 'x'"))

    assert caught.value.status_code == 400


def test_deleting_a_resource_removes_its_assignments(az: Clients, emu: Emulator) -> None:
    az.group()
    identity = az.identity()
    az.assign(identity.id, READER, identity.principal_id, "ServicePrincipal")

    az.msi.user_assigned_identities.delete("rg1", "id1")

    assert [a for a in emu.state.rbac.all() if a.scope.lower() == identity.id.lower()] == []


# -- permissions --------------------------------------------------------------------------


def test_permissions_of_the_owner_caller(az: Clients) -> None:
    az.group()

    found = list(az.auth.permissions.list_for_resource_group("rg1"))

    assert [p.actions for p in found] == [["*"]]


def test_permissions_of_a_reader_caller(emu: Emulator) -> None:
    caller = emu.create_caller("reader", role="Reader")
    reader = Clients.connect(emu, caller)
    emu.state.resources.ensure_resource_group("rg1", "westus2")

    found = list(reader.auth.permissions.list_for_resource_group("rg1"))

    assert [p.actions for p in found] == [["*/read"]]


def test_owner_role_is_the_default_callers(emu: Emulator) -> None:
    [owner] = emu.state.rbac.list(emu.state.subscription_scope, principal_id=emu.caller_id)

    assert owner.role_guid == OWNER
