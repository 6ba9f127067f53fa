"""The automatic grants (as the CLI makes them, and where it forgets): made, shown, skippable."""

from __future__ import annotations

from typing import Any

import pytest

from aks_identity import AuthorizationError, Azure, NetworkProfile, Plan, ValidationError
from aks_identity.emulator import Emulator

from .conftest import assignments, make_registry, scope_id, writes_since

SUBNET_JOIN = "Microsoft.Network/virtualNetworks/subnets/join/action"
ASSIGN = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
ACR_PULL = "Microsoft.ContainerRegistry/registries/pull/read"


def test_managed_identity_operator_before_create(az: Azure, rg: str, emu: Emulator) -> None:
    control = az.create_identity("cp-identity", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    plan = az.create_cluster(
        "k", resource_group=rg, identity=control, kubelet_identity=kubelet, dry_run=True
    )
    assert isinstance(plan, Plan)
    assert [(g.role, g.skip_with) for g in plan.grants] == [
        ("Managed Identity Operator", "grant_kubelet_operator=False")
    ]
    assert [s.action for s in plan.steps] == ["grant", "create"]
    first = len(emu.requests)
    az.create_cluster("k", resource_group=rg, identity=control, kubelet_identity=kubelet)
    writes = writes_since(emu, first)
    assert "roleAssignments" in writes[0].path and "managedClusters" in writes[1].path
    assert emu.check_access(control.principal_id, ASSIGN, str(kubelet.id))


def test_skipping_the_operator_grant_fails_fast(az: Azure, rg: str, emu: Emulator) -> None:
    control = az.create_identity("cp-identity", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    plan = az.create_cluster(
        "k",
        resource_group=rg,
        identity=control,
        kubelet_identity=kubelet,
        grant_kubelet_operator=False,
        dry_run=True,
    )
    assert plan.grants == ()
    start = emu.clock.now()
    with pytest.raises(AuthorizationError) as refused:
        az.create_cluster(
            "k",
            resource_group=rg,
            identity=control,
            kubelet_identity=kubelet,
            grant_kubelet_operator=False,
        )
    assert refused.value.code == "CustomKubeletIdentityMissingPermissionError"
    assert emu.clock.now() - start < 5  # not retried: the library made no grant to wait for


def test_subnet_grant_before_create_for_user_assigned(
    az: Azure, rg: str, subnet: str, emu: Emulator
) -> None:
    ident = az.create_identity("ua-identity", resource_group=rg)
    network = NetworkProfile(subnet_id=subnet)
    plan = az.create_cluster("ua", resource_group=rg, identity=ident, network=network, dry_run=True)
    assert [s.action for s in plan.steps] == ["grant", "create"]
    assert plan.grants[0].role == "Network Contributor"
    assert plan.grants[0].skip_with == "grant_subnet=False"
    az.create_cluster("ua", resource_group=rg, identity=ident, network=network)
    assert emu.check_access(ident.principal_id, SUBNET_JOIN, subnet)


def test_subnet_grant_right_after_create_for_system_assigned(
    az: Azure, rg: str, subnet: str, emu: Emulator
) -> None:
    network = NetworkProfile(subnet_id=subnet)
    plan = az.create_cluster("sa", resource_group=rg, network=network, dry_run=True)
    assert [s.action for s in plan.steps] == ["create", "grant"]
    assert "known after create" in plan.grants[0].principal
    cluster = az.create_cluster("sa", resource_group=rg, network=network)
    assert cluster.principal_id
    assert emu.check_access(cluster.principal_id, SUBNET_JOIN, subnet)
    skipped = az.create_cluster("sa2", resource_group=rg, network=network, grant_subnet=False)
    assert assignments(emu, skipped.principal_id or "", subnet) == []


def test_subnet_grant_follows_a_control_plane_change(
    az: Azure, rg: str, subnet: str, emu: Emulator, service_principal: Any
) -> None:
    legacy = az.create_cluster(
        "legacy",
        resource_group=rg,
        service_principal=service_principal,
        network=NetworkProfile(subnet_id=subnet),
    )
    plan = legacy.enable_managed_identity(dry_run=True)
    assert [s.action for s in plan.steps] == ["update", "grant"]
    migrated = legacy.enable_managed_identity()
    assert emu.check_access(migrated.principal_id or "", SUBNET_JOIN, subnet)
    ident = az.create_identity("next", resource_group=rg)
    plan = migrated.use_identity(ident, dry_run=True)
    assert [s.action for s in plan.steps] == ["grant", "update"]
    switched = migrated.use_identity(ident)
    assert emu.check_access(switched.principal_id or "", SUBNET_JOIN, subnet)


def test_attach_acr_on_create_and_later(az: Azure, rg: str, registry: str, emu: Emulator) -> None:
    plan = az.create_cluster("acr", resource_group=rg, attach_acr=[registry], dry_run=True)
    assert [(g.role, g.principal) for g in plan.grants] == [
        ("AcrPull", "the kubelet identity (known after create)")
    ]
    cluster = az.create_cluster("acr", resource_group=rg, attach_acr=[registry])
    assert cluster.kubelet_identity is not None
    kubelet = cluster.kubelet_identity.object_id
    assert emu.check_access(kubelet, ACR_PULL, registry)

    other = make_registry(emu, "acr2")
    attached = cluster.attach_acr(other)
    assert attached.role_name == "AcrPull" and attached.principal_id == kubelet
    assert cluster.attach_acr(other).id == attached.id  # idempotent
    cluster.detach_acr(other)
    cluster.detach_acr(other)  # idempotent
    assert assignments(emu, kubelet, other) == []
    assert emu.check_access(kubelet, ACR_PULL, registry)


def test_attach_acr_refuses_a_wrong_resource(az: Azure, rg: str, vault: str) -> None:
    cluster = az.create_cluster("acr", resource_group=rg)
    with pytest.raises(ValidationError, match="registry"):
        cluster.attach_acr(vault)


def test_acr_is_regranted_after_a_kubelet_change(
    az: Azure, rg: str, registry: str, emu: Emulator
) -> None:
    control = az.create_identity("cp-identity", resource_group=rg)
    old = az.create_identity("kubelet-old", resource_group=rg)
    cluster = az.create_cluster(
        "k", resource_group=rg, identity=control, kubelet_identity=old, attach_acr=[registry]
    )
    new = az.create_identity("kubelet-new", resource_group=rg)
    plan = cluster.use_kubelet_identity(new, dry_run=True)
    assert [g.role for g in plan.grants] == ["Managed Identity Operator", "AcrPull"]
    assert plan.grants[1].skip_with == "grant_acr=False"
    cluster.use_kubelet_identity(new, allow_downtime=True)
    assert emu.check_access(new.principal_id, ACR_PULL, registry)

    newer = az.create_identity("kubelet-newer", resource_group=rg)
    updated = cluster.refresh().use_kubelet_identity(newer, allow_downtime=True, grant_acr=False)
    assert updated.kubelet_identity is not None
    assert assignments(emu, newer.principal_id, registry) == []


def test_control_plane_change_keeps_the_kubelet_assignable(
    az: Azure, rg: str, emu: Emulator
) -> None:
    control = az.create_identity("cp-identity", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    cluster = az.create_cluster("k", resource_group=rg, identity=control, kubelet_identity=kubelet)
    successor = az.create_identity("cp-successor", resource_group=rg)
    plan = cluster.use_identity(successor, dry_run=True)
    assert [g.role for g in plan.grants] == ["Managed Identity Operator"]
    switched = cluster.use_identity(successor)
    assert switched.principal_id == successor.principal_id
    assert emu.check_access(successor.principal_id, ASSIGN, str(kubelet.id))


def test_grants_wait_for_propagation(emulator_with: Any) -> None:
    """AKS refuses until the grants the library made are in force; the library waits."""
    emu = emulator_with(propagation_delay=600)
    az = emu.azure()
    az.create_resource_group("rg", location="westus2")
    control = az.create_identity("cp-identity", resource_group="rg")
    kubelet = az.create_identity("kubelet", resource_group="rg")
    vnet = scope_id(emu, "vnet", "vnet1")
    emu.put_resource(vnet, {"location": "westus2", "properties": {}})
    subnet = scope_id(emu, "subnet", "vnet1")
    emu.put_resource(subnet, {"properties": {"addressPrefix": "10.1.0.0/24"}})
    start = emu.clock.now()
    cluster = az.create_cluster(
        "k",
        resource_group="rg",
        identity=control,
        kubelet_identity=kubelet,
        network=NetworkProfile(subnet_id=subnet),
    )
    assert cluster.provisioning_state == "Succeeded"
    assert 600 <= emu.clock.now() - start <= 700
    refused = [r for r in emu.requests if r.status == 400]
    assert refused and all("managedClusters" in r.path for r in refused)
