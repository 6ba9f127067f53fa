"""Managed clusters and agent pools through the real ContainerServiceClient over HTTPS."""

from __future__ import annotations

import string

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_aks_support import (
    RG,
    Aks,
    aks,
    emulator,
    pool,
    service_principal_body,
    system_assigned,
    user_assigned,
)

__all__ = ["aks", "emulator"]


def test_create_system_assigned_cluster(aks: Aks) -> None:
    cluster = aks.create("c1", system_assigned())

    assert cluster.provisioning_state == "Succeeded"
    assert cluster.identity.type == "SystemAssigned"
    assert aks.state.directory.get(cluster.identity.principal_id) is not None
    assert cluster.identity.tenant_id == aks.emu.tenant_id
    assert cluster.service_principal_profile.client_id == "msi"
    assert cluster.node_resource_group == f"MC_{RG}_c1_westus2"
    kubelet = cluster.identity_profile["kubeletidentity"]
    assert kubelet.resource_id.endswith(
        f"/resourcegroups/MC_{RG}_c1_westus2/providers/Microsoft.ManagedIdentity"
        "/userAssignedIdentities/c1-agentpool"
    )
    created = aks.state.identities.get(kubelet.resource_id)
    assert created["properties"]["clientId"] == kubelet.client_id
    assert created["properties"]["principalId"] == kubelet.object_id


def test_create_user_assigned_cluster_with_kubelet_identity(aks: Aks) -> None:
    control_plane, kubelet = aks.identity("cp"), aks.identity("kubelet")
    aks.operator(control_plane, kubelet)

    cluster = aks.create("c1", user_assigned(control_plane, kubelet))

    assigned = cluster.identity.user_assigned_identities
    assert list(assigned) == [control_plane["id"]]
    value = next(iter(assigned.values()))
    assert value.principal_id == control_plane["properties"]["principalId"]
    assert value.client_id == control_plane["properties"]["clientId"]
    assert cluster.identity_profile["kubeletidentity"].resource_id == kubelet["id"]
    assert aks.emu.kubelet_credential(cluster.id) == kubelet["id"]


def test_service_principal_cluster_shows_client_id_and_never_the_secret(aks: Aks) -> None:
    client_id = aks.service_principal()

    cluster = aks.create("c1", service_principal_body(client_id))
    raw = aks.raw("GET", aks.cluster_id("c1")).json()

    assert cluster.identity is None
    assert cluster.service_principal_profile.client_id == client_id
    assert raw["properties"]["servicePrincipalProfile"] == {"clientId": client_id}
    assert "identityProfile" not in raw["properties"]
    assert "not-a-real-secret" not in aks.raw("GET", aks.cluster_id("c1")).text()


def test_get_missing_cluster_is_404_resource_not_found(aks: Aks) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        aks.client.managed_clusters.get(RG, "nope")

    assert caught.value.error.code == "ResourceNotFound"
    assert "managedClusters/nope" in caught.value.error.message


def test_get_in_missing_resource_group_is_resource_group_not_found(aks: Aks) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        aks.client.managed_clusters.get("no-such-group", "c1")

    assert caught.value.error.code == "ResourceGroupNotFound"


def test_list_pages_through_next_link(aks: Aks) -> None:
    aks.resource_group("rg2")
    for name in ("a", "b", "c"):
        aks.create(name, system_assigned())
    aks.client.managed_clusters.begin_create_or_update("rg2", "d", system_assigned()).result()

    first_page = aks.raw(
        "GET", f"/subscriptions/{aks.sub}/providers/Microsoft.ContainerService/managedClusters"
    ).json()
    everywhere = {c.name for c in aks.client.managed_clusters.list()}
    in_group = {c.name for c in aks.client.managed_clusters.list_by_resource_group(RG)}

    assert len(first_page["value"]) == 2 and first_page["nextLink"]
    assert everywhere == {"a", "b", "c", "d"}
    assert in_group == {"a", "b", "c"}


def test_delete_removes_cluster_and_node_resource_group(aks: Aks) -> None:
    cluster = aks.create("c1", system_assigned())
    kubelet_id = cluster.identity_profile["kubeletidentity"].resource_id

    aks.client.managed_clusters.begin_delete(RG, "c1").result()

    with pytest.raises(ResourceNotFoundError):
        aks.client.managed_clusters.get(RG, "c1")
    assert aks.state.identities.get(kubelet_id) is None
    assert aks.raw("DELETE", aks.cluster_id("c1")).status_code == 204


def test_update_tags_is_a_long_running_operation(aks: Aks) -> None:
    aks.create("c1", system_assigned())

    poller = aks.client.managed_clusters.begin_update_tags(RG, "c1", {"tags": {"env": "test"}})
    cluster = poller.result()

    assert cluster.tags == {"env": "test"}
    assert cluster.provisioning_state == "Succeeded"


def test_agent_pools_get_and_list(aks: Aks) -> None:
    aks.create("c1", system_assigned(agentPoolProfiles=[pool("sys"), pool("user", mode="User")]))

    pools = {p.name: p for p in aks.client.agent_pools.list(RG, "c1")}
    one = aks.client.agent_pools.get(RG, "c1", "user")

    assert set(pools) == {"sys", "user"}
    assert one.mode == "User"
    assert one.node_image_version == aks.emu.newest_node_image()
    assert one.id.endswith("/managedClusters/c1/agentPools/user")
    with pytest.raises(ResourceNotFoundError):
        aks.client.agent_pools.get(RG, "c1", "nope")


def test_upgrade_node_image_is_a_no_op_without_a_newer_image(aks: Aks) -> None:
    cluster = aks.create("c1", system_assigned())
    path = f"{aks.cluster_id('c1')}/agentPools/nodepool1/upgradeNodeImageVersion"

    response = aks.raw("POST", path)

    assert response.status_code == 200
    assert aks.emu.node_reimages(cluster.id) == []


def test_upgrade_node_image_moves_pool_to_newest_and_reimages(aks: Aks) -> None:
    cluster = aks.create("c1", system_assigned())
    aks.emu.set_newest_node_image("AKSUbuntu-2204gen2containerd-209912.01.0")

    aks.client.agent_pools.begin_upgrade_node_image_version(RG, "c1", "nodepool1").result()

    upgraded = aks.client.agent_pools.get(RG, "c1", "nodepool1")
    assert upgraded.node_image_version == "AKSUbuntu-2204gen2containerd-209912.01.0"
    assert upgraded.provisioning_state == "Succeeded"
    [reimage] = aks.emu.node_reimages(cluster.id)
    assert reimage.pools == ("nodepool1",) and reimage.reason == "nodeImageUpgrade"


def test_addons_get_identities_in_the_node_resource_group(aks: Aks) -> None:
    addons = {
        "omsagent": {"enabled": True, "config": {"logAnalyticsWorkspaceResourceID": "/x"}},
        "azureKeyvaultSecretsProvider": {"enabled": True},
        "ingressApplicationGateway": {"enabled": False},
    }
    cluster = aks.create("c1", system_assigned(addonProfiles=addons))

    profiles = cluster.addon_profiles
    for addon, expected in (
        ("omsagent", "omsagent-c1"),
        ("azureKeyvaultSecretsProvider", "azurekeyvaultsecretsprovider-c1"),
    ):
        identity = profiles[addon].identity
        assert identity.resource_id.endswith(
            f"/MC_{RG}_c1_westus2/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{expected}"
        )
        assert (
            aks.state.identities.get(identity.resource_id)["properties"]["clientId"]
            == identity.client_id
        )
    assert profiles["ingressApplicationGateway"].identity is None
    assert profiles["omsagent"].config == {"logAnalyticsWorkspaceResourceID": "/x"}


def test_oidc_issuer_and_workload_identity(aks: Aks) -> None:
    cluster = aks.create(
        "c1",
        system_assigned(
            oidcIssuerProfile={"enabled": True},
            securityProfile={"workloadIdentity": {"enabled": True}},
        ),
    )
    issuer = cluster.oidc_issuer_profile.issuer_url
    again = aks.create("c1", system_assigned(oidcIssuerProfile={"enabled": True}))

    assert issuer.startswith(f"https://westus2.oic.prod-aks.azure.com/{aks.emu.tenant_id}/")
    assert cluster.security_profile.workload_identity.enabled is True
    assert again.oidc_issuer_profile.issuer_url == issuer


def test_create_then_update_status_codes(aks: Aks) -> None:
    created = aks.raw("PUT", aks.cluster_id("c1"), system_assigned())
    aks.advance()
    updated = aks.raw("PUT", aks.cluster_id("c1"), system_assigned(enableRBAC=True))

    assert (created.status_code, created.json()["properties"]["provisioningState"]) == (
        201,
        "Creating",
    )
    assert (updated.status_code, updated.json()["properties"]["provisioningState"]) == (
        200,
        "Updating",
    )
    aks.advance()
    assert aks.client.managed_clusters.get(RG, "c1").provisioning_state == "Succeeded"


def test_cli_style_existence_check(aks: Aks) -> None:
    """The CLI GETs first and creates only on 404; the second create finds the cluster."""

    def exists(name: str) -> bool:
        try:
            aks.client.managed_clusters.get(RG, name)
        except ResourceNotFoundError:
            return False
        return True

    assert not exists("c1")
    aks.create("c1", system_assigned())
    assert exists("c1")


def test_bad_request_body_is_400(aks: Aks) -> None:
    with pytest.raises(HttpResponseError) as caught:
        aks.create("c1", {"properties": {"dnsPrefix": "x"}})

    assert caught.value.status_code == 400
    assert caught.value.error.code == "LocationRequired"


def test_aks_ids_lower_case_resourcegroups_like_aks(aks: Aks) -> None:
    cluster = aks.create("c1", user_assigned(aks.identity("cp")))

    assert cluster.id == aks.cluster_id("c1")
    assert "/resourcegroups/" in cluster.id


def test_failed_operation_leaves_cluster_failed(aks: Aks) -> None:
    aks.emu.faults.inject("lro_failed", method="PUT", path="managedClusters/c1$")

    with pytest.raises(HttpResponseError) as caught:
        aks.create("c1", system_assigned())

    assert caught.value.error.code == "InternalOperationError"
    assert aks.client.managed_clusters.get(RG, "c1").provisioning_state == "Failed"
    assert aks.create("c1", system_assigned()).provisioning_state == "Succeeded"


def test_update_tags_of_missing_cluster_is_404(aks: Aks) -> None:
    with pytest.raises(ResourceNotFoundError):
        aks.client.managed_clusters.begin_update_tags(RG, "nope", {"tags": {}})


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tags=st.dictionaries(
        st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=12),
        st.text(max_size=20),
        max_size=4,
    )
)
def test_tags_round_trip(aks: Aks, tags: dict[str, str]) -> None:
    if aks.raw("GET", aks.cluster_id("c1")).status_code != 200:
        aks.create("c1", system_assigned())

    updated = aks.client.managed_clusters.begin_update_tags(RG, "c1", {"tags": tags}).result()

    assert (updated.tags or {}) == tags
