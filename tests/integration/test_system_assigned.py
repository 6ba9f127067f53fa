"""Issue 9 item 3: user-assigned -> system-assigned (cluster.use_system_assigned_identity())."""

from __future__ import annotations

import pytest

from aks_identity import (
    Azure,
    IdentityType,
    NetworkProfile,
    Plan,
    TokenRefreshWarning,
    ValidationError,
)
from aks_identity.emulator import Emulator

from .conftest import assignments, writes_since


def test_user_assigned_to_system_assigned_with_the_subnet_grant(
    az: Azure, rg: str, emu: Emulator, subnet: str
) -> None:
    ident = az.create_identity("cp-id", resource_group=rg)
    cluster = az.create_cluster(
        "c1", resource_group=rg, identity=ident, network=NetworkProfile(subnet_id=subnet)
    )
    first = len(emu.requests)

    plan = cluster.use_system_assigned_identity(dry_run=True)
    assert writes_since(emu, first) == []
    with pytest.warns(TokenRefreshWarning):
        moved = cluster.use_system_assigned_identity()

    assert isinstance(plan, Plan)
    assert [s.action for s in plan.steps] == ["update", "grant"]
    assert [(g.role, g.skip_with) for g in plan.grants] == [
        ("Network Contributor", "grant_subnet=False")
    ]
    assert moved.identity_type is IdentityType.SYSTEM_ASSIGNED
    assert moved.principal_id and moved.principal_id != ident.principal_id
    assert [a.role_guid for a in assignments(emu, moved.principal_id, subnet)] == [
        "4d97b98b-1d4f-4787-a291-c67834d212e7"
    ]
    assert emu.control_plane_identities_in_use(str(cluster.id))[0].startswith("systemAssigned:")
    assert moved.use_system_assigned_identity() is moved  # idempotent


def test_refused_before_any_write_with_a_custom_private_dns_zone(
    az: Azure, rg: str, emu: Emulator
) -> None:
    ident = az.create_identity("cp-id", resource_group=rg)
    zone = (
        f"/subscriptions/{emu.subscription_id}/resourceGroups/{rg}/providers/"
        "Microsoft.Network/privateDnsZones/privatelink.westus2.azmk8s.io"
    )
    emu.put_resource(zone, {"location": "global", "properties": {}})
    ident.grant("Private DNS Zone Contributor", scope=zone)
    cluster = az.create_cluster("private", resource_group=rg, identity=ident, private_dns_zone=zone)
    first = len(emu.requests)

    for attempt in (
        lambda: cluster.use_system_assigned_identity(dry_run=True),
        cluster.use_system_assigned_identity,
    ):
        with pytest.raises(ValidationError, match="private DNS zone") as refused:
            attempt()
        assert refused.value.rule
    assert writes_since(emu, first) == []


def test_enable_managed_identity_on_a_user_assigned_cluster_says_what_to_call(
    az: Azure, rg: str, emu: Emulator
) -> None:
    ident = az.create_identity("cp-id", resource_group=rg)
    cluster = az.create_cluster("c1", resource_group=rg, identity=ident)
    first = len(emu.requests)
    with pytest.raises(ValidationError, match=r"use_system_assigned_identity\(\)"):
        cluster.enable_managed_identity()
    with pytest.raises(ValidationError, match=r"use_system_assigned_identity\(\)"):
        cluster.enable_managed_identity(dry_run=True)
    assert writes_since(emu, first) == []


def test_a_pre_created_kubelet_identity_keeps_the_control_plane_user_assigned(
    az: Azure, rg: str, emu: Emulator
) -> None:
    ident = az.create_identity("cp-id", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    cluster = az.create_cluster("c1", resource_group=rg, identity=ident, kubelet_identity=kubelet)
    first = len(emu.requests)
    with pytest.raises(ValidationError, match="kubelet identity"):
        cluster.use_system_assigned_identity()
    assert writes_since(emu, first) == []
