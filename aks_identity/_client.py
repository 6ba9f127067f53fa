"""The entry point: :class:`Azure`, one subscription of one cloud (or the emulator)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Literal, overload

from aks_identity import _activation
from aks_identity._azure import Arm, Connection, check_sdk_options, endpoints
from aks_identity._errors import NotFoundError, ValidationError
from aks_identity._flows import Flows
from aks_identity._grants import Grants
from aks_identity._ids import ResourceId, ResourceKind
from aks_identity._model import NetworkProfile, Principal, ServicePrincipal
from aks_identity._objects import Cluster, ManagedIdentity, ResourceGroup, RoleAssignment
from aks_identity._plan import Plan, PlanBuilder, execute
from aks_identity._retry import RetryPolicy
from aks_identity._roles import Role
from aks_identity._rules import check_identity_name, check_resource_group_name, normalize_location

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from typing_extensions import Unpack

    from aks_identity._azure import SdkOptions

__all__ = ["Azure"]

_DEFAULT_RETRY = RetryPolicy()


class Azure:
    """A connection to one Azure subscription through Azure Resource Manager.

    ``cloud`` is the Azure CLI's cloud name (AzureCloud, AzureUSGovernment, AzureChinaCloud);
    ``base_url`` and ``connection_verify`` point the SDK elsewhere (the emulator: use
    ``emu.azure()``). ``retry`` drives every domain wait (propagation, replication, operations
    in progress) and the pipeline's sleeps. Other keyword arguments are azure-core options
    passed to every SDK client (:class:`~aks_identity.SdkOptions`: ``logging_enable``,
    ``transport``, ``user_agent``, ``proxies``, ``connection_timeout``, ``read_timeout``,
    ``headers``). Every client shares one HTTP transport (one connection pool), and every
    request carries the User-Agent ``aks-identity/<version>`` before the SDK's.

    Inside ``emu.activate()`` (or the ``arm_emulator`` pytest fixture), a client built without
    ``base_url`` reaches that emulator, with the emulator's credential unless ``credential``
    is one of the emulator's, and with its clock unless ``retry`` is given.
    """

    def __init__(
        self,
        credential: TokenCredential,
        subscription_id: str,
        *,
        cloud: str = "AzureCloud",
        base_url: str | None = None,
        connection_verify: str | bool | None = None,
        retry: RetryPolicy = _DEFAULT_RETRY,
        **sdk_options: Unpack[SdkOptions],
    ) -> None:
        if not subscription_id or not isinstance(subscription_id, str):
            raise ValidationError(
                "subscription_id is required: pass the subscription's ID as a string",
                rule="subscription",
            )
        options = check_sdk_options(dict(sdk_options))
        target = _activation.active() if base_url is None else None
        if target is not None:
            base_url = target.base_url
            credential = target.credential_for(credential)
            if connection_verify is None:
                connection_verify = target.connection_verify
            if retry is _DEFAULT_RETRY:
                retry = target.retry
        self._endpoints = endpoints(cloud, base_url)
        self._subscription_id = subscription_id.lower()
        self._retry = retry
        self._arm = Arm(
            self,
            credential,
            self._subscription_id,
            Connection(
                self._endpoints,
                connection_verify=connection_verify,
                policy=retry,
                sdk_options=options,
            ),
        )
        self._grants = Grants(self)
        self._flows = Flows(self)

    @classmethod
    def from_environment(
        cls, *, cloud: str | None = None, retry: RetryPolicy = _DEFAULT_RETRY
    ) -> Azure:
        """``AZURE_SUBSCRIPTION_ID`` with ``DefaultAzureCredential`` (cloud: ``AZURE_CLOUD``).

        Inside ``emu.activate()`` (or the ``arm_emulator`` fixture): the active emulator's
        subscription and credential instead, whatever the environment says.
        """
        target = _activation.active()
        if target is not None:
            return cls(
                target.credential,
                target.subscription_id,
                cloud=cloud or "AzureCloud",
                retry=target.retry if retry is _DEFAULT_RETRY else retry,
            )
        from azure.identity import DefaultAzureCredential

        subscription = os.environ.get("AZURE_SUBSCRIPTION_ID")
        if not subscription:
            raise ValidationError(
                "set AZURE_SUBSCRIPTION_ID to the subscription to manage", rule="subscription"
            )
        name = cloud or os.environ.get("AZURE_CLOUD") or "AzureCloud"
        authority = endpoints(name).authority
        credential = DefaultAzureCredential(authority=authority)
        return cls(credential, subscription, cloud=name, retry=retry)

    @property
    def subscription_id(self) -> str:
        """The subscription this client manages."""
        return self._subscription_id

    @property
    def cloud(self) -> str:
        """The cloud's Azure CLI name."""
        return self._endpoints.cloud

    @property
    def base_url(self) -> str:
        """The Azure Resource Manager endpoint."""
        return self._endpoints.resource_manager

    @property
    def authority(self) -> str:
        """The Microsoft Entra authority host of the cloud."""
        return self._endpoints.authority

    @property
    def retry(self) -> RetryPolicy:
        """The policy of every domain wait."""
        return self._retry

    def __repr__(self) -> str:
        return f"<Azure subscription {self._subscription_id} ({self.cloud}, {self.base_url})>"

    def close(self) -> None:
        """Close the SDK clients and the shared HTTP session."""
        self._arm.close()

    def __enter__(self) -> Azure:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _id(self, resource_group: str, namespace: str, type: str, name: str) -> ResourceId:
        return ResourceId.build(
            subscription_id=self._subscription_id,
            resource_group=resource_group,
            namespace=namespace,
            type=type,
            name=name,
        )

    # -- resource groups ---------------------------------------------------------------------

    @overload
    def create_resource_group(
        self,
        name: str,
        *,
        location: str,
        tags: dict[str, str] | None = None,
        dry_run: Literal[False] = False,
    ) -> ResourceGroup: ...
    @overload
    def create_resource_group(
        self,
        name: str,
        *,
        location: str,
        tags: dict[str, str] | None = None,
        dry_run: Literal[True],
    ) -> Plan: ...
    def create_resource_group(
        self,
        name: str,
        *,
        location: str,
        tags: dict[str, str] | None = None,
        dry_run: bool = False,
    ) -> ResourceGroup | Plan:
        """Create a resource group, or return the existing one (idempotent)."""
        check_resource_group_name(name)
        region = normalize_location(location)
        builder = PlanBuilder(
            f"create resource group {name}",
            f"/subscriptions/{self._subscription_id}/resourceGroups/{name}",
        )
        result: list[ResourceGroup] = []
        builder.step(
            "create",
            f"PUT resource group {name} in {region}",
            lambda: result.append(self._arm.put_resource_group(name, region, tags)),
        )
        plan = builder.plan()
        if dry_run:
            return plan
        execute(plan)
        return result[0]

    def get_resource_group(self, name: str) -> ResourceGroup:
        """A resource group; NotFoundError when it does not exist."""
        return self._arm.get_resource_group(name)

    def list_resource_groups(self) -> list[ResourceGroup]:
        """Every resource group of the subscription."""
        return self._arm.list_resource_groups()

    @overload
    def delete_resource_group(self, name: str, *, dry_run: Literal[False] = False) -> None: ...
    @overload
    def delete_resource_group(self, name: str, *, dry_run: Literal[True]) -> Plan: ...
    def delete_resource_group(self, name: str, *, dry_run: bool = False) -> Plan | None:
        """Delete a resource group and everything in it; nothing happens when it is absent."""
        builder = PlanBuilder(f"delete resource group {name}")
        builder.step(
            "delete",
            f"DELETE resource group {name} and everything in it",
            lambda: self._ignore_missing(lambda: self._arm.delete_resource_group(name)),
        )
        plan = builder.plan()
        if dry_run:
            return plan
        execute(plan)
        return None

    @staticmethod
    def _ignore_missing(action: Callable[[], None]) -> None:
        with contextlib.suppress(NotFoundError):
            action()

    # -- user-assigned identities -------------------------------------------------------

    @overload
    def create_identity(
        self,
        name: str,
        *,
        resource_group: str,
        location: str | None = None,
        tags: dict[str, str] | None = None,
        dry_run: Literal[False] = False,
    ) -> ManagedIdentity: ...
    @overload
    def create_identity(
        self,
        name: str,
        *,
        resource_group: str,
        location: str | None = None,
        tags: dict[str, str] | None = None,
        dry_run: Literal[True],
    ) -> Plan: ...
    def create_identity(
        self,
        name: str,
        *,
        resource_group: str,
        location: str | None = None,
        tags: dict[str, str] | None = None,
        dry_run: bool = False,
    ) -> ManagedIdentity | Plan:
        """Create a user-assigned identity (idempotent: an existing one keeps its principal).

        ``location`` None uses the resource group's location.
        """
        check_identity_name(name)
        region = normalize_location(location or self.get_resource_group(resource_group).location)
        rid = self._id(resource_group, "Microsoft.ManagedIdentity", "userAssignedIdentities", name)
        builder = PlanBuilder(f"create identity {name}", rid)
        result: list[ManagedIdentity] = []
        builder.step(
            "create",
            f"PUT user-assigned identity {name} in {region}",
            lambda: result.append(self._arm.put_identity(rid, region, tags)),
            target=rid,
        )
        plan = builder.plan()
        if dry_run:
            return plan
        execute(plan)
        return result[0]

    def get_identity(
        self,
        resource_id: str | ResourceId | None = None,
        *,
        name: str | None = None,
        resource_group: str | None = None,
    ) -> ManagedIdentity:
        """A user-assigned identity by resource ID (any casing) or by name and group."""
        if resource_id is not None:
            rid = ResourceId.parse(resource_id).expect(
                ResourceKind.USER_ASSIGNED_IDENTITY, what="identity ID"
            )
        elif name and resource_group:
            rid = self._id(
                resource_group, "Microsoft.ManagedIdentity", "userAssignedIdentities", name
            )
        else:
            raise ValidationError(
                "pass a resource ID, or name= and resource_group=", rule="identity-reference"
            )
        return self._arm.get_identity(rid)

    def list_identities(self, resource_group: str | None = None) -> list[ManagedIdentity]:
        """User-assigned identities of a group, or of the whole subscription."""
        return self._arm.list_identities(resource_group)

    @overload
    def delete_identity(
        self, identity: ManagedIdentity | str | ResourceId, *, dry_run: Literal[False] = False
    ) -> None: ...
    @overload
    def delete_identity(
        self, identity: ManagedIdentity | str | ResourceId, *, dry_run: Literal[True]
    ) -> Plan: ...
    def delete_identity(
        self, identity: ManagedIdentity | str | ResourceId, *, dry_run: bool = False
    ) -> Plan | None:
        """Delete a user-assigned identity; nothing happens when it is absent."""
        rid = (
            identity.id
            if isinstance(identity, ManagedIdentity)
            else ResourceId.parse(identity).expect(
                ResourceKind.USER_ASSIGNED_IDENTITY, what="identity ID"
            )
        )
        builder = PlanBuilder(f"delete identity {rid.name}", rid)
        builder.step(
            "delete",
            f"DELETE user-assigned identity {rid.name}",
            lambda: self._arm.delete_identity(rid),
            target=rid,
        )
        plan = builder.plan()
        if dry_run:
            return plan
        execute(plan)
        return None

    # -- clusters -----------------------------------------------------------------------------

    @overload
    def create_cluster(
        self,
        name: str,
        *,
        resource_group: str,
        location: str | None = None,
        identity: ManagedIdentity | str | ResourceId | None = None,
        kubelet_identity: ManagedIdentity | str | ResourceId | None = None,
        service_principal: ServicePrincipal | None = None,
        network: NetworkProfile | None = None,
        private_dns_zone: str | ResourceId | None = None,
        attach_acr: Sequence[str | ResourceId] = (),
        grant_kubelet_operator: bool = True,
        grant_subnet: bool = True,
        node_count: int = 1,
        kubernetes_version: str | None = None,
        addons: Sequence[str] = (),
        enable_oidc_issuer: bool = False,
        enable_workload_identity: bool = False,
        tags: dict[str, str] | None = None,
        dry_run: Literal[False] = False,
    ) -> Cluster: ...
    @overload
    def create_cluster(
        self,
        name: str,
        *,
        resource_group: str,
        location: str | None = None,
        identity: ManagedIdentity | str | ResourceId | None = None,
        kubelet_identity: ManagedIdentity | str | ResourceId | None = None,
        service_principal: ServicePrincipal | None = None,
        network: NetworkProfile | None = None,
        private_dns_zone: str | ResourceId | None = None,
        attach_acr: Sequence[str | ResourceId] = (),
        grant_kubelet_operator: bool = True,
        grant_subnet: bool = True,
        node_count: int = 1,
        kubernetes_version: str | None = None,
        addons: Sequence[str] = (),
        enable_oidc_issuer: bool = False,
        enable_workload_identity: bool = False,
        tags: dict[str, str] | None = None,
        dry_run: Literal[True],
    ) -> Plan: ...
    def create_cluster(
        self,
        name: str,
        *,
        resource_group: str,
        location: str | None = None,
        identity: ManagedIdentity | str | ResourceId | None = None,
        kubelet_identity: ManagedIdentity | str | ResourceId | None = None,
        service_principal: ServicePrincipal | None = None,
        network: NetworkProfile | None = None,
        private_dns_zone: str | ResourceId | None = None,
        attach_acr: Sequence[str | ResourceId] = (),
        grant_kubelet_operator: bool = True,
        grant_subnet: bool = True,
        node_count: int = 1,
        kubernetes_version: str | None = None,
        addons: Sequence[str] = (),
        enable_oidc_issuer: bool = False,
        enable_workload_identity: bool = False,
        tags: dict[str, str] | None = None,
        dry_run: bool = False,
    ) -> Cluster | Plan:
        """Create an AKS cluster and the role assignments its identities need.

        The control plane is system-assigned by default, user-assigned with ``identity``, or a
        legacy ``service_principal``. Automatic grants (each skippable): Managed Identity
        Operator on ``kubelet_identity`` for the control plane (``grant_kubelet_operator``),
        Network Contributor on ``network.subnet_id`` (``grant_subnet``: before the create for a
        user-assigned identity, right after it for a system-assigned one), AcrPull on each
        ``attach_acr`` registry for the kubelet identity. Re-running converges.
        """
        return self._flows.create_cluster(
            name,
            resource_group=resource_group,
            location=location,
            identity=identity,
            kubelet_identity=kubelet_identity,
            service_principal=service_principal,
            network=network,
            private_dns_zone=private_dns_zone,
            attach_acr=attach_acr,
            grant_kubelet_operator=grant_kubelet_operator,
            grant_subnet=grant_subnet,
            node_count=node_count,
            kubernetes_version=kubernetes_version,
            addons=addons,
            enable_oidc_issuer=enable_oidc_issuer,
            enable_workload_identity=enable_workload_identity,
            tags=tags,
            dry_run=dry_run,
        )

    def get_cluster(
        self, name_or_id: str | ResourceId, *, resource_group: str | None = None
    ) -> Cluster:
        """A cluster by name and group, or by resource ID."""
        return self._arm.get_cluster(self._cluster_id(name_or_id, resource_group))

    def _cluster_id(self, name_or_id: str | ResourceId, resource_group: str | None) -> ResourceId:
        if isinstance(name_or_id, ResourceId) or name_or_id.startswith("/"):
            return ResourceId.parse(name_or_id).expect(
                ResourceKind.MANAGED_CLUSTER, what="cluster ID"
            )
        if not resource_group:
            raise ValidationError(
                "pass resource_group= with a cluster name (or pass the cluster's resource ID)",
                rule="cluster-reference",
            )
        return self._id(resource_group, "Microsoft.ContainerService", "managedClusters", name_or_id)

    def list_clusters(self, resource_group: str | None = None) -> list[Cluster]:
        """Clusters of a group, or of the whole subscription."""
        return self._arm.list_clusters(resource_group)

    @overload
    def delete_cluster(
        self,
        name_or_id: str | ResourceId,
        *,
        resource_group: str | None = None,
        dry_run: Literal[False] = False,
    ) -> None: ...
    @overload
    def delete_cluster(
        self,
        name_or_id: str | ResourceId,
        *,
        resource_group: str | None = None,
        dry_run: Literal[True],
    ) -> Plan: ...
    def delete_cluster(
        self,
        name_or_id: str | ResourceId,
        *,
        resource_group: str | None = None,
        dry_run: bool = False,
    ) -> Plan | None:
        """Delete a cluster (and its node resource group); nothing happens when it is absent."""
        rid = self._cluster_id(name_or_id, resource_group)
        builder = PlanBuilder(f"delete cluster {rid.name}", rid)
        builder.step(
            "delete",
            f"DELETE managed cluster {rid.name}; wait for it to go",
            lambda: self._ignore_missing(lambda: self._arm.delete_cluster(rid)),
            target=rid,
        )
        plan = builder.plan()
        if dry_run:
            return plan
        execute(plan)
        return None

    # -- role assignments ------------------------------------------------------------------

    @overload
    def grant(
        self,
        principal: Principal,
        role: str | Role,
        scope: str | ResourceId,
        *,
        allow_broad_scope: bool = False,
        dry_run: Literal[False] = False,
    ) -> RoleAssignment: ...
    @overload
    def grant(
        self,
        principal: Principal,
        role: str | Role,
        scope: str | ResourceId,
        *,
        allow_broad_scope: bool = False,
        dry_run: Literal[True],
    ) -> Plan: ...
    def grant(
        self,
        principal: Principal,
        role: str | Role,
        scope: str | ResourceId,
        *,
        allow_broad_scope: bool = False,
        dry_run: bool = False,
    ) -> RoleAssignment | Plan:
        """Assign ``role`` to an explicit principal at ``scope`` (idempotent).

        ARM checks that the principal exists (principalType is left to ARM), so a principal
        that does not exist, or a client ID passed where the object ID belongs, fails fast
        with NotFoundError. Grants to managed identities (``ManagedIdentity.grant``,
        ``Cluster.grant``, ``KubeletIdentity.grant``) always send principalType instead.
        """
        return self._grants.grant(
            principal, role, scope, allow_broad_scope=allow_broad_scope, dry_run=dry_run
        )

    def role_assignments(
        self,
        *,
        principal: Principal | str | None = None,
        scope: str | ResourceId | None = None,
    ) -> list[RoleAssignment]:
        """Role assignments at, above and below ``scope`` (default: the subscription),
        optionally only those of one principal (a Principal or an object ID)."""
        target = (
            ResourceId.parse(f"/subscriptions/{self._subscription_id}")
            if scope is None
            else ResourceId.parse(scope)
        )
        query = None
        if principal is not None:
            object_id = principal.object_id if isinstance(principal, Principal) else principal
            query = f"principalId eq '{object_id.lower()}'"
        return self._arm.list_role_assignments(target, filter=query)

    def get_role_assignment(self, assignment_id: str) -> RoleAssignment:
        """A role assignment by its ID."""
        return self._arm.get_role_assignment(assignment_id)
