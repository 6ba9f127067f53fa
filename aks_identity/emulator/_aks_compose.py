"""Compose a managed cluster's ARM body from a validated write, and the credential transition.

As recorded, a PUT's response shows the request's identities unresolved
(``userAssignedIdentities`` values empty) and no auto-created kubelet identity; AKS fills them in
when the operation ends. So a write yields two bodies: ``pending`` (stored and returned now) and
``final`` (stored when the operation succeeds).
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from typing import Any

from . import _aks_shapes as shapes
from ._aks_checks import SYSTEM_ASSIGNED, USER_ASSIGNED, Plan, properties
from ._aks_runtime import SERVICE_PRINCIPAL_PREFIX, ClusterRuntime, Transition
from ._state import State

__all__ = ["Composition", "compose"]


@dataclasses.dataclass
class Composition:
    """What a write stores now and when it succeeds."""

    pending: dict[str, Any]
    final: dict[str, Any]
    transition: Transition
    owned: list[str]


def compose(
    state: State,
    ref: shapes.ClusterRef,
    *,
    body: dict[str, Any],
    existing: dict[str, Any] | None,
    runtime: ClusterRuntime,
    plan: Plan,
) -> Composition:
    """Build the cluster body (creating AKS-owned identities and the node resource group)."""
    provisioning = "Creating" if existing is None else "Updating"
    props = _merged_properties(body, existing)
    version = props.get("kubernetesVersion") or shapes.DEFAULT_KUBERNETES_VERSION
    props["kubernetesVersion"] = version
    props["currentKubernetesVersion"] = version
    props["dnsPrefix"] = props.get("dnsPrefix") or shapes.default_dns_prefix(
        ref.name, ref.resource_group, ref.subscription_id
    )
    props.update(shapes.fqdns(props["dnsPrefix"], plan.location, ref.id))
    node_rg = str(
        properties(existing).get("nodeResourceGroup")
        or props.get("nodeResourceGroup")
        or shapes.node_resource_group(ref.resource_group, ref.name, plan.location)
    )
    props["nodeResourceGroup"] = node_rg
    props.setdefault("enableRBAC", True)
    props.setdefault("disableLocalAccounts", False)
    props["maxAgentPools"] = 100
    props["networkProfile"] = shapes.default_network_profile(
        props.get("networkProfile"), ref.subscription_id, node_rg
    )
    props["securityProfile"] = props.get("securityProfile") or {}
    props["storageProfile"] = shapes.default_storage_profile(props.get("storageProfile"))
    props["agentPoolProfiles"] = _pools(plan, existing, version, state, provisioning)
    props["provisioningState"] = provisioning
    props["powerState"] = {"code": "Running"}

    state.resources.ensure_resource_group(
        node_rg, plan.location, subscription_id=ref.subscription_id
    )
    owned: list[str] = []
    cluster: dict[str, Any] = {
        "id": ref.id,
        "location": plan.location,
        "name": ref.name,
        "type": shapes.CLUSTER_TYPE,
        "tags": copy.deepcopy(body["tags"] if "tags" in body else (existing or {}).get("tags")),
        "sku": copy.deepcopy(body.get("sku") or (existing or {}).get("sku") or shapes.DEFAULT_SKU),
        "eTag": _etag(state),
        "properties": props,
    }
    if cluster["tags"] is None:
        del cluster["tags"]
    identity = _identity(state, ref, plan, runtime)
    if identity is not None:
        cluster["identity"] = identity
    transition = Transition(control_plane=plan.control_plane.label(runtime))
    pool_names = tuple(str(p["name"]) for p in props["agentPoolProfiles"])
    kubelet_id = plan.kubelet_id
    if plan.control_plane.managed:
        if kubelet_id is None:
            kubelet = _ensure_identity(
                state, ref, node_rg, f"{ref.name}-agentpool", plan.location, owned=owned
            )
            kubelet_id = str(kubelet["id"])
        props["identityProfile"] = {"kubeletidentity": _identity_reference(state, kubelet_id)}
        _kubelet_transition(
            transition,
            runtime=runtime,
            plan=plan,
            kubelet_id=kubelet_id,
            pools=pool_names,
            creating=existing is None,
        )
    else:
        props.pop("identityProfile", None)
        label = plan.control_plane.label(runtime)
        transition.kubelet.update({pool: label for pool in pool_names})
    props["servicePrincipalProfile"] = _service_principal_profile(
        plan, existing, runtime, transition, pool_names
    )
    props["addonProfiles"] = _addons(
        state, ref, requested=props.get("addonProfiles"), node_rg=node_rg, plan=plan, owned=owned
    )
    _oidc(props, existing, plan.location, state.tenant_id, ref.id)
    auto_kubelet = plan.control_plane.managed and plan.kubelet_id is None
    pending = _pending(cluster, existing, auto_kubelet=auto_kubelet)
    return Composition(pending, copy.deepcopy(cluster), transition, owned)


def _merged_properties(body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    props = {
        k: copy.deepcopy(v)
        for k, v in properties(existing).items()
        if k not in shapes.READ_ONLY_PROPERTIES
    }
    props.update(
        {
            k: copy.deepcopy(v)
            for k, v in properties(body).items()
            if k not in shapes.READ_ONLY_PROPERTIES and v is not None
        }
    )
    profile = props.get("servicePrincipalProfile")
    if isinstance(profile, dict):
        profile.pop("secret", None)
    return props


def _pools(
    plan: Plan, existing: dict[str, Any] | None, version: str, state: State, provisioning: str
) -> list[dict[str, Any]]:
    current = {
        str(p["name"]).lower(): p for p in properties(existing).get("agentPoolProfiles") or []
    }
    newest = str(state.config.newest_node_image)
    pools = []
    for index, pool in enumerate(plan.pools):
        name = str(pool.get("name") or f"nodepool{index + 1}")
        pools.append(
            shapes.agent_pool_profile(
                {**pool, "name": name},
                current=current.get(name.lower()),
                kubernetes_version=version,
                node_image=newest,
                state=provisioning,
            )
        )
        pools[-1]["eTag"] = _etag(state)
    return pools


def _etag(state: State) -> str:
    return uuid.UUID(int=state.rng.getrandbits(128)).hex[:8]


def _identity(
    state: State, ref: shapes.ClusterRef, plan: Plan, runtime: ClusterRuntime
) -> dict[str, Any] | None:
    control_plane = plan.control_plane
    if control_plane.kind == SYSTEM_ASSIGNED:
        if runtime.system_principal_id is None:
            principal = state.directory.add_principal(display_name=ref.name, resource_id=ref.id)
            runtime.system_principal_id = principal.object_id
        return {
            "type": SYSTEM_ASSIGNED,
            "principalId": runtime.system_principal_id,
            "tenantId": state.tenant_id,
        }
    if control_plane.kind == USER_ASSIGNED:
        assert control_plane.identity is not None
        properties_ = control_plane.identity["properties"]
        return {
            "type": USER_ASSIGNED,
            "userAssignedIdentities": {
                str(control_plane.identity_id): {
                    "principalId": properties_["principalId"],
                    "clientId": properties_["clientId"],
                }
            },
        }
    return None


def _identity_reference(state: State, identity_id: str) -> dict[str, Any]:
    identity = state.identities.get(identity_id)
    assert identity is not None
    return {
        "resourceId": str(identity["id"]),
        "clientId": identity["properties"]["clientId"],
        "objectId": identity["properties"]["principalId"],
    }


def _ensure_identity(
    state: State,
    ref: shapes.ClusterRef,
    resource_group: str,
    name: str,
    location: str,
    *,
    owned: list[str],
) -> dict[str, Any]:
    resource_id = shapes.identity_id(ref.subscription_id, resource_group, name)
    found = state.identities.get(resource_id)
    if found is None:
        found = state.identities.create_user_assigned(resource_id, location, {})
    owned.append(resource_id)
    return found


def _kubelet_transition(
    transition: Transition,
    *,
    runtime: ClusterRuntime,
    plan: Plan,
    kubelet_id: str,
    pools: tuple[str, ...],
    creating: bool,
) -> None:
    """Which credential each pool's kubelet uses once the write succeeds.

    A kubelet identity change reimages the nodes, so they switch at once. Otherwise a pool on a
    service principal (a migrated cluster) stays on it until a node image upgrade.
    """
    reimage = plan.kubelet_custom and plan.kubelet_changed and not creating
    for pool in pools:
        previous = runtime.kubelet.get(pool)
        on_service_principal = bool(previous and previous.startswith(SERVICE_PRINCIPAL_PREFIX))
        if reimage or not on_service_principal:
            transition.kubelet[pool] = kubelet_id
    if reimage:
        transition.reimage_pools = pools
        transition.reimage_reason = "kubeletIdentityChange"


def _service_principal_profile(
    plan: Plan,
    existing: dict[str, Any] | None,
    runtime: ClusterRuntime,
    transition: Transition,
    pools: tuple[str, ...],
) -> dict[str, Any]:
    """``msi`` on managed-identity clusters; the service principal while kubelets still use it."""
    if not plan.control_plane.managed:
        return {"clientId": plan.control_plane.client_id}
    credentials = [transition.kubelet.get(p, runtime.kubelet.get(p, "")) for p in pools]
    old = (properties(existing).get("servicePrincipalProfile") or {}).get("clientId")
    if old and any(c.startswith(SERVICE_PRINCIPAL_PREFIX) for c in credentials):
        return {"clientId": old}
    return {"clientId": shapes.MSI_CLIENT_ID}


def _addons(
    state: State,
    ref: shapes.ClusterRef,
    *,
    requested: Any,
    node_rg: str,
    plan: Plan,
    owned: list[str],
) -> dict[str, Any]:
    """addonProfiles; identity add-ons get "<addon>-<cluster>" in the node resource group."""
    addons: dict[str, Any] = {}
    for name, profile in (requested or {}).items():
        if not isinstance(profile, dict):
            continue
        addon = {k: copy.deepcopy(v) for k, v in profile.items() if k != "identity"}
        addon["enabled"] = bool(profile.get("enabled"))
        if (
            addon["enabled"]
            and plan.control_plane.managed
            and name.lower() in shapes.IDENTITY_ADDONS
        ):
            identity = _ensure_identity(
                state, ref, node_rg, f"{name.lower()}-{ref.name}", plan.location, owned=owned
            )
            addon["identity"] = _identity_reference(state, str(identity["id"]))
        addons[name] = addon
    return addons


def _oidc(
    props: dict[str, Any], existing: dict[str, Any] | None, location: str, tenant: str, rid: str
) -> None:
    oidc = props.get("oidcIssuerProfile")
    if not isinstance(oidc, dict):
        return
    if oidc.get("enabled"):
        previous = (properties(existing).get("oidcIssuerProfile") or {}).get("issuerURL")
        oidc["issuerURL"] = previous or shapes.oidc_issuer_url(location, tenant, rid)
    else:
        oidc.pop("issuerURL", None)


def _pending(
    final: dict[str, Any], existing: dict[str, Any] | None, *, auto_kubelet: bool
) -> dict[str, Any]:
    """The body AKS shows while the operation runs: what it has not resolved yet is left out."""
    pending = copy.deepcopy(final)
    before = existing or {}
    known = {k.lower() for k in (before.get("identity") or {}).get("userAssignedIdentities") or {}}
    assigned = (pending.get("identity") or {}).get("userAssignedIdentities") or {}
    for key in assigned:
        if key.lower() not in known:
            assigned[key] = {}
    props = pending["properties"]
    if auto_kubelet:
        props.pop("identityProfile", None)
    old_addons = properties(before).get("addonProfiles") or {}
    for name, addon in (props.get("addonProfiles") or {}).items():
        if "identity" not in (old_addons.get(name) or {}):
            addon.pop("identity", None)
    return pending
