"""Several subscriptions in one tenant: Emulator(subscriptions=N), through the real SDKs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.core.rest import HttpRequest
from azure.mgmt.resource.resources import ResourceManagementClient

from aks_identity import NotFoundError
from aks_identity.emulator import Emulator

LOCATION = "westus2"


@pytest.fixture(scope="module")
def emu3() -> Iterator[Emulator]:
    with Emulator(subscriptions=3, seed=11) as emu:
        yield emu


@pytest.fixture
def emu(emu3: Emulator) -> Iterator[Emulator]:
    emu3.reset()
    yield emu3


def test_subscription_ids_start_with_the_default_and_are_distinct(emu: Emulator) -> None:
    ids = emu.subscription_ids

    assert len(ids) == 3
    assert ids[0] == emu.subscription_id
    assert len(set(ids)) == 3
    assert Emulator(subscriptions=3, seed=11).subscription_ids == ids  # seeded, stable


def test_every_subscription_is_listed_in_the_one_tenant(emu: Emulator) -> None:
    client = ResourceManagementClient(
        emu.credential(), emu.subscription_id, base_url=emu.url, connection_verify=emu.ca_bundle
    )

    def get(path: str) -> dict[str, object]:
        request = HttpRequest("GET", f"{emu.url}{path}", params={"api-version": "2022-12-01"})
        response = client.send_request(request)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    listed = get("/subscriptions")["value"]
    second = get(f"/subscriptions/{emu.subscription_ids[1]}")

    assert isinstance(listed, list)
    assert [s["subscriptionId"] for s in listed] == emu.subscription_ids
    assert {s["tenantId"] for s in listed} == {emu.tenant_id}
    assert second["id"] == f"/subscriptions/{emu.subscription_ids[1]}"
    assert second["subscriptionId"] == emu.subscription_ids[1]


def test_the_default_caller_is_owner_of_every_subscription(emu: Emulator) -> None:
    write = "Microsoft.Authorization/roleAssignments/write"
    for subscription in emu.subscription_ids:
        assert emu.check_access(emu.caller_id, write, f"/subscriptions/{subscription}")


def test_resources_are_kept_apart_per_subscription(emu: Emulator) -> None:
    first = emu.azure()
    second = emu.azure(subscription_id=emu.subscription_ids[1])
    first.create_resource_group("rg", location=LOCATION)
    second.create_resource_group("rg", location=LOCATION)
    a = first.create_identity("same-name", resource_group="rg")
    b = second.create_identity("same-name", resource_group="rg")

    cluster = second.create_cluster("c1", resource_group="rg")

    assert second.subscription_id == emu.subscription_ids[1]
    assert a.id != b.id and a.principal_id != b.principal_id
    assert b.id.subscription_id == emu.subscription_ids[1]
    assert str(cluster.id).lower().startswith(f"/subscriptions/{emu.subscription_ids[1]}/")
    assert cluster.kubelet_identity is not None
    assert cluster.kubelet_identity.resource_id.subscription_id == emu.subscription_ids[1]
    assert [c.name for c in second.list_clusters()] == ["c1"]
    assert first.list_clusters() == []
    first.delete_resource_group("rg")
    emu.clock.advance(3600)
    assert second.get_identity(b.id).principal_id == b.principal_id


def test_an_unknown_subscription_is_subscription_not_found(emu: Emulator) -> None:
    unknown = emu.azure(subscription_id="00000000-0000-0000-0000-0000000000ff")

    with pytest.raises(NotFoundError) as caught:
        unknown.create_resource_group("rg", location=LOCATION)

    assert caught.value.code == "SubscriptionNotFound"


def test_role_assignments_name_the_role_definition_in_their_subscription(emu: Emulator) -> None:
    second = emu.azure(subscription_id=emu.subscription_ids[1])
    second.create_resource_group("rg", location=LOCATION)
    ident = second.create_identity("id1", resource_group="rg")

    ra = ident.grant("Reader", scope=f"/subscriptions/{emu.subscription_ids[1]}/resourceGroups/rg")

    assert ra.role_definition_id.lower().startswith(f"/subscriptions/{emu.subscription_ids[1]}/")


def test_subscriptions_must_be_a_positive_whole_number() -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="subscriptions"):
            Emulator(subscriptions=bad)  # type: ignore[arg-type]
