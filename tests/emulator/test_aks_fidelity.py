"""Wire fidelity: shapes, status codes, headers and error bodies against ../shared/arm-samples."""

from __future__ import annotations

import copy
import re

import pytest
from test_aks_support import (
    Aks,
    aks,
    aks_interactions,
    emulator,
    sample,
    service_principal_body,
    shape_gaps,
    system_assigned,
    user_assigned,
)

__all__ = ["aks", "emulator"]

KUBELET = "test_aks_custom_kubelet_identity.yaml"
TO_MSI = "test_aks_update_to_msi_cluster.yaml"
SP_TO_UA = "test_aks_create_with_SP_then_update_to_user_assigned_identity.yaml"
# Operation status URL as AKS writes it (path only; the host is the emulator's).
OPERATION_PATH = re.compile(
    r"^/subscriptions/[^/]+/providers/Microsoft\.ContainerService/locations/[^/]+"
    r"/(operations|operationresults)/[0-9a-f-]{36}$"
)


def _path(url: str) -> str:
    return re.sub(r"^https://[^/]+", "", url).split("?")[0]


def _spec_identity(expected: dict, identity_id: str) -> None:
    """Key the example's user-assigned identity map by the emulator's identity."""
    assigned = expected.get("identity", {}).get("userAssignedIdentities")
    if assigned:
        expected["identity"]["userAssignedIdentities"] = {
            identity_id: next(iter(assigned.values()))
        }


def _spec_request(aks: Aks, name: str) -> dict:
    """A spec example's request body, with its identity replaced by one the emulator knows."""
    body = copy.deepcopy(sample("containerservice", name)["parameters"]["parameters"])
    body["properties"].pop("servicePrincipalProfile", None)
    body["properties"].pop("windowsProfile", None)
    identity = aks.identity("identity1")
    body["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {identity["id"]: {}}}
    return body


def _strip(expected: dict) -> dict:
    """Drop what the emulator deliberately leaves out (Windows profile, pod security policy)."""
    expected = copy.deepcopy(expected)
    expected["properties"].pop("windowsProfile", None)
    return expected


def test_create_response_matches_spec_example(aks: Aks) -> None:
    body = _spec_request(aks, "ManagedClustersCreate_Update.json")
    expected = _strip(
        sample("containerservice", "ManagedClustersCreate_Update.json")["responses"]["201"]["body"]
    )
    expected.pop("identity")  # the 201 resolves identities only once the operation ends

    response = aks.raw("PUT", aks.cluster_id("clustername1"), body)

    assert response.status_code == 201
    assert shape_gaps(expected, response.json()) == []


def test_final_get_matches_spec_examples(aks: Aks) -> None:
    body = _spec_request(aks, "ManagedClustersCreate_Update.json")
    aks.raw("PUT", aks.cluster_id("clustername1"), body)
    aks.advance()

    got = aks.raw("GET", aks.cluster_id("clustername1")).json()

    identity_id = next(iter(got["identity"]["userAssignedIdentities"]))
    for name, status in (
        ("ManagedClustersCreate_Update.json", "200"),
        ("ManagedClustersGet.json", "200"),
    ):
        expected = _strip(sample("containerservice", name)["responses"][status]["body"])
        _spec_identity(expected, identity_id)
        expected["properties"].pop("upgradeSettings", None)  # echoed only when requested
        expected["properties"]["networkProfile"].pop("loadBalancerProfile", None)
        assert shape_gaps(expected, got) == [], name
    assert got["properties"]["provisioningState"] == "Succeeded"


def test_upgrade_node_image_matches_spec_example(aks: Aks) -> None:
    aks.create("clustername1", system_assigned())
    aks.emu.set_newest_node_image("AKSUbuntu-2204gen2containerd-209912.01.0")
    spec = sample("containerservice", "AgentPoolsUpgradeNodeImageVersion.json")["responses"]["202"]
    path = f"{aks.cluster_id('clustername1')}/agentPools/nodepool1/upgradeNodeImageVersion"

    response = aks.raw("POST", path)

    assert response.status_code == 202
    assert shape_gaps(spec["body"], response.json()) == []
    assert response.json()["properties"]["provisioningState"] == "UpgradingNodeImageVersion"
    assert OPERATION_PATH.match(_path(response.headers["Azure-AsyncOperation"]))


@pytest.mark.parametrize("recording", [KUBELET, TO_MSI, SP_TO_UA])
def test_recorded_polling_headers(aks: Aks, recording: str) -> None:
    """PUT: Azure-AsyncOperation only; DELETE: 202 with Azure-AsyncOperation and Location."""
    recorded = aks_interactions(recording)
    put = next(i for i in recorded if i["method"] == "PUT" and i["status"] in (200, 201))
    delete = next(i for i in recorded if i["method"] == "DELETE")
    aks.create("c1", system_assigned())

    update = aks.raw("PUT", aks.cluster_id("c1"), system_assigned())
    aks.advance()
    deleted = aks.raw("DELETE", aks.cluster_id("c1"))

    assert set(put["headers"]) == {"azure-asyncoperation"}
    assert "Azure-AsyncOperation" in update.headers and "Location" not in update.headers
    assert OPERATION_PATH.match(_path(put["headers"]["azure-asyncoperation"]))
    assert OPERATION_PATH.match(_path(update.headers["Azure-AsyncOperation"]))
    assert (delete["status"], deleted.status_code) == (202, 202)
    assert set(delete["headers"]) == {"azure-asyncoperation", "location"}
    assert OPERATION_PATH.match(_path(deleted.headers["Location"]))
    assert "/operationresults/" in deleted.headers["Location"]


def test_operation_status_body_matches_recording(aks: Aks) -> None:
    recorded = [
        i["body"]
        for i in aks_interactions(KUBELET)
        if "/operations/" in i["path"] and i["method"] == "GET"
    ]
    response = aks.raw("PUT", aks.cluster_id("c1"), system_assigned())
    status_url = _path(response.headers["Azure-AsyncOperation"])

    running = aks.raw("GET", status_url, **{"api-version": "2016-03-30"})
    aks.advance()
    finished = aks.raw("GET", status_url, **{"api-version": "2016-03-30"})

    assert set(running.json()) >= set(recorded[0]) == {"name", "status", "startTime"}
    assert set(finished.json()) >= set(recorded[-1]) == {"name", "status", "startTime", "endTime"}
    assert finished.json()["status"] == recorded[-1]["status"] == "Succeeded"


def test_in_flight_and_final_bodies_match_service_principal_to_user_assigned(aks: Aks) -> None:
    recorded = aks_interactions(SP_TO_UA)
    puts = [i for i in recorded if i["method"] == "PUT" and i["status"] in (200, 201)]
    gets = [i for i in recorded if i["method"] == "GET" and "/managedClusters/" in i["path"]]
    recorded_update, recorded_final = puts[-1]["body"], gets[-1]["body"]
    client_id = aks.service_principal()
    aks.create("c1", service_principal_body(client_id))
    identity = aks.identity("cli000004")
    body = aks.raw("GET", aks.cluster_id("c1")).json()
    body["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {identity["id"]: {}}}

    update = aks.raw("PUT", aks.cluster_id("c1"), body)
    aks.advance()
    final = aks.raw("GET", aks.cluster_id("c1")).json()

    assert update.status_code == 200
    assert shape_gaps(_shape_of(recorded_update), update.json()) == []
    assert list(update.json()["identity"]["userAssignedIdentities"].values()) == [{}]
    assert "identityProfile" not in update.json()["properties"]
    assert shape_gaps(_shape_of(recorded_final), final) == []
    assert set(final["properties"]) >= set(_shape_of(recorded_final)["properties"])


def test_update_to_msi_final_body_matches_recording(aks: Aks) -> None:
    recorded = aks_interactions(TO_MSI)
    recorded_final = [
        i for i in recorded if i["method"] == "GET" and "/managedClusters/" in i["path"]
    ][-1]["body"]
    aks.create("c1", service_principal_body(aks.service_principal()))
    body = aks.raw("GET", aks.cluster_id("c1")).json()
    body["identity"] = {"type": "SystemAssigned"}

    aks.raw("PUT", aks.cluster_id("c1"), body)
    aks.advance()
    final = aks.raw("GET", aks.cluster_id("c1")).json()

    assert shape_gaps(_shape_of(recorded_final), final) == []
    assert final["identity"]["type"] == "SystemAssigned"


def test_custom_kubelet_create_matches_recording(aks: Aks) -> None:
    recorded = aks_interactions(KUBELET)
    recorded_created = next(i for i in recorded if i["method"] == "PUT")
    control_plane, kubelet = aks.identity("cliakstest000003"), aks.identity("cliakstest000004")
    aks.operator(control_plane, kubelet)

    created = aks.raw("PUT", aks.cluster_id("c1"), user_assigned(control_plane, kubelet))

    assert created.status_code == recorded_created["status"] == 201
    assert shape_gaps(_shape_of(recorded_created["body"]), created.json()) == []
    assert (
        created.json()["properties"]["identityProfile"]["kubeletidentity"]["resourceId"]
        == kubelet["id"]
    )


def test_aks_error_body_is_unenveloped_like_recording(aks: Aks) -> None:
    recorded = next(i for i in aks_interactions(SP_TO_UA) if i["status"] == 400)

    response = aks.raw(
        "PUT", aks.cluster_id("c1"), service_principal_body("6307b257-c6fd-46f9-b7ff-13579e4de17b")
    )

    assert response.status_code == recorded["status"] == 400
    assert set(response.json()) >= set(recorded["body"]) == {"code", "message", "subcode"}
    assert response.json()["code"] == recorded["body"]["code"] == "ServicePrincipalNotFound"


def test_arm_not_found_body_is_enveloped(aks: Aks) -> None:
    response = aks.raw("GET", aks.cluster_id("missing"))

    assert response.status_code == 404
    assert set(response.json()) == {"error"}
    assert response.json()["error"]["code"] == "ResourceNotFound"


def _shape_of(recorded: dict) -> dict:
    """A recorded body minus what depends on the recorded request (SSH keys, Windows...)."""
    shape = copy.deepcopy(recorded)
    props = shape.get("properties", {})
    for key in ("linuxProfile", "windowsProfile", "dockerBridgeCidr"):
        props.pop(key, None)
    props.get("networkProfile", {}).pop("dockerBridgeCidr", None)
    assigned = shape.get("identity", {}).get("userAssignedIdentities")
    if assigned is not None:  # keyed by resource IDs of the recording's subscription
        shape["identity"]["userAssignedIdentities"] = {}
    return shape
