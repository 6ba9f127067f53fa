"""The one internal interface the domain objects (and the Azure facade) call: every flow and
role-assignment operation of one :class:`~aks_identity.Azure` client, by name."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aks_identity._ids import ResourceId
from aks_identity._model import Principal

from . import addons, create, delete, kubelet, migrate, node_images, registries
from ._common import control_plane_principal
from ._runner import Runner

if TYPE_CHECKING:
    from aks_identity._azure import Arm
    from aks_identity._client import Azure
    from aks_identity._grants import Grants
    from aks_identity._objects import Cluster, IdentityUse, ManagedIdentity, RoleAssignment
    from aks_identity._plan import Plan
    from aks_identity._roles import Role

__all__ = ["Operations"]


class Operations:
    """Flows and grants of one client; objects call these, never the modules behind them."""

    def __init__(self, azure: Azure, arm: Arm, grants: Grants) -> None:
        self._runner = Runner(azure, arm, grants)
        self._grants = grants
        self._azure = azure

    def tenant(self) -> str | None:
        """The subscription's tenant (read once)."""
        return self._runner.tenant()

    # -- role assignments -------------------------------------------------------------

    def grant(
        self,
        principal: Principal,
        role: str | Role,
        scope: str | ResourceId,
        *,
        allow_broad_scope: bool = False,
        dry_run: bool = False,
    ) -> RoleAssignment | Plan:
        return self._grants.grant(
            principal,
            role,
            scope,
            allow_broad_scope=allow_broad_scope,
            dry_run=dry_run,
            known_to_exist=True,
        )

    def revoke(self, assignment: RoleAssignment, *, dry_run: bool) -> Plan | None:
        return self._grants.revoke(assignment, dry_run=dry_run)

    def wait_until_effective(
        self,
        assignment: RoleAssignment,
        *,
        probe: Callable[[], bool] | None,
        timeout: float | None,
    ) -> None:
        self._grants.wait_until_effective(assignment, probe=probe, timeout=timeout)

    def control_plane_principal(self, cluster: Cluster) -> Principal:
        return control_plane_principal(cluster)

    # -- flows -----------------------------------------------------------------------

    def create_cluster(self, name: str, *, dry_run: bool, **request: Any) -> Cluster | Plan:
        return create.create_cluster(
            self._runner, create.CreateInput(name=name, **request), dry_run=dry_run
        )

    def enable_managed_identity(
        self,
        cluster: Cluster,
        *,
        grant_subnet: bool,
        grant_addons: bool,
        registries: Sequence[str | ResourceId] | None,
        dry_run: bool,
    ) -> Cluster | Plan:
        return migrate.enable_managed_identity(
            self._runner,
            cluster,
            grant_subnet=grant_subnet,
            grant_addons=grant_addons,
            registries=registries,
            dry_run=dry_run,
        )

    def use_identity(
        self,
        cluster: Cluster,
        identity: ManagedIdentity | str | ResourceId,
        *,
        grant_subnet: bool,
        grant_kubelet_operator: bool,
        grant_addons: bool,
        dry_run: bool,
    ) -> Cluster | Plan:
        return migrate.use_identity(
            self._runner,
            cluster,
            identity,
            grant_subnet=grant_subnet,
            grant_kubelet_operator=grant_kubelet_operator,
            grant_addons=grant_addons,
            dry_run=dry_run,
        )

    def use_system_assigned_identity(
        self, cluster: Cluster, *, grant_subnet: bool, grant_addons: bool, dry_run: bool
    ) -> Cluster | Plan:
        return migrate.use_system_assigned_identity(
            self._runner,
            cluster,
            grant_subnet=grant_subnet,
            grant_addons=grant_addons,
            dry_run=dry_run,
        )

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
        return kubelet.use_kubelet_identity(
            self._runner,
            cluster,
            identity,
            allow_downtime=allow_downtime,
            grant_kubelet_operator=grant_kubelet_operator,
            grant_acr=grant_acr,
            dry_run=dry_run,
        )

    def upgrade_node_images(
        self, cluster: Cluster, *, allow_downtime: bool, dry_run: bool
    ) -> Cluster | Plan:
        return node_images.upgrade_node_images(
            self._runner, cluster, allow_downtime=allow_downtime, dry_run=dry_run
        )

    def attach_acr(
        self, cluster: Cluster, registry_id: str | ResourceId, *, dry_run: bool
    ) -> RoleAssignment | Plan:
        return registries.attach_acr(self._runner, cluster, registry_id, dry_run=dry_run)

    def detach_acr(
        self, cluster: Cluster, registry_id: str | ResourceId, *, force: bool, dry_run: bool
    ) -> Plan | None:
        return registries.detach_acr(
            self._runner, cluster, registry_id, force=force, dry_run=dry_run
        )

    def enable_addons(
        self,
        cluster: Cluster,
        names: Sequence[str] | Mapping[str, Mapping[str, str]],
        *,
        grant_addons: bool,
        dry_run: bool,
    ) -> Cluster | Plan:
        return addons.enable_addons(
            self._runner, cluster, names, grant_addons=grant_addons, dry_run=dry_run
        )

    def disable_addons(
        self, cluster: Cluster, names: Sequence[str], *, dry_run: bool
    ) -> Cluster | Plan:
        return addons.disable_addons(self._runner, cluster, names, dry_run=dry_run)

    def delete_cluster(
        self, rid: ResourceId, *, keep_role_assignments: bool, dry_run: bool
    ) -> Plan | None:
        return delete.delete_cluster(
            self._runner, rid, keep_role_assignments=keep_role_assignments, dry_run=dry_run
        )

    def inventory(self, cluster: Cluster) -> list[IdentityUse]:
        """Every identity the cluster uses (see Cluster.identities)."""
        from aks_identity._inventory import inventory

        return inventory(self._azure, cluster)
