"""Control-plane identity migrations: service principal -> system-assigned
(``enable_managed_identity``), any -> user-assigned (``use_identity``), user-assigned ->
system-assigned (``use_system_assigned_identity``). Planning is pure; the runner reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from aks_identity._azure import set_control_plane
from aks_identity._errors import ValidationError
from aks_identity._ids import ResourceId
from aks_identity._model import IdentityType
from aks_identity._permissions import assign_needs, needs_for
from aks_identity._plan import Plan, PlanBuilder
from aks_identity._rules import (
    check_private_dns_zone,
    check_user_assigned_control_plane_region,
)
from aks_identity._warnings import ServicePrincipalKubeletWarning, TokenRefreshWarning

from . import addons as _addons
from . import registries as _registries
from ._common import (
    OPERATOR,
    SUBNET_JOIN,
    Holder,
    Snapshot,
    Writer,
    control_plane_principal,
    custom_kubelet,
    failed,
    no_retry,
    plan_grant,
    propagation,
    propagation_warning,
    skip,
    who,
)

if TYPE_CHECKING:
    from aks_identity._objects import Cluster, ManagedIdentity

    from ._runner import Runner

__all__ = [
    "MigrationRequest",
    "enable_managed_identity",
    "plan_to_system_assigned",
    "plan_use_identity",
    "use_identity",
    "use_system_assigned_identity",
]


@attrs.frozen(kw_only=True)
class MigrationRequest:
    """What a control-plane migration is asked to do besides switching."""

    grant_subnet: bool = True
    grant_addons: bool = True
    grant_kubelet_operator: bool = True
    registries: tuple[ResourceId, ...] = ()
    """Registries the old service principal could pull from (re-attached to the new kubelet)."""
    registries_from: str = "unknown"
    """Where they come from: ``caller`` (registries=[...]), ``graph`` (the service principal's
    own AcrPull assignments, found through Microsoft Graph) or ``unknown`` (Graph unreadable)."""


def _noop(cluster: Cluster, operation: str, description: str) -> Plan:
    builder = PlanBuilder(operation, cluster.id)
    builder.step("none", description, None, writes=False)
    return builder.plan()


def token_refresh(cluster: Cluster) -> TokenRefreshWarning:
    return TokenRefreshWarning(
        f"the previous control-plane identity of {cluster.name} stays in use until its "
        "token expires (up to several hours)"
    )


def kubelet_move(snapshot: Snapshot, cluster: Cluster) -> ServicePrincipalKubeletWarning:
    """When the kubelet leaves the service principal: now (a newer node image exists) or later."""
    current = {p.name: p.node_image_version for p in cluster.agent_pools}
    newer = {
        pool: latest
        for pool, latest in snapshot.latest_images.items()
        if latest is not None and latest != current.get(pool)
    }
    running = ", ".join(sorted({v for v in current.values() if v})) or "their current image"
    if newer:
        images = ", ".join(f"{pool} -> {image}" for pool, image in sorted(newer.items()))
        return ServicePrincipalKubeletWarning(
            f"the kubelet of {cluster.name} keeps using the service principal until the nodes "
            f"get a newer node image; one is available now ({images}), so the kubelet can move "
            "now: run cluster.upgrade_node_images(allow_downtime=True) after this migration"
        )
    unknown = not snapshot.latest_images or any(v is None for v in snapshot.latest_images.values())
    if unknown:
        return ServicePrincipalKubeletWarning(
            f"the kubelet of {cluster.name} keeps using the service principal until the nodes "
            "get a newer node image: run cluster.upgrade_node_images(allow_downtime=True) "
            "(AKS did not say whether a newer image exists)"
        )
    return ServicePrincipalKubeletWarning(
        f"the kubelet of {cluster.name} keeps using the service principal until the nodes get a "
        f"newer node image; the pools already run the newest ({running}), so the kubelet must "
        "wait for the next node image: run cluster.upgrade_node_images(allow_downtime=True) "
        "once AKS publishes it"
    )


def _subnet_grants(
    builder: PlanBuilder,
    snapshot: Snapshot,
    writer: Writer,
    cluster: Cluster,
    *,
    updated: Holder,
    request: MigrationRequest,
) -> bool:
    """Subnet grants for the new system-assigned principal (known after the update)."""
    made = False
    if request.grant_subnet:
        for subnet in cluster.subnet_ids:
            made |= plan_grant(
                builder,
                snapshot,
                writer,
                lambda: control_plane_principal(updated.get()),
                role=SUBNET_JOIN,
                scope=subnet,
                who="the new system-assigned identity (known after the update)",
                reason="the control-plane identity changed; the subnet grant does not follow it",
                skip_with=skip("grant_subnet"),
            )
    return made


def _warn_switching(builder: PlanBuilder, snapshot: Snapshot, cluster: Cluster) -> bool:
    """The warnings of every control-plane switch; whether it leaves a service principal."""
    builder.warn(token_refresh(cluster))
    from_service_principal = cluster.identity_type is IdentityType.SERVICE_PRINCIPAL
    if from_service_principal:
        builder.warn(kubelet_move(snapshot, cluster))
    return from_service_principal


def _finish_switch(
    builder: PlanBuilder,
    snapshot: Snapshot,
    writer: Writer,
    updated: Holder,
    request: MigrationRequest,
    *,
    control: IdentityType,
    made: bool,
    from_sp: bool,
) -> Plan:
    """The end of every control-plane switch: add-on grants for the new control plane, the
    registries the service principal could pull from (when leaving one), the propagation
    warning, the plan."""
    cluster = snapshot.cluster
    assert cluster is not None
    made |= _addons.plan_addon_grants(
        builder,
        _without_cluster_addons(snapshot, cluster),
        writer,
        updated,
        names=[a.name for a in cluster.addons if a.enabled],
        configs={a.name: a.config for a in cluster.addons},
        enabled=request.grant_addons,
        when="after the update",
        cluster_id=cluster.id,
        control=control,
    )
    if from_sp:
        made |= _registries.plan_reattach(
            builder,
            snapshot,
            writer,
            updated,
            cluster=cluster,
            registries=request.registries,
            source=request.registries_from,
        )
    if made:
        builder.warn(propagation_warning("grants made after the update"))
    return builder.plan()


def _without_cluster_addons(snapshot: Snapshot, cluster: Cluster) -> Snapshot:
    """A service-principal cluster's add-ons get identities only with the migration."""
    if cluster.identity_type is not IdentityType.SERVICE_PRINCIPAL:
        return snapshot
    return attrs.evolve(snapshot, cluster=None)


def plan_to_system_assigned(
    snapshot: Snapshot, request: MigrationRequest, writer: Writer, *, operation: str
) -> Plan:
    """Service principal or user-assigned -> system-assigned (pure)."""
    cluster = snapshot.cluster
    assert cluster is not None
    builder = PlanBuilder(f"{operation} on {cluster.name}", cluster.id)
    from_service_principal = _warn_switching(builder, snapshot, cluster)
    updated = Holder()
    builder.step(
        "update",
        f"PUT managed cluster {cluster.name} with a system-assigned identity; wait for the update",
        lambda: updated.set(
            writer.put_cluster(
                cluster.id,
                None,
                doing=f"switching {cluster.name!r} to a system-assigned identity",
                reason=no_retry,
                awaited=f"cluster {cluster.name} update",
                update=lambda body: set_control_plane(body, None),
            )
        ),
        target=cluster.id,
    )
    made = _subnet_grants(builder, snapshot, writer, cluster, updated=updated, request=request)
    return _finish_switch(
        builder,
        snapshot,
        writer,
        updated,
        request,
        control=IdentityType.SYSTEM_ASSIGNED,
        made=made,
        from_sp=from_service_principal,
    )


def _reattach(
    runner: Runner, cluster: Cluster, registries: Sequence[str | ResourceId] | None
) -> tuple[tuple[ResourceId, ...], str]:
    """The registries to re-attach after leaving a service principal, and where they come
    from: the caller's ``registries``, or (None) the service principal's own AcrPull
    assignments, its object ID read from Microsoft Graph by appId (read before planning)."""
    if registries is not None:
        return _registries.parse_registries(registries, what="registries"), "caller"
    client_id = cluster.service_principal_client_id
    if cluster.identity_type is not IdentityType.SERVICE_PRINCIPAL or not client_id:
        return (), "caller"
    found = runner.service_principal_registries(client_id)
    return ((), "unknown") if found is None else (found, "graph")


def enable_managed_identity(
    runner: Runner,
    cluster: Cluster,
    *,
    grant_subnet: bool,
    grant_addons: bool,
    registries: Sequence[str | ResourceId] | None,
    dry_run: bool,
) -> Cluster | Plan:
    """Service principal -> system-assigned."""
    operation = "enable managed identity"
    if cluster.identity_type is IdentityType.USER_ASSIGNED and not failed(cluster):
        raise ValidationError(
            f"cluster {cluster.name} already uses a user-assigned managed identity, so "
            "enable_managed_identity() (service principal -> system-assigned) has nothing to do: "
            "to switch to a system-assigned identity call cluster.use_system_assigned_identity()",
            rule="control-plane-identity",
            resource_id=str(cluster.id),
        )
    if cluster.identity_type is not IdentityType.SERVICE_PRINCIPAL and not failed(cluster):
        plan = _noop(cluster, operation, f"{cluster.name} already uses a managed identity")
        return plan if dry_run else cluster
    check_private_dns_zone(cluster.private_dns_zone, IdentityType.SYSTEM_ASSIGNED)
    reattach, source = _reattach(runner, cluster, registries)
    snapshot = runner.snapshot(cluster=cluster, latest_images=True)
    plan = plan_to_system_assigned(
        snapshot,
        MigrationRequest(
            grant_subnet=grant_subnet,
            grant_addons=grant_addons,
            registries=reattach,
            registries_from=source,
        ),
        runner,
        operation=operation,
    )
    return runner.run(plan, cluster.id, dry_run=dry_run, seen=cluster)


def use_system_assigned_identity(
    runner: Runner,
    cluster: Cluster,
    *,
    grant_subnet: bool,
    grant_addons: bool,
    dry_run: bool,
) -> Cluster | Plan:
    """User-assigned (or service principal) -> system-assigned."""
    operation = "use a system-assigned identity"
    if cluster.identity_type is IdentityType.SYSTEM_ASSIGNED and not failed(cluster):
        plan = _noop(cluster, operation, f"{cluster.name} already uses a system-assigned identity")
        return plan if dry_run else cluster
    check_private_dns_zone(cluster.private_dns_zone, IdentityType.SYSTEM_ASSIGNED)
    if custom_kubelet(cluster):
        kubelet = cluster.kubelet_identity
        raise ValidationError(
            f"cluster {cluster.name} uses the pre-created kubelet identity "
            f"{kubelet.name if kubelet else ''}, which needs a user-assigned control plane: keep "
            "the user-assigned identity (cluster.use_identity(...)) or recreate the cluster",
            rule="kubelet-identity",
            resource_id=str(cluster.id),
        )
    principals = _addons.addon_principals(cluster)
    snapshot = runner.snapshot(
        cluster=cluster,
        principals=principals,
        latest_images=cluster.identity_type is IdentityType.SERVICE_PRINCIPAL,
    )
    plan = plan_to_system_assigned(
        snapshot,
        MigrationRequest(grant_subnet=grant_subnet, grant_addons=grant_addons),
        runner,
        operation=operation,
    )
    return runner.run(plan, cluster.id, dry_run=dry_run, seen=cluster)


def plan_use_identity(
    snapshot: Snapshot, new: ManagedIdentity, request: MigrationRequest, writer: Writer
) -> Plan:
    """Any control-plane identity -> user-assigned ``new`` (pure)."""
    cluster = snapshot.cluster
    assert cluster is not None
    builder = PlanBuilder(f"use identity {new.name} for {cluster.name}", cluster.id)
    if new.id in cluster.identity.user_assigned and not failed(cluster):
        builder.step("none", f"{cluster.name} already uses {new.name}", None, writes=False)
        return builder.plan()
    subnet_principal = operator_principal = None
    if request.grant_subnet:
        for subnet in cluster.subnet_ids:
            subnet_principal = new.principal_id
            plan_grant(
                builder,
                snapshot,
                writer,
                new.principal,
                role=SUBNET_JOIN,
                scope=subnet,
                who=who(new),
                reason="AKS checks the new control-plane identity may join the custom subnet",
                skip_with=skip("grant_subnet"),
            )
    kubelet = cluster.kubelet_identity
    if kubelet is not None and custom_kubelet(cluster) and request.grant_kubelet_operator:
        operator_principal = new.principal_id
        plan_grant(
            builder,
            snapshot,
            writer,
            new.principal,
            role=OPERATOR,
            scope=kubelet.resource_id,
            who=who(new),
            reason="the new control plane must be able to assign the kubelet identity",
            skip_with=skip("grant_kubelet_operator"),
        )
    from_service_principal = _warn_switching(builder, snapshot, cluster)
    reason = propagation(operator_principal=operator_principal, subnet_principal=subnet_principal)
    updated = Holder()
    builder.step(
        "update",
        f"PUT managed cluster {cluster.name} with user-assigned identity {new.name}; "
        "wait for the update",
        lambda: updated.set(
            writer.put_cluster(
                cluster.id,
                None,
                doing=f"switching {cluster.name!r} to identity {new.name!r}",
                reason=reason,
                awaited=f"cluster {cluster.name} to accept identity {new.name}",
                update=lambda body: set_control_plane(body, new.id),
            )
        ),
        target=cluster.id,
        needs=needs_for("update", cluster.id) + assign_needs([new.id]),
    )
    return _finish_switch(
        builder,
        snapshot,
        writer,
        updated,
        request,
        control=IdentityType.USER_ASSIGNED,
        made=False,
        from_sp=from_service_principal,
    )


def use_identity(
    runner: Runner,
    cluster: Cluster,
    identity: ManagedIdentity | str | ResourceId,
    *,
    grant_subnet: bool,
    grant_kubelet_operator: bool,
    grant_addons: bool,
    dry_run: bool,
) -> Cluster | Plan:
    """Any control-plane identity -> user-assigned ``identity``."""
    check_user_assigned_control_plane_region(cluster.location)
    new = runner.resolve_identity(identity, what="identity")
    runner.check_tenant(new, "the control-plane identity")
    grants_for_new = (grant_subnet and bool(cluster.subnet_ids)) or (
        grant_kubelet_operator and custom_kubelet(cluster)
    )
    unchanged = new.id in cluster.identity.user_assigned and not failed(cluster)
    snapshot = runner.snapshot(
        cluster=cluster,
        principals=[]
        if unchanged
        else [new.principal_id if grants_for_new else None, *_addons.addon_principals(cluster)],
        latest_images=cluster.identity_type is IdentityType.SERVICE_PRINCIPAL and not unchanged,
    )
    reattach, source = ((), "caller") if unchanged else _reattach(runner, cluster, None)
    plan = plan_use_identity(
        snapshot,
        new,
        MigrationRequest(
            grant_subnet=grant_subnet,
            grant_addons=grant_addons,
            grant_kubelet_operator=grant_kubelet_operator,
            registries=reattach,
            registries_from=source,
        ),
        runner,
    )
    if not plan.writes:
        return plan if dry_run else cluster
    return runner.run(plan, cluster.id, dry_run=dry_run, seen=cluster)
