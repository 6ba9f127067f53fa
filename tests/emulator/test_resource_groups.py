"""Subscriptions, tenants and resource groups through the real ResourceManagementClient."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from emu_support import LOCATION, Clients

from aks_identity.emulator import Emulator


def test_create_is_201_then_200_and_get_returns_it(az: Clients) -> None:
    first = az.raw(
        "PUT",
        f"{az.sub}/resourcegroups/rg1",
        {"location": LOCATION},
        **{"api-version": "2021-04-01"},
    )
    again = az.raw(
        "PUT",
        f"{az.sub}/resourcegroups/rg1",
        {"location": LOCATION, "tags": {"a": "b"}},
        **{"api-version": "2021-04-01"},
    )
    group = az.resources.resource_groups.get("rg1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert group.id == f"{az.sub}/resourceGroups/rg1"
    assert group.location == LOCATION
    assert group.tags == {"a": "b"}
    assert group.properties.provisioning_state == "Succeeded"


def test_check_existence_is_a_head_request(az: Clients, emu: Emulator) -> None:
    az.group("rg1")

    assert az.resources.resource_groups.check_existence("rg1") is True
    assert az.resources.resource_groups.check_existence("other") is False
    assert [r.status for r in emu.requests.matching(method="HEAD")] == [204, 404]


def test_get_missing_group_is_resource_group_not_found(az: Clients) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        az.resources.resource_groups.get("missing")

    assert caught.value.error.code == "ResourceGroupNotFound"
    assert caught.value.error.message == "Resource group 'missing' could not be found."


def test_list_pages_through_next_link(az: Clients, emu: Emulator) -> None:
    emu.state.config.page_size = 2
    for index in range(5):
        az.group(f"rg{index}")

    names = [g.name for g in az.resources.resource_groups.list()]

    assert names == [f"rg{i}" for i in range(5)]
    assert len(emu.requests.matching(method="GET", path="/resourcegroups")) == 3


def test_delete_is_a_long_running_operation_that_removes_contents(
    az: Clients, emu: Emulator
) -> None:
    az.group("rg1")
    identity = az.identity("id1")

    az.resources.resource_groups.begin_delete("rg1", polling=False)
    in_flight = az.resources.resource_groups.get("rg1").properties.provisioning_state
    emu.clock.advance(30)

    assert in_flight == "Deleting"
    assert az.resources.resource_groups.check_existence("rg1") is False
    assert emu.state.directory.get(identity.principal_id) is None
    delete = emu.requests.matching(method="DELETE")[0]
    assert delete.status == 202


def test_create_in_another_location_is_refused(az: Clients) -> None:
    az.group("rg1")

    with pytest.raises(HttpResponseError) as caught:
        az.resources.resource_groups.create_or_update("rg1", {"location": "eastus"})

    assert caught.value.status_code == 409
    assert caught.value.error.code == "InvalidResourceGroupLocation"


def test_create_while_deleting_is_refused(az: Clients) -> None:
    az.group("rg1")
    az.resources.resource_groups.begin_delete("rg1", polling=False)

    with pytest.raises(HttpResponseError) as caught:
        az.resources.resource_groups.create_or_update("rg1", {"location": LOCATION})

    assert caught.value.error.code == "ResourceGroupBeingDeleted"


@pytest.mark.parametrize("name", ["bad/name", "x" * 91, "ends.", "sp ace"])
def test_invalid_group_names_are_rejected(az: Clients, name: str) -> None:
    response = az.raw(
        "PUT", f"{az.sub}/resourcegroups/{name.replace('/', '%2F')}", {"location": LOCATION}
    )

    assert response.status_code in (400, 404)


def test_update_tags_with_patch(az: Clients) -> None:
    az.group("rg1")

    updated = az.resources.resource_groups.update("rg1", {"tags": {"env": "test"}})

    assert updated.tags == {"env": "test"}


def test_subscription_and_tenant_are_listed(az: Clients, emu: Emulator) -> None:
    listed = az.raw("GET", "/subscriptions", **{"api-version": "2022-12-01"}).json()
    one = az.raw("GET", az.sub, **{"api-version": "2022-12-01"}).json()
    tenants = az.raw("GET", "/tenants", **{"api-version": "2022-12-01"}).json()
    other = az.raw(
        "GET",
        "/subscriptions/00000000-0000-0000-0000-000000000000",
        **{"api-version": "2022-12-01"},
    )

    assert [s["subscriptionId"] for s in listed["value"]] == [emu.subscription_id]
    assert one["tenantId"] == emu.tenant_id
    assert one["state"] == "Enabled"
    assert [t["tenantId"] for t in tenants["value"]] == [emu.tenant_id]
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "SubscriptionNotFound"


def test_missing_api_version_is_400(az: Clients) -> None:
    response = az.resources.send_request(HttpRequest("GET", f"{az.emu.url}{az.sub}/resourcegroups"))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MissingApiVersionParameter"


def test_malformed_json_is_invalid_request_content(az: Clients) -> None:
    request = HttpRequest(
        "PUT",
        f"{az.emu.url}{az.sub}/resourcegroups/rg1",
        params={"api-version": "2021-04-01"},
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )

    response = az.resources.send_request(request)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidRequestContent"


def test_unsupported_method_is_405(az: Clients) -> None:
    response = az.raw("POST", f"{az.sub}/resourcegroups/rg1")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "MethodNotAllowed"
