"""Microsoft.ContainerService routes: managed clusters, agent pools, AKS test hooks.

The backend (``_aks_backend``) holds the behaviour; this module maps URLs to it and shapes the
replies the way AKS does: ``Azure-AsyncOperation`` on every long-running write (plus
``Location`` on DELETE and POST, as recorded), 201 on create, 200 on update, 202 on DELETE and
on a node image upgrade, 204 on deleting a cluster that does not exist.
"""

from __future__ import annotations

from ._aks_backend import ManagedClusters, Outcome
from ._aks_runtime import SERVICE_PRINCIPAL_PREFIX, ClusterRuntime, Reimage
from ._aks_shapes import NAMESPACE, ClusterRef
from ._routes import Context, Reply, route
from ._state import State

__all__ = ["AksEmulatorMixin"]

_SUB = r"/subscriptions/(?P<subscription_id>[^/]+)"
_RG = _SUB + r"/resourceGroups/(?P<resource_group>[^/]+)"
_CLUSTERS = r"/providers/Microsoft\.ContainerService/managedClusters"
_CLUSTER = _RG + _CLUSTERS + r"/(?P<name>[^/]+)"
_POOLS = _CLUSTER + r"/agentPools"
_POOL = _POOLS + r"/(?P<pool>[^/]+)"


def _ref(subscription_id: str, resource_group: str, name: str) -> ClusterRef:
    return ClusterRef(subscription_id, resource_group, name)


def _backend(ctx: Context) -> ManagedClusters:
    return ManagedClusters(ctx.state)


def _long_running(ctx: Context, outcome: Outcome, *, location: bool = False) -> Reply:
    """The reply to a write that started an operation: AKS's polling headers."""
    operations = ctx.state.operations
    headers = {
        "Azure-AsyncOperation": operations.status_url(ctx, outcome.operation, namespace=NAMESPACE)
    }
    if location:
        headers["Location"] = operations.result_url(ctx, outcome.operation, namespace=NAMESPACE)
    return Reply(outcome.status, outcome.body, headers)


@route("GET", _CLUSTER)
def get_cluster(ctx: Context, subscription_id: str, resource_group: str, name: str) -> Reply:
    """ManagedClusters_Get."""
    return Reply(200, _backend(ctx).get(_ref(subscription_id, resource_group, name)), {})


@route("PUT", _CLUSTER)
def put_cluster(ctx: Context, subscription_id: str, resource_group: str, name: str) -> Reply:
    """ManagedClusters_CreateOrUpdate (``If-Match`` / ``If-None-Match`` as AKS checks them)."""
    ref = _ref(subscription_id, resource_group, name)
    backend = _backend(ctx)
    backend.check_preconditions(ref, ctx.headers)
    outcome = backend.create_or_update(ref, ctx.body, ctx.caller)
    return _long_running(ctx, outcome)


@route("PATCH", _CLUSTER)
def patch_cluster(ctx: Context, subscription_id: str, resource_group: str, name: str) -> Reply:
    """ManagedClusters_UpdateTags."""
    ref = _ref(subscription_id, resource_group, name)
    backend = _backend(ctx)
    backend.check_preconditions(ref, ctx.headers, method="PATCH")
    outcome = backend.update_tags(ref, ctx.body)
    return _long_running(ctx, outcome)


@route("DELETE", _CLUSTER)
def delete_cluster(ctx: Context, subscription_id: str, resource_group: str, name: str) -> Reply:
    """ManagedClusters_Delete: 202 with both polling headers, 204 when already gone."""
    ref = _ref(subscription_id, resource_group, name)
    backend = _backend(ctx)
    backend.check_preconditions(ref, ctx.headers, method="DELETE")
    operation = backend.delete(ref)
    if operation is None:
        return Reply(204, None, {})
    return _long_running(ctx, Outcome(202, None, operation), location=True)


@route("GET", _SUB + _CLUSTERS)
def list_clusters(ctx: Context, subscription_id: str) -> Reply:
    """ManagedClusters_List."""
    return Reply(200, ctx.page(lambda: _backend(ctx).list_clusters(subscription_id)), {})


@route("GET", _RG + _CLUSTERS)
def list_clusters_in_group(ctx: Context, subscription_id: str, resource_group: str) -> Reply:
    """ManagedClusters_ListByResourceGroup."""
    ctx.state.resources.require_resource_group(subscription_id, resource_group)
    backend = _backend(ctx)
    return Reply(200, ctx.page(lambda: backend.list_clusters(subscription_id, resource_group)), {})


@route("GET", _POOLS)
def list_pools(ctx: Context, subscription_id: str, resource_group: str, name: str) -> Reply:
    """AgentPools_List."""
    pools = _backend(ctx).agent_pools(_ref(subscription_id, resource_group, name))
    return Reply(200, ctx.page(pools), {})


@route("GET", _POOL)
def get_pool(
    ctx: Context, subscription_id: str, resource_group: str, name: str, pool: str
) -> Reply:
    """AgentPools_Get."""
    return Reply(
        200, _backend(ctx).agent_pool(_ref(subscription_id, resource_group, name), pool), {}
    )


@route("GET", _CLUSTER + r"/upgradeProfiles/default")
def get_upgrade_profile(
    ctx: Context, subscription_id: str, resource_group: str, name: str
) -> Reply:
    """ManagedClusters_GetUpgradeProfile."""
    ref = _ref(subscription_id, resource_group, name)
    return Reply(200, _backend(ctx).upgrade_profile(ref), {})


@route("GET", _POOL + r"/upgradeProfiles/default")
def get_pool_upgrade_profile(
    ctx: Context, subscription_id: str, resource_group: str, name: str, pool: str
) -> Reply:
    """AgentPools_GetUpgradeProfile: ``latestNodeImageVersion`` follows set_newest_node_image."""
    ref = _ref(subscription_id, resource_group, name)
    return Reply(200, _backend(ctx).pool_upgrade_profile(ref, pool), {})


@route("POST", _POOL + r"/upgradeNodeImageVersion")
def upgrade_node_image(
    ctx: Context, subscription_id: str, resource_group: str, name: str, pool: str
) -> Reply:
    """AgentPools_UpgradeNodeImageVersion: 200 no-op, or 202 and a reimage."""
    outcome = _backend(ctx).upgrade_node_image(_ref(subscription_id, resource_group, name), pool)
    if outcome.operation is None:
        return Reply(outcome.status, outcome.body, {})
    return _long_running(ctx, outcome, location=True)


class AksEmulatorMixin:
    """AKS test hooks of the Emulator: what AKS does behind the ARM body.

    Cluster IDs are accepted in any case (``resourceGroups`` or ``resourcegroups``); an unknown
    cluster raises KeyError. Credentials are labelled ``"servicePrincipal:<clientId>"``,
    ``"systemAssigned:<principalId>"`` or a user-assigned identity's resource ID.
    """

    state: State

    def _runtime(self, cluster_id: str) -> ClusterRuntime:
        return ManagedClusters(self.state).runtime(cluster_id)

    def kubelet_credentials(self, cluster_id: str) -> dict[str, str]:
        """Per agent pool, the credential its kubelet uses now."""
        with self.state.lock:
            return dict(self._runtime(cluster_id).kubelet)

    def kubelet_credential(self, cluster_id: str) -> str:
        """The credential the cluster's kubelets use; the service principal while any pool does."""
        credentials = list(self.kubelet_credentials(cluster_id).values())
        on_service_principal = [c for c in credentials if c.startswith(SERVICE_PRINCIPAL_PREFIX)]
        return (on_service_principal or credentials or [""])[0]

    def control_plane_identities_in_use(self, cluster_id: str) -> list[str]:
        """The control plane's credential, then replaced ones whose token has not expired."""
        with self.state.lock:
            return self._runtime(cluster_id).control_planes_in_use(self.state.clock.now())

    def node_reimages(self, cluster_id: str) -> list[Reimage]:
        """Every reimage of the cluster's nodes (kubelet identity change, node image upgrade)."""
        with self.state.lock:
            return list(self._runtime(cluster_id).reimages)

    def control_plane_subnet_access(self, cluster_id: str) -> dict[str, bool]:
        """Per custom subnet of the cluster: may its control-plane identity join it, now?"""
        with self.state.lock:
            return ManagedClusters(self.state).subnet_access(cluster_id)

    def newest_node_image(self) -> str:
        """The newest node image the emulated AKS offers."""
        return ManagedClusters(self.state).newest_node_image()

    def set_newest_node_image(self, version: str) -> None:
        """Publish a newer node image; upgradeNodeImageVersion then moves pools to it."""
        with self.state.lock:
            ManagedClusters(self.state).set_newest_node_image(version)
