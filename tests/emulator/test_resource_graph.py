"""Azure Resource Graph on the emulator, through the real azure-mgmt-resourcegraph client.

Shapes: Azure/azure-rest-api-specs specification/resourcegraph/resource-manager/
Microsoft.ResourceGraph/stable/2021-03-01 (resourcegraph.json; examples ResourcesBasicQuery.json,
ResourcesFacetQuery.json) and preview/2021-06-01-preview/examples/ResourcesFirstPageQuery.json
(``$skipToken``); the error shape is the one Search-AzGraph prints for an invalid query
(Azure/azure-powershell issue 13762: code BadRequest, details InvalidQuery then the parser's).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from azure.mgmt.resourcegraph import ResourceGraphClient
from azure.mgmt.resourcegraph.models import FacetRequest, QueryRequest, QueryRequestOptions
from emu_support import Clients

from aks_identity.emulator import Emulator
from aks_identity.emulator._seed import seed_cluster, seed_identity


@pytest.fixture(scope="module")
def emu2() -> Iterator[Emulator]:
    with Emulator(subscriptions=2, seed=7) as emu:
        yield emu


@pytest.fixture
def emu(emu2: Emulator) -> Iterator[Emulator]:
    emu2.reset()
    first, second = emu2.subscription_ids
    for index in range(5):
        seed_cluster(emu2, first, "rg", f"a{index}")
    seed_cluster(emu2, second, "rg", "b0")
    seed_identity(emu2, second, "rg", "id1")
    yield emu2


def client(emu: Emulator, principal_id: str | None = None, **options: Any) -> ResourceGraphClient:
    return ResourceGraphClient(
        emu.credential(principal_id), base_url=emu.url, connection_verify=emu.ca_bundle, **options
    )


CLUSTERS = (
    "resources | where type =~ 'Microsoft.ContainerService/managedClusters'"
    " | project id, name, subscriptionId"
)


def test_basic_query_shape(emu: Emulator) -> None:
    result = client(emu).resources(QueryRequest(subscriptions=emu.subscription_ids, query=CLUSTERS))

    assert result.total_records == 6
    assert result.count == 6
    assert result.result_truncated == "false"
    assert result.skip_token is None
    assert sorted(r["name"] for r in result.data) == ["a0", "a1", "a2", "a3", "a4", "b0"]
    assert set(result.data[0]) == {"id", "name", "subscriptionId"}


def test_rows_carry_the_arm_resource_with_resource_graph_casing(emu: Emulator) -> None:
    rows = (
        client(emu)
        .resources(
            QueryRequest(
                subscriptions=[emu.subscription_ids[1]],
                query="resources | where name == 'b0'",
            )
        )
        .data
    )
    [row] = rows
    stored = emu.state.resources.get(row["id"])

    assert stored is not None
    assert row["type"] == "microsoft.containerservice/managedclusters"
    assert row["resourceGroup"] == "rg"
    assert row["subscriptionId"] == emu.subscription_ids[1]
    assert row["tenantId"] == emu.tenant_id
    assert row["properties"] == stored["properties"]
    assert row["identity"] == stored["identity"]


def test_paging_with_skip_token_returns_every_row_once(emu: Emulator) -> None:
    graph = client(emu)
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        options = QueryRequestOptions(top=2, skip_token=token)
        page = graph.resources(
            QueryRequest(subscriptions=emu.subscription_ids, query=CLUSTERS, options=options)
        )
        pages += 1
        assert page.total_records == 6
        assert page.count == len(page.data) <= 2
        seen += [r["id"] for r in page.data]
        token = page.skip_token
        if not token:
            break

    assert pages == 3
    assert len(seen) == len(set(seen)) == 6


def test_without_id_results_are_truncated_not_paged(emu: Emulator) -> None:
    page = client(emu).resources(
        QueryRequest(
            subscriptions=emu.subscription_ids,
            query="resources | where type =~ 'microsoft.containerservice/managedclusters'"
            " | project name",
            options=QueryRequestOptions(top=2),
        )
    )

    assert page.result_truncated == "true"
    assert page.skip_token is None
    assert page.count == 2


def test_table_format_has_typed_columns(emu: Emulator) -> None:
    page = client(emu).resources(
        QueryRequest(
            subscriptions=emu.subscription_ids,
            query="resources | where name == 'a0' | project id, name, properties",
            options=QueryRequestOptions(result_format="table"),
        )
    )

    columns = {c["name"]: c["type"] for c in page.data["columns"]}
    assert columns == {"id": "string", "name": "string", "properties": "object"}
    assert page.data["rows"][0][1] == "a0"


def test_facets_count_values_and_report_bad_columns(emu: Emulator) -> None:
    page = client(emu).resources(
        QueryRequest(
            subscriptions=emu.subscription_ids,
            query=CLUSTERS,
            facets=[
                FacetRequest(expression="subscriptionId"),
                FacetRequest(expression="nonExistingColumn"),
            ],
        )
    )
    good, bad = page.facets

    assert good.result_type == "FacetResult"
    assert {d["subscriptionId"]: d["count"] for d in good.data} == {
        emu.subscription_ids[0]: 5,
        emu.subscription_ids[1]: 1,
    }
    assert bad.result_type == "FacetError"
    assert [e.code for e in bad.errors] == ["NoValidColumns", "InvalidColumnNames"]


def test_only_the_subscriptions_asked_for(emu: Emulator) -> None:
    page = client(emu).resources(
        QueryRequest(subscriptions=[emu.subscription_ids[1]], query=CLUSTERS)
    )

    assert [r["name"] for r in page.data] == ["b0"]


def test_no_subscriptions_means_every_one_the_caller_can_read(emu: Emulator) -> None:
    reader = emu.create_caller(
        "reader", role="Reader", scope=f"/subscriptions/{emu.subscription_ids[1]}"
    )

    mine = client(emu).resources(QueryRequest(query=CLUSTERS)).total_records
    theirs = client(emu, reader).resources(QueryRequest(query=CLUSTERS))

    assert mine == 6
    assert [r["name"] for r in theirs.data] == ["b0"]


def test_authorization_resources_list_role_assignments(emu: Emulator) -> None:
    rows = (
        client(emu)
        .resources(
            QueryRequest(
                subscriptions=emu.subscription_ids,
                query="authorizationresources"
                " | where type =~ 'microsoft.authorization/roleassignments' "
                "| where properties.principalId == '"
                + emu.caller_id
                + "' | project id, properties",
            )
        )
        .data
    )

    assert {r["properties"]["scope"] for r in rows} == {
        f"/subscriptions/{s}" for s in emu.subscription_ids
    }


def _raw(emu: Emulator, body: dict[str, Any]) -> Any:
    graph = client(emu, retry_total=0)  # wire-level: see every status, sleep never
    request = HttpRequest(
        "POST",
        f"{emu.url}/providers/Microsoft.ResourceGraph/resources",
        params={"api-version": "2021-03-01"},
        json=body,
    )
    return graph._send_request(request)


def test_quota_headers_on_every_response(emu: Emulator) -> None:
    response = _raw(emu, {"subscriptions": emu.subscription_ids, "query": "resources | take 1"})

    assert response.status_code == 200
    assert int(response.headers["x-ms-user-quota-remaining"]) < 15
    assert response.headers["x-ms-user-quota-resets-after"].count(":") == 2


def test_a_query_outside_the_subset_gets_resource_graphs_error(emu: Emulator) -> None:
    response = _raw(
        emu,
        {"subscriptions": emu.subscription_ids, "query": "resources | summarize count() by type"},
    )
    error = response.json()["error"]

    assert response.status_code == 400
    assert error["code"] == "BadRequest"
    assert error["message"].startswith("Please provide below info when asking for support")
    assert error["details"][0]["code"] == "InvalidQuery"
    assert error["details"][1]["code"] == "InvalidQueryLanguage"
    assert error["details"][1]["token"] == "summarize"


def test_the_sdk_raises_for_an_invalid_query(emu: Emulator) -> None:
    with pytest.raises(HttpResponseError) as caught:
        client(emu).resources(QueryRequest(query="resources | where name ==="))

    assert caught.value.status_code == 400


def test_bad_options_are_bad_requests(emu: Emulator) -> None:
    assert _raw(emu, {"query": "resources", "options": {"$top": 5000}}).status_code == 400
    assert _raw(emu, {"query": "resources", "options": {"$skipToken": "!!"}}).status_code == 400
    assert _raw(emu, {"subscriptions": "x", "query": "resources"}).status_code == 400
    assert _raw(emu, {"nope": 1}).status_code == 400
    assert _raw(emu, {"query": "resources", "managementGroups": ["mg1"]}).status_code == 400


def test_throttled_quota_answers_429_with_retry_after() -> None:
    with Emulator(throttling=True) as emu:
        statuses = [_raw(emu, {"query": "resources | take 1"}).status_code for _ in range(16)]
        emu.clock.advance(5)
        after = _raw(emu, {"query": "resources | take 1"})

    assert statuses[:15] == [200] * 15
    assert statuses[15] == 429
    assert after.status_code == 200


def test_listing_every_page_builds_the_list_once(emu: Emulator) -> None:
    """Linear paging: later pages read the listing kept at the first page."""
    emu.state.config.page_size = 2
    try:
        clients = Clients.connect(emu)
        groups = list(clients.resources.resource_groups.list())
        rows = list(clients.msi.user_assigned_identities.list_by_subscription())
    finally:
        emu.state.config.page_size = 100
    assert len(groups) >= 3  # rg and the node resource groups, over several pages
    assert len({g.id for g in groups}) == len(groups)
    assert len(rows) == len({r.id for r in rows}) == 5  # the kubelet identities of a0..a4
