"""Identity migrations: which credentials the kubelet and the control plane really use."""

from __future__ import annotations

from test_aks_support import (
    RG,
    Aks,
    aks,
    emulator,
    service_principal_body,
    system_assigned,
    user_assigned,
)

__all__ = ["aks", "emulator"]

NEWER_IMAGE = "AKSUbuntu-2204gen2containerd-209912.01.0"


def _migrate(aks: Aks, identity: dict) -> tuple[str, str]:
    """SP cluster -> managed identity (GET-modify-PUT, as the CLI does)."""
    client_id = aks.service_principal()
    cluster = aks.create("c1", service_principal_body(client_id))
    current = aks.raw("GET", aks.cluster_id("c1")).json()
    current["identity"] = identity
    aks.create("c1", current)
    return cluster.id, client_id


def test_kubelet_keeps_service_principal_after_migration(aks: Aks) -> None:
    cluster_id, client_id = _migrate(aks, {"type": "SystemAssigned"})

    cluster = aks.client.managed_clusters.get(RG, "c1")

    assert cluster.identity.type == "SystemAssigned"
    assert cluster.identity_profile["kubeletidentity"].resource_id.endswith("/c1-agentpool")
    assert aks.emu.kubelet_credential(cluster_id) == f"servicePrincipal:{client_id}"
    assert cluster.service_principal_profile.client_id == client_id


def test_node_image_upgrade_without_newer_image_keeps_service_principal(aks: Aks) -> None:
    cluster_id, client_id = _migrate(aks, {"type": "SystemAssigned"})

    aks.client.agent_pools.begin_upgrade_node_image_version(RG, "c1", "nodepool1").result()

    assert aks.emu.kubelet_credential(cluster_id) == f"servicePrincipal:{client_id}"
    assert aks.emu.node_reimages(cluster_id) == []


def test_node_image_upgrade_moves_kubelet_to_managed_identity(aks: Aks) -> None:
    cluster_id, _ = _migrate(aks, {"type": "SystemAssigned"})
    aks.emu.set_newest_node_image(NEWER_IMAGE)

    aks.client.agent_pools.begin_upgrade_node_image_version(RG, "c1", "nodepool1").result()

    cluster = aks.client.managed_clusters.get(RG, "c1")
    kubelet_id = cluster.identity_profile["kubeletidentity"].resource_id
    assert aks.emu.kubelet_credential(cluster_id) == kubelet_id
    assert cluster.service_principal_profile.client_id == "msi"


def test_old_control_plane_credential_in_use_until_its_token_expires(aks: Aks) -> None:
    cluster_id, client_id = _migrate(aks, {"type": "SystemAssigned"})
    principal_id = aks.client.managed_clusters.get(RG, "c1").identity.principal_id

    right_after = aks.emu.control_plane_identities_in_use(cluster_id)
    aks.advance(aks.token_lifetime() + 1)
    later = aks.emu.control_plane_identities_in_use(cluster_id)

    assert right_after == [f"systemAssigned:{principal_id}", f"servicePrincipal:{client_id}"]
    assert later == [f"systemAssigned:{principal_id}"]


def test_service_principal_to_user_assigned(aks: Aks) -> None:
    identity = aks.identity("cp")
    cluster_id, client_id = _migrate(
        aks, {"type": "UserAssigned", "userAssignedIdentities": {identity["id"]: {}}}
    )

    cluster = aks.client.managed_clusters.get(RG, "c1")

    assert list(cluster.identity.user_assigned_identities) == [identity["id"]]
    assert aks.emu.control_plane_identities_in_use(cluster_id)[0] == identity["id"]
    assert aks.emu.kubelet_credential(cluster_id) == f"servicePrincipal:{client_id}"


def test_switching_user_assigned_control_plane(aks: Aks) -> None:
    first, second = aks.identity("cp1"), aks.identity("cp2")
    cluster = aks.create("c1", user_assigned(first))

    aks.create("c1", user_assigned(second))

    assert aks.emu.control_plane_identities_in_use(cluster.id) == [second["id"], first["id"]]


def test_kubelet_identity_change_reimages_nodes(aks: Aks) -> None:
    control_plane, old, new = aks.identity("cp"), aks.identity("k1"), aks.identity("k2")
    aks.operator(control_plane, old)
    aks.operator(control_plane, new)
    cluster = aks.create("c1", user_assigned(control_plane, old))

    aks.create("c1", user_assigned(control_plane, new))

    [reimage] = aks.emu.node_reimages(cluster.id)
    assert reimage.reason == "kubeletIdentityChange" and reimage.pools == ("nodepool1",)
    assert aks.emu.kubelet_credential(cluster.id) == new["id"]


def test_kubelet_identity_given_during_migration_applies_at_once(aks: Aks) -> None:
    control_plane, kubelet = aks.identity("cp"), aks.identity("kubelet")
    aks.operator(control_plane, kubelet)
    client_id = aks.service_principal()
    cluster = aks.create("c1", service_principal_body(client_id))
    body = user_assigned(control_plane, kubelet)
    body["properties"]["servicePrincipalProfile"] = {"clientId": client_id}

    aks.create("c1", body)

    assert aks.emu.kubelet_credential(cluster.id) == kubelet["id"]
    assert aks.client.managed_clusters.get(RG, "c1").service_principal_profile.client_id == "msi"


def test_unchanged_update_keeps_credentials(aks: Aks) -> None:
    cluster = aks.create("c1", system_assigned())
    before = aks.emu.control_plane_identities_in_use(cluster.id)

    current = aks.raw("GET", aks.cluster_id("c1")).json()
    aks.create("c1", current)

    assert aks.emu.control_plane_identities_in_use(cluster.id) == before
    assert aks.emu.node_reimages(cluster.id) == []
