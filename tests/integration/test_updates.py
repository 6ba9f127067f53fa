"""Identity updates: migrations, kubelet identity, node images (with their confirmations)."""

from __future__ import annotations

import warnings

import pytest

from aks_identity import (
    Azure,
    ConfirmationRequired,
    DowntimeWarning,
    IdentityType,
    NetworkProfile,
    NoNewerNodeImageWarning,
    Plan,
    ServicePrincipal,
    ServicePrincipalKubeletWarning,
    TokenRefreshWarning,
    ValidationError,
)
from aks_identity.emulator import Emulator

from .conftest import writes_since

NEWER_IMAGE = "AKSUbuntu-2204gen2containerd-209901.01.0"


def test_service_principal_to_system_assigned(
    az: Azure, rg: str, emu: Emulator, service_principal: ServicePrincipal
) -> None:
    cluster = az.create_cluster("legacy", resource_group=rg, service_principal=service_principal)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        migrated = cluster.enable_managed_identity()
    # issue 9 item 4: Microsoft Graph says the service principal pulled from no registry, so
    # there is nothing to re-attach and nothing to warn about
    assert {w.category for w in caught} == {ServicePrincipalKubeletWarning, TokenRefreshWarning}
    assert cluster.identity_type is IdentityType.SERVICE_PRINCIPAL  # the snapshot is unchanged
    assert migrated.identity_type is IdentityType.SYSTEM_ASSIGNED
    assert migrated.uses_managed_identity  # the control plane does (issue 12 item 5)
    assert not migrated.kubelet_uses_managed_identity  # servicePrincipalProfile keeps it
    assert migrated.principal_id
    # the kubelet keeps the service principal until newer node images
    assert emu.kubelet_credential(str(cluster.id)).startswith("servicePrincipal:")
    assert migrated.enable_managed_identity() is migrated  # nothing to do


def test_then_to_user_assigned(
    az: Azure, rg: str, emu: Emulator, service_principal: ServicePrincipal
) -> None:
    cluster = az.create_cluster("legacy", resource_group=rg, service_principal=service_principal)
    ident = az.create_identity("myIdentity", resource_group=rg)
    migrated = cluster.enable_managed_identity().use_identity(ident)
    assert migrated.identity_type is IdentityType.USER_ASSIGNED
    assert migrated.principal_id == ident.principal_id
    assert migrated.use_identity(ident) is migrated  # already in use: nothing written


def test_service_principal_straight_to_user_assigned(
    az: Azure, rg: str, service_principal: ServicePrincipal
) -> None:
    cluster = az.create_cluster("legacy", resource_group=rg, service_principal=service_principal)
    ident = az.create_identity("direct", resource_group=rg)
    with pytest.warns(ServicePrincipalKubeletWarning):
        migrated = cluster.use_identity(ident.id)
    assert migrated.identity_type is IdentityType.USER_ASSIGNED


def test_system_to_user_assigned_keeps_the_subnet_working(
    az: Azure, rg: str, subnet: str, emu: Emulator
) -> None:
    cluster = az.create_cluster("sys", resource_group=rg, network=NetworkProfile(subnet_id=subnet))
    ident = az.create_identity("next", resource_group=rg)
    with pytest.warns(TokenRefreshWarning):
        switched = cluster.use_identity(ident)
    assert switched.identity_type is IdentityType.USER_ASSIGNED
    assert all(emu.control_plane_subnet_access(str(switched.id)).values())
    in_use = emu.control_plane_identities_in_use(str(switched.id))
    assert len(in_use) == 2  # the old system-assigned token still lives


def test_kubelet_identity_needs_consent(az: Azure, rg: str, emu: Emulator) -> None:
    control = az.create_identity("cp-identity", resource_group=rg)
    cluster = az.create_cluster("k", resource_group=rg, identity=control)
    kubelet = az.create_identity("kubelet2", resource_group=rg)
    first = len(emu.requests)
    with pytest.raises(ConfirmationRequired) as refused:
        cluster.use_kubelet_identity(kubelet)
    assert writes_since(emu, first) == []
    plan = refused.value.plan
    assert isinstance(plan, Plan)
    assert plan.expected_downtime and "reimaged" in plan.expected_downtime
    assert any(isinstance(w, DowntimeWarning) for w in plan.warnings)
    assert [g.role for g in plan.grants] == ["Managed Identity Operator"]

    with pytest.warns(DowntimeWarning):
        updated = cluster.use_kubelet_identity(kubelet, allow_downtime=True)
    assert updated.kubelet_identity is not None
    assert updated.kubelet_identity.resource_id == kubelet.id
    assert emu.node_reimages(str(cluster.id))


def test_kubelet_identity_needs_a_user_assigned_control_plane(az: Azure, rg: str) -> None:
    cluster = az.create_cluster("sys", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    with pytest.raises(ValidationError) as refused:
        cluster.use_kubelet_identity(kubelet, allow_downtime=True)
    assert refused.value.rule


def test_node_image_upgrade(
    az: Azure, rg: str, emu: Emulator, service_principal: ServicePrincipal
) -> None:
    cluster = az.create_cluster("legacy", resource_group=rg, service_principal=service_principal)
    migrated = cluster.enable_managed_identity()
    first = len(emu.requests)
    # issue 9 item 1: nothing newer -> no consent asked, nothing POSTed, no DowntimeWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        same = migrated.upgrade_node_images()
    assert [c.category for c in caught] == [NoNewerNodeImageWarning]
    assert "must wait for the next node image" in str(caught[0].message)
    assert writes_since(emu, first) == []
    assert emu.kubelet_credential(str(cluster.id)).startswith("servicePrincipal:")
    assert same is migrated

    emu.set_newest_node_image(NEWER_IMAGE)
    with warnings.catch_warnings(record=True) as refused_warnings:
        warnings.simplefilter("always")
        with pytest.raises(ConfirmationRequired):
            migrated.upgrade_node_images()
    assert refused_warnings == []  # DowntimeWarning only when nodes are really reimaged
    with pytest.warns(DowntimeWarning):
        upgraded = migrated.upgrade_node_images(allow_downtime=True)
    assert {p.node_image_version for p in upgraded.agent_pools} == {NEWER_IMAGE}
    assert not emu.kubelet_credential(str(cluster.id)).startswith("servicePrincipal:")
    assert upgraded.uses_managed_identity and upgraded.kubelet_uses_managed_identity
