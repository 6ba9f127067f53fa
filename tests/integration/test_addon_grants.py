"""Issue 9 item 2: the add-on grants the Azure CLI makes (addonconfiguration.py), after create,
after migrations and with cluster.enable_addons / disable_addons; the inventory shows them."""

from __future__ import annotations

from typing import Any

import pytest

from aks_identity import Azure, Cluster, NetworkProfile, Plan, ServicePrincipal
from aks_identity._roles import get_role
from aks_identity.emulator import Emulator

from .conftest import LOCATION, assignments, scope_id, writes_since


def _held(emu: Emulator, cluster: Cluster, addon: str) -> set[tuple[str, str]]:
    """(role name, scope) the add-on's identity holds."""
    object_id = next(a.object_id for a in cluster.addons if a.name == addon)
    assert object_id
    return {
        (get_role(a.role_guid).name or a.role_guid, a.scope.lower())
        for a in assignments(emu, object_id)
    }


@pytest.fixture
def gateway(az: Azure, emu: Emulator, rg: str) -> str:
    """An application gateway in its own resource group (as its Contributor grant is there)."""
    az.create_resource_group("gw-rg", location=LOCATION)
    gid = (
        f"/subscriptions/{emu.subscription_id}/resourceGroups/gw-rg"
        "/providers/Microsoft.Network/applicationGateways/appgw1"
    )
    emu.put_resource(gid, {"location": LOCATION, "properties": {}})
    return gid


def _create_dry_then_real(az: Azure, emu: Emulator, **kwargs: Any) -> tuple[Plan, Cluster]:
    first = len(emu.requests)
    plan = az.create_cluster("c1", resource_group="rg", dry_run=True, **kwargs)
    assert writes_since(emu, first) == []
    return plan, az.create_cluster("c1", resource_group="rg", **kwargs)


def test_monitoring_gets_monitoring_metrics_publisher_on_the_cluster(
    az: Azure, rg: str, emu: Emulator
) -> None:
    plan, cluster = _create_dry_then_real(az, emu, addons=["monitoring"])

    assert [(g.role, g.skip_with) for g in plan.grants] == [
        ("Monitoring Metrics Publisher", "grant_addons=False")
    ]
    assert "add_monitoring_role_assignment" in plan.grants[0].reason
    assert _held(emu, cluster, "omsagent") == {
        ("Monitoring Metrics Publisher", str(cluster.id).lower())
    }
    row = next(r for r in cluster.identities() if r.use == "add-on omsagent")
    assert [a.role_name for a in row.role_assignments] == ["Monitoring Metrics Publisher"]


def test_monitoring_with_aad_auth_needs_no_grant(az: Azure, rg: str, emu: Emulator) -> None:
    plan, cluster = _create_dry_then_real(az, emu, addons={"omsagent": {"useAADAuth": "true"}})
    assert plan.grants == ()
    assert _held(emu, cluster, "omsagent") == set()


def test_ingress_application_gateway_grants_as_the_cli(
    az: Azure, rg: str, emu: Emulator, gateway: str, subnet: str
) -> None:
    gateway_subnet = scope_id(emu, "vnet", "vnet1") + "/subnets/appgw"
    emu.put_resource(gateway_subnet, {"properties": {"addressPrefix": "10.1.1.0/24"}})
    config = {
        "applicationGatewayId": gateway,
        "subnetId": gateway_subnet,
        "subnetCIDR": "10.2.0.0/16",
    }
    plan, cluster = _create_dry_then_real(
        az,
        emu,
        network=NetworkProfile(plugin="azure", subnet_id=subnet),
        addons={"ingressApplicationGateway": config},
    )

    group = f"/subscriptions/{emu.subscription_id}/resourcegroups/gw-rg"
    vnet = scope_id(emu, "vnet", "vnet1").lower()
    expected = {
        ("Contributor", group),  # the gateway's resource group
        ("Network Contributor", gateway_subnet.lower()),
        ("Contributor", vnet),  # subnetCIDR: the first pool's virtual network
    }
    addon_grants = [g for g in plan.grants if "ingress" in g.reason]
    assert {(g.role, str(g.scope).lower()) for g in addon_grants} == expected
    assert _held(emu, cluster, "ingressApplicationGateway") == expected


def test_virtual_node_gets_contributor_on_the_virtual_network(
    az: Azure, rg: str, emu: Emulator, subnet: str
) -> None:
    plan, cluster = _create_dry_then_real(
        az,
        emu,
        network=NetworkProfile(plugin="azure", subnet_id=subnet),
        addons={"virtual-node": {"SubnetName": "aci"}},
    )

    vnet = scope_id(emu, "vnet", "vnet1").lower()
    assert ("Contributor", vnet) in {(g.role, str(g.scope).lower()) for g in plan.grants}
    assert _held(emu, cluster, "aciConnectorLinux") == {("Contributor", vnet)}


def test_enable_and_disable_addons_later(az: Azure, rg: str, emu: Emulator) -> None:
    cluster = az.create_cluster("c1", resource_group=rg)
    first = len(emu.requests)

    plan = cluster.enable_addons(["omsagent"], dry_run=True)
    assert writes_since(emu, first) == []
    enabled = cluster.enable_addons(["omsagent"])
    again = enabled.enable_addons(["omsagent"])  # nothing to do: no write, no duplicate

    assert [s.action for s in plan.steps] == ["update", "grant"]
    assert _held(emu, enabled, "omsagent") == {
        ("Monitoring Metrics Publisher", str(cluster.id).lower())
    }
    assert again is enabled
    object_id = next(a.object_id for a in enabled.addons if a.name == "omsagent")
    assert object_id

    disabled = enabled.disable_addons(["omsagent"])
    assert not next(a for a in disabled.addons if a.name == "omsagent").enabled
    assert assignments(emu, object_id) == []


def test_addon_grants_follow_migrations(
    az: Azure, rg: str, emu: Emulator, service_principal: ServicePrincipal
) -> None:
    legacy = az.create_cluster(
        "legacy", resource_group=rg, service_principal=service_principal, addons=["omsagent"]
    )
    assert legacy.addons[0].object_id is None  # no add-on identity on a service principal

    plan = legacy.enable_managed_identity(dry_run=True)
    migrated = legacy.enable_managed_identity()

    assert ("Monitoring Metrics Publisher", "grant_addons=False") in [
        (g.role, g.skip_with) for g in plan.grants
    ]
    assert _held(emu, migrated, "omsagent") == {
        ("Monitoring Metrics Publisher", str(migrated.id).lower())
    }
    ident = az.create_identity("cp-id", resource_group=rg)
    switched = migrated.use_identity(ident)
    back = switched.use_system_assigned_identity()
    assert _held(emu, back, "omsagent") == {
        ("Monitoring Metrics Publisher", str(migrated.id).lower())
    }


def test_inventory_shows_web_app_routing_and_cost_analysis(
    az: Azure, rg: str, emu: Emulator
) -> None:
    cluster = az.create_cluster("c1", resource_group=rg)
    from azure.mgmt.containerservice import ContainerServiceClient

    client = ContainerServiceClient(
        emu.credential(), emu.subscription_id, base_url=emu.url, connection_verify=emu.ca_bundle
    )
    body = client.managed_clusters.get(rg, "c1")
    body.ingress_profile = {"webAppRouting": {"enabled": True}}
    body.metrics_profile = {"costAnalysis": {"enabled": True}}
    client.managed_clusters.begin_create_or_update(rg, "c1", body).result()

    rows = {r.use: r for r in cluster.refresh().identities()}

    routing = rows["add-on application routing"]
    assert routing.kind == "UserAssigned" and routing.object_id
    assert routing.default_permissions == (
        "Key Vault Secrets User on the key vault",
        "DNS Zone Contributor on the DNS zones",
        "Private DNS Zone Contributor on the private DNS zones",
    )
    assert rows["add-on cost analysis"].kind == "none"
    assert "no identity" in (rows["add-on cost analysis"].note or "")
