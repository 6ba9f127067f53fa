"""Delete a cluster: first the role assignments of the identities AKS made for it (its
system-assigned identity, the kubelet and add-on identities in the node resource group), which
would otherwise stay behind as orphans; then the cluster."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from aks_identity._ids import ResourceId
from aks_identity._model import IdentityType
from aks_identity._plan import Plan, PlanBuilder, execute

from ._common import Snapshot, Writer, custom_kubelet

if TYPE_CHECKING:
    from aks_identity._objects import Cluster

    from ._runner import Runner

__all__ = ["aks_made_principals", "delete_cluster", "plan_delete_cluster"]


def aks_made_principals(cluster: Cluster) -> dict[str, str]:
    """Object ID -> what it is, for each identity AKS made for the cluster (and deletes)."""
    found: dict[str, str] = {}
    if cluster.identity_type is IdentityType.SYSTEM_ASSIGNED and cluster.principal_id:
        found[cluster.principal_id.lower()] = "the system-assigned control-plane identity"
    kubelet = cluster.kubelet_identity
    if kubelet is not None and not custom_kubelet(cluster):
        found[kubelet.object_id.lower()] = f"the kubelet identity {kubelet.name}"
    node_group = (cluster.node_resource_group or "").lower()
    for addon in cluster.addons:
        made_by_aks = addon.identity_id is None or (
            (addon.identity_id.resource_group or "").lower() == node_group
        )
        if addon.object_id and made_by_aks:
            found[addon.object_id.lower()] = f"add-on {addon.name}'s identity"
    return found


def plan_delete_cluster(
    snapshot: Snapshot, rid: ResourceId, writer: Writer, *, keep_role_assignments: bool
) -> Plan:
    """The plan of a delete (pure): ``snapshot.assignments`` of the AKS-made identities."""
    builder = PlanBuilder(f"delete cluster {rid.name}", rid)
    cluster = snapshot.cluster
    if cluster is not None and not keep_role_assignments:
        for principal, what in aks_made_principals(cluster).items():
            for assignment in snapshot.assignments.get(principal, ()):
                builder.step(
                    "revoke",
                    f"delete role assignment {assignment.id} ({assignment.role_name} for "
                    f"{what}; skip with keep_role_assignments=True)",
                    functools.partial(writer.delete_role_assignment, assignment.id),
                    target=assignment.scope,
                )
    builder.step(
        "delete",
        f"DELETE managed cluster {rid.name}; wait for it to go",
        functools.partial(writer.delete_cluster, rid),
        target=rid,
    )
    return builder.plan()


def delete_cluster(
    runner: Runner, rid: ResourceId, *, keep_role_assignments: bool, dry_run: bool
) -> Plan | None:
    """Delete a cluster (idempotent) and, first, its AKS-made identities' role assignments."""
    # Read fresh even for cluster.delete(): an older snapshot may predate a migration and
    # miss the identities AKS made since. With keep_role_assignments nothing needs reading.
    cluster = None if keep_role_assignments else runner.find_cluster(rid)
    principals = [] if cluster is None else list(aks_made_principals(cluster))
    snapshot = runner.snapshot(cluster=cluster, principals=principals)
    plan = plan_delete_cluster(snapshot, rid, runner, keep_role_assignments=keep_role_assignments)
    plan = runner.bind(plan, rid, seen=cluster, finish=lambda _: None)
    if dry_run:
        return plan
    execute(plan)
    return None
