"""Network settings, checked before the first write as AKS checks them (the emulator enforces
the same rules with AKS's codes).

AKS's code for a service CIDR overlapping the cluster subnet is
ServiceCidrOverlapExistingSubnetsCidr, worded "The specified service CIDR 10.0.0.0/16 is
conflicted with an existing subnet CIDR 10.0.239.0/24" (as the Azure CLI shows it:
https://github.com/Azure/azure-cli/issues/20810). A DNS service IP at the network address was
accepted by AKS once and then fixed (https://github.com/Azure/AKS/issues/2579); Kubernetes gives
the first address of the service CIDR to the API server's service, so AKS refuses it too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from aks_identity import NetworkProfile, ValidationError

from .conftest import RG, World

BAD_PROFILES: list[tuple[dict[str, Any], str]] = [
    ({"plugin": "calico"}, "plugin"),
    ({"plugin": "Azure CNI"}, "plugin"),
    ({"plugin": None}, "plugin"),
    ({"plugin_mode": "underlay"}, "plugin_mode"),
    ({"service_cidr": "10.0.0.0"}, "prefix length"),
    ({"service_cidr": "10.0.0.1/16"}, "host bits"),
    ({"service_cidr": "10.0.0.0/33"}, "valid CIDR"),
    ({"service_cidr": "banana/16"}, "valid CIDR"),
    ({"service_cidr": "10.0.0.0/16\n"}, "whitespace"),
    ({"service_cidr": 10}, "expected a string"),
    ({"pod_cidr": "10.244.0.0/33"}, "valid CIDR"),
    ({"dns_service_ip": "10.0.0.256"}, "not an IP address"),
    ({"dns_service_ip": "ten"}, "not an IP address"),
    ({"dns_service_ip": 167772170}, "expected a string"),
    ({"service_cidr": "172.16.0.0/16", "dns_service_ip": "10.0.0.10"}, "not inside"),
    ({"dns_service_ip": "10.1.0.10"}, "not inside"),
    ({"service_cidr": "172.16.0.0/16", "dns_service_ip": "172.16.0.0"}, "network address"),
    ({"service_cidr": "172.16.0.0/16", "dns_service_ip": "172.16.0.1"}, "first address"),
    ({"dns_service_ip": "10.0.0.1"}, "first address"),
    ({"service_cidr": "172.16.0.0/24", "dns_service_ip": "172.16.0.255"}, "broadcast"),
    ({"service_cidr": "172.16.0.0/16", "dns_service_ip": "fd00::10"}, "not inside"),
    ({"subnet_id": "/subscriptions/x"}, "not a GUID"),
    # AKS reserves these for itself (learn.microsoft.com/azure/aks/configure-azure-cni):
    ({"service_cidr": "172.30.0.0/16", "dns_service_ip": "172.30.0.10"}, "AKS reserves"),
    ({"service_cidr": "169.254.0.0/16", "dns_service_ip": "169.254.0.10"}, "AKS reserves"),
    ({"service_cidr": "192.0.2.0/24", "dns_service_ip": "192.0.2.10"}, "AKS reserves"),
]


@pytest.mark.parametrize(
    ("settings", "problem"), BAD_PROFILES, ids=[str(i) for i in range(len(BAD_PROFILES))]
)
def test_network_profile_values(
    world: World, refused: Callable[..., ValidationError], settings: dict[str, Any], problem: str
) -> None:
    refused(lambda: NetworkProfile(**settings), problem)


def test_subnet_of_the_wrong_kind(world: World, refused: Callable[..., ValidationError]) -> None:
    net = NetworkProfile(subnet_id=world.registry)
    refused(lambda: world.az.create_cluster("n1", resource_group=RG, network=net), "subnet")


@pytest.mark.parametrize(
    ("service_cidr", "dns"),
    [
        ("10.1.0.0/16", "10.1.0.10"),
        ("10.1.0.0/24", "10.1.0.10"),
        ("10.1.0.128/25", "10.1.0.130"),
        ("10.0.0.0/8", "10.0.0.10"),
    ],
    ids=repr,
)
def test_service_cidr_overlapping_the_subnet_is_refused_before_any_grant(
    world: World, refused: Callable[..., ValidationError], service_cidr: str, dns: str
) -> None:
    net = NetworkProfile(subnet_id=world.subnet, service_cidr=service_cidr, dns_service_ip=dns)
    refused(
        lambda: world.az.create_cluster(
            "n2", resource_group=RG, identity=world.identity, network=net
        ),
        "ServiceCidrOverlapExistingSubnetsCidr",
        "10.1.0.0/24",
    )


def test_subnet_in_an_unknown_subscription(world: World, refused: Callable[..., object]) -> None:
    from aks_identity import NotFoundError

    subnet = world.subnet.replace(world.sub, "0b1f6471-1bf0-4dda-aec3-111111111111")
    net = NetworkProfile(
        subnet_id=subnet, service_cidr="172.16.0.0/16", dns_service_ip="172.16.0.10"
    )
    refused(
        lambda: world.az.create_cluster("n3", resource_group=RG, network=net),
        "SubscriptionNotFound",
        error=NotFoundError,
    )


def test_a_good_profile_passes(world: World) -> None:
    net = NetworkProfile(
        subnet_id=world.subnet, service_cidr="172.16.0.0/16", dns_service_ip="172.16.0.10"
    )
    first = len(world.emu.requests)
    plan = world.az.create_cluster(
        "n4", resource_group=RG, identity=world.identity, network=net, dry_run=True
    )
    assert [g.role for g in plan.grants] == ["Network Contributor"]
    subnet_reads = [r for r in list(world.emu.requests)[first:] if r.path.endswith("/subnets/aks")]
    assert len(subnet_reads) == 1  # the subnet is read once


def _raw_put(
    world: World, name: str, profile: dict[str, Any], pools: list[dict[str, Any]] | None = None
) -> HttpResponseError:
    """PUT a cluster straight through the SDK, past the library's checks."""
    from azure.mgmt.containerservice import ContainerServiceClient

    client = ContainerServiceClient(
        world.emu.credential(),
        world.sub,
        base_url=world.emu.url,
        connection_verify=world.emu.ca_bundle,
    )
    body = {
        "location": "westus2",
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "dnsPrefix": name,
            "networkProfile": profile,
            "agentPoolProfiles": pools or [{"name": "nodepool1", "count": 1, "mode": "System"}],
        },
    }
    with pytest.raises(HttpResponseError) as info:
        client.managed_clusters.begin_create_or_update(RG, name, body).result()
    client.close()
    return info.value


@pytest.mark.parametrize(
    ("profile", "code"),
    [
        ({"networkPlugin": "calico"}, "InvalidParameter"),
        ({"serviceCidr": "172.16.0.0/16", "dnsServiceIP": "10.0.0.10"}, "InvalidParameter"),
        ({"serviceCidr": "172.16.0.0/16", "dnsServiceIP": "172.16.0.1"}, "InvalidParameter"),
        ({"serviceCidr": "172.16.0.0/33", "dnsServiceIP": "172.16.0.10"}, "InvalidParameter"),
        ({"serviceCidr": "172.16.0.0/24", "dnsServiceIP": "172.16.0.255"}, "InvalidParameter"),
        ({"serviceCidr": "172.16.0.0/16", "dnsServiceIP": "172.16.0.0"}, "InvalidParameter"),
        ({"serviceCidr": "172.31.0.0/16", "dnsServiceIP": "172.31.0.10"}, "InvalidParameter"),
    ],
    ids=repr,
)
def test_emulator_enforces_aks_network_rules(
    world: World, profile: dict[str, Any], code: str
) -> None:
    error = _raw_put(world, "raw1", profile)
    assert error.status_code == 400
    assert error.error is not None and error.error.code == code


def test_emulator_refuses_a_service_cidr_over_the_subnet(world: World) -> None:
    error = _raw_put(
        world,
        "raw2",
        {"networkPlugin": "azure", "serviceCidr": "10.1.0.0/16", "dnsServiceIP": "10.1.0.10"},
        [{"name": "nodepool1", "count": 1, "mode": "System", "vnetSubnetID": world.subnet}],
    )
    assert error.error is not None
    assert error.error.code == "ServiceCidrOverlapExistingSubnetsCidr"
    assert "is conflicted with an existing subnet CIDR 10.1.0.0/24" in str(error)
