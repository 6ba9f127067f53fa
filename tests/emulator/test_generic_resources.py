"""Generic resources used as scopes: networks, subnets, key vaults, registries, DNS zones."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from emu_support import NETWORK_CONTRIBUTOR, READER, Clients

from aks_identity.emulator import Emulator

SCOPES = {
    "key vault": ("Microsoft.KeyVault/vaults/kv1", "2023-07-01"),
    "registry": ("Microsoft.ContainerRegistry/registries/acr1", "2023-07-01"),
    "private DNS zone": (
        "Microsoft.Network/privateDnsZones/privatelink.westus2.azmk8s.io",
        "2020-06-01",
    ),
    "virtual network": ("Microsoft.Network/virtualNetworks/vnet1", "2023-09-01"),
}


def _vnet_body() -> dict[str, object]:
    return {
        "location": "westus2",
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/8"]},
            "subnets": [{"name": "nodes", "properties": {"addressPrefix": "10.240.0.0/16"}}],
        },
    }


def test_sdk_generic_create_get_delete(az: Clients) -> None:
    group = az.group()
    vnet_id = f"{group}/providers/Microsoft.Network/virtualNetworks/vnet1"

    api = {"api_version": "2023-09-01"}
    created = az.resources.resources.begin_create_or_update_by_id(
        vnet_id, _vnet_body(), **api
    ).result()
    subnet = az.resources.resources.get_by_id(f"{vnet_id}/subnets/nodes", **api)
    vnet = az.resources.resources.get_by_id(vnet_id, **api)
    az.resources.resources.begin_delete_by_id(vnet_id, **api).result()

    assert created.id == vnet_id
    assert created.location == "westus2"
    assert subnet.type == "Microsoft.Network/virtualNetworks/subnets"
    assert [s["name"] for s in vnet.properties["subnets"]] == ["nodes"]
    with pytest.raises(ResourceNotFoundError):
        az.resources.resources.get_by_id(f"{vnet_id}/subnets/nodes", **api)


def test_put_is_201_then_200(az: Clients) -> None:
    group = az.group()
    path = f"{group}/providers/Microsoft.KeyVault/vaults/kv1"

    first = az.raw("PUT", path, {"location": "westus2", "properties": {"tenantId": "t"}})
    second = az.raw("PUT", path, {"location": "westus2", "properties": {"tenantId": "t"}})

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["properties"] == {"tenantId": "t", "provisioningState": "Succeeded"}


def test_nested_resource_needs_its_parent(az: Clients) -> None:
    group = az.group()

    response = az.raw(
        "PUT",
        f"{group}/providers/Microsoft.Network/virtualNetworks/none/subnets/s1",
        {"properties": {}},
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ParentResourceNotFound"


def test_list_a_collection_in_a_group(az: Clients, emu: Emulator) -> None:
    group = az.group()
    for name in ("kv1", "kv2"):
        emu.put_resource(f"{group}/providers/Microsoft.KeyVault/vaults/{name}", {})

    listed = az.raw("GET", f"{group}/providers/Microsoft.KeyVault/vaults").json()

    assert [v["name"] for v in listed["value"]] == ["kv1", "kv2"]


@pytest.mark.parametrize("kind", sorted(SCOPES))
def test_role_assignment_on_each_scope_kind(az: Clients, emu: Emulator, kind: str) -> None:
    suffix, _ = SCOPES[kind]
    scope = f"{az.sub}/resourceGroups/rg1/providers/{suffix}"
    emu.put_resource(scope, {"location": "westus2"})
    identity = az.identity()

    created = az.assign(scope, READER, identity.principal_id, "ServicePrincipal")

    assert created.scope == scope
    assert emu.check_access(identity.principal_id, "Microsoft.Network/any/read", scope)


def test_subnet_scope_and_inherited_grant(az: Clients, emu: Emulator) -> None:
    vnet = f"{az.sub}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/vnet1"
    emu.put_resource(vnet, _vnet_body())
    identity = az.identity()
    join = "Microsoft.Network/virtualNetworks/subnets/join/action"

    az.assign(vnet, NETWORK_CONTRIBUTOR, identity.principal_id, "ServicePrincipal")

    assert emu.check_access(identity.principal_id, join, f"{vnet}/subnets/nodes")
    assert not emu.check_access(identity.principal_id, join, az.sub)


def test_put_resource_creates_the_group(emu: Emulator) -> None:
    rid = (
        f"/subscriptions/{emu.subscription_id}/resourceGroups/auto/providers/"
        "Microsoft.ContainerRegistry/registries/acr1"
    )

    body = emu.put_resource(rid, {"sku": {"name": "Basic"}})

    assert body["sku"] == {"name": "Basic"}
    assert body["location"] == "westus2"
    assert emu.state.resources.get(rid) is not None
    with pytest.raises(Exception, match="not a resource ID"):
        emu.put_resource("/subscriptions/x", {})


def test_container_service_is_not_served_by_the_catch_all(az: Clients) -> None:
    group = az.group()

    with pytest.raises(HttpResponseError) as caught:
        az.resources.resources.get_by_id(
            f"{group}/providers/Microsoft.ContainerService/fleets/f1", api_version="2024-04-01"
        )

    assert caught.value.status_code == 404
    assert caught.value.error.code == "InvalidResourceType"
