"""The entry point: :class:`Azure`, one subscription of one cloud (or the emulator)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, overload

from aks_identity import _activation
from aks_identity._azure import Arm, Connection, check_sdk_options, endpoints
from aks_identity._checks import (
    check_bool,
    check_credential,
    check_guid,
    check_optional_str,
    check_str,
    check_subscription_id,
    check_tags,
    odata_literal,
)
from aks_identity._errors import NotFoundError, ValidationError
from aks_identity._flows import Operations
from aks_identity._grants import Grants
from aks_identity._ids import ResourceId, ResourceKind
from aks_identity._model import NetworkProfile, Principal, ServicePrincipal
from aks_identity._objects import Cluster, ManagedIdentity, ResourceGroup, RoleAssignment
from aks_identity._permissions import PlanGuard
from aks_identity._plan import Plan, PlanBuilder, execute
from aks_identity._retry import RetryPolicy
from aks_identity._roles import Role
from aks_identity._rules import (
    check_cluster_reference,
    check_create_cluster,
    check_identity_name,
    check_optional_group,
    check_resource_group_name,
    check_service_cidr_overlap,
    known_location,
    normalize_location,
)

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from typing_extensions import Unpack

    from aks_identity._azure import SdkOptions
    from aks_identity._azure._graph import Graph

__all__ = ["Azure"]

_DEFAULT_RETRY = RetryPolicy()


class Azure(_activation.ClosesOnExit):
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
        options = check_sdk_options(dict(sdk_options))
        credential, base_url, connection_verify, retry = _activation.connection_for(
            credential, base_url, connection_verify, retry, default_retry=_DEFAULT_RETRY
        )
        credential = check_credential(credential)
        subscription = check_subscription_id(subscription_id)
        check_str(cloud, "cloud", rule="cloud")
        _check_connection(base_url, connection_verify)
        _check_retry(retry)
        self._endpoints = endpoints(cloud, base_url)
        self._subscription_id = subscription
        self._retry = retry
        self._settings = (credential, cloud, base_url, connection_verify)
        self._siblings: dict[str, Azure] = {}
        self._locations: frozenset[str] | None = None
        self._groups: dict[str, ResourceGroup] = {}
        """Resource groups this client created or read (lower-case name): their name and
        location never change, so a create in a group reads the group once per client."""
        self._graph: Graph | None = None
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
        self._guard = PlanGuard(
            self._arm.permissions, lambda: self._retry, cluster_body=self._arm.get_cluster_body
        )
        self._grants = Grants(self)
        self._ops = Operations(self, self._arm, self._grants)

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

        check_optional_str(cloud, "cloud", rule="cloud")
        _check_retry(retry)
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
        """Close the HTTP sessions (this client's and those of its sibling subscriptions)."""
        self._arm.close()
        if self._graph is not None:
            self._graph.close()
        for sibling in self._siblings.values():
            sibling.close()

    def _graph_client(self) -> Graph:
        """Microsoft Graph for this client's credential and cloud (made on first use; on the
        emulator, and under ``emu.activate()``, Graph is on the emulator's own origin)."""
        if self._graph is None:
            from aks_identity._azure._graph import Graph

            credential, cloud, base_url, verify = self._settings
            self._graph = Graph(
                credential,
                cloud=cloud,
                base_url=base_url,
                connection_verify=verify,
                policy=self._retry,
            )
        return self._graph

    def _in_subscription(self, subscription_id: str) -> Azure:
        """A client of another subscription with this one's credential and settings (cached).

        Resource IDs in another subscription are read there, never re-pointed here.
        """
        subscription = check_subscription_id(subscription_id)
        if subscription == self._subscription_id:
            return self
        sibling = self._siblings.get(subscription)
        if sibling is None:
            credential, cloud, base_url, verify = self._settings
            sibling = Azure(
                credential,
                subscription,
                cloud=cloud,
                base_url=base_url,
                connection_verify=verify,
                retry=self._retry,
            )
            self._siblings[subscription] = sibling
        return sibling

    def _for(self, rid: ResourceId) -> Azure:
        """The client of the subscription ``rid`` lives in (this one, or a sibling)."""
        return self._in_subscription(rid.subscription_id) if rid.subscription_id else self

    def _location(self, location: object) -> str:
        """A region of ARM's list for this subscription (read once per client)."""
        region = normalize_location(location)  # type: ignore[arg-type]
        if self._locations is None:
            self._locations = frozenset(self._arm.locations())
        return known_location(region, self._locations)

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
    ) -> Plan[ResourceGroup]: ...
    @overload
    def create_resource_group(
        self,
        name: str,
        *,
        location: str,
        tags: dict[str, str] | None = None,
        dry_run: bool,
    ) -> ResourceGroup | Plan[ResourceGroup]: ...
    def create_resource_group(
        self,
        name: str,
        *,
        location: str,
        tags: dict[str, str] | None = None,
        dry_run: bool = False,
    ) -> ResourceGroup | Plan:
        """Create a resource group, or return the existing one (idempotent).

        ``tags`` None keeps an existing group's tags; a mapping replaces them.
        """
        check_resource_group_name(name)
        new_tags = check_tags(tags)
        check_bool(dry_run, "dry_run")
        region = self._location(location)
        # A listing, not a GET that fails 404 on every first run: an existing group's tags
        # are kept, and the plan says it updates it.
        existing = next(
            (g for g in self._arm.list_resource_groups() if g.name.lower() == name.lower()),
            None,
        )
        if existing is not None and existing.location != region:
            raise ValidationError(
                f"resource group {name} already exists in {existing.location}, not {region}. "
                f"Fix: pass location={existing.location!r} or choose another name",
                rule="location",
                resource_id=str(existing.id),
            )
        group_id = f"/subscriptions/{self._subscription_id}/resourceGroups/{name}"
        builder = PlanBuilder(
            f"create resource group {name}",
            group_id,
            runner=self._guard,
            finish=lambda _: result[-1],
        )
        result: list[ResourceGroup] = []
        keep = dict(existing.tags) if existing is not None else None
        send = keep if new_tags is None else new_tags
        builder.step(
            "create" if existing is None else "update",
            f"PUT resource group {name} in {region}"
            + _update_note("resource group", name, existing is not None, keep, send),
            lambda: result.append(self._arm.put_resource_group(name, region, send)),
            target=group_id,
        )
        plan = builder.plan()
        if dry_run:
            return plan
        execute(plan)
        return self._held_group(result[0])

    def get_resource_group(self, name: str) -> ResourceGroup:
        """A resource group; NotFoundError when it does not exist."""
        return self._held_group(self._arm.get_resource_group(check_resource_group_name(name)))

    def _held_group(self, group: ResourceGroup) -> ResourceGroup:
        self._groups[group.name.lower()] = group
        return group

    def _group(self, name: str) -> ResourceGroup:
        """The resource group as this client last saw it (read once per client): for its
        name's casing and location only, which never change."""
        held = self._groups.get(name.lower())
        return held if held is not None else self.get_resource_group(name)

    def list_resource_groups(self) -> list[ResourceGroup]:
        """Every resource group of the subscription."""
        return self._arm.list_resource_groups()

    @overload
    def delete_resource_group(self, name: str, *, dry_run: Literal[False] = False) -> None: ...
    @overload
    def delete_resource_group(self, name: str, *, dry_run: Literal[True]) -> Plan[None]: ...
    @overload
    def delete_resource_group(self, name: str, *, dry_run: bool) -> Plan[None] | None: ...
    def delete_resource_group(self, name: str, *, dry_run: bool = False) -> Plan | None:
        """Delete a resource group and everything in it; nothing happens when it is absent."""
        check_resource_group_name(name)
        check_bool(dry_run, "dry_run")
        builder = PlanBuilder(
            f"delete resource group {name}", runner=self._guard, finish=lambda _: None
        )
        if not dry_run:
            self._groups.pop(name.lower(), None)
        builder.step(
            "delete",
            f"DELETE resource group {name} and everything in it",
            lambda: self._ignore_missing(lambda: self._arm.delete_resource_group(name)),
            target=f"/subscriptions/{self._subscription_id}/resourceGroups/{name}",
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
    ) -> Plan[ManagedIdentity]: ...
    @overload
    def create_identity(
        self,
        name: str,
        *,
        resource_group: str,
        location: str | None = None,
        tags: dict[str, str] | None = None,
        dry_run: bool,
    ) -> ManagedIdentity | Plan[ManagedIdentity]: ...
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

        ``location`` None uses the resource group's location. ``tags`` None keeps an existing
        identity's tags; a mapping replaces them.
        """
        check_identity_name(name)
        check_resource_group_name(resource_group)
        new_tags = check_tags(tags)
        check_bool(dry_run, "dry_run")
        region = (
            self._location(location)
            if location is not None
            else self._group(resource_group).location
        )
        rid = self._id(resource_group, "Microsoft.ManagedIdentity", "userAssignedIdentities", name)
        # A listing of the group's identities, not a GET that fails 404 on every first run:
        # an existing identity keeps its tags, and the plan says it updates it.
        existing = next((i for i in self._arm.list_identities(resource_group) if i.id == rid), None)
        if existing is not None and existing.location != region:
            raise ValidationError(
                f"identity {name} already exists in {existing.location}, not {region}; a "
                f"location cannot change. Fix: pass location={existing.location!r}",
                rule="location",
                resource_id=str(rid),
            )
        keep = dict(existing.tags) if existing is not None else None
        send = keep if new_tags is None else new_tags
        result: list[ManagedIdentity] = []
        builder = PlanBuilder(
            f"create identity {name}", rid, runner=self._guard, finish=lambda _: result[-1]
        )
        builder.step(
            "create" if existing is None else "update",
            f"PUT user-assigned identity {name} in {region}"
            + _update_note("identity", name, existing is not None, keep, send),
            lambda: result.append(self._arm.put_identity(rid, region, send)),
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
            if name is not None or resource_group is not None:
                raise ValidationError(
                    "get_identity: pass a resource ID or name= and resource_group=, not both. "
                    "Fix: drop name=/resource_group= (the ID already says them)",
                    rule="identity-reference",
                )
            rid = ResourceId.parse(resource_id).expect(
                ResourceKind.USER_ASSIGNED_IDENTITY, what="identity ID"
            )
        elif name is not None and resource_group is not None:
            check_identity_name(name)
            check_resource_group_name(resource_group)
            rid = self._id(
                resource_group, "Microsoft.ManagedIdentity", "userAssignedIdentities", name
            )
        else:
            raise ValidationError(
                "get_identity needs the identity. Fix: pass a resource ID, or name= and "
                "resource_group=",
                rule="identity-reference",
            )
        return self._for(rid)._arm.get_identity(rid)

    def list_identities(self, resource_group: str | None = None) -> list[ManagedIdentity]:
        """User-assigned identities of a group, or of the whole subscription."""
        return self._arm.list_identities(check_optional_group(resource_group))

    @overload
    def delete_identity(
        self, identity: ManagedIdentity | str | ResourceId, *, dry_run: Literal[False] = False
    ) -> None: ...
    @overload
    def delete_identity(
        self, identity: ManagedIdentity | str | ResourceId, *, dry_run: Literal[True]
    ) -> Plan[None]: ...
    @overload
    def delete_identity(
        self, identity: ManagedIdentity | str | ResourceId, *, dry_run: bool
    ) -> Plan[None] | None: ...
    def delete_identity(
        self, identity: ManagedIdentity | str | ResourceId, *, dry_run: bool = False
    ) -> Plan | None:
        """Delete a user-assigned identity; nothing happens when it is absent."""
        check_bool(dry_run, "dry_run")
        rid = (
            identity.id
            if isinstance(identity, ManagedIdentity)
            else ResourceId.parse(identity).expect(
                ResourceKind.USER_ASSIGNED_IDENTITY, what="identity ID"
            )
        )
        builder = PlanBuilder(
            f"delete identity {rid.name}", rid, runner=self._guard, finish=lambda _: None
        )
        builder.step(
            "delete",
            f"DELETE user-assigned identity {rid.name}",
            lambda: self._for(rid)._arm.delete_identity(rid),
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
        grant_addons: bool = True,
        node_count: int = 1,
        kubernetes_version: str | None = None,
        addons: Sequence[str] | Mapping[str, Mapping[str, str]] = (),
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
        grant_addons: bool = True,
        node_count: int = 1,
        kubernetes_version: str | None = None,
        addons: Sequence[str] | Mapping[str, Mapping[str, str]] = (),
        enable_oidc_issuer: bool = False,
        enable_workload_identity: bool = False,
        tags: dict[str, str] | None = None,
        dry_run: Literal[True],
    ) -> Plan[Cluster]: ...
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
        grant_addons: bool = True,
        node_count: int = 1,
        kubernetes_version: str | None = None,
        addons: Sequence[str] | Mapping[str, Mapping[str, str]] = (),
        enable_oidc_issuer: bool = False,
        enable_workload_identity: bool = False,
        tags: dict[str, str] | None = None,
        dry_run: bool,
    ) -> Cluster | Plan[Cluster]: ...
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
        grant_addons: bool = True,
        node_count: int = 1,
        kubernetes_version: str | None = None,
        addons: Sequence[str] | Mapping[str, Mapping[str, str]] = (),
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
        ``attach_acr`` registry for the kubelet identity, and the add-ons' grants the Azure CLI
        makes (``grant_addons``; ``addons`` is a list of names or a mapping of names to their
        config). Re-running converges.
        """
        checked = check_create_cluster(
            name=name,
            resource_group=resource_group,
            identity=identity,
            kubelet_identity=kubelet_identity,
            service_principal=service_principal,
            network=network,
            attach_acr=attach_acr,
            node_count=node_count,
            kubernetes_version=kubernetes_version,
            addons=addons,
            tags=tags,
            flags={
                "grant_kubelet_operator": grant_kubelet_operator,
                "grant_subnet": grant_subnet,
                "grant_addons": grant_addons,
                "enable_oidc_issuer": enable_oidc_issuer,
                "enable_workload_identity": enable_workload_identity,
                "dry_run": dry_run,
            },
        )
        if location is not None:
            location = self._location(location)
        if network is not None and network.subnet_id is not None:
            self._check_subnet(network)
        return self._ops.create_cluster(
            name,
            resource_group=resource_group,
            location=location,
            identity=identity,
            kubelet_identity=kubelet_identity,
            service_principal=service_principal,
            network=network,
            private_dns_zone=private_dns_zone,
            attach_acr=checked.attach_acr,
            grant_kubelet_operator=grant_kubelet_operator,
            grant_subnet=grant_subnet,
            grant_addons=grant_addons,
            node_count=node_count,
            kubernetes_version=kubernetes_version,
            addons=addons,
            enable_oidc_issuer=enable_oidc_issuer,
            enable_workload_identity=enable_workload_identity,
            tags=checked.tags,
            dry_run=dry_run,
        )

    def _check_subnet(self, network: NetworkProfile) -> None:
        """The subnet exists (read once, in its own subscription) and does not overlap the
        service CIDR, as AKS checks (ServiceCidrOverlapExistingSubnetsCidr)."""
        subnet = network.subnet_id
        assert subnet is not None
        subnet.expect(ResourceKind.SUBNET, what="network.subnet_id")
        body = self._for(subnet)._arm.get_resource_body(subnet, _NETWORK_API)
        props = body.get("properties") or {}
        prefixes = list(props.get("address_prefixes") or props.get("addressPrefixes") or [])
        prefix = props.get("address_prefix") or props.get("addressPrefix")
        if prefix:
            prefixes.append(prefix)
        check_service_cidr_overlap(network, [str(p) for p in prefixes], subnet)

    def get_cluster(
        self, name_or_id: str | ResourceId, *, resource_group: str | None = None
    ) -> Cluster:
        """A cluster by name and group, or by resource ID."""
        rid = self._cluster_id(name_or_id, resource_group)
        return self._for(rid)._arm.get_cluster(rid)

    def _cluster_id(self, name_or_id: str | ResourceId, resource_group: str | None) -> ResourceId:
        parsed = check_cluster_reference(name_or_id, resource_group)
        if isinstance(parsed, ResourceId):
            return parsed
        assert resource_group is not None
        return self._id(resource_group, "Microsoft.ContainerService", "managedClusters", parsed)

    def list_clusters(self, resource_group: str | None = None) -> list[Cluster]:
        """Clusters of a group, or of the whole subscription."""
        return self._arm.list_clusters(check_optional_group(resource_group))

    @overload
    def delete_cluster(
        self,
        name_or_id: str | ResourceId,
        *,
        resource_group: str | None = None,
        keep_role_assignments: bool = False,
        dry_run: Literal[False] = False,
    ) -> None: ...
    @overload
    def delete_cluster(
        self,
        name_or_id: str | ResourceId,
        *,
        resource_group: str | None = None,
        keep_role_assignments: bool = False,
        dry_run: Literal[True],
    ) -> Plan[None]: ...
    @overload
    def delete_cluster(
        self,
        name_or_id: str | ResourceId,
        *,
        resource_group: str | None = None,
        keep_role_assignments: bool = False,
        dry_run: bool,
    ) -> Plan[None] | None: ...
    def delete_cluster(
        self,
        name_or_id: str | ResourceId,
        *,
        resource_group: str | None = None,
        keep_role_assignments: bool = False,
        dry_run: bool = False,
    ) -> Plan | None:
        """Delete a cluster (and its node resource group); nothing happens when it is absent.

        First the role assignments held by the identities AKS made for the cluster (its
        system-assigned identity, the kubelet and add-on identities in the node resource group)
        are removed: AKS deletes those identities, and their assignments would stay behind as
        orphans. ``keep_role_assignments=True`` skips that; the plan lists them.
        """
        check_bool(keep_role_assignments, "keep_role_assignments")
        check_bool(dry_run, "dry_run")
        rid = self._cluster_id(name_or_id, resource_group)
        return self._for(rid)._ops.delete_cluster(
            rid, keep_role_assignments=keep_role_assignments, dry_run=dry_run
        )

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
    ) -> Plan[RoleAssignment]: ...
    @overload
    def grant(
        self,
        principal: Principal,
        role: str | Role,
        scope: str | ResourceId,
        *,
        allow_broad_scope: bool = False,
        dry_run: bool,
    ) -> RoleAssignment | Plan[RoleAssignment]: ...
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

        ``principalType`` is sent (the principal's type), so ARM does not look the principal up
        in Microsoft Entra ID and a freshly created principal never gets PrincipalNotFound.
        ARM then does not check the object ID either: pass the object ID, not a client ID.
        """
        if not isinstance(principal, Principal):
            raise ValidationError(
                f"principal: expected an aks_identity.Principal, got {type(principal).__name__}. "
                "Fix: pass Principal(object_id, principal_type)",
                rule="type",
            )
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
            object_id = (
                principal.object_id
                if isinstance(principal, Principal)
                else check_guid(principal, "principal (object ID)", rule="object_id")
            )
            query = f"principalId eq {odata_literal(object_id)}"
        return self._arm.list_role_assignments(target, filter=query)

    def get_role_assignment(self, assignment_id: str | ResourceId) -> RoleAssignment:
        """A role assignment by its ID."""
        rid = ResourceId.parse(assignment_id).expect(
            ResourceKind.ROLE_ASSIGNMENT, what="assignment_id"
        )
        return self._arm.get_role_assignment(str(rid))


_NETWORK_API = "2023-09-01"


def _check_retry(retry: object) -> None:
    if not isinstance(retry, RetryPolicy):
        raise ValidationError(
            f"retry: expected an aks_identity.RetryPolicy, got {type(retry).__name__}. "
            "Fix: pass retry=aks_identity.RetryPolicy(...)",
            rule="type",
        )


def _check_connection(base_url: object, connection_verify: object) -> None:
    url = check_optional_str(base_url, "base_url", rule="base_url")
    if url is not None and not url.lower().startswith("https://"):
        raise ValidationError(
            f"base_url {url!r} is not an https:// URL. Fix: pass the ARM endpoint, e.g. "
            "emu.url or https://management.azure.com",
            rule="base_url",
        )
    if connection_verify is not None and not isinstance(connection_verify, (bool, str)):
        raise ValidationError(
            "connection_verify: expected True/False or a CA bundle path, got "
            f"{type(connection_verify).__name__}. Fix: pass emu.ca_bundle or True",
            rule="type",
        )


def _update_note(
    kind: str,
    name: str,
    exists: bool,
    before: dict[str, str] | None,
    after: dict[str, str] | None,
) -> str:
    """How a re-run changes an existing resource, for its plan step."""
    if not exists:
        return ""
    if (before or {}) == (after or {}):
        return f" (updates existing {kind} {name}; its tags are kept)"
    return f" (updates existing {kind} {name}: tags {before or {}} -> {after or {}})"
