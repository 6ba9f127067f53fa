"""Container registries: attach (AcrPull for the kubelet), detach, and re-attach after the
kubelet's identity changes (a new kubelet identity, or a service principal migration)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aks_identity._errors import ValidationError
from aks_identity._grants import is_ours
from aks_identity._ids import ResourceId, ResourceKind
from aks_identity._model import Principal
from aks_identity._plan import Plan, PlanBuilder, execute
from aks_identity._roles import get_role
from aks_identity._warnings import KeptAssignmentWarning, RegistryReattachWarning

from ._common import ACR_PULL, Holder, Snapshot, Writer, plan_grant

if TYPE_CHECKING:
    from aks_identity._objects import Cluster, RoleAssignment

    from ._runner import Runner

__all__ = [
    "attach_acr",
    "detach_acr",
    "kubelet_principal",
    "parse_registries",
    "plan_detach",
    "plan_reattach",
    "registries_of",
]


def parse_registries(values: Sequence[str | ResourceId], *, what: str) -> tuple[ResourceId, ...]:
    """Registry IDs, each checked to be a container registry."""
    if isinstance(values, (str, ResourceId)):
        raise ValidationError(
            f"{what} takes a list of registry IDs: pass [{str(values)!r}]", rule="attach-acr"
        )
    return tuple(
        ResourceId.parse(v).expect(ResourceKind.CONTAINER_REGISTRY, what=what) for v in values
    )


def registries_of(snapshot: Snapshot, principal_id: str) -> list[ResourceId]:
    """Registries where a principal holds AcrPull, from the snapshot (what attach_acr made)."""
    return list(registries_held(snapshot.assignments.get(principal_id.lower(), ())))


def registries_held(assignments: Sequence[RoleAssignment]) -> tuple[ResourceId, ...]:
    """The container registries among the scopes of AcrPull assignments (in order, once)."""
    acr_pull = get_role(ACR_PULL)
    scopes: dict[ResourceId, None] = {}
    for assignment in assignments:
        if assignment.role.guid == acr_pull.guid and (
            assignment.scope.kind is ResourceKind.CONTAINER_REGISTRY
        ):
            scopes.setdefault(assignment.scope, None)
    return tuple(scopes)


def kubelet_principal(cluster: Cluster) -> Principal:
    kubelet = cluster.kubelet_identity
    if kubelet is None:
        raise ValidationError(
            f"cluster {cluster.name} has no kubelet identity (service principal cluster): "
            "migrate it first (cluster.enable_managed_identity())",
            rule="kubelet-identity",
            resource_id=str(cluster.id),
        )
    return kubelet.principal


def plan_reattach(
    builder: PlanBuilder,
    snapshot: Snapshot,
    writer: Writer,
    updated: Holder,
    *,
    cluster: Cluster,
    registries: Sequence[ResourceId],
    source: str = "unknown",
) -> bool:
    """After a service principal migration: AcrPull for the new kubelet identity on each
    registry the old service principal could pull from (pure).

    ``source``: ``graph`` when they are the service principal's own AcrPull assignments
    (found through Microsoft Graph), ``caller`` when named with ``registries=[...]`` (``[]``
    skips), ``unknown`` when Graph could not be read: then a RegistryReattachWarning says
    exactly what to pass.
    """
    client_id = cluster.service_principal_client_id or "<client ID>"
    if not registries and source == "unknown":
        builder.warn(
            RegistryReattachWarning(
                "Microsoft Graph could not be read to find the container registries the "
                f"service principal {client_id} pulled from; they must be "
                "attached to the new kubelet identity: pass "
                "registries=['/subscriptions/<sub>/resourceGroups/<group>/providers/"
                "Microsoft.ContainerRegistry/registries/<name>', ...] to "
                "enable_managed_identity() (the registries where "
                f"`az role assignment list --assignee {client_id} --role AcrPull` lists an "
                "assignment), or call cluster.attach_acr(registry_id) for each afterwards"
            )
        )
        return False
    made = False
    for registry in registries:
        made |= plan_grant(
            builder,
            snapshot,
            writer,
            lambda: kubelet_principal(updated.get()),
            role=ACR_PULL,
            scope=registry,
            who="the new kubelet identity (known after the update)",
            reason=(
                f"re-attach: the service principal {client_id} holds AcrPull here"
                if source == "graph"
                else "re-attach: named in registries=[...]"
            ),
            skip_with="registries=[]",
        )
    return made


def attach_acr(
    runner: Runner, cluster: Cluster, registry_id: str | ResourceId, *, dry_run: bool
) -> RoleAssignment | Plan:
    """AcrPull for the kubelet identity on a registry."""
    registry = ResourceId.parse(registry_id).expect(
        ResourceKind.CONTAINER_REGISTRY, what="registry_id"
    )
    return runner.grants.grant(
        kubelet_principal(cluster), ACR_PULL, registry, dry_run=dry_run, known_to_exist=True
    )


def plan_detach(
    cluster: Cluster,
    registry: ResourceId,
    assignments: Sequence[RoleAssignment],
    writer: Writer,
    *,
    force: bool,
) -> Plan:
    """Revoke the kubelet's AcrPull on ``registry`` that aks_identity made (pure).

    aks_identity recognises its own assignments by name: the UUIDv5 of the lower-cased scope,
    principal and role GUID (``assignment_name``). Others are kept and reported, unless
    ``force`` (then every AcrPull of the kubelet on the registry goes, as the Azure CLI does).
    """
    acr_pull = get_role(ACR_PULL)
    builder = PlanBuilder(f"detach registry {registry.name} from {cluster.name}", registry)
    kept: list[str] = []
    for assignment in assignments:
        if assignment.role.guid != acr_pull.guid or assignment.scope != registry:
            continue
        if force or is_ours(assignment):
            builder.step(
                "revoke",
                f"delete AcrPull assignment {assignment.name} of the kubelet identity",
                functools.partial(writer.delete_role_assignment, assignment.id),
                target=registry,
            )
        else:
            kept.append(assignment.id)
            builder.step(
                "keep",
                f"keep AcrPull assignment {assignment.id}: aks_identity did not make it "
                "(detach_acr(..., force=True) removes it)",
                None,
                target=registry,
                writes=False,
            )
    if kept:
        builder.warn(
            KeptAssignmentWarning(
                f"kept {len(kept)} AcrPull assignment(s) of the kubelet of {cluster.name} on "
                f"{registry.name} that aks_identity did not make: {', '.join(kept)}; "
                "detach_acr(registry_id, force=True) removes them too"
            )
        )
    return builder.plan()


def detach_acr(
    runner: Runner,
    cluster: Cluster,
    registry_id: str | ResourceId,
    *,
    force: bool,
    dry_run: bool,
) -> Plan | None:
    """Remove the kubelet identity's AcrPull assignments on a registry."""
    registry = ResourceId.parse(registry_id).expect(
        ResourceKind.CONTAINER_REGISTRY, what="registry_id"
    )
    principal = kubelet_principal(cluster)
    assignments = runner.azure.role_assignments(principal=principal, scope=registry)
    plan = plan_detach(cluster, registry, assignments, runner, force=force)
    plan = runner.bind(plan, cluster.id, seen=cluster, finish=lambda _: None)
    if dry_run:
        return plan
    execute(plan)
    return None
