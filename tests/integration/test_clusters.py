"""Cluster creation with every control-plane identity, reads and identity properties."""

from __future__ import annotations

import pytest

from aks_identity import (
    Azure,
    Cluster,
    ConflictError,
    IdentityType,
    NetworkProfile,
    NotFoundError,
    ServicePrincipal,
)
from aks_identity.emulator import Emulator

from .conftest import assignments

SUBNET_JOIN = "Microsoft.Network/virtualNetworks/subnets/join/action"
ASSIGN = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"


def test_system_assigned_is_the_default(az: Azure, rg: str) -> None:
    cluster = az.create_cluster("myManagedCluster", resource_group=rg)
    assert isinstance(cluster, Cluster)
    assert cluster.identity_type is IdentityType.SYSTEM_ASSIGNED
    assert cluster.identity.type is IdentityType.SYSTEM_ASSIGNED
    assert cluster.principal_id == cluster.identity.principal_id
    assert cluster.identity.tenant_id
    assert cluster.uses_managed_identity
    assert cluster.service_principal_client_id == "msi"
    assert cluster.provisioning_state == "Succeeded"
    assert cluster.kubelet_identity is not None  # AKS creates <cluster>-agentpool
    assert cluster.kubelet_identity.name == "myManagedCluster-agentpool"
    assert cluster.kubelet_identity.resource_id.resource_group == cluster.node_resource_group
    assert "SystemAssigned" in repr(cluster)


def test_user_assigned_with_custom_network(az: Azure, rg: str, subnet: str, emu: Emulator) -> None:
    ident = az.create_identity("myIdentity", resource_group=rg)
    network = NetworkProfile(
        plugin="azure", subnet_id=subnet, service_cidr="10.2.0.0/24", dns_service_ip="10.2.0.10"
    )
    cluster = az.create_cluster("uaCluster", resource_group=rg, identity=ident, network=network)
    assert cluster.identity_type is IdentityType.USER_ASSIGNED
    assert cluster.identity.user_assigned == (ident.id,)
    assert cluster.principal_id == ident.principal_id
    assert cluster.network.plugin == "azure"
    assert cluster.network.subnet_id == network.subnet_id
    assert cluster.network.service_cidr == "10.2.0.0/24"
    assert cluster.network.dns_service_ip == "10.2.0.10"
    assert cluster.subnet_ids == (network.subnet_id,)
    assert emu.check_access(ident.principal_id, SUBNET_JOIN, subnet)
    assert emu.control_plane_subnet_access(str(cluster.id)) == {subnet: True} or all(
        emu.control_plane_subnet_access(str(cluster.id)).values()
    )


def test_pre_created_kubelet_identity(az: Azure, rg: str, emu: Emulator) -> None:
    control = az.create_identity("cp-identity", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    cluster = az.create_cluster(
        "kubeletCluster", resource_group=rg, identity=control, kubelet_identity=kubelet
    )
    assert cluster.kubelet_identity is not None
    assert cluster.kubelet_identity.resource_id == kubelet.id
    assert cluster.kubelet_identity.client_id == kubelet.client_id
    assert cluster.kubelet_identity.object_id == kubelet.principal_id
    assert cluster.kubelet_identity.cluster_id == cluster.id
    assert emu.check_access(control.principal_id, ASSIGN, str(kubelet.id))
    assert emu.kubelet_credential(str(cluster.id)).lower() == str(kubelet.id).lower()


def test_service_principal_cluster(az: Azure, rg: str, service_principal: ServicePrincipal) -> None:
    cluster = az.create_cluster("spCluster", resource_group=rg, service_principal=service_principal)
    assert cluster.identity_type is IdentityType.SERVICE_PRINCIPAL
    assert cluster.principal_id is None
    assert not cluster.uses_managed_identity
    assert cluster.service_principal_client_id == service_principal.client_id
    assert cluster.kubelet_identity is None
    assert service_principal.secret not in repr(cluster)


def test_get_and_list(az: Azure, rg: str) -> None:
    az.create_resource_group("other", location="westus2")
    made = az.create_cluster("one", resource_group=rg)
    az.create_cluster("two", resource_group="other")
    assert az.get_cluster("one", resource_group=rg).id == made.id
    assert az.get_cluster(str(made.id).upper()).name == "one"
    assert [c.name for c in az.list_clusters(rg)] == ["one"]
    assert sorted(c.name for c in az.list_clusters()) == ["one", "two"]
    assert made.refresh().principal_id == made.principal_id
    with pytest.raises(NotFoundError) as missing:
        az.get_cluster("absent", resource_group=rg)
    assert missing.value.status == 404


def test_create_converges_and_refuses_another_identity(az: Azure, rg: str) -> None:
    first = az.create_cluster("again", resource_group=rg)
    second = az.create_cluster("again", resource_group=rg)
    assert second.principal_id == first.principal_id
    ident = az.create_identity("other", resource_group=rg)
    with pytest.raises(ConflictError, match="use_identity"):
        az.create_cluster("again", resource_group=rg, identity=ident)


def test_delete_cluster_is_idempotent(az: Azure, rg: str, emu: Emulator) -> None:
    cluster = az.create_cluster("gone", resource_group=rg)
    cluster.delete()
    cluster.delete()
    with pytest.raises(NotFoundError):
        cluster.refresh()
    assert assignments(emu, cluster.principal_id or "", str(cluster.id)) == []
