"""Managed clusters backend: AKS's behaviour on top of State, without HTTP.

Order of checks on a write, as ARM then AKS apply them: the resource group exists; the caller
may assign every user-assigned identity in the request (ARM's linked check, 403
LinkedAuthorizationFailed); no other operation runs on the cluster (409 OperationNotAllowed);
AKS's own identity rules (400, ``_aks_checks``). Nothing is created before every check passed.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

from . import _aks_shapes as shapes
from ._aks_checks import (
    NEW_SYSTEM_ASSIGNED,
    plan_write,
    properties,
    referenced_identities,
    subnets,
)
from ._aks_compose import compose, new_etag
from ._aks_errors import (
    bad_precondition,
    cluster_not_found,
    operation_not_allowed,
    pool_not_found,
    precondition_failed,
)
from ._aks_runtime import (
    SERVICE_PRINCIPAL_PREFIX,
    ClusterRuntime,
    Transition,
    system_assigned_label,
)
from ._aks_shapes import ClusterRef
from ._errors import ArmError
from ._state import State

_STORE = "aks"


@dataclasses.dataclass(frozen=True)
class Outcome:
    """Result of a write: HTTP status, body, and the long-running operation if one started."""

    status: int
    body: dict[str, Any] | None
    operation: Any = None


class ManagedClusters:
    """Microsoft.ContainerService/managedClusters and their agent pools."""

    def __init__(self, state: State) -> None:
        self._state = state

    # ------------------------------------------------------------------ runtime

    @property
    def _runtimes(self) -> dict[str, ClusterRuntime]:
        store: dict[str, ClusterRuntime] = self._state.extensions.setdefault(_STORE, {})
        return store

    def runtime(self, cluster_id: str) -> ClusterRuntime:
        """AKS-internal state of a cluster; KeyError when there is no such cluster."""
        self._state.operations.settle()
        return self._runtimes[cluster_id.lower()]

    def _busy(self, ref: ClusterRef) -> None:
        if self._state.operations.active(ref.id) is not None:
            runtime = self._runtimes.get(ref.key)
            raise operation_not_allowed(ref, runtime.operation_kind if runtime else "update")

    def subnet_access(self, cluster_id: str) -> dict[str, bool]:
        """Per custom subnet: may the control-plane identity join it now?"""
        runtime = self.runtime(cluster_id)
        body = self._state.resources.get(cluster_id)
        assert body is not None
        principal = self._principal_of(runtime.control_plane)
        return {
            subnet: principal is not None
            and self._state.rbac.check_access(principal, shapes.SUBNET_JOIN_ACTION, subnet)
            for subnet in subnets(properties(body).get("agentPoolProfiles") or [])
        }

    def _principal_of(self, label: str) -> str | None:
        """The object ID behind a credential label."""
        kind, _, value = label.partition(":")
        if kind == "systemAssigned":
            return value
        if kind == "servicePrincipal":
            found = self._state.directory.find_by_client_id(value)
            return found.object_id if found else None
        identity = self._state.identities.get(label)
        return str(identity["properties"]["principalId"]) if identity else None

    # ------------------------------------------------------------------ reads

    def get(self, ref: ClusterRef) -> dict[str, Any]:
        """The cluster's ARM body; 404 as ARM words it."""
        self._state.operations.settle()
        self._state.resources.require_resource_group(ref.subscription_id, ref.resource_group)
        body = self._state.resources.get(ref.id)
        if body is None:
            raise cluster_not_found(ref)
        return copy.deepcopy(body)

    def list_clusters(
        self, subscription_id: str, resource_group: str | None = None
    ) -> list[dict[str, Any]]:
        """Clusters of a subscription, or of one of its resource groups (copies)."""
        self._state.operations.settle()
        scope = f"/subscriptions/{subscription_id}"
        if resource_group is not None:
            self._state.resources.require_resource_group(subscription_id, resource_group)
            scope += f"/resourceGroups/{resource_group}"
        return self._state.resources.children(scope, f"{shapes.NAMESPACE}/managedClusters")

    def agent_pools(self, ref: ClusterRef) -> list[dict[str, Any]]:
        """The agentPools child resources."""
        cluster = self.get(ref)
        return [
            shapes.agent_pool_resource(cluster, p) for p in properties(cluster)["agentPoolProfiles"]
        ]

    def agent_pool(self, ref: ClusterRef, pool: str) -> dict[str, Any]:
        """One agentPools child resource."""
        resources = self.agent_pools(ref)
        for resource in resources:
            if str(resource["name"]).lower() == pool.lower():
                return resource
        raise pool_not_found(ref, pool)

    def upgrade_profile(self, ref: ClusterRef) -> dict[str, Any]:
        """managedClusters/upgradeProfiles/default."""
        return shapes.cluster_upgrade_profile(self.get(ref))

    def pool_upgrade_profile(self, ref: ClusterRef, pool: str) -> dict[str, Any]:
        """agentPools/upgradeProfiles/default: ``latestNodeImageVersion`` is the newest image."""
        cluster = self.get(ref)
        name = str(self.agent_pool(ref, pool)["name"])
        return shapes.pool_upgrade_profile(cluster, _pool(cluster, name), self.newest_node_image())

    # ------------------------------------------------------------------ writes

    def check_preconditions(
        self, ref: ClusterRef, headers: dict[str, str], *, method: str = "PUT"
    ) -> None:
        """AKS's eTag checks (learn.microsoft.com/azure/aks/use-etags): ``If-None-Match`` only
        empty or ``*`` and never beside ``If-Match``; on PUT ``If-None-Match: *`` fails 412 when
        the cluster exists; ``If-Match`` fails 412 when the cluster's eTag differs (or, on PUT,
        when there is no cluster; PATCH and DELETE of a missing cluster answer as without it)."""
        if_match = headers.get("if-match", "").strip()
        if_none_match = headers.get("if-none-match", "").strip()
        if if_none_match not in ("", "*"):
            raise bad_precondition("The If-None-Match header can only be empty or '*'.")
        if if_match and if_none_match:
            raise bad_precondition("The If-Match and If-None-Match headers cannot both be set.")
        self._state.operations.settle()
        existing = self._state.resources.get(ref.id)
        if if_none_match == "*" and existing is not None and method == "PUT":
            raise precondition_failed(ref, "the managed cluster already exists (If-None-Match)")
        if not if_match or (existing is None and method != "PUT"):
            return
        if existing is None:
            raise precondition_failed(ref, "the managed cluster does not exist (If-Match)")
        current = str(existing.get("eTag") or "")
        if if_match != "*" and if_match.strip('"') != current:
            raise precondition_failed(
                ref, f"the eTag {if_match!r} does not match the current one (If-Match)"
            )

    def create_or_update(self, ref: ClusterRef, body: Any, caller: str) -> Outcome:
        """PUT: 201 Creating / 200 Updating; Succeeded when the operation ends."""
        state = self._state
        state.operations.settle()
        state.resources.require_resource_group(ref.subscription_id, ref.resource_group)
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid.")
        for identity_id in referenced_identities(body):
            state.rbac.require(caller, shapes.ASSIGN_ACTION, identity_id, linked=True)
        existing = state.resources.get(ref.id)
        if existing is None:
            self._runtimes.pop(ref.key, None)
        self._busy(ref)
        runtime = self._runtimes.get(ref.key)
        plan = plan_write(state, body, existing, runtime)
        runtime = runtime or ClusterRuntime(control_plane="", kubelet={})
        composition = compose(state, ref, body=body, existing=existing, runtime=runtime, plan=plan)
        if not runtime.control_plane:
            runtime.control_plane = _resolved(composition.transition.control_plane, runtime)
        runtime.kubelet_custom = plan.kubelet_custom
        runtime.owned.extend(i for i in composition.owned if i not in runtime.owned)
        self._runtimes[ref.key] = runtime
        state.resources.put(ref.id, composition.pending)
        final, transition = composition.final, composition.transition

        def done() -> None:
            _set_state(final, "Succeeded")
            state.resources.put(ref.id, final)
            transition.control_plane = _resolved(transition.control_plane, runtime)
            self._apply(runtime, transition, final)

        kind = "create" if existing is None else "update"
        operation = self._start(ref, runtime, kind, done)
        return Outcome(
            201 if existing is None else 200, copy.deepcopy(composition.pending), operation
        )

    def delete(self, ref: ClusterRef) -> Any:
        """Start deleting; None when there is nothing to delete (204)."""
        state = self._state
        state.operations.settle()
        state.resources.require_resource_group(ref.subscription_id, ref.resource_group)
        body = state.resources.get(ref.id)
        if body is None:
            return None
        runtime = self._runtimes.setdefault(ref.key, ClusterRuntime(control_plane="", kubelet={}))
        _set_state(body, "Deleting")
        state.resources.put(ref.id, body)

        def done() -> None:
            state.resources.delete(ref.id)
            for owned in runtime.owned:
                state.resources.delete(owned)
            node_rg = properties(body).get("nodeResourceGroup")
            if node_rg:
                state.resources.delete_resource_group(ref.subscription_id, str(node_rg))
            if runtime.system_principal_id:
                state.directory.remove(runtime.system_principal_id)
            self._runtimes.pop(ref.key, None)

        return self._start(ref, runtime, "delete", done)

    def update_tags(self, ref: ClusterRef, body: Any) -> Outcome:
        """PATCH tags (updateTags): 200 Updating, then Succeeded."""
        cluster = self.get(ref)
        self._busy(ref)
        tags = body.get("tags") if isinstance(body, dict) else None
        cluster["tags"] = dict(tags or {})
        cluster["eTag"] = new_etag(self._state)
        _set_state(cluster, "Updating")
        self._state.resources.put(ref.id, cluster)
        runtime = self._runtimes.setdefault(ref.key, ClusterRuntime(control_plane="", kubelet={}))

        def done() -> None:
            current = self._state.resources.get(ref.id)
            if current is not None:
                _set_state(current, "Succeeded")
                self._state.resources.put(ref.id, current)

        return Outcome(200, copy.deepcopy(cluster), self._start(ref, runtime, "update", done))

    def upgrade_node_image(self, ref: ClusterRef, pool: str) -> Outcome:
        """POST upgradeNodeImageVersion: 200 no-op when already newest, else 202 and reimage."""
        name = str(self.agent_pool(ref, pool)["name"])
        self._busy(ref)
        state = self._state
        newest = self.newest_node_image()
        cluster = state.resources.get(ref.id)
        assert cluster is not None
        profile = _pool(cluster, name)
        if profile.get("nodeImageVersion") == newest:
            return Outcome(200, None)
        profile["provisioningState"] = "UpgradingNodeImageVersion"
        profile["eTag"] = cluster["eTag"] = new_etag(state)
        cluster["properties"]["provisioningState"] = "UpgradingNodeImageVersion"
        state.resources.put(ref.id, cluster)
        accepted = shapes.agent_pool_resource(cluster, profile)
        runtime = self._runtimes.setdefault(ref.key, ClusterRuntime(control_plane="", kubelet={}))

        def done() -> None:
            body = state.resources.get(ref.id)
            if body is None:
                return
            upgraded = _pool(body, name)
            upgraded["nodeImageVersion"] = newest
            upgraded["provisioningState"] = "Succeeded"
            upgraded["eTag"] = body["eTag"] = new_etag(state)
            body["properties"]["provisioningState"] = "Succeeded"
            transition = Transition(reimage_pools=(name,), reimage_reason="nodeImageUpgrade")
            kubelet = properties(body).get("identityProfile", {}).get("kubeletidentity")
            if kubelet:
                transition.kubelet[name] = str(kubelet["resourceId"])
            self._apply(runtime, transition, body)
            if kubelet and not any(
                c.startswith(SERVICE_PRINCIPAL_PREFIX) for c in runtime.kubelet.values()
            ):
                body["properties"]["servicePrincipalProfile"] = {"clientId": shapes.MSI_CLIENT_ID}
            state.resources.put(ref.id, body)

        operation = self._start(ref, runtime, "upgradeNodeImageVersion", done)
        return Outcome(202, accepted, operation)

    # ------------------------------------------------------------------ helpers

    def _apply(self, runtime: ClusterRuntime, transition: Transition, body: dict[str, Any]) -> None:
        state = self._state
        pools = properties(body).get("agentPoolProfiles") or [{}]
        runtime.apply(
            transition,
            now=state.clock.now(),
            token_lifetime=state.config.token_lifetime.sample(state.rng),
            image=str(pools[0].get("nodeImageVersion", "")),
        )

    def _start(
        self, ref: ClusterRef, runtime: ClusterRuntime, kind: str, done: Callable[[], None]
    ) -> Any:
        state = self._state

        def failed() -> None:
            body = state.resources.get(ref.id)
            if body is not None:
                _set_state(body, "Failed")
                state.resources.put(ref.id, body)

        current = state.resources.get(ref.id) or {}
        operation = state.operations.start(
            resource_id=ref.id,
            duration=state.config.lro_duration.sample(state.rng),
            on_done=done,
            on_failed=failed,
            location=current.get("location"),
        )
        runtime.operation_kind = kind
        return operation

    def newest_node_image(self) -> str:
        """The newest node image AKS offers now."""
        return str(self._state.config.newest_node_image)

    def set_newest_node_image(self, version: str) -> None:
        """Publish a newer node image (upgradeNodeImageVersion then moves pools to it)."""
        self._state.config.newest_node_image = version


def _resolved(label: str | None, runtime: ClusterRuntime) -> str:
    if label == NEW_SYSTEM_ASSIGNED and runtime.system_principal_id:
        return system_assigned_label(runtime.system_principal_id)
    return label or ""


def _set_state(body: dict[str, Any], provisioning: str) -> None:
    body["properties"]["provisioningState"] = provisioning
    for profile in body["properties"].get("agentPoolProfiles") or []:
        profile["provisioningState"] = provisioning


def _pool(body: dict[str, Any], name: str) -> dict[str, Any]:
    profiles: list[dict[str, Any]] = body["properties"]["agentPoolProfiles"]
    for profile in profiles:
        if profile["name"] == name:
            return profile
    raise KeyError(name)
