"""The thin adapter over the azure-mgmt clients: one method per ARM call, domain values out.

Each SDK client (and its models) is imported and built on first use; every client shares
the :class:`~aks_identity._azure._pipeline.Connection`'s one transport.

Every method maps SDK errors to the domain hierarchy (:func:`mapped`); long-running
operations are awaited through the SDK pollers (whose sleeps go through the RetryPolicy).
No domain logic here: no retries beyond azure-core's pipeline, no rules, no plans.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from aks_identity._azure import _convert
from aks_identity._azure._errors import mapped
from aks_identity._azure._pipeline import Connection
from aks_identity._errors import AksIdentityError, ConflictError
from aks_identity._ids import ResourceId
from aks_identity._model import PrincipalType
from aks_identity._objects import Cluster, ManagedIdentity, ResourceGroup, RoleAssignment
from aks_identity._roles import Role

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

    from aks_identity._client import Azure

__all__ = ["Arm", "PreconditionFailed"]

JSON = dict[str, Any]
_SUBSCRIPTION_API = "2022-12-01"
_AUTHORIZATION_API = "2022-04-01"
_HELD_CLUSTERS = 64
"""Cluster bodies kept per client for updates with ``If-Match`` (a bound on memory)."""


def _raw_json(pipeline_response: Any, deserialized: Any, headers: Any) -> JSON:
    """SDK ``cls`` hook: the response's JSON as sent (parsed once, cached by azure-core)."""
    return dict(pipeline_response.http_response.json())


def _scope(value: ResourceId | str) -> str:
    return str(value).lstrip("/")


class PreconditionFailed(ConflictError):
    """412 PreConditionFailed: a conditional cluster PUT (``If-None-Match: *`` on a create,
    ``If-Match`` with the eTag held on an update) found the cluster otherwise."""


class Arm:
    """ARM calls for one subscription, through the real azure-mgmt clients."""

    def __init__(
        self,
        owner: Azure,
        credential: TokenCredential,
        subscription_id: str,
        connection: Connection,
    ) -> None:
        self._owner = owner
        self._credential = credential
        self.subscription_id = subscription_id
        self.connection = connection
        self._no_upgrade_profiles = False
        self._cluster_bodies: dict[str, JSON] = {}
        """The last body read or written per cluster (lower-case ID): an update starts from it
        and sends its eTag (``If-Match``) instead of reading the cluster again."""

    def _options(self) -> dict[str, Any]:
        return self.connection.client_options()

    @cached_property
    def _resources(self) -> Any:
        from azure.mgmt.resource.resources import ResourceManagementClient

        return ResourceManagementClient(self._credential, self.subscription_id, **self._options())

    @cached_property
    def _msi(self) -> Any:
        from azure.mgmt.msi import ManagedServiceIdentityClient

        return ManagedServiceIdentityClient(
            self._credential, self.subscription_id, **self._options()
        )

    @cached_property
    def _authorization(self) -> Any:
        from azure.mgmt.authorization import AuthorizationManagementClient

        return AuthorizationManagementClient(
            self._credential,
            self.subscription_id,
            api_version=_AUTHORIZATION_API,
            **self._options(),
        )

    @cached_property
    def _aks(self) -> Any:
        from azure.mgmt.containerservice import ContainerServiceClient

        return ContainerServiceClient(self._credential, self.subscription_id, **self._options())

    def _finish(self, poller: Any, doing: str) -> Any:
        """The long-running operation's result, its wait logged at least once a minute."""
        with self.connection.waiting(doing):
            return poller.result()

    def close(self) -> None:
        """Close the SDK clients that were opened, then the shared transport once."""
        for name in ("_resources", "_msi", "_authorization", "_aks"):
            client = self.__dict__.pop(name, None)
            if client is not None:
                client.close()
        self.connection.close()

    # -- subscription ---------------------------------------------------------------------

    def subscription_tenant(self) -> str | None:
        """The tenant the subscription belongs to."""
        from azure.core.rest import HttpRequest

        request = HttpRequest(
            "GET", f"/subscriptions/{self.subscription_id}?api-version={_SUBSCRIPTION_API}"
        )
        with mapped("reading the subscription", f"/subscriptions/{self.subscription_id}"):
            response = self._resources.send_request(request)
            response.raise_for_status()
            tenant = response.json().get("tenantId")
        return str(tenant) if tenant else None

    def locations(self) -> list[str]:
        """Names of the regions the subscription can use (GET /subscriptions/{id}/locations)."""
        from azure.core.rest import HttpRequest

        request = HttpRequest(
            "GET",
            f"/subscriptions/{self.subscription_id}/locations?api-version={_SUBSCRIPTION_API}",
        )
        with mapped("listing locations", f"/subscriptions/{self.subscription_id}"):
            response = self._resources.send_request(request)
            response.raise_for_status()
            values = response.json().get("value") or []
        return [str(v["name"]).lower() for v in values if isinstance(v, dict) and v.get("name")]

    def get_resource_body(self, rid: ResourceId, api_version: str) -> JSON:
        """GET any resource by ID (its own subscription is in the URL), as REST JSON."""
        with mapped(f"reading {rid.name!r}", rid):
            model = self._resources.resources.get_by_id(str(rid), api_version=api_version)
        return dict(model.as_dict())

    def _local(self, rid: ResourceId) -> ResourceId:
        """``rid`` if it lives in this client's subscription; never re-point it silently."""
        if rid.subscription_id != self.subscription_id:
            from aks_identity._errors import ValidationError

            raise ValidationError(
                f"{rid} is in subscription {rid.subscription_id}, not {self.subscription_id}. "
                "Fix: read it through Azure(credential, subscription_id=...) of its "
                "subscription",
                rule="subscription",
                resource_id=str(rid),
            )
        return rid

    # -- resource groups --------------------------------------------------------------------

    def put_resource_group(
        self, name: str, location: str, tags: dict[str, str] | None
    ) -> ResourceGroup:
        """PUT a resource group (idempotent)."""
        body: JSON = {"location": location}
        if tags is not None:
            body["tags"] = tags
        with mapped(f"creating resource group {name!r}", self._group_id(name)):
            model = self._resources.resource_groups.create_or_update(name, body)
        return _convert.resource_group(self._owner, model)

    def get_resource_group(self, name: str) -> ResourceGroup:
        """GET a resource group."""
        with mapped(f"reading resource group {name!r}", self._group_id(name)):
            model = self._resources.resource_groups.get(name)
        return _convert.resource_group(self._owner, model)

    def list_resource_groups(self) -> list[ResourceGroup]:
        """Every resource group of the subscription."""
        with mapped("listing resource groups"):
            models = list(self._resources.resource_groups.list())
        return [_convert.resource_group(self._owner, m) for m in models]

    def delete_resource_group(self, name: str) -> None:
        """DELETE a resource group and wait for it to go."""
        with mapped(f"deleting resource group {name!r}", self._group_id(name)):
            self._finish(self._resources.resource_groups.begin_delete(name), f"deleting {name!r}")

    def _group_id(self, name: str) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{name}"

    def put_resource(self, rid: ResourceId, body: JSON, api_version: str) -> None:
        """PUT any resource by ID (the demo's networks, vaults and registries)."""
        with mapped(f"creating {rid.name!r}", rid):
            poller = self._resources.resources.begin_create_or_update_by_id(
                str(rid), body, api_version=api_version
            )
            self._finish(poller, f"creating {rid.name!r}")

    # -- user-assigned identities ---------------------------------------------------------

    def put_identity(
        self, rid: ResourceId, location: str, tags: dict[str, str] | None
    ) -> ManagedIdentity:
        """PUT a user-assigned identity (idempotent: an existing one keeps its principal)."""
        self._local(rid)
        from azure.mgmt.msi.v2024_11_30.models import Identity

        body = Identity(location=location, tags=tags)
        with mapped(f"creating identity {rid.name!r}", rid):
            model = self._msi.user_assigned_identities.create_or_update(
                rid.resource_group, rid.name, body
            )
        return _convert.identity(self._owner, model)

    def get_identity(self, rid: ResourceId) -> ManagedIdentity:
        """GET a user-assigned identity."""
        self._local(rid)
        with mapped(f"reading identity {rid.name!r}", rid):
            model = self._msi.user_assigned_identities.get(rid.resource_group, rid.name)
        return _convert.identity(self._owner, model)

    def list_identities(self, resource_group: str | None) -> list[ManagedIdentity]:
        """User-assigned identities of a group, or of the subscription."""
        operations = self._msi.user_assigned_identities
        with mapped("listing identities"):
            if resource_group:
                models = list(operations.list_by_resource_group(resource_group))
            else:
                models = list(operations.list_by_subscription())
        return [_convert.identity(self._owner, m) for m in models]

    def delete_identity(self, rid: ResourceId) -> None:
        """DELETE a user-assigned identity (204 when already gone)."""
        self._local(rid)
        with mapped(f"deleting identity {rid.name!r}", rid):
            self._msi.user_assigned_identities.delete(rid.resource_group, rid.name)

    # -- role assignments -------------------------------------------------------------------

    def list_role_assignments(
        self, scope: ResourceId, *, filter: str | None = None
    ) -> list[RoleAssignment]:
        """Role assignments at, above and below ``scope`` (narrowed by an ARM ``$filter``)."""
        with mapped("listing role assignments", scope):
            models = list(
                self._authorization.role_assignments.list_for_scope(_scope(scope), filter=filter)
            )
        return [_convert.role_assignment(self._owner, m) for m in models]

    def put_role_assignment(
        self,
        scope: ResourceId,
        name: str,
        *,
        role_definition_id: str,
        principal_id: str,
        principal_type: PrincipalType | None,
    ) -> RoleAssignment:
        """PUT a role assignment (principalType sent whenever known)."""
        from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters

        body = RoleAssignmentCreateParameters(
            role_definition_id=role_definition_id,
            principal_id=principal_id,
            principal_type=None if principal_type is None else principal_type.value,  # type: ignore[arg-type]
        )
        with mapped("creating a role assignment", scope):
            model = self._authorization.role_assignments.create(_scope(scope), name, body)
        return _convert.role_assignment(self._owner, model)

    def get_role_assignment(self, assignment_id: str) -> RoleAssignment:
        """GET a role assignment by its ID."""
        with mapped("reading a role assignment", assignment_id):
            model = self._authorization.role_assignments.get_by_id(assignment_id)
        return _convert.role_assignment(self._owner, model)

    def delete_role_assignment(self, assignment_id: str) -> None:
        """DELETE a role assignment (204 when already gone)."""
        with mapped("deleting a role assignment", assignment_id):
            self._authorization.role_assignments.delete_by_id(assignment_id)

    def get_role_definition(self, definition_id: str) -> Role | None:
        """A role definition (custom roles: their permissions), or None when it is gone."""
        from azure.core.exceptions import ResourceNotFoundError

        with mapped("reading a role definition", definition_id):
            try:
                model = self._authorization.role_definitions.get_by_id(definition_id)
            except ResourceNotFoundError:
                return None
        return Role.from_arm(model.serialize(keep_readonly=True))

    def permissions(self, scope: ResourceId) -> list[dict[str, list[str]]]:
        """The caller's permission blocks at ``scope``: Permissions_ListForResourceGroup and
        Permissions_ListForResource through the SDK (a top-level resource has an empty parent
        path, as the Azure CLI sends it); the subscription's, and another subscription's
        scopes, by their path (the SDK's operations are bound to this subscription)."""
        operations = self._authorization.permissions
        with mapped("reading the caller's permissions", scope):
            if scope.subscription_id != self.subscription_id or scope.resource_group is None:
                raw: Any = self._paged_json(
                    f"{scope}/providers/Microsoft.Authorization/permissions"
                )
            elif scope.is_scope_only:
                raw = operations.list_for_resource_group(scope.resource_group)
            else:
                tail = str(scope).split("/providers/")[-1].split("/")
                raw = operations.list_for_resource(
                    scope.resource_group, tail[0], "/".join(tail[1:-2]), tail[-2], tail[-1]
                )
            blocks = [item if isinstance(item, dict) else item.as_dict() for item in raw]
        return [
            {
                "actions": [str(a) for a in b.get("actions") or ()],
                "notActions": [str(a) for a in b.get("notActions") or b.get("not_actions") or ()],
            }
            for b in blocks
        ]

    def _paged_json(self, path: str) -> list[JSON]:
        """Every ``value`` item of a GET list, following ``nextLink``."""
        from aks_identity._azure._http import paged_values

        return paged_values(self._resources, f"{path}?api-version={_AUTHORIZATION_API}")

    # -- managed clusters -------------------------------------------------------------------

    def get_cluster_body(self, rid: ResourceId) -> JSON:
        """GET a cluster as its REST JSON."""
        self._local(rid)
        with mapped(f"reading cluster {rid.name!r}", rid):
            model = self._aks.managed_clusters.get(rid.resource_group, rid.name)
        return self._held(rid, dict(model.as_dict()))

    def get_cluster(self, rid: ResourceId) -> Cluster:
        """GET a cluster, converted from the response's JSON (no ``as_dict()`` copy)."""
        with mapped(f"reading cluster {rid.name!r}", rid):
            body = self._aks.managed_clusters.get(rid.resource_group, rid.name, cls=_raw_json)
        if rid.subscription_id == self.subscription_id:
            self._held(rid, body)
        return _convert.cluster(self._owner, body)

    def _held(self, rid: ResourceId, body: JSON) -> JSON:
        bodies = self._cluster_bodies
        bodies.pop(str(rid).lower(), None)
        bodies[str(rid).lower()] = body
        while len(bodies) > _HELD_CLUSTERS:  # the least recently seen goes first
            bodies.pop(next(iter(bodies)))
        return body

    def held_cluster_body(self, rid: ResourceId) -> JSON | None:
        """A copy of the cluster's last body this client read or wrote (None: none held)."""
        import copy

        body = self._cluster_bodies.get(str(rid).lower())
        return None if body is None else copy.deepcopy(body)

    def forget_cluster(self, rid: ResourceId) -> None:
        """Drop the held body (a write that does not return the cluster changed it)."""
        self._cluster_bodies.pop(str(rid).lower(), None)

    def list_clusters(self, resource_group: str | None) -> list[Cluster]:
        """Clusters of a group, or of the subscription (every page)."""
        operations = self._aks.managed_clusters
        with mapped("listing clusters"):
            if resource_group:
                models = list(operations.list_by_resource_group(resource_group))
            else:
                models = list(operations.list())
        return [_convert.cluster(self._owner, m) for m in models]

    def put_cluster(
        self,
        rid: ResourceId,
        body: JSON,
        *,
        doing: str,
        if_match: str | None = None,
        create_only: bool = False,
    ) -> Cluster:
        """PUT a cluster and wait for the long-running operation to end.

        ``create_only`` sends ``If-None-Match: *`` and ``if_match`` an ``If-Match`` eTag: AKS
        answers 412 (:class:`PreconditionFailed`) when the cluster exists, or has another eTag.
        """
        self._local(rid)
        from azure.core import MatchConditions

        conditions: dict[str, Any] = {}
        if create_only:
            conditions = {"match_condition": MatchConditions.IfMissing}
        elif if_match:
            conditions = {"etag": if_match, "match_condition": MatchConditions.IfNotModified}
        self.forget_cluster(rid)
        try:
            with mapped(doing, rid):
                poller = self._aks.managed_clusters.begin_create_or_update(
                    rid.resource_group, rid.name, body, **conditions
                )
                model = self._finish(poller, doing)
        except AksIdentityError as error:
            if error.status == 412:
                raise PreconditionFailed(
                    error.message, code=error.code, status=412, resource_id=str(rid)
                ) from error
            raise
        return _convert.cluster(self._owner, self._held(rid, dict(model.as_dict())))

    def delete_cluster(self, rid: ResourceId) -> None:
        """DELETE a cluster and wait for it to go (204 when already gone)."""
        self._local(rid)
        with mapped(f"deleting cluster {rid.name!r}", rid):
            self.forget_cluster(rid)
            poller = self._aks.managed_clusters.begin_delete(rid.resource_group, rid.name)
            self._finish(poller, f"deleting cluster {rid.name!r}")

    def latest_node_image(self, rid: ResourceId, pool: str) -> str | None:
        """The newest node image AKS offers a pool, or None when AKS does not say."""
        self._local(rid)
        if self._no_upgrade_profiles:
            return None
        from azure.core.exceptions import ResourceNotFoundError

        with mapped(f"reading the upgrade profile of pool {pool!r}", rid):
            try:
                profile = self._aks.agent_pools.get_upgrade_profile(
                    rid.resource_group, rid.name, pool
                )
            except ResourceNotFoundError:  # an endpoint without upgrade profiles: ask once
                self._no_upgrade_profiles = True
                return None
        value = profile.as_dict().get("properties", {}).get("latestNodeImageVersion")
        return str(value) if value else None

    def upgrade_node_image(self, rid: ResourceId, pool: str) -> None:
        """POST upgradeNodeImageVersion for a pool and wait for the reimage to end."""
        self._local(rid)
        self.forget_cluster(rid)
        with mapped(f"upgrading the node image of pool {pool!r}", rid):
            poller = self._aks.agent_pools.begin_upgrade_node_image_version(
                rid.resource_group, rid.name, pool
            )
            self._finish(poller, f"upgrading the node image of pool {pool!r}")
