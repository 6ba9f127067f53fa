"""Fewer requests, none failed (issue 12 item 7): conditional cluster writes, no 404 probes.

AKS's eTag rules (learn.microsoft.com/azure/aks/use-etags, "Configurations and Expected
Behavior" and "Common Issues"): PUT with ``If-None-Match: *`` creates (201) or fails 412
``PreConditionFailed`` when the cluster exists; ``If-Match`` with another eTag fails 412;
``If-None-Match`` other than ``*``, or beside ``If-Match``, is a 400 BadRequest.
"""

from __future__ import annotations

from typing import Any

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerservice import ContainerServiceClient

from aks_identity import Azure, NetworkProfile
from aks_identity.emulator import Emulator

from .conftest import RG

NAME = "c1"


def _failed(emu: Emulator, first: int) -> list[Any]:
    return [r for r in list(emu.requests)[first:] if r.status is None or r.status >= 400]


def _sdk(emu: Emulator) -> ContainerServiceClient:
    return ContainerServiceClient(
        emu.credential(), emu.subscription_id, base_url=emu.url, connection_verify=emu.ca_bundle
    )


def test_a_first_run_sends_no_request_that_fails(az: Azure, emu: Emulator, subnet: str) -> None:
    first = len(emu.requests)
    az.create_resource_group(RG, location="westus2")
    ident = az.create_identity("id1", resource_group=RG)
    system = az.create_cluster("sys", resource_group=RG)
    az.create_cluster(
        NAME,
        resource_group=RG,
        identity=ident,
        network=NetworkProfile(
            subnet_id=subnet, service_cidr="10.2.0.0/24", dns_service_ip="10.2.0.10"
        ),
    )
    system.use_identity(ident)

    assert _failed(emu, first) == []
    puts = emu.requests.matching("PUT", "/managedClusters/sys")
    assert [r.headers.get("if-none-match") for r in puts] == ["*", None]


def test_an_update_sends_the_etag_held_and_reads_nothing_first(az: Azure, emu: Emulator) -> None:
    az.create_resource_group(RG, location="westus2")
    cluster = az.create_cluster(NAME, resource_group=RG)
    ident = az.create_identity("id1", resource_group=RG)
    first = len(emu.requests)

    cluster.use_identity(ident)

    log = list(emu.requests)[first:]
    put = next(r for r in log if r.method == "PUT")
    assert (put.headers.get("if-match") or "").strip('"') == cluster.etag
    assert not [r for r in log[: log.index(put)] if "/managedClusters/" in r.path]


def test_a_cluster_changed_since_it_was_read_is_read_again(az: Azure, emu: Emulator) -> None:
    az.create_resource_group(RG, location="westus2")
    cluster = az.create_cluster(NAME, resource_group=RG)
    ident = az.create_identity("id1", resource_group=RG)
    body = emu.state.resources.get(str(cluster.id))
    assert body is not None
    with _sdk(emu) as other:  # someone else tags the cluster: its eTag changes
        other.managed_clusters.begin_update_tags(RG, NAME, {"tags": {"owner": "other"}}).result()

    updated = cluster.use_identity(ident)

    refused = [r for r in emu.requests if r.status == 412]
    assert [r.error_code for r in refused] == ["PreConditionFailed"]
    assert updated.identity.user_assigned  # the second PUT, from a fresh read, went through
    stored = emu.state.resources.get(str(cluster.id))
    assert stored is not None and stored["tags"] == {"owner": "other"}  # nothing stale written


def test_the_emulator_answers_preconditions_as_aks(az: Azure, emu: Emulator) -> None:
    az.create_resource_group(RG, location="westus2")
    cluster = az.create_cluster(NAME, resource_group=RG)
    body = dict(emu.state.resources.get(str(cluster.id)) or {})
    with _sdk(emu) as sdk:
        clusters = sdk.managed_clusters
        with pytest.raises(HttpResponseError) as exists:
            clusters.begin_create_or_update(
                RG, NAME, body, match_condition=MatchConditions.IfMissing
            )
        with pytest.raises(HttpResponseError) as stale:
            clusters.begin_create_or_update(
                RG, NAME, body, etag="stale", match_condition=MatchConditions.IfNotModified
            )
        current = clusters.begin_create_or_update(
            RG, NAME, body, etag=cluster.etag, match_condition=MatchConditions.IfNotModified
        ).result()
        with pytest.raises(HttpResponseError) as absent:
            clusters.begin_create_or_update(
                RG, "c2", body, etag="x", match_condition=MatchConditions.IfNotModified
            )
        with pytest.raises(HttpResponseError) as bad:
            clusters.begin_create_or_update(RG, NAME, body, headers={"If-None-Match": "x"})

    for error in (exists, stale, absent):
        assert error.value.status_code == 412
        assert error.value.error is not None and error.value.error.code == "PreConditionFailed"
    assert bad.value.status_code == 400
    assert current["eTag"] != cluster.etag  # every write changes the eTag


def test_reruns_find_groups_and_identities_without_a_failed_request(
    az: Azure, emu: Emulator
) -> None:
    first = len(emu.requests)
    az.create_resource_group(RG, location="westus2", tags={"team": "a"})
    az.create_identity("id1", resource_group=RG, tags={"team": "a"})
    plan = az.create_identity("id1", resource_group=RG, dry_run=True)
    again = az.create_identity("id1", resource_group=RG)
    group = az.create_resource_group(RG, location="westus2")

    assert _failed(emu, first) == []
    assert "updates existing identity id1; its tags are kept" in str(plan)
    assert again.tags == {"team": "a"} and group.tags == {"team": "a"}


def test_the_cluster_bodies_held_for_updates_are_bounded(az: Azure, emu: Emulator) -> None:
    from aks_identity._ids import ResourceId

    group = f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}"
    ids = [
        ResourceId.parse(f"{group}/providers/Microsoft.ContainerService/managedClusters/c{i}")
        for i in range(70)
    ]
    for i, rid in enumerate(ids):
        az._arm._held(rid, {"eTag": str(i)})

    assert az._arm.held_cluster_body(ids[0]) is None
    assert az._arm.held_cluster_body(ids[-1]) == {"eTag": "69"}
    assert len(az._arm._cluster_bodies) == 64
