"""Resource groups and user-assigned identities: create, get, list, delete."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aks_identity import Azure, ManagedIdentity, NotFoundError, ValidationError
from aks_identity.emulator import Emulator

from .conftest import LOCATION, writes_since


def test_resource_group_is_idempotent(az: Azure) -> None:
    first = az.create_resource_group("myResourceGroup", location="westus2")
    again = az.create_resource_group("myResourceGroup", location="westus2")
    assert first.id == again.id
    assert az.get_resource_group("myresourcegroup").name.lower() == "myresourcegroup"
    with pytest.raises(NotFoundError) as missing:
        az.get_resource_group("absent")
    assert missing.value.status == 404
    assert missing.value.code == "ResourceGroupNotFound"


def test_delete_resource_group_is_idempotent(az: Azure) -> None:
    az.create_resource_group("doomed", location=LOCATION)
    az.delete_resource_group("doomed")
    az.delete_resource_group("doomed")
    with pytest.raises(NotFoundError):
        az.get_resource_group("doomed")


def test_identity_lifecycle(az: Azure, rg: str, emu: Emulator) -> None:
    ident = az.create_identity("myIdentity", resource_group=rg)
    assert isinstance(ident, ManagedIdentity)
    assert ident.location == LOCATION  # the group's location
    assert ident.tenant_id == emu.tenant_id
    assert ident.principal_id and ident.client_id and ident.principal_id != ident.client_id
    assert ident.resource_group == rg
    assert "myIdentity" in repr(ident) and ident.principal_id.split("-")[0] in repr(ident)

    again = az.create_identity("myIdentity", resource_group=rg)
    assert again.principal_id == ident.principal_id  # PUT again keeps the principal

    by_name = az.get_identity(name="myIdentity", resource_group=rg)
    assert by_name.id == ident.id
    assert [i.name for i in az.list_identities(rg)] == ["myIdentity"]
    assert ident.id in [i.id for i in az.list_identities()]

    ident.delete()
    ident.delete()  # idempotent
    with pytest.raises(NotFoundError):
        ident.refresh()


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_get_identity_by_id_in_any_casing(az: Azure, emu: Emulator, data: st.DataObject) -> None:
    az.create_resource_group("Casing", location=LOCATION)
    ident = az.create_identity("mixedCase", resource_group="Casing")
    text = str(ident.id)
    flips = data.draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    variant = "".join(c.upper() if f else c.lower() for c, f in zip(text, flips))
    assert az.get_identity(variant).principal_id == ident.principal_id


def test_wrong_resource_type_is_refused_before_any_request(az: Azure, emu: Emulator) -> None:
    first = len(emu.requests)
    group = f"/subscriptions/{emu.subscription_id}/resourceGroups/rg"
    bad = f"{group}/providers/Microsoft.KeyVault/vaults/kv"
    with pytest.raises(ValidationError, match="user-assigned identity"):
        az.get_identity(bad)
    with pytest.raises(ValidationError):
        az.get_identity()
    with pytest.raises(ValidationError):
        az.create_identity("bad name!", resource_group="rg")
    assert len(emu.requests) == first


def test_identity_in_missing_group_is_not_found(az: Azure) -> None:
    with pytest.raises(NotFoundError):
        az.create_identity("orphan", resource_group="nowhere", location=LOCATION)


def test_dry_run_writes_nothing(az: Azure, rg: str, emu: Emulator) -> None:
    first = len(emu.requests)
    plan = az.create_identity("planned", resource_group=rg, dry_run=True)
    assert [s.action for s in plan.steps] == ["create"]
    group_plan = az.create_resource_group("planned-rg", location=LOCATION, dry_run=True)
    assert "planned-rg" in str(group_plan)
    assert az.delete_resource_group(rg, dry_run=True).steps[0].action == "delete"
    assert writes_since(emu, first) == []
    with pytest.raises(NotFoundError):
        az.get_identity(name="planned", resource_group=rg)
