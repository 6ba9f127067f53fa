"""Seeding: clusters and grants put straight into the emulator's backend (no HTTP), for demos,
tests and benchmarks that need many clusters fast.

:func:`seed_cluster` goes through the AKS backend (its checks, the identities it makes), then
finishes the operation on the clock at once. :func:`seed_demo_fleet` builds a small fleet in
three subscriptions with one cluster for each problem ``Fleet.audit()`` finds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._aks_backend import ManagedClusters
from ._aks_shapes import ClusterRef
from ._identities import identity_id

if TYPE_CHECKING:
    from ._emulator import Emulator

__all__ = ["DEMO_FLEET", "seed_cluster", "seed_demo_fleet", "seed_identity"]


def _finish(emu: Emulator, operation: Any) -> None:
    if operation is not None and not operation.done:
        emu.clock.advance(max(0.0, operation.end_time - emu.clock.now()))
        emu.state.operations.settle()


def seed_identity(
    emu: Emulator, subscription_id: str, resource_group: str, name: str, location: str = "westus2"
) -> dict[str, Any]:
    """A user-assigned identity (its resource group made if missing); its ARM body."""
    state = emu.state
    with state.lock:
        state.resources.ensure_resource_group(
            resource_group, location, subscription_id=subscription_id
        )
        rid = identity_id(subscription_id, resource_group, name)
        return state.identities.create_user_assigned(rid, location, {})


def _cluster_body(
    name: str,
    location: str,
    *,
    identity: dict[str, Any] | None,
    service_principal: str | None,
    kubelet: dict[str, Any] | None,
    subnet_id: str | None,
    pod_identities: list[dict[str, Any]] | None,
    tags: dict[str, str] | None,
) -> dict[str, Any]:
    pool: dict[str, Any] = {
        "name": "nodepool1",
        "count": 1,
        "vmSize": "Standard_DS2_v2",
        "mode": "System",
        "osType": "Linux",
        "type": "VirtualMachineScaleSets",
    }
    props: dict[str, Any] = {
        "dnsPrefix": name[:10],
        "enableRBAC": True,
        "agentPoolProfiles": [pool],
    }
    body: dict[str, Any] = {"location": location, "properties": props}
    if tags:
        body["tags"] = dict(tags)
    if service_principal is not None:
        props["servicePrincipalProfile"] = {"clientId": service_principal, "secret": "seeded"}
    elif identity is not None:
        body["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {identity["id"]: {}}}
    else:
        body["identity"] = {"type": "SystemAssigned"}
    if kubelet is not None:
        props["identityProfile"] = {
            "kubeletidentity": {
                "resourceId": kubelet["id"],
                "clientId": kubelet["properties"]["clientId"],
                "objectId": kubelet["properties"]["principalId"],
            }
        }
    if subnet_id is not None:
        pool["vnetSubnetID"] = subnet_id
        props["networkProfile"] = {"networkPlugin": "azure"}
    if pod_identities is not None:
        props["podIdentityProfile"] = {"enabled": True, "userAssignedIdentities": pod_identities}
    return body


def seed_cluster(
    emu: Emulator,
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    location: str = "westus2",
    identity: dict[str, Any] | None = None,
    service_principal: str | None = None,
    kubelet: dict[str, Any] | None = None,
    subnet_id: str | None = None,
    pod_identities: list[dict[str, Any]] | None = None,
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Create a cluster through the AKS backend and finish its operation; its ARM body.

    ``identity`` / ``kubelet``: identity bodies (:func:`seed_identity`); ``service_principal``:
    a client ID (``emu.create_service_principal(replicated=True)``). Grants AKS checks
    (Network Contributor on the subnet, Managed Identity Operator on the kubelet identity) are
    made in force first, as the library would.
    """
    state = emu.state
    ref = ClusterRef(subscription_id, resource_group, name)
    with state.lock:
        state.resources.ensure_resource_group(
            resource_group, location, subscription_id=subscription_id
        )
        control = identity["properties"]["principalId"] if identity is not None else None
        if control is not None and subnet_id is not None:
            emu.grant(control, "Network Contributor", subnet_id, in_force=True)
        if control is not None and kubelet is not None:
            emu.grant(control, "Managed Identity Operator", kubelet["id"], in_force=True)
        body = _cluster_body(
            name,
            location,
            identity=identity,
            service_principal=service_principal,
            kubelet=kubelet,
            subnet_id=subnet_id,
            pod_identities=pod_identities,
            tags=tags,
        )
        outcome = ManagedClusters(state).create_or_update(ref, body, state.caller_id)
        _finish(emu, outcome.operation)
        created = state.resources.get(ref.id)
        assert created is not None
        principal = (created.get("identity") or {}).get("principalId")
        if principal and subnet_id is not None:
            emu.grant(principal, "Network Contributor", subnet_id, in_force=True)
        return created


def migrate_to_system_assigned(emu: Emulator, cluster: dict[str, Any]) -> dict[str, Any]:
    """Service principal -> system-assigned through the AKS backend (the kubelet stays)."""
    state = emu.state
    parts = str(cluster["id"]).split("/")
    ref = ClusterRef(parts[2], parts[4], parts[8])
    with state.lock:
        body = state.resources.get(ref.id)
        assert body is not None
        body["identity"] = {"type": "SystemAssigned"}
        profile = (body.get("properties") or {}).get("servicePrincipalProfile") or {}
        profile.pop("secret", None)
        outcome = ManagedClusters(state).create_or_update(ref, body, state.caller_id)
        _finish(emu, outcome.operation)
        updated = state.resources.get(ref.id)
        assert updated is not None
        return updated


def _revoke(emu: Emulator, principal_id: str, scope: str) -> None:
    for assignment in emu.state.rbac.of_principal(principal_id):
        if assignment.scope.lower() == scope.lower():
            emu.state.rbac.delete(assignment.scope, assignment.name)


DEMO_FLEET = {
    "prod": ("payments", "checkout", "inventory"),
    "staging": ("search", "legacy-apps", "ingest"),
    "sandbox": ("sandbox", "healthy"),
}
"""Subscription role -> its clusters in :func:`seed_demo_fleet` (needs 3 subscriptions)."""


def seed_demo_fleet(emu: Emulator, location: str = "westus2") -> dict[str, str]:
    """A small fleet: each cluster shows one problem ``Fleet.audit()`` reports (``healthy`` none).

    prod: payments (service principal control plane), checkout (migrated; kubelet still on the
    service principal, whose registry the kubelet identity cannot pull from), inventory (custom
    subnet without Network Contributor). staging: search (pre-created kubelet identity without
    Managed Identity Operator), legacy-apps (pod-managed identity), ingest (system-assigned with
    a custom private DNS zone). sandbox: sandbox (Contributor on the subscription), healthy; and
    a role assignment whose identity was deleted. Returns cluster name -> resource ID.
    """
    if len(emu.subscription_ids) < 3:
        raise ValueError("seed_demo_fleet needs Emulator(subscriptions=3) or more")
    prod, staging, sandbox = emu.subscription_ids[:3]
    ids: dict[str, str] = {}
    rg = "aks"

    def scope(sub: str, kind: str, name: str) -> str:
        return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{kind}/{name}"

    emu.state.resources.ensure_resource_group(rg, location, subscription_id=prod)
    registry = scope(prod, "Microsoft.ContainerRegistry/registries", "acrprod")
    emu.put_resource(registry, {"location": location, "sku": {"name": "Standard"}})
    vnet = scope(prod, "Microsoft.Network/virtualNetworks", "vnet-prod")
    emu.put_resource(
        vnet,
        {"location": location, "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/8"]}}},
    )
    subnet = f"{vnet}/subnets/inventory"
    emu.put_resource(subnet, {"properties": {"addressPrefix": "10.1.0.0/16"}})

    client_payments, _ = emu.create_service_principal("sp-payments", replicated=True)
    ids["payments"] = seed_cluster(emu, prod, rg, "payments", service_principal=client_payments)[
        "id"
    ]

    client_checkout, _ = emu.create_service_principal("sp-checkout", replicated=True)
    sp_object = emu.state.directory.find_by_client_id(client_checkout)
    assert sp_object is not None
    emu.grant(sp_object.object_id, "AcrPull", registry, in_force=True)
    checkout = seed_cluster(emu, prod, rg, "checkout", service_principal=client_checkout)
    ids["checkout"] = migrate_to_system_assigned(emu, checkout)["id"]

    inventory = seed_cluster(emu, prod, rg, "inventory", subnet_id=subnet)
    ids["inventory"] = inventory["id"]
    _revoke(emu, inventory["identity"]["principalId"], subnet)

    control = seed_identity(emu, staging, rg, "search-control", location)
    kubelet = seed_identity(emu, staging, rg, "search-kubelet", location)
    ids["search"] = seed_cluster(emu, staging, rg, "search", identity=control, kubelet=kubelet)[
        "id"
    ]
    _revoke(emu, control["properties"]["principalId"], kubelet["id"])

    pod = seed_identity(emu, staging, rg, "orders-reader", location)
    ids["legacy-apps"] = seed_cluster(
        emu,
        staging,
        rg,
        "legacy-apps",
        pod_identities=[
            {
                "name": "orders-reader",
                "namespace": "orders",
                "identity": {
                    "resourceId": pod["id"],
                    "clientId": pod["properties"]["clientId"],
                    "objectId": pod["properties"]["principalId"],
                },
            }
        ],
    )["id"]

    ingest = seed_cluster(emu, staging, rg, "ingest")
    zone = scope(staging, "Microsoft.Network/privateDnsZones", "privatelink.westus2.azmk8s.io")
    emu.put_resource(zone, {"location": "global"})
    with emu.state.lock:  # made before AKS refused this combination: put as it stands
        body = emu.state.resources.get(ingest["id"])
        assert body is not None
        body["properties"]["apiServerAccessProfile"] = {
            "enablePrivateCluster": True,
            "privateDNSZone": zone,
        }
        emu.state.resources.put(ingest["id"], body)
    ids["ingest"] = ingest["id"]

    broad = seed_identity(emu, sandbox, rg, "sandbox-control", location)
    ids["sandbox"] = seed_cluster(emu, sandbox, rg, "sandbox", identity=broad)["id"]
    emu.grant(
        broad["properties"]["principalId"],
        "Contributor",
        f"/subscriptions/{sandbox}",
        in_force=True,
    )
    healthy = seed_identity(emu, sandbox, rg, "healthy-control", location)
    ids["healthy"] = seed_cluster(emu, sandbox, rg, "healthy", identity=healthy)["id"]

    gone = seed_identity(emu, sandbox, rg, "deleted-app", location)
    gone_principal = gone["properties"]["principalId"]
    emu.grant(
        gone_principal, "Reader", f"/subscriptions/{sandbox}/resourceGroups/{rg}", in_force=True
    )
    with emu.state.lock:  # the identity is deleted; its role assignment stays behind (as in Azure)
        emu.state.resources.delete(gone["id"])
        emu.state.directory.remove(gone_principal)
    # a newer node image is out: checkout's kubelet can leave the service principal now
    emu.set_newest_node_image("AKSUbuntu-2204gen2containerd-202502.01.0")
    return ids
