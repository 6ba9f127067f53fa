"""upgradeProfiles: the cluster's and each agent pool's, in AKS's shapes, via the real SDK.

Shapes from Azure/azure-rest-api-specs, specification/containerservice/resource-manager/
Microsoft.ContainerService/aks/stable/2025-01-01/examples/AgentPoolsGetUpgradeProfile.json
(commit ea83a2a3e90ca3f0420e9d0ef55a811523541aba) and ManagedClustersGetUpgradeProfile.json
(commit e282d2fe9e6dd8f4fae51c1908ca1c71a4276f9f); the response bodies are quoted below
(they are not in ../shared/arm-samples, whose copy is pinned).
"""

from __future__ import annotations

from test_aks_support import RG, Aks, aks, emulator, shape_gaps, system_assigned

__all__ = ["aks", "emulator"]

# AgentPoolsGetUpgradeProfile.json, responses.200.body
POOL_PROFILE = {
    "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg1/providers/"
    "Microsoft.ContainerService/managedClusters/clustername1/agentPools/agentpool1/"
    "upgradeprofiles/default",
    "name": "default",
    "properties": {
        "kubernetesVersion": "1.12.8",
        "osType": "Linux",
        "upgrades": [{"kubernetesVersion": "1.13.5"}],
        "latestNodeImageVersion": "AKSUbuntu:1604:2020.03.11",
    },
    "type": "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles",
}
# ManagedClustersGetUpgradeProfile.json, responses.200.body
CLUSTER_PROFILE = {
    "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg1/providers/"
    "Microsoft.ContainerService/managedClusters/clustername1/upgradeprofiles/default",
    "name": "default",
    "properties": {
        "agentPoolProfiles": [
            {
                "kubernetesVersion": "1.7.7",
                "name": "agent",
                "osType": "Linux",
                "upgrades": [{"kubernetesVersion": "1.7.9"}],
            }
        ],
        "controlPlaneProfile": {
            "kubernetesVersion": "1.7.7",
            "name": "master",
            "osType": "Linux",
            "upgrades": [{"kubernetesVersion": "1.7.9"}],
        },
    },
    "type": "Microsoft.ContainerService/managedClusters/upgradeprofiles",
}
NEWER = "AKSUbuntu-2204gen2containerd-209912.01.0"


def test_pool_upgrade_profile_matches_spec_and_follows_newest_image(aks: Aks) -> None:
    aks.create("c1", system_assigned(kubernetesVersion="1.30.6"))
    before = aks.raw("GET", f"{aks.cluster_id('c1')}/agentPools/nodepool1/upgradeProfiles/default")
    aks.emu.set_newest_node_image(NEWER)

    profile = aks.client.agent_pools.get_upgrade_profile(RG, "c1", "nodepool1")

    assert before.status_code == 200
    assert shape_gaps(POOL_PROFILE, before.json()) == []
    assert before.json()["type"] == POOL_PROFILE["type"]
    assert before.json()["properties"]["latestNodeImageVersion"] == (
        aks.client.agent_pools.get(RG, "c1", "nodepool1").node_image_version
    )
    assert profile.latest_node_image_version == NEWER
    assert profile.kubernetes_version == "1.30.6"
    assert [u.kubernetes_version for u in profile.upgrades or []] == ["1.31.2", "1.32.0"]


def test_cluster_upgrade_profile_matches_spec(aks: Aks) -> None:
    aks.create("c1", system_assigned(kubernetesVersion="1.31.2"))
    path = f"{aks.cluster_id('c1')}/upgradeProfiles/default"

    raw = aks.raw("GET", path)
    profile = aks.client.managed_clusters.get_upgrade_profile(RG, "c1")

    assert raw.status_code == 200
    assert shape_gaps(CLUSTER_PROFILE, raw.json()) == []
    assert raw.json()["type"] == CLUSTER_PROFILE["type"]
    assert profile.control_plane_profile.kubernetes_version == "1.31.2"
    assert [u.kubernetes_version for u in profile.control_plane_profile.upgrades or []] == [
        "1.32.0"
    ]
    assert [p.name for p in profile.agent_pool_profiles] == ["nodepool1"]


def test_upgrade_profiles_of_a_missing_cluster_or_pool_are_404(aks: Aks) -> None:
    aks.create("c1", system_assigned())

    missing_cluster = aks.raw("GET", f"{aks.cluster_id('nope')}/upgradeProfiles/default")
    missing_pool = aks.raw("GET", f"{aks.cluster_id('c1')}/agentPools/nope/upgradeProfiles/default")

    assert missing_cluster.status_code == 404
    assert missing_cluster.json()["error"]["code"] == "ResourceNotFound"
    assert missing_pool.status_code == 404
