"""Microsoft.ManagedIdentity/userAssignedIdentities through the real MSI client."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from emu_support import IDENTITY_TYPE, LOCATION, Clients

from aks_identity.emulator import Emulator

API = {"api-version": "2023-01-31"}


def _path(az: Clients, name: str, group: str = "rg1") -> str:
    return f"{az.sub}/resourceGroups/{group}/providers/{IDENTITY_TYPE}/{name}"


def test_create_returns_ids_and_is_a_directory_principal(az: Clients, emu: Emulator) -> None:
    az.group()

    identity = az.identity("id1")
    principal = emu.state.directory.get(identity.principal_id)

    assert identity.id == f"{az.sub}/resourcegroups/rg1/providers/{IDENTITY_TYPE}/id1"
    assert identity.type == IDENTITY_TYPE
    assert identity.tenant_id == emu.tenant_id
    assert principal is not None
    assert principal.client_id == identity.client_id
    assert principal.principal_type == "ServicePrincipal"


def test_put_is_201_then_200_keeping_the_principal(az: Clients) -> None:
    az.group()
    first = az.raw("PUT", _path(az, "id1"), {"location": LOCATION}, **API)
    again = az.raw("PUT", _path(az, "id1"), {"location": LOCATION, "tags": {"k": "v"}}, **API)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.headers["Location"].endswith("/userAssignedIdentities/id1")
    assert again.json()["properties"] == first.json()["properties"]
    assert again.json()["tags"] == {"k": "v"}


def test_get_update_and_delete(az: Clients, emu: Emulator) -> None:
    az.group()
    created = az.identity("id1")

    got = az.msi.user_assigned_identities.get("rg1", "id1")
    updated = az.msi.user_assigned_identities.update("rg1", "id1", {"tags": {"a": "1"}})
    az.msi.user_assigned_identities.delete("rg1", "id1")
    again = az.raw("DELETE", _path(az, "id1"), **API)

    assert got.principal_id == created.principal_id
    assert updated.tags == {"a": "1"}
    assert again.status_code == 204
    assert emu.state.directory.get(created.principal_id) is None
    with pytest.raises(ResourceNotFoundError) as caught:
        az.msi.user_assigned_identities.get("rg1", "id1")
    assert caught.value.error.code == "ResourceNotFound"
    assert f"'{IDENTITY_TYPE}/id1' under resource group 'rg1'" in caught.value.error.message


def test_list_by_group_and_subscription_with_paging(az: Clients, emu: Emulator) -> None:
    emu.state.config.page_size = 2
    az.group("rg1")
    az.group("rg2")
    for name in ("ida1", "ida2", "ida3"):
        az.identity(name, "rg1")
    az.identity("idb1", "rg2")

    in_group = [i.name for i in az.msi.user_assigned_identities.list_by_resource_group("rg1")]
    everywhere = [i.name for i in az.msi.user_assigned_identities.list_by_subscription()]

    assert in_group == ["ida1", "ida2", "ida3"]
    assert sorted(everywhere) == ["ida1", "ida2", "ida3", "idb1"]


def test_identity_in_missing_group_is_resource_group_not_found(az: Clients) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        az.identity("id1", "nowhere")

    assert caught.value.error.code == "ResourceGroupNotFound"


def test_location_is_required_and_cannot_change(az: Clients) -> None:
    az.group()
    az.identity("id1")

    missing = az.raw("PUT", _path(az, "id2"), {}, **API)
    with pytest.raises(HttpResponseError) as moved:
        az.msi.user_assigned_identities.create_or_update("rg1", "id1", {"location": "eastus"})

    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "LocationRequired"
    assert moved.value.error.code == "InvalidResourceLocation"


@pytest.mark.parametrize("name", ["ab", "-lead", "has.dot"])
def test_invalid_identity_names_are_rejected(az: Clients, name: str) -> None:
    az.group()

    response = az.raw("PUT", _path(az, name), {"location": LOCATION}, **API)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidResourceName"
