"""Cluster flows: create, identity migrations, kubelet identity, node images, registries.

Each flow validates first (the documented rules, pure), reads what it needs, builds a
:class:`~aks_identity.Plan` (automatic grants included, each skippable), then runs it.
Dependent writes that fail only because a grant the flow made has not propagated yet are
retried through ``_retry``; everything else fails fast.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aks_identity._azure import (
    Arm,
    ClusterSpec,
    KubeletSpec,
    cluster_body,
    set_control_plane,
    set_kubelet,
)
from aks_identity._errors import ConfirmationRequired, ConflictError, NotFoundError, ValidationError
from aks_identity._ids import ResourceId, ResourceKind
from aks_identity._model import IdentityType, NetworkProfile, Principal, ServicePrincipal
from aks_identity._objects import Cluster, IdentityUse, ManagedIdentity, RoleAssignment
from aks_identity._permissions import assign_needs, needs_for
from aks_identity._plan import Plan, PlanBuilder, TargetState, execute
from aks_identity._retry import Reason, retry_transient, wait_until
from aks_identity._roles import get_role
from aks_identity._rules import (
    check_cluster_name,
    check_kubelet_identity,
    check_kubelet_identity_region,
    check_private_dns_zone,
    check_same_tenant,
    check_user_assigned_control_plane_region,
    normalize_location,
)
from aks_identity._warnings import (
    DowntimeWarning,
    PropagationWarning,
    RegistryReattachWarning,
    ServicePrincipalKubeletWarning,
    TokenRefreshWarning,
)

if TYPE_CHECKING:
    from aks_identity._client import Azure

__all__ = ["Flows"]

IdentityRef = "ManagedIdentity | str | ResourceId"
_TERMINAL = {"succeeded", "failed", "canceled"}
_SUBNET_JOIN = "Network Contributor"
_OPERATOR = "Managed Identity Operator"
_ACR_PULL = "AcrPull"


def _skip(flag: str) -> str:
    return f"{flag}=False"


def _who(identity: ManagedIdentity) -> str:
    return f"identity {identity.name} ({identity.principal_id})"


class Flows:
    """The cluster flows of one :class:`~aks_identity.Azure` client."""

    def __init__(self, azure: Azure) -> None:
        self._azure = azure
        self._tenant: str | None = None

    @property
    def _arm(self) -> Arm:
        return self._azure._arm

    # -- shared helpers -----------------------------------------------------------------

    def resolve_identity(
        self, value: ManagedIdentity | str | ResourceId, *, what: str
    ) -> ManagedIdentity:
        """A user-assigned identity from an object or a resource ID (read from ARM)."""
        if isinstance(value, ManagedIdentity):
            return value
        rid = ResourceId.parse(value).expect(ResourceKind.USER_ASSIGNED_IDENTITY, what=what)
        return self._azure.get_identity(rid)

    def tenant(self) -> str | None:
        """The subscription's tenant (read once)."""
        if self._tenant is None:
            self._tenant = self._arm.subscription_tenant()
        return self._tenant

    def _check_tenant(self, identity: ManagedIdentity, what: str) -> None:
        tenant = self.tenant()
        if tenant:
            check_same_tenant(identity.tenant_id, tenant, what=what)

    def control_plane_principal(self, cluster: Cluster) -> Principal:
        """The control plane's principal; a service-principal cluster has none ARM knows."""
        if cluster.identity_type is IdentityType.SERVICE_PRINCIPAL or not cluster.principal_id:
            raise ValidationError(
                f"cluster {cluster.name} uses a service principal, whose object ID ARM does not "
                "report: migrate it first (cluster.enable_managed_identity()), or grant through "
                "Azure.grant(Principal(object_id), role, scope).",
                rule="control-plane-identity",
                resource_id=str(cluster.id),
            )
        return Principal(cluster.principal_id)

    def _put(
        self,
        rid: ResourceId,
        body: dict[str, Any] | None,
        *,
        doing: str,
        reason: Reason,
        awaited: str,
        update: Any = None,
    ) -> Cluster:
        """PUT a cluster; retry what ``reason`` names and 409 OperationNotAllowed.

        For updates, ``update`` turns the current body into the new one (a fresh GET is made
        after another operation ended, so nothing stale is written).
        """
        state: dict[str, Any] = {"body": body}

        def attempt() -> Cluster:
            if state["body"] is None:
                state["body"] = update(self._arm.get_cluster_body(rid))
            try:
                return self._arm.put_cluster(rid, state["body"], doing=doing)
            except ConflictError as error:
                if (error.code or "").lower() == "operationnotallowed":
                    self._wait_terminal(rid)
                    if update is not None:
                        state["body"] = None
                raise

        def why(error: BaseException) -> str | None:
            if (getattr(error, "code", None) or "").lower() == "operationnotallowed":
                return "another operation on the cluster has ended; retrying"
            return reason(error)

        return retry_transient(attempt, policy=self._azure.retry, reason=why, awaited=awaited)

    def _result(self, results: list[Any], rid: ResourceId) -> Cluster:
        """The cluster the last write step returned, or a fresh GET when none did."""
        clusters = [r for r in results if isinstance(r, Cluster)]
        return clusters[-1] if clusters else self._azure.get_cluster(rid)

    def _wait_terminal(self, rid: ResourceId) -> None:
        def terminal() -> bool:
            body = self._arm.get_cluster_body(rid)
            state = str((body.get("properties") or {}).get("provisioningState") or "")
            return state.lower() in _TERMINAL

        wait_until(
            terminal,
            policy=self._azure.retry,
            awaited=f"the operation in progress on cluster {rid.name} to end",
        )

    @staticmethod
    def _propagation(
        *, operator_principal: str | None = None, subnet_principal: str | None = None
    ) -> Reason:
        """Retry AKS's permission errors only for grants this flow made or found."""

        def reason(error: BaseException) -> str | None:
            code = (getattr(error, "code", None) or "").lower()
            message = str(getattr(error, "message", "")).lower()
            if operator_principal and code == "customkubeletidentitymissingpermissionerror":
                return (
                    "the Managed Identity Operator grant on the kubelet identity has not "
                    "propagated yet"
                )
            if (
                subnet_principal
                and code == "linkedauthorizationfailed"
                and getattr(error, "status", None) == 400
                and subnet_principal.lower() in message
            ):
                return "the Network Contributor grant on the subnet has not propagated yet"
            return None

        return reason

    def _find_cluster(self, rid: ResourceId) -> Cluster | None:
        try:
            return self._arm.get_cluster(rid)
        except NotFoundError:
            return None

    # -- create -------------------------------------------------------------------------

    def create_cluster(
        self,
        name: str,
        *,
        resource_group: str,
        location: str | None,
        identity: ManagedIdentity | str | ResourceId | None,
        kubelet_identity: ManagedIdentity | str | ResourceId | None,
        service_principal: ServicePrincipal | None,
        network: NetworkProfile | None,
        private_dns_zone: str | ResourceId | None,
        attach_acr: Sequence[str | ResourceId],
        grant_kubelet_operator: bool,
        grant_subnet: bool,
        node_count: int,
        kubernetes_version: str | None,
        addons: Sequence[str],
        enable_oidc_issuer: bool,
        enable_workload_identity: bool,
        tags: dict[str, str] | None,
        dry_run: bool,
    ) -> Cluster | Plan:
        """Create a cluster with its automatic grants (see Azure.create_cluster)."""
        check_cluster_name(name)
        if identity is not None and service_principal is not None:
            raise ValidationError(
                "pass either identity= (user-assigned) or service_principal= (legacy), not both",
                rule="control-plane-identity",
            )
        if service_principal is not None and kubelet_identity is not None:
            raise ValidationError(
                "a kubelet identity needs a user-assigned control-plane identity, not a "
                "service principal",
                rule="kubelet-identity",
            )
        control = (
            IdentityType.USER_ASSIGNED
            if identity is not None
            else IdentityType.SERVICE_PRINCIPAL
            if service_principal is not None
            else IdentityType.SYSTEM_ASSIGNED
        )
        kubelet_rid = (
            None
            if kubelet_identity is None
            else kubelet_identity.id
            if isinstance(kubelet_identity, ManagedIdentity)
            else ResourceId.parse(kubelet_identity)
        )
        if kubelet_rid is not None:
            check_kubelet_identity(kubelet_rid, control)
        zone = None if private_dns_zone is None else str(private_dns_zone)
        check_private_dns_zone(zone, control)
        subnet = None
        if network is not None and network.subnet_id is not None:
            subnet = network.subnet_id.expect(ResourceKind.SUBNET, what="network.subnet_id")
        registries = [
            ResourceId.parse(r).expect(ResourceKind.CONTAINER_REGISTRY, what="attach_acr")
            for r in attach_acr
        ]
        group = self._azure.get_resource_group(resource_group)
        region = normalize_location(location or group.location)
        if control is IdentityType.USER_ASSIGNED:
            check_user_assigned_control_plane_region(region)
        if kubelet_rid is not None:
            check_kubelet_identity_region(region)
        control_identity = (
            None if identity is None else self.resolve_identity(identity, what="identity")
        )
        kubelet = (
            None
            if kubelet_identity is None
            else self.resolve_identity(kubelet_identity, what="kubelet_identity")
        )
        if control_identity is not None:
            self._check_tenant(control_identity, "the control-plane identity")
        if kubelet is not None:
            self._check_tenant(kubelet, "the kubelet identity")

        rid = ResourceId.build(
            subscription_id=self._azure.subscription_id,
            resource_group=group.name,
            namespace="Microsoft.ContainerService",
            type="managedClusters",
            name=name,
        )
        existing = self._find_cluster(rid)
        if existing is not None and not _settled(existing):
            self._wait_terminal(rid)  # an earlier run's operation is still going: let it end
            existing = self._find_cluster(rid)
        if existing is not None:
            self._check_existing(existing, control, control_identity, kubelet)

        spec = ClusterSpec(
            location=region,
            dns_prefix=_dns_prefix(name, group.name, self._azure.subscription_id),
            identity_id=None if control_identity is None else control_identity.id,
            service_principal=service_principal,
            kubelet=None
            if kubelet is None
            else KubeletSpec(
                resource_id=kubelet.id, client_id=kubelet.client_id, object_id=kubelet.principal_id
            ),
            network=network,
            private_dns_zone=zone,
            node_count=node_count,
            kubernetes_version=kubernetes_version,
            addons=tuple(addons),
            enable_oidc_issuer=enable_oidc_issuer,
            enable_workload_identity=enable_workload_identity,
            tags=dict(tags or {}),
        )
        builder = PlanBuilder(
            f"create cluster {name} ({control.value})",
            rid,
            runner=self._azure._guard,
            planned_state=_planned(existing),
            finish=lambda results: self._result(results, rid),
        )
        grants = self._azure._grants
        operator_principal = subnet_principal = None
        if kubelet is not None and control_identity is not None and grant_kubelet_operator:
            operator_principal = control_identity.principal_id
            grants.add(
                builder,
                control_identity.principal,
                _OPERATOR,
                kubelet.id,
                who=_who(control_identity),
                reason="AKS requires the control plane to be able to assign the kubelet identity",
                skip_with=_skip("grant_kubelet_operator"),
            )
        if subnet is not None and control_identity is not None and grant_subnet:
            subnet_principal = control_identity.principal_id
            grants.add(
                builder,
                control_identity.principal,
                _SUBNET_JOIN,
                subnet,
                who=_who(control_identity),
                reason="the control plane joins nodes and load balancers to the custom subnet",
                skip_with=_skip("grant_subnet"),
            )

        created: dict[str, Cluster] = {}
        needs_put = existing is None or (existing.provisioning_state or "").lower() == "failed"
        body = cluster_body(spec)

        def create() -> Cluster:
            created["cluster"] = self._put(
                rid,
                body,
                doing=f"creating cluster {name!r}",
                reason=self._propagation(
                    operator_principal=operator_principal, subnet_principal=subnet_principal
                ),
                awaited=f"cluster {name} to accept its identities' permissions",
            )
            return created["cluster"]

        if needs_put:
            builder.step(
                "create",
                f"PUT managed cluster {name} in {region} ({control.value}); wait for provisioning",
                create,
                target=rid,
                needs=needs_for("create", rid)
                + assign_needs([spec.identity_id, kubelet.id if kubelet else None]),
            )
        else:
            assert existing is not None
            created["cluster"] = existing
            builder.step(
                "reuse",
                f"cluster {name} already exists with this identity",
                None,
                target=rid,
                writes=False,
            )

        def cluster_principal() -> Principal:
            return self.control_plane_principal(created["cluster"])

        if subnet is not None and control is IdentityType.SYSTEM_ASSIGNED and grant_subnet:
            grants.add(
                builder,
                cluster_principal,
                _SUBNET_JOIN,
                subnet,
                who="the cluster's system-assigned identity (known after create)",
                reason="the control plane manages load balancers and routes in the custom subnet",
                skip_with=_skip("grant_subnet"),
            )
        if subnet is not None and control is IdentityType.SERVICE_PRINCIPAL:
            builder.warn(
                PropagationWarning(
                    f"grant the service principal {service_principal.client_id if service_principal else ''} "  # noqa: E501
                    f"Network Contributor on {subnet.name} yourself "
                    "(its object ID is not known to ARM)"
                )
            )
        if registries:
            if control is IdentityType.SERVICE_PRINCIPAL:
                raise ValidationError(
                    "attach_acr needs a managed-identity cluster (the kubelet of a service "
                    "principal cluster pulls with the service principal)",
                    rule="attach-acr",
                )
            for registry in registries:
                grants.add(
                    builder,
                    lambda: self._kubelet_principal(created["cluster"]),
                    _ACR_PULL,
                    registry,
                    who=_who(kubelet) if kubelet else "the kubelet identity (known after create)",
                    reason="attach_acr: the kubelet pulls images from the registry",
                )
        if (
            subnet is not None and control is IdentityType.SYSTEM_ASSIGNED and grant_subnet
        ) or registries:
            builder.warn(
                PropagationWarning(
                    "grants made after the cluster was created can take up to 60 minutes to take "
                    "effect (RoleAssignment.wait_until_effective() waits for one)"
                )
            )
        plan = builder.plan()
        if dry_run:
            return plan
        return self._result(execute(plan), rid)

    def _check_existing(
        self,
        existing: Cluster,
        control: IdentityType,
        identity: ManagedIdentity | None,
        kubelet: ManagedIdentity | None,
    ) -> None:
        same = existing.identity_type is control and (
            identity is None or identity.id in existing.identity.user_assigned
        )
        if not same:
            raise ConflictError(
                f"cluster {existing.name} already exists with a {existing.identity_type.value} "
                "identity: change it with use_identity() / enable_managed_identity() instead",
                code="ClusterExists",
                status=409,
                resource_id=str(existing.id),
            )
        current = existing.kubelet_identity
        if kubelet is not None and (current is None or current.resource_id != kubelet.id):
            raise ConflictError(
                f"cluster {existing.name} already exists with kubelet identity "
                f"{current.name if current else 'none'}: change it with "
                "use_kubelet_identity() instead",
                code="ClusterExists",
                status=409,
                resource_id=str(existing.id),
            )

    def _kubelet_principal(self, cluster: Cluster) -> Principal:
        kubelet = cluster.kubelet_identity
        if kubelet is None:
            cluster = self._azure.get_cluster(cluster.id)
            kubelet = cluster.kubelet_identity
        if kubelet is None:
            raise ValidationError(
                f"cluster {cluster.name} has no kubelet identity (service principal cluster)",
                rule="kubelet-identity",
                resource_id=str(cluster.id),
            )
        return kubelet.principal

    # -- control-plane identity changes ----------------------------------------------------

    def _subnet_grants_after(
        self,
        builder: PlanBuilder,
        cluster: Cluster,
        updated: dict[str, Cluster],
        grant_subnet: bool,
    ) -> None:
        if not grant_subnet:
            return
        for subnet in cluster.subnet_ids:
            self._azure._grants.add(
                builder,
                lambda: self.control_plane_principal(updated["cluster"]),
                _SUBNET_JOIN,
                subnet,
                who="the new system-assigned identity (known after the update)",
                reason="the control-plane identity changed; the subnet grant does not follow it",
                skip_with=_skip("grant_subnet"),
            )

    def _migration_warnings(self, builder: PlanBuilder, cluster: Cluster) -> None:
        builder.warn(
            TokenRefreshWarning(
                f"the previous control-plane identity of {cluster.name} stays in use until its "
                "token expires (up to several hours)"
            )
        )
        if cluster.identity_type is IdentityType.SERVICE_PRINCIPAL:
            builder.warn(
                ServicePrincipalKubeletWarning(
                    f"the kubelet of {cluster.name} keeps using the service principal until "
                    "the nodes "
                    "get a newer node image: run cluster.upgrade_node_images(allow_downtime=True)"
                )
            )
            builder.warn(
                RegistryReattachWarning(
                    "container registries the service principal pulled from must be attached "
                    "to the "
                    "new kubelet identity: cluster.attach_acr(registry_id) for each"
                )
            )

    def enable_managed_identity(
        self, cluster: Cluster, *, grant_subnet: bool, dry_run: bool
    ) -> Cluster | Plan:
        """Service principal -> system-assigned."""
        builder = PlanBuilder(
            f"enable managed identity on {cluster.name}",
            cluster.id,
            runner=self._azure._guard,
            planned_state=_planned(cluster),
            finish=lambda results: self._result(results, cluster.id),
        )
        if cluster.identity_type is not IdentityType.SERVICE_PRINCIPAL and not _failed(cluster):
            builder.step(
                "none", f"{cluster.name} already uses a managed identity", None, writes=False
            )
            plan = builder.plan()
            return plan if dry_run else cluster
        check_private_dns_zone(cluster.private_dns_zone, IdentityType.SYSTEM_ASSIGNED)
        self._migration_warnings(builder, cluster)
        updated: dict[str, Cluster] = {}

        def run() -> Cluster:
            updated["cluster"] = self._put(
                cluster.id,
                None,
                doing=f"enabling managed identity on {cluster.name!r}",
                reason=lambda _: None,
                awaited=f"cluster {cluster.name} update",
                update=lambda body: set_control_plane(body, None),
            )
            return updated["cluster"]

        builder.step(
            "update",
            f"PUT managed cluster {cluster.name} with a system-assigned "
            "identity; wait for the update",
            run,
            target=cluster.id,
        )
        self._subnet_grants_after(builder, cluster, updated, grant_subnet)
        plan = builder.plan()
        if dry_run:
            return plan
        return self._result(execute(plan), cluster.id)

    def use_identity(
        self,
        cluster: Cluster,
        identity: ManagedIdentity | str | ResourceId,
        *,
        grant_subnet: bool,
        grant_kubelet_operator: bool,
        dry_run: bool,
    ) -> Cluster | Plan:
        """Any control-plane identity -> user-assigned ``identity``."""
        check_user_assigned_control_plane_region(cluster.location)
        new = self.resolve_identity(identity, what="identity")
        self._check_tenant(new, "the control-plane identity")
        builder = PlanBuilder(
            f"use identity {new.name} for {cluster.name}",
            cluster.id,
            runner=self._azure._guard,
            planned_state=_planned(cluster),
            finish=lambda results: self._result(results, cluster.id),
        )
        if new.id in cluster.identity.user_assigned and not _failed(cluster):
            builder.step("none", f"{cluster.name} already uses {new.name}", None, writes=False)
            plan = builder.plan()
            return plan if dry_run else cluster
        grants = self._azure._grants
        subnet_principal = operator_principal = None
        if grant_subnet:
            for subnet in cluster.subnet_ids:
                subnet_principal = new.principal_id
                grants.add(
                    builder,
                    new.principal,
                    _SUBNET_JOIN,
                    subnet,
                    who=_who(new),
                    reason="AKS checks the new control-plane identity may join the custom subnet",
                    skip_with=_skip("grant_subnet"),
                )
        kubelet = cluster.kubelet_identity
        if kubelet is not None and self._custom_kubelet(cluster) and grant_kubelet_operator:
            operator_principal = new.principal_id
            grants.add(
                builder,
                new.principal,
                _OPERATOR,
                kubelet.resource_id,
                who=_who(new),
                reason="the new control plane must be able to assign the kubelet identity",
                skip_with=_skip("grant_kubelet_operator"),
            )
        self._migration_warnings(builder, cluster)

        def run() -> Cluster:
            return self._put(
                cluster.id,
                None,
                doing=f"switching {cluster.name!r} to identity {new.name!r}",
                reason=self._propagation(
                    operator_principal=operator_principal, subnet_principal=subnet_principal
                ),
                awaited=f"cluster {cluster.name} to accept identity {new.name}",
                update=lambda body: set_control_plane(body, new.id),
            )

        builder.step(
            "update",
            f"PUT managed cluster {cluster.name} with user-assigned identity "
            f"{new.name}; wait for the update",
            run,
            target=cluster.id,
            needs=needs_for("update", cluster.id) + assign_needs([new.id]),
        )
        plan = builder.plan()
        if dry_run:
            return plan
        return self._result(execute(plan), cluster.id)

    @staticmethod
    def _custom_kubelet(cluster: Cluster) -> bool:
        kubelet = cluster.kubelet_identity
        if kubelet is None:
            return False
        node_group = (cluster.node_resource_group or "").lower()
        return (kubelet.resource_id.resource_group or "").lower() != node_group

    # -- kubelet identity and node images --------------------------------------------------

    def _registries_of(self, principal_id: str) -> list[ResourceId]:
        """Registries where a principal holds AcrPull (what ``attach_acr`` made)."""
        acr_pull = get_role(_ACR_PULL)
        scopes: dict[ResourceId, None] = {}
        for assignment in self._azure.role_assignments(principal=Principal(principal_id)):
            if assignment.role.guid == acr_pull.guid and (
                assignment.scope.kind is ResourceKind.CONTAINER_REGISTRY
            ):
                scopes.setdefault(assignment.scope, None)
        return list(scopes)

    def use_kubelet_identity(
        self,
        cluster: Cluster,
        identity: ManagedIdentity | str | ResourceId,
        *,
        allow_downtime: bool,
        grant_kubelet_operator: bool,
        grant_acr: bool,
        dry_run: bool,
    ) -> Cluster | Plan:
        """Switch the kubelet to a pre-created identity (reimages nodes)."""
        rid = identity.id if isinstance(identity, ManagedIdentity) else ResourceId.parse(identity)
        check_kubelet_identity(rid, cluster.identity_type)
        check_kubelet_identity_region(cluster.location)
        new = self.resolve_identity(identity, what="kubelet identity")
        self._check_tenant(new, "the kubelet identity")
        builder = PlanBuilder(
            f"use kubelet identity {new.name} for {cluster.name}",
            cluster.id,
            runner=self._azure._guard,
            planned_state=_planned(cluster),
            finish=lambda results: self._result(results, cluster.id),
        )
        old = cluster.kubelet_identity
        if old is not None and old.resource_id == new.id and not _failed(cluster):
            builder.step(
                "none",
                f"{cluster.name} already uses kubelet identity {new.name}",
                None,
                writes=False,
            )
            plan = builder.plan()
            return plan if dry_run else cluster
        control = self.control_plane_principal(cluster)
        grants = self._azure._grants
        if grant_kubelet_operator:
            grants.add(
                builder,
                control,
                _OPERATOR,
                new.id,
                who=f"the control-plane identity ({control.object_id})",
                reason="AKS requires the control plane to be able to assign the kubelet identity",
                skip_with=_skip("grant_kubelet_operator"),
            )
        registries = self._registries_of(old.object_id) if old is not None and grant_acr else []
        for registry in registries:
            grants.add(
                builder,
                new.principal,
                _ACR_PULL,
                registry,
                who=_who(new),
                reason="re-attach: the old kubelet identity could pull from this registry",
                skip_with=_skip("grant_acr"),
            )
        if registries:
            builder.warn(
                PropagationWarning(
                    "AcrPull for the new kubelet identity can take up to 60 minutes to take "
                    "effect; "
                    "image pulls may fail until then"
                )
            )

        def run() -> Cluster:
            return self._put(
                cluster.id,
                None,
                doing=f"switching the kubelet identity of {cluster.name!r}",
                reason=self._propagation(
                    operator_principal=control.object_id if grant_kubelet_operator else None
                ),
                awaited=f"the Managed Identity Operator grant on {new.name} to take effect",
                update=lambda body: set_kubelet(
                    body,
                    KubeletSpec(
                        resource_id=new.id, client_id=new.client_id, object_id=new.principal_id
                    ),
                ),
            )

        builder.step(
            "update",
            f"PUT managed cluster {cluster.name} with kubelet identity "
            f"{new.name}; nodes are reimaged",
            run,
            target=cluster.id,
            needs=needs_for("update", cluster.id)
            + assign_needs([new.id, *cluster.identity.user_assigned]),
        )
        downtime = f"every node of {cluster.name} is reimaged to switch the kubelet identity"
        builder.downtime(downtime)
        builder.warn(DowntimeWarning(downtime + ": pods restart"))
        return self._run_with_downtime(builder, cluster, allow_downtime, dry_run)

    def _run_with_downtime(
        self, builder: PlanBuilder, cluster: Cluster, allow_downtime: bool, dry_run: bool
    ) -> Cluster | Plan:
        plan = builder.plan()
        if dry_run:
            return plan
        if not allow_downtime:
            raise ConfirmationRequired(
                f"{plan.operation} causes downtime ({plan.expected_downtime}); re-run with "
                "allow_downtime=True (the plan is on this error's .plan)",
                plan=plan,
                resource_id=str(cluster.id),
            )
        return self._result(execute(plan), cluster.id)

    def upgrade_node_images(
        self, cluster: Cluster, *, allow_downtime: bool, dry_run: bool
    ) -> Cluster | Plan:
        """Upgrade every pool with a newer node image; say when there is none."""
        builder = PlanBuilder(
            f"upgrade node images of {cluster.name}",
            cluster.id,
            runner=self._azure._guard,
            planned_state=_planned(cluster),
            finish=lambda results: self._result(results, cluster.id),
        )
        pools = []
        for pool in cluster.agent_pools:
            latest = self._arm.latest_node_image(cluster.id, pool.name)
            if latest is not None and latest == pool.node_image_version:
                continue
            pools.append(pool)
        if not pools:
            builder.warn(
                ServicePrincipalKubeletWarning(
                    f"no newer node image for {cluster.name}: nothing is reimaged, and a kubelet "
                    "still using a service principal keeps it until the next node image"
                )
            )
            plan = builder.plan()
            return plan if dry_run else cluster
        for pool in pools:
            builder.step(
                "upgrade",
                f"upgrade the node image of pool {pool.name} (now {pool.node_image_version}); "
                "nodes are reimaged",
                functools.partial(self._upgrade_pool, cluster.id, pool.name),
                target=cluster.id,
            )
        names = ", ".join(p.name for p in pools)
        builder.downtime(f"nodes of pool(s) {names} are reimaged")
        builder.warn(DowntimeWarning(f"upgrading node images reimages the nodes of {names}"))
        result = self._run_with_downtime(builder, cluster, allow_downtime, dry_run)
        if isinstance(result, Cluster):
            before = {p.name: p.node_image_version for p in cluster.agent_pools}
            same = [
                p.name for p in result.agent_pools if before.get(p.name) == p.node_image_version
            ]
            if same:
                from aks_identity._warnings import emit

                emit(
                    [
                        ServicePrincipalKubeletWarning(
                            f"no newer node image for pool(s) {', '.join(same)} of "
                            f"{cluster.name}: a kubelet still using a service principal "
                            "keeps it until the next "
                            "node image"
                        )
                    ]
                )
        return result

    def _upgrade_pool(self, rid: ResourceId, pool: str) -> None:
        def attempt() -> None:
            try:
                self._arm.upgrade_node_image(rid, pool)
            except ConflictError as error:
                if (error.code or "").lower() == "operationnotallowed":
                    self._wait_terminal(rid)
                raise

        retry_transient(
            attempt,
            policy=self._azure.retry,
            reason=lambda e: (
                "another operation on the cluster has ended"
                if (getattr(e, "code", None) or "").lower() == "operationnotallowed"
                else None
            ),
            awaited=f"cluster {rid.name} to accept the node image upgrade",
        )

    # -- registries -------------------------------------------------------------------------

    def _registry_and_kubelet(
        self, cluster: Cluster, registry_id: str | ResourceId
    ) -> tuple[ResourceId, Principal]:
        """The registry (validated) and the kubelet's principal that pulls from it."""
        registry = ResourceId.parse(registry_id).expect(
            ResourceKind.CONTAINER_REGISTRY, what="registry_id"
        )
        return registry, self._kubelet_principal(cluster)

    def attach_acr(
        self, cluster: Cluster, registry_id: str | ResourceId, *, dry_run: bool
    ) -> RoleAssignment | Plan:
        """AcrPull for the kubelet identity on a registry."""
        registry, principal = self._registry_and_kubelet(cluster, registry_id)
        return self._azure._grants.grant(
            principal, _ACR_PULL, registry, dry_run=dry_run, known_to_exist=True
        )

    def detach_acr(
        self, cluster: Cluster, registry_id: str | ResourceId, *, dry_run: bool
    ) -> Plan | None:
        """Remove the kubelet identity's AcrPull assignments on a registry."""
        registry, principal = self._registry_and_kubelet(cluster, registry_id)
        acr_pull = get_role(_ACR_PULL)
        builder = PlanBuilder(
            f"detach registry {registry.name} from {cluster.name}",
            registry,
            runner=self._azure._guard,
            finish=lambda _: None,
        )
        for assignment in self._azure.role_assignments(principal=principal, scope=registry):
            if assignment.role.guid == acr_pull.guid and assignment.scope == registry:
                builder.step(
                    "revoke",
                    f"delete AcrPull assignment {assignment.name} of the kubelet identity",
                    functools.partial(self._arm.delete_role_assignment, assignment.id),
                    target=registry,
                )
        plan = builder.plan()
        if dry_run:
            return plan
        execute(plan)
        return None

    # -- inventory --------------------------------------------------------------------------

    def inventory(self, cluster: Cluster) -> list[IdentityUse]:
        """Every identity the cluster uses (see Cluster.identities)."""
        from aks_identity._inventory import inventory

        return inventory(self._azure, cluster)


def _planned(cluster: Cluster | None) -> TargetState:
    """The cluster as a plan saw it (compared again when a reviewed plan is applied)."""
    return TargetState(exists=cluster is not None, etag=cluster.etag if cluster else None)


def _failed(cluster: Cluster) -> bool:
    """The last operation on the cluster failed: a re-run must write again."""
    return (cluster.provisioning_state or "").lower() == "failed"


def _settled(cluster: Cluster) -> bool:
    return (cluster.provisioning_state or "succeeded").lower() in _TERMINAL


def _dns_prefix(name: str, resource_group: str, subscription_id: str) -> str:
    """The DNS prefix the Azure CLI derives from the names."""
    clean = "".join(c for c in name if c.isalnum() or c == "-")[:10].strip("-") or "aks"
    group = "".join(c for c in resource_group if c.isalnum() or c == "-")[:16]
    return f"{clean}-{group}-{subscription_id[:6]}"
