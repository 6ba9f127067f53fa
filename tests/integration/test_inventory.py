"""Inventory: every identity a cluster uses, default permissions, actual grants, advice."""

from __future__ import annotations

from typing import Any

from aks_identity import Azure, IdentityUse
from aks_identity.emulator import Emulator


def _by_use(rows: list[IdentityUse]) -> dict[str, IdentityUse]:
    return {row.use: row for row in rows}


def test_user_assigned_cluster_with_addons(az: Azure, rg: str, registry: str) -> None:
    control = az.create_identity("cp-identity", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    cluster = az.create_cluster(
        "inv",
        resource_group=rg,
        identity=control,
        kubelet_identity=kubelet,
        attach_acr=[registry],
        addons=["omsagent", "azureKeyvaultSecretsProvider"],
        enable_workload_identity=True,
    )
    rows = _by_use(cluster.identities())
    plane = rows["control plane"]
    assert plane.kind == "UserAssigned" and plane.resource_id == control.id
    assert plane.object_id == control.principal_id
    assert "Contributor on the node resource group" in plane.default_permissions
    assert {a.role_name for a in plane.role_assignments} == {"Managed Identity Operator"}

    kube = rows["kubelet"]
    assert kube.resource_id == kubelet.id and kube.note == "pre-created"
    assert [a.role_name for a in kube.role_assignments] == ["AcrPull"]

    oms = rows["add-on omsagent"]
    assert oms.kind == "UserAssigned" and oms.object_id
    assert oms.default_permissions == ("Monitoring Metrics Publisher on the AKS cluster",)
    assert rows["add-on azureKeyvaultSecretsProvider"].object_id

    workload = rows["workload identity"]
    assert workload.enabled and workload.note and "OIDC issuer https://" in workload.note
    assert "<table" in plane._repr_html_()


def test_service_principal_cluster(az: Azure, rg: str, service_principal: Any) -> None:
    cluster = az.create_cluster("legacy", resource_group=rg, service_principal=service_principal)
    rows = _by_use(cluster.identities())
    assert rows["control plane"].kind == "ServicePrincipal"
    assert rows["control plane"].client_id == service_principal.client_id
    assert rows["kubelet"].kind == "ServicePrincipal"


def test_deprecated_pod_identity_is_flagged(az: Azure, rg: str, emu: Emulator) -> None:
    control = az.create_identity("cp-identity", resource_group=rg)
    pod = az.create_identity("pod-id", resource_group=rg)
    cluster = az.create_cluster("pods", resource_group=rg, identity=control)
    body = emu.state.resources.get(str(cluster.id))
    assert body is not None
    body["properties"]["podIdentityProfile"] = {
        "enabled": True,
        "userAssignedIdentities": [
            {
                "name": "app",
                "namespace": "default",
                "identity": {
                    "resourceId": str(pod.id),
                    "clientId": pod.client_id,
                    "objectId": pod.principal_id,
                },
            }
        ],
    }
    emu.state.resources.put(str(cluster.id), body)
    rows = _by_use(cluster.refresh().identities())
    flagged = rows["pod identity add-on (deprecated)"]
    assert flagged.note and "Workload ID" in flagged.note
    assert rows["pod identity default/app"].resource_id == pod.id
