"""Create a cluster: validate (pure), resolve what the request names (reads), plan (pure),
run. Automatic grants: Managed Identity Operator on a pre-created kubelet identity, Network
Contributor on a custom subnet, AcrPull on attached registries, the add-ons' grants."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from aks_identity._azure import ClusterSpec, KubeletSpec, PreconditionFailed, cluster_body
from aks_identity._errors import ConflictError, ValidationError
from aks_identity._ids import ResourceId, ResourceKind
from aks_identity._model import IdentityType, NetworkProfile, ServicePrincipal
from aks_identity._permissions import assign_needs, needs_for
from aks_identity._plan import Plan, PlanBuilder
from aks_identity._rules import (
    check_cluster_name,
    check_kubelet_identity,
    check_kubelet_identity_region,
    check_private_dns_zone,
    check_user_assigned_control_plane_region,
    normalize_location,
)
from aks_identity._warnings import PropagationWarning, emit

from . import addons as _addons
from ._common import (
    ACR_PULL,
    OPERATOR,
    SUBNET_JOIN,
    Holder,
    Snapshot,
    Writer,
    control_plane_principal,
    failed,
    plan_grant,
    propagation,
    propagation_warning,
    settled,
    skip,
    who,
)
from .registries import kubelet_principal

if TYPE_CHECKING:
    from aks_identity._objects import Cluster, ManagedIdentity

    from ._runner import Runner

__all__ = [
    "CreateInput",
    "CreateRequest",
    "create_cluster",
    "plan_create",
    "read_snapshot",
    "resolve",
    "validate",
]


@attrs.frozen(kw_only=True)
class CreateRequest:
    """A create request, its references resolved (identities read, region known)."""

    rid: ResourceId
    control: IdentityType
    spec: ClusterSpec
    control_identity: ManagedIdentity | None = None
    kubelet: ManagedIdentity | None = None
    service_principal: ServicePrincipal | None = None
    subnet: ResourceId | None = None
    registries: tuple[ResourceId, ...] = ()
    grant_kubelet_operator: bool = True
    grant_subnet: bool = True
    grant_addons: bool = True

    @property
    def name(self) -> str:
        return self.rid.name or ""


def control_type(
    identity: object | None, service_principal: ServicePrincipal | None
) -> IdentityType:
    """The control-plane identity type a create request asks for."""
    if identity is not None:
        return IdentityType.USER_ASSIGNED
    if service_principal is not None:
        return IdentityType.SERVICE_PRINCIPAL
    return IdentityType.SYSTEM_ASSIGNED


def check_create(
    name: str,
    *,
    identity: object | None,
    kubelet_rid: ResourceId | None,
    service_principal: ServicePrincipal | None,
    private_dns_zone: str | None,
    attach_acr: Sequence[str | ResourceId],
) -> IdentityType:
    """The documented rules a create request must satisfy (pure, before any read)."""
    check_cluster_name(name)
    if identity is not None and service_principal is not None:
        raise ValidationError(
            "pass either identity= (user-assigned) or service_principal= (legacy), not both",
            rule="control-plane-identity",
        )
    if service_principal is not None and kubelet_rid is not None:
        raise ValidationError(
            "a kubelet identity needs a user-assigned control-plane identity, not a "
            "service principal",
            rule="kubelet-identity",
        )
    control = control_type(identity, service_principal)
    if kubelet_rid is not None:
        check_kubelet_identity(kubelet_rid, control)
    check_private_dns_zone(private_dns_zone, control)
    if attach_acr and control is IdentityType.SERVICE_PRINCIPAL:
        raise ValidationError(
            "attach_acr needs a managed-identity cluster (the kubelet of a service "
            "principal cluster pulls with the service principal)",
            rule="attach-acr",
        )
    return control


def _existing_conflict(existing: Cluster, request: CreateRequest) -> ConflictError | None:
    """Why an existing cluster of that name cannot be reused by this request (or None)."""
    identity = request.control_identity
    same = existing.identity_type is request.control and (
        identity is None or identity.id in existing.identity.user_assigned
    )
    if not same:
        return ConflictError(
            f"cluster {existing.name} already exists with a {existing.identity_type.value} "
            "identity: change it with use_identity() / enable_managed_identity() / "
            "use_system_assigned_identity() instead",
            code="ClusterExists",
            status=409,
            resource_id=str(existing.id),
        )
    current = existing.kubelet_identity
    kubelet = request.kubelet
    if kubelet is not None and (current is None or current.resource_id != kubelet.id):
        return ConflictError(
            f"cluster {existing.name} already exists with kubelet identity "
            f"{current.name if current else 'none'}: change it with "
            "use_kubelet_identity() instead",
            code="ClusterExists",
            status=409,
            resource_id=str(existing.id),
        )
    return None


_CHANGES = "identity, kubelet identity, network, add-ons, tags and node count as given"


def plan_create(
    snapshot: Snapshot, request: CreateRequest, writer: Writer, *, emit_warnings: bool = True
) -> Plan:
    """The plan of a create (pure): ``snapshot.cluster`` is the existing cluster, if any."""
    existing = snapshot.cluster
    if existing is not None:
        conflict = _existing_conflict(existing, request)
        if conflict is not None:
            raise conflict
    name, rid, control = request.name, request.rid, request.control
    builder = PlanBuilder(f"create cluster {name} ({control.value})", rid)
    created = Holder(existing)
    _grants_before(builder, snapshot, request, writer)  # awaited by the create itself

    needs_put = existing is None or failed(existing)
    if needs_put:
        body = cluster_body(request.spec)
        reason = propagation(
            operator_principal=request.control_identity.principal_id
            if request.kubelet is not None
            and request.control_identity is not None
            and request.grant_kubelet_operator
            else None,
            subnet_principal=request.control_identity.principal_id
            if request.subnet is not None
            and request.control_identity is not None
            and request.grant_subnet
            else None,
        )
        again = (
            ""
            if existing is None
            else f" again: it exists and its last operation failed, so this PUT updates it "
            f"to this request's settings ({_CHANGES})"
        )
        builder.step(
            "create" if existing is None else "update",
            f"PUT managed cluster {name} in {request.spec.location} ({control.value}){again}; "
            "wait for provisioning",
            lambda: created.set(
                writer.put_cluster(
                    rid,
                    body,
                    doing=f"creating cluster {name!r}",
                    reason=reason,
                    awaited=f"cluster {name} to accept its identities' permissions",
                    create_only=existing is None,
                )
            ),
            target=rid,
            needs=needs_for("create", rid)
            + assign_needs(
                [
                    request.control_identity.id if request.control_identity else None,
                    request.kubelet.id if request.kubelet else None,
                ]
            ),
        )
    else:
        builder.step(
            "reuse",
            f"cluster {name} already exists with this identity",
            None,
            target=rid,
            writes=False,
        )
    after = _grants_after(builder, snapshot, request, writer, created)
    after |= _addons.plan_addon_grants(
        builder,
        snapshot,
        writer,
        created,
        names=request.spec.addons,
        configs=request.spec.addon_config,
        enabled=request.grant_addons,
        when="after the cluster is created",
        cluster_id=rid,
        pool_subnet=request.subnet,
        control=control,
    )
    if after:
        builder.warn(propagation_warning("grants made after the cluster was created"))
    return builder.plan(emit_warnings=emit_warnings)


def _grants_before(
    builder: PlanBuilder, snapshot: Snapshot, request: CreateRequest, writer: Writer
) -> bool:
    """Grants the user-assigned control plane needs before AKS accepts the create."""
    control, kubelet = request.control_identity, request.kubelet
    made = False
    if kubelet is not None and control is not None and request.grant_kubelet_operator:
        made |= plan_grant(
            builder,
            snapshot,
            writer,
            control.principal,
            role=OPERATOR,
            scope=kubelet.id,
            who=who(control),
            reason="AKS requires the control plane to be able to assign the kubelet identity",
            skip_with=skip("grant_kubelet_operator"),
        )
    if request.subnet is not None and control is not None and request.grant_subnet:
        made |= plan_grant(
            builder,
            snapshot,
            writer,
            control.principal,
            role=SUBNET_JOIN,
            scope=request.subnet,
            who=who(control),
            reason="the control plane joins nodes and load balancers to the custom subnet",
            skip_with=skip("grant_subnet"),
        )
    return made


def _grants_after(
    builder: PlanBuilder,
    snapshot: Snapshot,
    request: CreateRequest,
    writer: Writer,
    created: Holder,
) -> bool:
    """Grants for principals AKS makes (system-assigned control plane, its kubelet)."""
    made = False
    subnet, control = request.subnet, request.control
    if subnet is not None and control is IdentityType.SYSTEM_ASSIGNED and request.grant_subnet:
        existing = snapshot.cluster
        principal = (
            control_plane_principal(existing)
            if existing is not None and existing.principal_id
            else lambda: control_plane_principal(created.get())
        )
        made |= plan_grant(
            builder,
            snapshot,
            writer,
            principal,
            role=SUBNET_JOIN,
            scope=subnet,
            who="the cluster's system-assigned identity (known after create)",
            reason="the control plane manages load balancers and routes in the custom subnet",
            skip_with=skip("grant_subnet"),
        )
    if subnet is not None and control is IdentityType.SERVICE_PRINCIPAL:
        client = request.service_principal.client_id if request.service_principal else ""
        builder.warn(
            PropagationWarning(
                f"grant the service principal {client} Network Contributor on {subnet.name} "
                "yourself (its object ID is not known to ARM)"
            )
        )
    existing = snapshot.cluster
    for registry in request.registries:
        kubelet_now = existing.kubelet_identity if existing is not None else None
        principal = (
            kubelet_now.principal
            if kubelet_now is not None
            else lambda: kubelet_principal(created.get())
        )
        made |= plan_grant(
            builder,
            snapshot,
            writer,
            principal,
            role=ACR_PULL,
            scope=registry,
            who=who(request.kubelet)
            if request.kubelet
            else "the kubelet identity (known after create)",
            reason="attach_acr: the kubelet pulls images from the registry",
        )
    return made


@attrs.frozen(kw_only=True)
class CreateInput:
    """A create request as the caller wrote it (references not resolved yet)."""

    name: str
    resource_group: str
    location: str | None
    identity: ManagedIdentity | str | ResourceId | None
    kubelet_identity: ManagedIdentity | str | ResourceId | None
    service_principal: ServicePrincipal | None
    network: NetworkProfile | None
    private_dns_zone: str | ResourceId | None
    attach_acr: Sequence[str | ResourceId]
    grant_kubelet_operator: bool
    grant_subnet: bool
    node_count: int
    kubernetes_version: str | None
    addons: Sequence[str] | Mapping[str, Mapping[str, str]]
    enable_oidc_issuer: bool
    enable_workload_identity: bool
    tags: dict[str, str] | None
    grant_addons: bool = True

    @property
    def kubelet_rid(self) -> ResourceId | None:
        from aks_identity._objects import ManagedIdentity

        value = self.kubelet_identity
        if value is None:
            return None
        return value.id if isinstance(value, ManagedIdentity) else ResourceId.parse(value)

    @property
    def zone(self) -> str | None:
        return None if self.private_dns_zone is None else str(self.private_dns_zone)


@attrs.frozen(kw_only=True)
class Checked:
    """What validation of a create request yields (pure, before any read)."""

    control: IdentityType
    subnet: ResourceId | None
    registries: tuple[ResourceId, ...]
    addon_config: dict[str, dict[str, str]]


def validate(given: CreateInput) -> Checked:
    """The documented rules and the values' types (pure: nothing is read or written)."""
    control = check_create(
        given.name,
        identity=given.identity,
        kubelet_rid=given.kubelet_rid,
        service_principal=given.service_principal,
        private_dns_zone=given.zone,
        attach_acr=given.attach_acr,
    )
    subnet = None
    if given.network is not None and given.network.subnet_id is not None:
        subnet = given.network.subnet_id.expect(ResourceKind.SUBNET, what="network.subnet_id")
    registries = tuple(
        ResourceId.parse(r).expect(ResourceKind.CONTAINER_REGISTRY, what="attach_acr")
        for r in given.attach_acr
    )
    return Checked(
        control=control,
        subnet=subnet,
        registries=registries,
        addon_config=_addons.normalize(given.addons),
    )


def resolve(runner: Runner, given: CreateInput, checked: Checked) -> CreateRequest:
    """Read what the request names: the group's location, the identities (region, tenant)."""
    group = runner.azure._group(given.resource_group)
    region = normalize_location(given.location or group.location)
    if checked.control is IdentityType.USER_ASSIGNED:
        check_user_assigned_control_plane_region(region)
    if given.kubelet_identity is not None:
        check_kubelet_identity_region(region)
    control = (
        None if given.identity is None else runner.resolve_identity(given.identity, what="identity")
    )
    kubelet = (
        None
        if given.kubelet_identity is None
        else runner.resolve_identity(given.kubelet_identity, what="kubelet_identity")
    )
    if control is not None:
        runner.check_tenant(control, "the control-plane identity")
    if kubelet is not None:
        runner.check_tenant(kubelet, "the kubelet identity")
    subscription = runner.azure.subscription_id
    spec = ClusterSpec(
        location=region,
        dns_prefix=_dns_prefix(given.name, group.name, subscription),
        identity_id=None if control is None else control.id,
        service_principal=given.service_principal,
        kubelet=None
        if kubelet is None
        else KubeletSpec(
            resource_id=kubelet.id, client_id=kubelet.client_id, object_id=kubelet.principal_id
        ),
        network=given.network,
        private_dns_zone=given.zone,
        node_count=given.node_count,
        kubernetes_version=given.kubernetes_version,
        addons=tuple(checked.addon_config),
        addon_config=checked.addon_config,
        enable_oidc_issuer=given.enable_oidc_issuer,
        enable_workload_identity=given.enable_workload_identity,
        tags=dict(given.tags or {}),
    )
    rid = ResourceId.build(
        subscription_id=subscription,
        resource_group=group.name,
        namespace="Microsoft.ContainerService",
        type="managedClusters",
        name=given.name,
    )
    return CreateRequest(
        rid=rid,
        control=checked.control,
        spec=spec,
        control_identity=control,
        kubelet=kubelet,
        service_principal=given.service_principal,
        subnet=checked.subnet,
        registries=checked.registries,
        grant_kubelet_operator=given.grant_kubelet_operator,
        grant_subnet=given.grant_subnet,
        grant_addons=given.grant_addons,
    )


def read_snapshot(runner: Runner, request: CreateRequest, *, assume_new: bool = False) -> Snapshot:
    """The existing cluster (after an earlier run's operation ended) and the assignments of
    the principals the plan grants to. ``assume_new``: the cluster is not read; the create
    then sends ``If-None-Match: *`` and AKS's 412 says when it exists after all."""
    existing = None if assume_new else runner.find_cluster(request.rid)
    if existing is not None and not settled(existing):
        runner.wait_terminal(request.rid)  # an earlier run's operation is still going
        existing = runner.find_cluster(request.rid)
    control = request.control_identity
    control_grants = control is not None and (
        (request.kubelet is not None and request.grant_kubelet_operator)
        or (request.subnet is not None and request.grant_subnet)
    )
    principals = [control.principal_id if control is not None and control_grants else None]
    if existing is not None:
        principals += [existing.principal_id, *_addons.addon_principals(existing)]
        if existing.kubelet_identity is not None:
            principals.append(existing.kubelet_identity.object_id)
    return runner.snapshot(cluster=existing, principals=principals)


def create_cluster(runner: Runner, given: CreateInput, *, dry_run: bool) -> Cluster | Plan:
    """Create a cluster with its automatic grants (see Azure.create_cluster)."""
    request = resolve(runner, given, validate(given))
    if not dry_run:
        # No existence probe that fails 404 on every first run: the create sends
        # If-None-Match: * and only AKS's 412 makes the cluster read and the plan made again.
        # A plan that grants before the create first lists the group's clusters (a read that
        # does not fail), so that a re-run that conflicts refuses before writing anything.
        snapshot = read_snapshot(runner, request, assume_new=True)
        plan = plan_create(snapshot, request, runner, emit_warnings=False)
        before = _writes_before_create(plan)
        known_new = before and runner.listed_cluster(request.rid) is None
        if known_new or not before:
            if known_new:  # as when planned from a read: before anything is written
                emit(plan.warnings)
            try:
                created = runner.run(plan, request.rid, dry_run=False, seen=None)
            except PreconditionFailed:
                pass  # it exists: its warnings are those of the plan made from it
            except BaseException:
                if not known_new:
                    emit(plan.warnings)
                raise
            else:
                if not known_new:  # only now is it known that the cluster was new
                    emit(plan.warnings)
                return created
    snapshot = read_snapshot(runner, request)
    plan = plan_create(snapshot, request, runner)
    return runner.run(plan, request.rid, dry_run=dry_run, seen=snapshot.cluster)


def _writes_before_create(plan: Plan) -> bool:
    """True if a step before the cluster's PUT writes (a grant the create needs)."""
    for step in plan.steps:
        if step.action == "create":
            return False
        if step.writes:
            return True
    return False


def _dns_prefix(name: str, resource_group: str, subscription_id: str) -> str:
    """The DNS prefix the Azure CLI derives from the names."""
    clean = "".join(c for c in name if c.isalnum() or c == "-")[:10].strip("-") or "aks"
    group = "".join(c for c in resource_group if c.isalnum() or c == "-")[:16]
    return f"{clean}-{group}-{subscription_id[:6]}"
