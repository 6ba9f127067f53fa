"""Reading never fails: a cluster whose network settings break the library's client-side
rules (which are for what users ask for) is read as ARM reports it.

The values are stored straight in the emulator's state, as a cluster made long ago (or by
another tool, or before AKS tightened a rule) would hold them: the emulator's AKS checks, like
AKS's, refuse them on a new PUT."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import aks_identity as aki
from aks_identity.emulator import Emulator
from aks_identity.emulator._seed import seed_cluster

RG = "rg"

UNUSUAL: dict[str, dict[str, Any]] = {
    # 172.30.0.0/16 is a range AKS reserves for the service CIDR today
    "reserved-service-cidr": {
        "networkPlugin": "azure",
        "serviceCidr": "172.30.0.0/16",
        "dnsServiceIP": "172.30.0.10",
    },
    # the DNS service IP outside the service CIDR, and its first address
    "dns-outside": {
        "networkPlugin": "kubenet",
        "serviceCidr": "10.0.0.0/16",
        "dnsServiceIP": "10.9.0.10",
    },
    "dns-first-address": {
        "networkPlugin": "azure",
        "serviceCidr": "10.0.0.0/16",
        "dnsServiceIP": "10.0.0.1",
    },
    # a plugin and plugin mode this library does not know (a newer API version's)
    "unknown-plugin": {"networkPlugin": "cilium-next", "networkPluginMode": "underlay"},
    # values that are not addresses at all
    "not-addresses": {"networkPlugin": "azure", "serviceCidr": "ten/16", "dnsServiceIP": "dns"},
}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed=21) as made:
        for name, network in UNUSUAL.items():
            body = seed_cluster(made, made.subscription_id, RG, name)
            with made.state.lock:
                stored = made.state.resources.get(body["id"])
                assert stored is not None
                stored["properties"]["networkProfile"] = dict(network)
                made.state.resources.put(body["id"], stored)
        yield made


@pytest.mark.parametrize("name", list(UNUSUAL))
def test_get_cluster_reads_what_arm_reports(emu: Emulator, name: str) -> None:
    az = emu.azure()
    cluster = az.get_cluster(name, resource_group=RG)
    expected = UNUSUAL[name]

    assert cluster.network.plugin == expected["networkPlugin"]
    assert cluster.network.plugin_mode == expected.get("networkPluginMode")
    assert cluster.network.service_cidr == expected.get("serviceCidr")
    assert cluster.network.dns_service_ip == expected.get("dnsServiceIP")
    assert cluster.refresh().network == cluster.network
    az.close()


def test_listings_and_the_fleet_read_them_too(emu: Emulator) -> None:
    az = emu.azure()
    assert sorted(c.name for c in az.list_clusters(resource_group=RG)) == sorted(UNUSUAL)
    with emu.fleet() as fleet:
        assert sorted(c.name for c in fleet.clusters()) == sorted(UNUSUAL)
        assert fleet.audit().clusters
    az.close()


def test_passing_such_a_profile_to_create_is_checked(emu: Emulator) -> None:
    """The read-side profile is checked when a user passes it back in: before any write."""
    az = emu.azure()
    network = az.get_cluster("reserved-service-cidr", resource_group=RG).network
    first = len(emu.requests)
    with pytest.raises(aki.ValidationError, match=r"172\.30\.0\.0/16, which AKS reserves"):
        az.create_cluster("copy", resource_group=RG, network=network)
    assert [r for r in emu.requests[first:] if r.method in {"PUT", "POST", "PATCH", "DELETE"}] == []
    az.close()


def test_the_constructor_still_checks() -> None:
    with pytest.raises(aki.ValidationError, match="which AKS reserves"):
        aki.NetworkProfile(service_cidr="172.30.0.0/16", dns_service_ip="172.30.0.10")
    with pytest.raises(aki.ValidationError, match="plugin"):
        aki.NetworkProfile(plugin="cilium-next")
