"""The catalog of identities AKS uses."""

from __future__ import annotations

import pytest

from aks_identity._catalog import (
    AKS_IDENTITIES,
    CatalogEntry,
    DefaultPermission,
    IdentityCategory,
    addon_entry,
    catalog_entry,
)
from aks_identity._roles import get_role


def entry(key: str) -> CatalogEntry:
    found = catalog_entry(key)
    assert found is not None, key
    return found


def test_keys_are_unique() -> None:
    assert len({e.key for e in AKS_IDENTITIES}) == len(AKS_IDENTITIES)


def test_names_do_not_collide_across_entries() -> None:
    seen: dict[str, str] = {}
    for item in AKS_IDENTITIES:
        for name in {n.lower() for n in (item.key, item.addon_key, *item.aliases) if n}:
            assert seen.setdefault(name, item.key) == item.key, name


@pytest.mark.parametrize("item", AKS_IDENTITIES, ids=lambda e: e.key)
def test_default_permissions_name_built_in_roles(item: CatalogEntry) -> None:
    for permission in item.default_permissions:
        assert get_role(permission.role).name == permission.role
    if not item.needs_identity:
        assert item.default_permissions == ()
        assert not item.bring_your_own


def test_control_plane_gets_contributor_on_the_node_resource_group() -> None:
    control_plane = entry("control-plane")
    assert control_plane.category is IdentityCategory.CONTROL_PLANE
    assert control_plane.default_permissions == (
        DefaultPermission("Contributor", "node resource group"),
    )
    assert control_plane.default_permission_labels == ("Contributor on the node resource group",)
    assert control_plane.bring_your_own


def test_kubelet_has_no_default_role_and_can_be_brought() -> None:
    kubelet = entry("kubelet")
    assert kubelet.name == "<cluster-name>-agentpool"
    assert kubelet.profile == "identityProfile.kubeletidentity"
    assert kubelet.default_permissions == ()
    assert kubelet.bring_your_own


@pytest.mark.parametrize(
    ("addon_key", "key", "roles"),
    [
        ("omsagent", "omsagent", ["Monitoring Metrics Publisher"]),
        ("OMSAGENT", "omsagent", ["Monitoring Metrics Publisher"]),
        ("ingressApplicationGateway", "ingress-application-gateway", ["Contributor"]),
        ("ingressapplicationgateway", "ingress-application-gateway", ["Contributor"]),
        ("httpApplicationRouting", "http-application-routing", ["Reader", "Contributor"]),
        ("aciConnectorLinux", "virtual-node", ["Contributor"]),
        ("aciConnectorWindows", "virtual-node", ["Contributor"]),
        ("azurepolicy", "azure-policy", []),
        ("azureKeyvaultSecretsProvider", "azure-keyvault-secrets-provider", []),
    ],
)
def test_addon_lookup_by_profile_key(addon_key: str, key: str, roles: list[str]) -> None:
    found = addon_entry(addon_key)
    assert found is not None
    assert found.key == key
    assert [p.role for p in found.default_permissions] == roles


def test_unknown_addon_is_none() -> None:
    assert addon_entry("kubeDashboard") is None
    assert catalog_entry("nope") is None


def test_application_routing_permissions_match_the_guide() -> None:
    routing = entry("webAppRouting")
    assert routing.profile == "ingressProfile.webAppRouting.identity"
    assert [str(p) for p in routing.default_permissions] == [
        "Key Vault Secrets User on the key vault",
        "DNS Zone Contributor on the DNS zones",
        "Private DNS Zone Contributor on the private DNS zones",
    ]
    assert not routing.bring_your_own


@pytest.mark.parametrize(
    "key", ["AzureNPM", "AzureCNI network monitoring", "azure-policy", "calico"]
)
def test_addons_without_identity(key: str) -> None:
    item = entry(key)
    assert not item.needs_identity
    assert item.purpose == "No identity required."


def test_cost_analysis_supports_bring_your_own() -> None:
    assert entry("costAnalysis").bring_your_own


def test_workload_identity_entry() -> None:
    workload = entry("workload-identity")
    assert workload.category is IdentityCategory.WORKLOAD
    assert workload.profile == "securityProfile.workloadIdentity"
    assert "OIDC issuer" in str(workload.advice)


def test_pod_identity_is_deprecated_with_migration_advice() -> None:
    pod = entry("aad-pod-identity")
    assert pod.deprecated
    assert pod.profile == "podIdentityProfile"
    assert "Migrate to Microsoft Entra Workload ID" in str(pod.advice)
    assert "federated identity credential" in str(pod.advice)


def test_http_application_routing_is_retired() -> None:
    http = entry("http_application_routing")
    assert http.deprecated
    assert "application routing add-on" in str(http.advice)


def test_only_deprecated_entries_are_flagged() -> None:
    assert {e.key for e in AKS_IDENTITIES if e.deprecated} == {
        "pod-identity",
        "http-application-routing",
    }


def test_every_table_row_is_present() -> None:
    table = {
        "Control plane": "<cluster-name>",
        "Kubelet": "<cluster-name>-agentpool",
        "Add-on": [
            "AzureNPM",
            "AzureCNI network monitoring",
            "azure-policy (gatekeeper)",
            "Calico",
            "application-routing",
            "HTTPApplicationRouting",
            "Ingress application gateway",
            "omsagent",
            "Virtual-Node (ACIConnector)",
            "Cost analysis",
        ],
        "Workload identity": "Microsoft Entra Workload ID",
    }
    rows = {(str(e.category), e.name) for e in AKS_IDENTITIES}
    for category, names in table.items():
        for name in [names] if isinstance(names, str) else names:
            assert (category, name) in rows
