"""Domain objects: immutable snapshots of Azure resources that carry their own operations.

Each object holds a reference to the :class:`~aks_identity.Azure` client that read it. A
mutating method returns the refreshed object (or a :class:`~aks_identity.Plan` with
``dry_run=True``); the snapshot itself never changes.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, overload

import attrs

from aks_identity._checks import check_bool, check_flags, check_number, check_str_sequence
from aks_identity._errors import ValidationError
from aks_identity._ids import ResourceId
from aks_identity._model import (
    ClusterIdentity,
    IdentityType,
    NetworkProfile,
    Principal,
    PrincipalType,
)
from aks_identity._roles import Role, get_role

if TYPE_CHECKING:
    from aks_identity._client import Azure
    from aks_identity._flows import Operations
    from aks_identity._plan import Plan

__all__ = [
    "AddonProfile",
    "AgentPool",
    "Cluster",
    "IdentityUse",
    "KubeletIdentity",
    "ManagedIdentity",
    "ResourceGroup",
    "RoleAssignment",
]


def _tags(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(value or {}))


def _rid(value: str | ResourceId) -> ResourceId:
    return ResourceId.parse(value)


def _optional_rid(value: str | ResourceId | None) -> ResourceId | None:
    return None if value is None else ResourceId.parse(value)


def _ops(azure: Azure) -> Operations:
    """The one internal interface the objects call (flows and grants of their client)."""
    return azure._ops


def _short(value: str | None) -> str:
    """The first block of a GUID, enough to tell principals apart in a repr."""
    return (value or "-").split("-")[0]


@attrs.frozen(kw_only=True, eq=False, repr=False)
class ResourceGroup:
    """A resource group."""

    _azure: Azure
    id: ResourceId = attrs.field(converter=_rid)
    name: str
    location: str
    tags: Mapping[str, str] = attrs.field(factory=dict, converter=_tags)
    provisioning_state: str | None = None

    def __repr__(self) -> str:
        return f"<ResourceGroup {self.name} in {self.location}>"

    def _repr_html_(self) -> str:
        from aks_identity._notebook import object_html

        return object_html(self, {"id": self.id, "location": self.location})

    @overload
    def delete(self, *, dry_run: Literal[False] = False) -> None: ...
    @overload
    def delete(self, *, dry_run: Literal[True]) -> Plan[None]: ...
    @overload
    def delete(self, *, dry_run: bool) -> Plan[None] | None: ...
    def delete(self, *, dry_run: bool = False) -> Plan | None:
        """Delete the group and everything in it (idempotent)."""
        return self._azure.delete_resource_group(self.name, dry_run=dry_run)


class _Grants(abc.ABC):
    """Mixin: :meth:`grant` and :meth:`role_assignments` for the principal ``_grantee()``."""

    _azure: Azure

    @abc.abstractmethod
    def _grantee(self) -> Principal:
        """The principal roles are granted to."""

    @overload
    def grant(
        self,
        role: str | Role,
        scope: str | ResourceId,
        *,
        allow_broad_scope: bool = False,
        dry_run: Literal[False] = False,
    ) -> RoleAssignment: ...
    @overload
    def grant(
        self,
        role: str | Role,
        scope: str | ResourceId,
        *,
        allow_broad_scope: bool = False,
        dry_run: Literal[True],
    ) -> Plan[RoleAssignment]: ...
    @overload
    def grant(
        self,
        role: str | Role,
        scope: str | ResourceId,
        *,
        allow_broad_scope: bool = False,
        dry_run: bool,
    ) -> RoleAssignment | Plan[RoleAssignment]: ...
    def grant(
        self,
        role: str | Role,
        scope: str | ResourceId,
        *,
        allow_broad_scope: bool = False,
        dry_run: bool = False,
    ) -> RoleAssignment | Plan:
        """Assign ``role`` (name, GUID or definition ID) at ``scope``; idempotent.

        The principal is the identity's own (a cluster's: its control-plane identity). An
        equivalent assignment (same principal and role at this scope or a parent scope) is
        returned instead of creating a duplicate.
        """
        return _ops(self._azure).grant(
            self._grantee(), role, scope, allow_broad_scope=allow_broad_scope, dry_run=dry_run
        )

    def role_assignments(self, scope: str | ResourceId | None = None) -> list[RoleAssignment]:
        """The principal's role assignments (in the subscription, or at/above/below ``scope``)."""
        return self._azure.role_assignments(principal=self._grantee(), scope=scope)


class _Grantee(_Grants):
    """Mixin: a principal that can be granted roles."""

    @property
    @abc.abstractmethod
    def principal(self) -> Principal:
        """The Entra principal to grant roles to."""

    def _grantee(self) -> Principal:
        return self.principal


@attrs.frozen(kw_only=True, eq=False, repr=False)
class ManagedIdentity(_Grantee):
    """A user-assigned managed identity."""

    _azure: Azure
    id: ResourceId = attrs.field(converter=_rid)
    name: str
    location: str
    principal_id: str
    """Object ID of the identity's service principal: what role assignments name."""
    client_id: str
    tenant_id: str
    tags: Mapping[str, str] = attrs.field(factory=dict, converter=_tags)

    @property
    def resource_group(self) -> str:
        """The identity's resource group."""
        return self.id.resource_group or ""

    @property
    def principal(self) -> Principal:
        return Principal(self.principal_id, PrincipalType.SERVICE_PRINCIPAL)

    def __repr__(self) -> str:
        return (
            f"<ManagedIdentity {self.name} ({self.resource_group}, {self.location}) "
            f"principal {_short(self.principal_id)}…>"
        )

    def _repr_html_(self) -> str:
        from aks_identity._notebook import object_html

        return object_html(
            self,
            {
                "id": self.id,
                "location": self.location,
                "principal_id": self.principal_id,
                "client_id": self.client_id,
                "tenant_id": self.tenant_id,
            },
        )

    def refresh(self) -> ManagedIdentity:
        """A fresh snapshot."""
        return self._azure.get_identity(self.id)

    @overload
    def delete(self, *, dry_run: Literal[False] = False) -> None: ...
    @overload
    def delete(self, *, dry_run: Literal[True]) -> Plan[None]: ...
    @overload
    def delete(self, *, dry_run: bool) -> Plan[None] | None: ...
    def delete(self, *, dry_run: bool = False) -> Plan | None:
        """Delete the identity (idempotent)."""
        return self._azure.delete_identity(self.id, dry_run=dry_run)


@attrs.frozen(kw_only=True, eq=False, repr=False)
class KubeletIdentity(_Grantee):
    """The identity a cluster's kubelets use to pull images and read Azure resources."""

    _azure: Azure
    resource_id: ResourceId = attrs.field(converter=_rid)
    client_id: str
    object_id: str
    cluster_id: ResourceId | None = None

    @property
    def name(self) -> str:
        """The identity's name."""
        return self.resource_id.name or ""

    @property
    def principal(self) -> Principal:
        return Principal(self.object_id, PrincipalType.SERVICE_PRINCIPAL)

    def __repr__(self) -> str:
        return f"<KubeletIdentity {self.name} object {_short(self.object_id)}…>"

    def _repr_html_(self) -> str:
        from aks_identity._notebook import object_html

        return object_html(
            self,
            {
                "resource_id": self.resource_id,
                "client_id": self.client_id,
                "object_id": self.object_id,
            },
        )


@attrs.frozen(kw_only=True, eq=False, repr=False)
class RoleAssignment:
    """A role assignment: a role granted to a principal at a scope."""

    _azure: Azure
    id: str
    name: str
    scope: ResourceId = attrs.field(converter=_rid)
    principal_id: str
    principal_type: PrincipalType | None
    role_definition_id: str

    @property
    def role(self) -> Role:
        """The assigned role (built-in roles by name; custom roles by GUID)."""
        return get_role(self.role_definition_id)

    @property
    def role_name(self) -> str:
        """The role's name, or its GUID for a custom role."""
        role = self.role
        return role.name or role.guid

    def __repr__(self) -> str:
        where = self.scope.name or str(self.scope)
        return f"<RoleAssignment {self.role_name!r} for {_short(self.principal_id)}… on {where}>"

    def _repr_html_(self) -> str:
        from aks_identity._notebook import object_html

        return object_html(
            self,
            {
                "role": self.role_name,
                "scope": self.scope,
                "principal_id": self.principal_id,
                "principal_type": self.principal_type,
                "id": self.id,
            },
        )

    @overload
    def revoke(self, *, dry_run: Literal[False] = False) -> None: ...
    @overload
    def revoke(self, *, dry_run: Literal[True]) -> Plan[None]: ...
    @overload
    def revoke(self, *, dry_run: bool) -> Plan[None] | None: ...
    def revoke(self, *, dry_run: bool = False) -> Plan | None:
        """Delete the assignment (idempotent)."""
        check_bool(dry_run, "dry_run")
        return _ops(self._azure).revoke(self, dry_run=dry_run)

    def wait_until_effective(
        self, probe: Callable[[], bool] | None = None, timeout: float | None = None
    ) -> RoleAssignment:
        """Wait until the assignment is in force.

        Without ``probe``: until ARM returns it consistently. With ``probe`` (a callable that
        tries the real access and returns True once it works), until the probe passes.
        Raises :class:`~aks_identity.PropagationTimeout` when the budget runs out.
        """
        if probe is not None and not callable(probe):
            raise ValidationError(
                f"probe: expected a function returning bool, got {type(probe).__name__}. "
                "Fix: pass probe=lambda: <try the access> or None",
                rule="type",
            )
        if timeout is not None:
            timeout = check_number(timeout, "timeout", strict=True, rule="type")
        _ops(self._azure).wait_until_effective(self, probe=probe, timeout=timeout)
        return self


@attrs.frozen(kw_only=True)
class AgentPool:
    """A node pool: what matters for identities (subnet, node image)."""

    name: str
    node_image_version: str | None = None
    subnet_id: ResourceId | None = attrs.field(default=None, converter=_optional_rid)
    count: int | None = None
    mode: str | None = None
    provisioning_state: str | None = None


@attrs.frozen(kw_only=True)
class AddonProfile:
    """An add-on and the identity AKS created for it (if any)."""

    name: str
    enabled: bool
    identity_id: ResourceId | None = attrs.field(default=None, converter=_optional_rid)
    client_id: str | None = None
    object_id: str | None = None
    config: Mapping[str, str] = attrs.field(factory=dict, converter=_tags)


@attrs.frozen(kw_only=True)
class PodIdentity:
    """An identity bound through the deprecated pod-managed identity add-on."""

    name: str
    namespace: str
    identity_id: ResourceId | None = None
    client_id: str | None = None
    object_id: str | None = None


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Cluster(_Grants):
    """An AKS managed cluster, as far as identities are concerned."""

    _azure: Azure
    id: ResourceId = attrs.field(converter=_rid)
    name: str
    location: str
    provisioning_state: str | None
    identity: ClusterIdentity
    service_principal_client_id: str | None
    """``"msi"`` on managed-identity clusters; the service principal's client ID otherwise."""
    kubelet_identity: KubeletIdentity | None
    network: NetworkProfile
    agent_pools: tuple[AgentPool, ...] = ()
    addons: tuple[AddonProfile, ...] = ()
    pod_identities: tuple[PodIdentity, ...] = ()
    pod_identity_enabled: bool = False
    oidc_issuer_enabled: bool = False
    oidc_issuer_url: str | None = None
    workload_identity_enabled: bool = False
    private_dns_zone: str | None = None
    node_resource_group: str | None = None
    kubernetes_version: str | None = None
    web_app_routing: AddonProfile | None = None
    """The application routing add-on (``ingressProfile.webAppRouting``) and its identity."""
    cost_analysis_enabled: bool = False
    """``metricsProfile.costAnalysis.enabled`` (cost analysis uses no identity)."""
    etag: str | None = None
    """AKS's ``eTag`` of this snapshot (changes with every write to the cluster)."""

    @property
    def resource_group(self) -> str:
        """The cluster's resource group."""
        return self.id.resource_group or ""

    @property
    def identity_type(self) -> IdentityType:
        """SystemAssigned, UserAssigned, or ServicePrincipal (legacy: no managed identity)."""
        return self.identity.type

    @property
    def principal_id(self) -> str | None:
        """Object ID of the control-plane identity (None for a service-principal cluster)."""
        return self.identity.principal_id

    @property
    def uses_managed_identity(self) -> bool:
        """True when the control plane uses a managed identity (system- or user-assigned).

        Right after a service principal -> managed identity migration this is True while the
        kubelets may still use the service principal: see :attr:`kubelet_uses_managed_identity`.
        """
        return self.identity.type is not IdentityType.SERVICE_PRINCIPAL

    @property
    def kubelet_uses_managed_identity(self) -> bool:
        """True when the kubelets use a managed identity: servicePrincipalProfile.clientId is
        ``msi`` (the guide's check). After a migration from a service principal it stays False
        until the nodes get a newer node image (:meth:`upgrade_node_images`)."""
        client_id = self.service_principal_client_id
        if client_id is None:
            return self.identity.type is not IdentityType.SERVICE_PRINCIPAL
        return client_id.lower() == "msi"

    @property
    def subnet_ids(self) -> tuple[ResourceId, ...]:
        """The custom subnets of the node pools (deduplicated)."""
        seen: dict[ResourceId, None] = {}
        for pool in self.agent_pools:
            if pool.subnet_id is not None:
                seen.setdefault(pool.subnet_id, None)
        return tuple(seen)

    def __repr__(self) -> str:
        kubelet = f", kubelet {self.kubelet_identity.name}" if self.kubelet_identity else ""
        principal = f" principal {_short(self.principal_id)}…" if self.principal_id else ""
        return (
            f"<Cluster {self.name} ({self.resource_group}, {self.location}) "
            f"{self.identity_type.value}{principal}{kubelet} [{self.provisioning_state}]>"
        )

    def _repr_html_(self) -> str:
        from aks_identity._notebook import cluster_html

        return cluster_html(self)

    def refresh(self) -> Cluster:
        """A fresh snapshot."""
        return self._azure.get_cluster(self.id)

    # -- identity changes ---------------------------------------------------------------

    @overload
    def enable_managed_identity(
        self,
        *,
        grant_subnet: bool = True,
        grant_addons: bool = True,
        registries: Sequence[str | ResourceId] | None = None,
        dry_run: Literal[False] = False,
    ) -> Cluster: ...
    @overload
    def enable_managed_identity(
        self,
        *,
        grant_subnet: bool = True,
        grant_addons: bool = True,
        registries: Sequence[str | ResourceId] | None = None,
        dry_run: Literal[True],
    ) -> Plan[Cluster]: ...
    @overload
    def enable_managed_identity(
        self,
        *,
        grant_subnet: bool = True,
        grant_addons: bool = True,
        registries: Sequence[str | ResourceId] | None = None,
        dry_run: bool,
    ) -> Cluster | Plan[Cluster]: ...
    def enable_managed_identity(
        self,
        *,
        grant_subnet: bool = True,
        grant_addons: bool = True,
        registries: Sequence[str | ResourceId] | None = None,
        dry_run: bool = False,
    ) -> Cluster | Plan:
        """Service principal -> system-assigned managed identity.

        The kubelet keeps the service principal until a node image upgrade
        (:meth:`upgrade_node_images`); the plan says whether a newer image exists now.
        The new kubelet identity gets AcrPull, in the same plan, on each container registry the
        service principal could pull from: found from its own AcrPull assignments (its object
        ID read from Microsoft Graph by appId), or named with ``registries=[...]`` (``[]``
        re-attaches none; where Graph cannot be read, a RegistryReattachWarning says what to
        pass). A user-assigned cluster is refused: call :meth:`use_system_assigned_identity`.
        """
        check_flags(grant_subnet=grant_subnet, grant_addons=grant_addons, dry_run=dry_run)
        if registries is not None:
            registries = check_str_sequence(registries, "registries")
        return _ops(self._azure).enable_managed_identity(
            self,
            grant_subnet=grant_subnet,
            grant_addons=grant_addons,
            registries=registries,
            dry_run=dry_run,
        )

    @overload
    def use_system_assigned_identity(
        self,
        *,
        grant_subnet: bool = True,
        grant_addons: bool = True,
        dry_run: Literal[False] = False,
    ) -> Cluster: ...
    @overload
    def use_system_assigned_identity(
        self, *, grant_subnet: bool = True, grant_addons: bool = True, dry_run: Literal[True]
    ) -> Plan[Cluster]: ...
    @overload
    def use_system_assigned_identity(
        self, *, grant_subnet: bool = True, grant_addons: bool = True, dry_run: bool
    ) -> Cluster | Plan[Cluster]: ...
    def use_system_assigned_identity(
        self, *, grant_subnet: bool = True, grant_addons: bool = True, dry_run: bool = False
    ) -> Cluster | Plan:
        """User-assigned -> system-assigned control-plane identity.

        Refused before any write when the cluster uses a custom private DNS zone (AKS needs a
        user-assigned identity then) or a pre-created kubelet identity. The new principal gets
        the subnet and add-on grants after the update.
        """
        check_flags(grant_subnet=grant_subnet, grant_addons=grant_addons, dry_run=dry_run)
        return _ops(self._azure).use_system_assigned_identity(
            self, grant_subnet=grant_subnet, grant_addons=grant_addons, dry_run=dry_run
        )

    @overload
    def use_identity(
        self,
        identity: ManagedIdentity | str | ResourceId,
        *,
        grant_subnet: bool = True,
        grant_kubelet_operator: bool = True,
        grant_addons: bool = True,
        dry_run: Literal[False] = False,
    ) -> Cluster: ...
    @overload
    def use_identity(
        self,
        identity: ManagedIdentity | str | ResourceId,
        *,
        grant_subnet: bool = True,
        grant_kubelet_operator: bool = True,
        grant_addons: bool = True,
        dry_run: Literal[True],
    ) -> Plan[Cluster]: ...
    @overload
    def use_identity(
        self,
        identity: ManagedIdentity | str | ResourceId,
        *,
        grant_subnet: bool = True,
        grant_kubelet_operator: bool = True,
        grant_addons: bool = True,
        dry_run: bool,
    ) -> Cluster | Plan[Cluster]: ...
    def use_identity(
        self,
        identity: ManagedIdentity | str | ResourceId,
        *,
        grant_subnet: bool = True,
        grant_kubelet_operator: bool = True,
        grant_addons: bool = True,
        dry_run: bool = False,
    ) -> Cluster | Plan:
        """Switch the control plane to a user-assigned identity (from any identity type)."""
        check_flags(
            grant_subnet=grant_subnet,
            grant_kubelet_operator=grant_kubelet_operator,
            grant_addons=grant_addons,
            dry_run=dry_run,
        )
        return _ops(self._azure).use_identity(
            self,
            identity,
            grant_subnet=grant_subnet,
            grant_kubelet_operator=grant_kubelet_operator,
            grant_addons=grant_addons,
            dry_run=dry_run,
        )

    @overload
    def use_kubelet_identity(
        self,
        identity: ManagedIdentity | str | ResourceId,
        *,
        allow_downtime: bool = False,
        grant_kubelet_operator: bool = True,
        grant_acr: bool = True,
        dry_run: Literal[False] = False,
    ) -> Cluster: ...
    @overload
    def use_kubelet_identity(
        self,
        identity: ManagedIdentity | str | ResourceId,
        *,
        allow_downtime: bool = False,
        grant_kubelet_operator: bool = True,
        grant_acr: bool = True,
        dry_run: Literal[True],
    ) -> Plan[Cluster]: ...
    @overload
    def use_kubelet_identity(
        self,
        identity: ManagedIdentity | str | ResourceId,
        *,
        allow_downtime: bool = False,
        grant_kubelet_operator: bool = True,
        grant_acr: bool = True,
        dry_run: bool,
    ) -> Cluster | Plan[Cluster]: ...
    def use_kubelet_identity(
        self,
        identity: ManagedIdentity | str | ResourceId,
        *,
        allow_downtime: bool = False,
        grant_kubelet_operator: bool = True,
        grant_acr: bool = True,
        dry_run: bool = False,
    ) -> Cluster | Plan:
        """Use a pre-created kubelet identity. Reimages every node: needs ``allow_downtime``."""
        check_flags(
            allow_downtime=allow_downtime,
            grant_kubelet_operator=grant_kubelet_operator,
            grant_acr=grant_acr,
            dry_run=dry_run,
        )
        return _ops(self._azure).use_kubelet_identity(
            self,
            identity,
            allow_downtime=allow_downtime,
            grant_kubelet_operator=grant_kubelet_operator,
            grant_acr=grant_acr,
            dry_run=dry_run,
        )

    @overload
    def upgrade_node_images(
        self, *, allow_downtime: bool = False, dry_run: Literal[False] = False
    ) -> Cluster: ...
    @overload
    def upgrade_node_images(
        self, *, allow_downtime: bool = False, dry_run: Literal[True]
    ) -> Plan[Cluster]: ...
    @overload
    def upgrade_node_images(
        self, *, allow_downtime: bool = False, dry_run: bool
    ) -> Cluster | Plan[Cluster]: ...
    def upgrade_node_images(
        self, *, allow_downtime: bool = False, dry_run: bool = False
    ) -> Cluster | Plan:
        """Upgrade the node pools that have a newer node image (reimages their nodes).

        Each pool's upgrade profile is read first; when no pool has a newer image nothing is
        written, no consent is needed and :class:`~aks_identity.NoNewerNodeImageWarning` says
        which image the pools run.
        """
        check_flags(allow_downtime=allow_downtime, dry_run=dry_run)
        return _ops(self._azure).upgrade_node_images(
            self, allow_downtime=allow_downtime, dry_run=dry_run
        )

    # -- add-ons ----------------------------------------------------------------------

    @overload
    def enable_addons(
        self,
        addons: Sequence[str] | Mapping[str, Mapping[str, str]],
        *,
        grant_addons: bool = True,
        dry_run: Literal[False] = False,
    ) -> Cluster: ...
    @overload
    def enable_addons(
        self,
        addons: Sequence[str] | Mapping[str, Mapping[str, str]],
        *,
        grant_addons: bool = True,
        dry_run: Literal[True],
    ) -> Plan[Cluster]: ...
    @overload
    def enable_addons(
        self,
        addons: Sequence[str] | Mapping[str, Mapping[str, str]],
        *,
        grant_addons: bool = True,
        dry_run: bool,
    ) -> Cluster | Plan[Cluster]: ...
    def enable_addons(
        self,
        addons: Sequence[str] | Mapping[str, Mapping[str, str]],
        *,
        grant_addons: bool = True,
        dry_run: bool = False,
    ) -> Cluster | Plan:
        """Enable add-ons (names, or names mapped to their config) and make the role
        assignments the Azure CLI makes for their identities (``grant_addons=False`` skips)."""
        return _ops(self._azure).enable_addons(
            self, addons, grant_addons=grant_addons, dry_run=dry_run
        )

    @overload
    def disable_addons(
        self, addons: Sequence[str], *, dry_run: Literal[False] = False
    ) -> Cluster: ...
    @overload
    def disable_addons(self, addons: Sequence[str], *, dry_run: Literal[True]) -> Plan[Cluster]: ...
    @overload
    def disable_addons(
        self, addons: Sequence[str], *, dry_run: bool
    ) -> Cluster | Plan[Cluster]: ...
    def disable_addons(self, addons: Sequence[str], *, dry_run: bool = False) -> Cluster | Plan:
        """Disable add-ons; first revokes the role assignments aks_identity made for them."""
        return _ops(self._azure).disable_addons(self, addons, dry_run=dry_run)

    # -- role assignments -----------------------------------------------------------------

    @overload
    def attach_acr(
        self, registry_id: str | ResourceId, *, dry_run: Literal[False] = False
    ) -> RoleAssignment: ...
    @overload
    def attach_acr(
        self, registry_id: str | ResourceId, *, dry_run: Literal[True]
    ) -> Plan[RoleAssignment]: ...
    @overload
    def attach_acr(
        self, registry_id: str | ResourceId, *, dry_run: bool
    ) -> RoleAssignment | Plan[RoleAssignment]: ...
    def attach_acr(
        self, registry_id: str | ResourceId, *, dry_run: bool = False
    ) -> RoleAssignment | Plan:
        """Let the kubelet identity pull from a container registry (AcrPull)."""
        check_flags(dry_run=dry_run)
        return _ops(self._azure).attach_acr(self, registry_id, dry_run=dry_run)

    @overload
    def detach_acr(
        self,
        registry_id: str | ResourceId,
        *,
        force: bool = False,
        dry_run: Literal[False] = False,
    ) -> None: ...
    @overload
    def detach_acr(
        self, registry_id: str | ResourceId, *, force: bool = False, dry_run: Literal[True]
    ) -> Plan[None]: ...
    @overload
    def detach_acr(
        self, registry_id: str | ResourceId, *, force: bool = False, dry_run: bool
    ) -> Plan[None] | None: ...
    def detach_acr(
        self, registry_id: str | ResourceId, *, force: bool = False, dry_run: bool = False
    ) -> Plan | None:
        """Remove the kubelet's AcrPull assignments on a registry that aks_identity made.

        aks_identity recognises its own by name (the UUIDv5 of scope, principal and role); the
        others are kept and reported (:class:`~aks_identity.KeptAssignmentWarning`, with their
        IDs). ``force=True`` removes every AcrPull of the kubelet on it, as the Azure CLI does.
        """
        check_flags(force=force, dry_run=dry_run)
        return _ops(self._azure).detach_acr(self, registry_id, force=force, dry_run=dry_run)

    def _grantee(self) -> Principal:
        """The control-plane identity (a service-principal cluster has none ARM knows)."""
        return _ops(self._azure).control_plane_principal(self)

    def identities(self) -> IdentityInventory:
        """Inventory: every identity the cluster uses, with default and actual permissions.

        A list of :class:`IdentityUse` rows that a notebook shows as one table.
        """
        return IdentityInventory(_ops(self._azure).inventory(self))

    @overload
    def delete(
        self, *, keep_role_assignments: bool = False, dry_run: Literal[False] = False
    ) -> None: ...
    @overload
    def delete(
        self, *, keep_role_assignments: bool = False, dry_run: Literal[True]
    ) -> Plan[None]: ...
    @overload
    def delete(
        self, *, keep_role_assignments: bool = False, dry_run: bool
    ) -> Plan[None] | None: ...
    def delete(self, *, keep_role_assignments: bool = False, dry_run: bool = False) -> Plan | None:
        """Delete the cluster (idempotent), first the role assignments of the identities AKS
        made for it (see :meth:`Azure.delete_cluster`)."""
        check_flags(keep_role_assignments=keep_role_assignments, dry_run=dry_run)
        return _ops(self._azure).delete_cluster(
            self.id, keep_role_assignments=keep_role_assignments, dry_run=dry_run
        )


@attrs.frozen(kw_only=True, eq=False)
class IdentityUse:
    """One row of a cluster's identity inventory."""

    use: str
    """What the identity does: ``control plane``, ``kubelet``, ``add-on <name>``, ..."""
    kind: str
    """``SystemAssigned``, ``UserAssigned``, ``ServicePrincipal``, or ``none``."""
    resource_id: ResourceId | None = None
    client_id: str | None = None
    object_id: str | None = None
    enabled: bool = True
    default_permissions: tuple[str, ...] = ()
    role_assignments: tuple[RoleAssignment, ...] = ()
    note: str | None = None
    """Status or advice (OIDC issuer URL, deprecation and migration advice)."""

    def __repr__(self) -> str:
        who = self.resource_id.name if self.resource_id else _short(self.object_id)
        count = len(self.role_assignments)
        return f"<IdentityUse {self.use}: {self.kind} {who} ({count} grant{'s' * (count != 1)})>"

    def _repr_html_(self) -> str:
        from aks_identity._notebook import inventory_html

        return inventory_html([self])


class IdentityInventory(list[IdentityUse]):
    """The rows of :meth:`Cluster.identities`: a plain list that a notebook shows as one table."""

    def __repr__(self) -> str:
        return f"<IdentityInventory: {len(self)} identit{'y' if len(self) == 1 else 'ies'}>"

    def __str__(self) -> str:
        return "\n".join(repr(row) for row in self)

    def _repr_html_(self) -> str:
        from aks_identity._notebook import inventory_html

        return inventory_html(self)
