"""Switch the kubelet to a pre-created identity (reimages every node): Managed Identity
Operator for the control plane on it, AcrPull re-attached from the old kubelet identity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aks_identity._azure import KubeletSpec, set_kubelet
from aks_identity._ids import ResourceId
from aks_identity._permissions import assign_needs, needs_for
from aks_identity._plan import Plan, PlanBuilder
from aks_identity._rules import check_kubelet_identity, check_kubelet_identity_region
from aks_identity._warnings import DowntimeWarning

from . import registries as _registries
from ._common import (
    ACR_PULL,
    OPERATOR,
    Snapshot,
    Writer,
    control_plane_principal,
    failed,
    plan_grant,
    propagation,
    propagation_warning,
    skip,
    who,
)

if TYPE_CHECKING:
    from aks_identity._objects import Cluster, ManagedIdentity

    from ._runner import Runner

__all__ = ["plan_use_kubelet_identity", "use_kubelet_identity"]


def plan_use_kubelet_identity(
    snapshot: Snapshot,
    new: ManagedIdentity,
    writer: Writer,
    *,
    grant_kubelet_operator: bool,
    grant_acr: bool,
) -> Plan:
    """The plan of a kubelet identity switch (pure)."""
    cluster = snapshot.cluster
    assert cluster is not None
    builder = PlanBuilder(f"use kubelet identity {new.name} for {cluster.name}", cluster.id)
    old = cluster.kubelet_identity
    if old is not None and old.resource_id == new.id and not failed(cluster):
        builder.step(
            "none", f"{cluster.name} already uses kubelet identity {new.name}", None, writes=False
        )
        return builder.plan(emit_warnings=False)
    control = control_plane_principal(cluster)
    if grant_kubelet_operator:
        plan_grant(
            builder,
            snapshot,
            writer,
            control,
            role=OPERATOR,
            scope=new.id,
            who=f"the control-plane identity ({control.object_id})",
            reason="AKS requires the control plane to be able to assign the kubelet identity",
            skip_with=skip("grant_kubelet_operator"),
        )
    registries = _registries.registries_of(snapshot, old.object_id) if old and grant_acr else []
    made = False
    for registry in registries:
        made |= plan_grant(
            builder,
            snapshot,
            writer,
            new.principal,
            role=ACR_PULL,
            scope=registry,
            who=who(new),
            reason="re-attach: the old kubelet identity could pull from this registry",
            skip_with=skip("grant_acr"),
        )
    if made:
        builder.warn(
            propagation_warning(
                "AcrPull for the new kubelet identity (image pulls may fail until then)"
            )
        )
    reason = propagation(operator_principal=control.object_id if grant_kubelet_operator else None)
    spec = KubeletSpec(resource_id=new.id, client_id=new.client_id, object_id=new.principal_id)
    builder.step(
        "update",
        f"PUT managed cluster {cluster.name} with kubelet identity {new.name}; nodes are reimaged",
        lambda: writer.put_cluster(
            cluster.id,
            None,
            doing=f"switching the kubelet identity of {cluster.name!r}",
            reason=reason,
            awaited=f"the Managed Identity Operator grant on {new.name} to take effect",
            update=lambda body: set_kubelet(body, spec),
        ),
        target=cluster.id,
        needs=needs_for("update", cluster.id)
        + assign_needs([new.id, *cluster.identity.user_assigned]),
    )
    downtime = f"every node of {cluster.name} is reimaged to switch the kubelet identity"
    builder.downtime(downtime)
    builder.warn(DowntimeWarning(downtime + ": pods restart"))
    return builder.plan(emit_warnings=False)


def use_kubelet_identity(
    runner: Runner,
    cluster: Cluster,
    identity: ManagedIdentity | str | ResourceId,
    *,
    allow_downtime: bool,
    grant_kubelet_operator: bool,
    grant_acr: bool,
    dry_run: bool,
) -> Cluster | Plan:
    """Switch the kubelet to a pre-created identity (reimages nodes)."""
    from aks_identity._objects import ManagedIdentity

    rid = identity.id if isinstance(identity, ManagedIdentity) else ResourceId.parse(identity)
    check_kubelet_identity(rid, cluster.identity_type)
    check_kubelet_identity_region(cluster.location)
    new = runner.resolve_identity(identity, what="kubelet identity")
    runner.check_tenant(new, "the kubelet identity")
    old = cluster.kubelet_identity
    principals = [cluster.principal_id, new.principal_id]
    if old is not None and grant_acr:
        principals.append(old.object_id)
    unchanged = old is not None and old.resource_id == new.id and not failed(cluster)
    snapshot = runner.snapshot(cluster=cluster, principals=[] if unchanged else principals)
    plan = plan_use_kubelet_identity(
        snapshot, new, runner, grant_kubelet_operator=grant_kubelet_operator, grant_acr=grant_acr
    )
    if not plan.writes:
        return plan if dry_run else cluster
    return runner.run_with_downtime(
        plan, cluster.id, allow_downtime=allow_downtime, dry_run=dry_run, seen=cluster
    )
