"""Microsoft Graph v1.0 on the emulator, driven through the library's Graph adapter (azure-core).

Shapes: servicePrincipal resource and list/getByIds envelopes as documented at
https://learn.microsoft.com/en-us/graph/api/resources/serviceprincipal and
https://learn.microsoft.com/en-us/graph/api/directoryobject-getbyids (up to 1000 IDs);
errors as https://learn.microsoft.com/en-us/graph/errors (code, message, innerError).
"""

from __future__ import annotations

import pytest
import requests

from aks_identity import AuthorizationError, ValidationError
from aks_identity._azure._graph import GRAPH_ENDPOINTS, Graph
from aks_identity.emulator import Emulator


@pytest.fixture
def graph(emu: Emulator) -> Graph:
    return Graph(emu.credential(), base_url=emu.url, connection_verify=emu.ca_bundle)


def _token(emu: Emulator) -> str:
    return emu.credential().get_token(f"{emu.url}/.default").token


def test_service_principal_by_app_id_after_replication(emu: Emulator, graph: Graph) -> None:
    emu.state.config.replication_delay = type(emu.state.config.replication_delay).fixed(60)
    client_id, _ = emu.create_service_principal("legacy")
    assert graph.service_principal_by_app_id(client_id) is None  # not replicated yet
    emu.clock.advance(61)
    found = graph.service_principal_by_app_id(client_id)
    assert found is not None
    assert found["appId"] == client_id
    assert found["servicePrincipalType"] == "Application"
    assert found["@odata.context"].endswith("/v1.0/$metadata#servicePrincipals/$entity")
    assert graph.service_principal(found["id"]) == found


def test_managed_identity_found_by_service_principal_name(emu: Emulator, graph: Graph) -> None:
    rid = (
        f"/subscriptions/{emu.subscription_id}/resourceGroups/rg/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/id1"
    )
    emu.azure().create_resource_group("rg", location="westus2")
    ident = emu.azure().get_identity(emu.azure().create_identity("id1", resource_group="rg").id)
    named = graph.service_principals_named(ident.client_id)
    assert [p["id"] for p in named] == [ident.principal_id]
    assert named[0]["servicePrincipalType"] == "ManagedIdentity"
    assert named[0]["alternativeNames"][0] == "isExplicit=True"
    assert named[0]["alternativeNames"][1].lower() == rid.lower()


def test_get_by_ids_leaves_out_missing_and_batches(emu: Emulator, graph: Graph) -> None:
    client_id, _ = emu.create_service_principal("sp", replicated=True)
    object_id = emu.service_principal_id(client_id)
    missing = [f"00000000-0000-0000-0000-{i:012d}" for i in range(1500)]
    found = graph.get_by_ids([object_id, emu.caller_id, *missing])
    assert {o["@odata.type"] for o in found} == {
        "#microsoft.graph.servicePrincipal",
        "#microsoft.graph.user",
    }
    assert graph.existing_object_ids([object_id, *missing]) == {object_id}
    batches = emu.requests.matching("POST", "getByIds")
    assert len(batches) == 4  # 1502 IDs -> 2 requests, twice


def test_graph_errors_have_graph_shape(emu: Emulator) -> None:
    headers = {"Authorization": f"Bearer {_token(emu)}"}
    base = f"{emu.url}/v1.0/servicePrincipals"
    missing = requests.get(
        f"{base}/00000000-0000-0000-0000-000000000000", headers=headers, verify=emu.ca_bundle
    )
    assert missing.status_code == 404
    error = missing.json()["error"]
    assert error["code"] == "Request_ResourceNotFound"
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    bad = requests.get(f"{base}?$filter=startswith(x,'y')", headers=headers, verify=emu.ca_bundle)
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "Request_UnsupportedQuery")
    anonymous = requests.get(base, verify=emu.ca_bundle)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "InvalidAuthenticationToken"
    arm_token = emu.credential().get_token("https://management.azure.com/.default").token
    wrong = requests.get(
        base, headers={"Authorization": f"Bearer {arm_token}"}, verify=emu.ca_bundle
    )
    assert wrong.status_code == 401
    assert "Invalid audience" in wrong.json()["error"]["message"]


def test_filters_by_app_id_and_quotes(emu: Emulator) -> None:
    client_id, _ = emu.create_service_principal("o'brien", replicated=True)
    headers = {"Authorization": f"Bearer {_token(emu)}"}
    for odata in (f"appId eq '{client_id}'", "displayName eq 'o''brien'"):
        listed = requests.get(
            f"{emu.url}/v1.0/servicePrincipals",
            params={"$filter": odata},
            headers=headers,
            verify=emu.ca_bundle,
        ).json()
        assert listed["@odata.context"].endswith("$metadata#servicePrincipals")
        assert [p["appId"] for p in listed["value"]] == [client_id]


def test_adapter_checks_inputs_and_clouds(emu: Emulator, graph: Graph) -> None:
    with pytest.raises(ValidationError, match="GUID"):
        graph.service_principal_by_app_id("x' or 1 eq 1")
    with pytest.raises(ValidationError, match="not a single string"):
        graph.get_by_ids("00000000-0000-0000-0000-000000000000")
    with pytest.raises(ValidationError, match="unknown cloud"):
        Graph(emu.credential(), cloud="Mars")
    gov = Graph(emu.credential(), cloud="AzureUSGovernment")
    china = Graph(emu.credential(), cloud="AzureChinaCloud")
    assert gov.scope == f"{GRAPH_ENDPOINTS['AzureUSGovernment']}/.default"
    assert china.endpoint == "https://microsoftgraph.chinacloudapi.cn/v1.0"
    assert graph.scope == f"{emu.url}/.default"


def test_adapter_maps_auth_errors(emu: Emulator) -> None:
    foreign = Graph(
        emu.credential(tenant_id="11111111-1111-1111-1111-111111111111"),
        base_url=emu.url,
        connection_verify=emu.ca_bundle,
    )
    with pytest.raises(AuthorizationError, match="Invalid issuer"):
        foreign.get_by_ids([emu.caller_id])
