"""Inventory: every identity a cluster uses, its default permissions and its actual grants."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aks_identity._catalog import CatalogEntry, addon_entry, catalog_entry
from aks_identity._ids import ResourceId
from aks_identity._model import IdentityType
from aks_identity._objects import Cluster, IdentityUse, RoleAssignment

if TYPE_CHECKING:
    from aks_identity._client import Azure

__all__ = ["inventory"]


class _Rows:
    def __init__(self, azure: Azure) -> None:
        self._azure = azure
        self.rows: list[IdentityUse] = []

    def _grants(self, object_id: str | None) -> tuple[RoleAssignment, ...]:
        if not object_id:
            return ()
        return tuple(self._azure.role_assignments(principal=object_id))

    def add(
        self,
        use: str,
        kind: str,
        *,
        entry: CatalogEntry | None,
        resource_id: ResourceId | None = None,
        client_id: str | None = None,
        object_id: str | None = None,
        enabled: bool = True,
        note: str | None = None,
    ) -> None:
        self.rows.append(
            IdentityUse(
                use=use,
                kind=kind,
                resource_id=resource_id,
                client_id=client_id,
                object_id=object_id,
                enabled=enabled,
                default_permissions=entry.default_permission_labels if entry else (),
                role_assignments=self._grants(object_id),
                note=note,
            )
        )


def inventory(azure: Azure, cluster: Cluster) -> list[IdentityUse]:
    """Rows: control plane, kubelet, add-ons, workload identity, pod identities."""
    rows = _Rows(azure)
    user_assigned = cluster.identity.user_assigned
    if cluster.identity_type is IdentityType.SERVICE_PRINCIPAL:
        rows.add(
            "control plane",
            IdentityType.SERVICE_PRINCIPAL.value,
            entry=catalog_entry("control-plane"),
            client_id=cluster.service_principal_client_id,
            note="legacy service principal: migrate with enable_managed_identity() or "
            "use_identity(); its secret expires",
        )
    else:
        rows.add(
            "control plane",
            cluster.identity_type.value,
            entry=catalog_entry("control-plane"),
            resource_id=user_assigned[0] if user_assigned else None,
            object_id=cluster.principal_id,
        )
    kubelet = cluster.kubelet_identity
    if kubelet is not None:
        node_group = (cluster.node_resource_group or "").lower()
        created_by_aks = (kubelet.resource_id.resource_group or "").lower() == node_group
        rows.add(
            "kubelet",
            IdentityType.USER_ASSIGNED.value,
            entry=catalog_entry("kubelet"),
            resource_id=kubelet.resource_id,
            client_id=kubelet.client_id,
            object_id=kubelet.object_id,
            note="created by AKS in the node resource group" if created_by_aks else "pre-created",
        )
    elif cluster.identity_type is IdentityType.SERVICE_PRINCIPAL:
        rows.add(
            "kubelet",
            IdentityType.SERVICE_PRINCIPAL.value,
            entry=catalog_entry("kubelet"),
            client_id=cluster.service_principal_client_id,
            note="the kubelet uses the cluster's service principal",
        )
    for addon in cluster.addons:
        entry = addon_entry(addon.name)
        has_identity = addon.identity_id is not None or addon.object_id is not None
        rows.add(
            f"add-on {addon.name}",
            IdentityType.USER_ASSIGNED.value if has_identity else "none",
            entry=entry,
            resource_id=addon.identity_id,
            client_id=addon.client_id,
            object_id=addon.object_id,
            enabled=addon.enabled,
            note=entry.advice if entry and (entry.deprecated or not has_identity) else None,
        )
    routing = cluster.web_app_routing
    if routing is not None:
        has_identity = routing.object_id is not None
        rows.add(
            "add-on application routing",
            IdentityType.USER_ASSIGNED.value if has_identity else "none",
            entry=catalog_entry("application-routing"),
            resource_id=routing.identity_id,
            client_id=routing.client_id,
            object_id=routing.object_id,
            enabled=routing.enabled,
            note="ingressProfile.webAppRouting: grant its identity the default permissions on "
            "your DNS zones and key vaults",
        )
    if cluster.cost_analysis_enabled:
        rows.add(
            "add-on cost analysis",
            "none",
            entry=catalog_entry("cost-analysis"),
            note="no identity: cost analysis (metricsProfile.costAnalysis) gathers cost "
            "allocation data without one",
        )
    if cluster.workload_identity_enabled or cluster.oidc_issuer_enabled:
        issuer = (
            f"OIDC issuer {cluster.oidc_issuer_url}"
            if cluster.oidc_issuer_enabled
            else "OIDC issuer disabled: workload identity needs it"
        )
        rows.add(
            "workload identity",
            "none",
            entry=catalog_entry("workload-identity"),
            enabled=cluster.workload_identity_enabled,
            note=issuer,
        )
    if cluster.pod_identity_enabled or cluster.pod_identities:
        pod_entry = catalog_entry("pod-identity")
        advice = pod_entry.advice if pod_entry else "deprecated: migrate to workload identity"
        rows.add(
            "pod identity add-on (deprecated)",
            "none",
            entry=pod_entry,
            enabled=cluster.pod_identity_enabled,
            note=advice,
        )
        for pod in cluster.pod_identities:
            rows.add(
                f"pod identity {pod.namespace}/{pod.name}",
                IdentityType.USER_ASSIGNED.value,
                entry=pod_entry,
                resource_id=pod.identity_id,
                client_id=pod.client_id,
                object_id=pod.object_id,
                note="deprecated pod-managed identity: move to workload identity",
            )
    return rows.rows
