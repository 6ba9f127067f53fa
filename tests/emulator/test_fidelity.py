"""Wire fidelity against ../shared/arm-samples: key sets, value types, statuses, headers, errors.

Spec examples (specs/*.json) and recorded Azure CLI sessions (cli-recordings/*.yaml) are replayed
against the emulator through the real SDK pipeline; the emulator's answer must have every key
the real one has, with the same JSON types, and the same status code.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from emu_support import IDENTITY_TYPE, LOCATION, MANAGED_IDENTITY_OPERATOR, Clients, spec_example
from test_aks_support import recording, shape_gaps

from aks_identity.emulator import Emulator

KUBELET = "test_aks_custom_kubelet_identity.yaml"
SP_TO_UAMI = "test_aks_create_with_SP_then_update_to_user_assigned_identity.yaml"
RECORDINGS = [KUBELET, SP_TO_UAMI, "test_aks_update_to_msi_cluster.yaml"]
_SUB = re.compile(r"^/subscriptions/[^/]+")


def _replay_path(az: Clients, recorded_path: str) -> str:
    return _SUB.sub(az.sub, recorded_path).replace("clitest000001", "rg1")


def _untagged(body: Any) -> Any:
    """A recorded body without its tag values (they echo the recorded request)."""
    return {**body, "tags": {}} if isinstance(body, dict) and "tags" in body else body


def _core(name: str) -> list[dict[str, Any]]:
    return [i for i in recording(name) if "Microsoft.ContainerService" not in i["path"]]


# -- spec examples ------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["201", "200"])
def test_identity_create_matches_spec(az: Clients, status: str) -> None:
    example = spec_example("msi/IdentityCreate.json")
    az.group()
    path = f"{az.sub}/resourceGroups/rg1/providers/{IDENTITY_TYPE}/identityName"
    body = example["parameters"]["parameters"]
    api = {"api-version": example["parameters"]["api-version"]}
    first = az.raw("PUT", path, body, **api)
    answer = first if status == "201" else az.raw("PUT", path, body, **api)

    assert answer.status_code == int(status)
    assert shape_gaps(_untagged(example["responses"][status]["body"]), answer.json()) == []
    assert answer.json()["tags"] == body["tags"]


def test_identity_get_and_list_match_spec(az: Clients, emu: Emulator) -> None:
    emu.state.config.page_size = 1
    az.group()
    az.identity("identityName")
    az.identity("second")
    get = spec_example("msi/IdentityGet.json")
    listing = spec_example("msi/IdentityListByResourceGroup.json")
    base = f"{az.sub}/resourceGroups/rg1/providers/{IDENTITY_TYPE}"

    got = az.raw("GET", f"{base}/identityName", **{"api-version": "2023-01-31"})
    listed = az.raw("GET", base, **{"api-version": "2023-01-31"})

    assert got.status_code == 200
    assert shape_gaps(_untagged(get["responses"]["200"]["body"]), got.json()) == []
    expected = listing["responses"]["200"]["body"]
    expected = {**expected, "value": [_untagged(v) for v in expected["value"]]}
    assert shape_gaps(expected, listed.json()) == []
    assert "$skipToken=" in listed.json()["nextLink"]


def _assignment_scope(az: Clients, emu: Emulator) -> tuple[str, Any]:
    scope = f"{az.sub}/resourceGroups/rg1/providers/Microsoft.DocumentDb/databaseAccounts/db1"
    emu.put_resource(scope, {"location": LOCATION})
    return scope, az.identity()


def test_role_assignment_create_get_list_delete_match_spec(az: Clients, emu: Emulator) -> None:
    scope, identity = _assignment_scope(az, emu)
    name = "05c5a614-a7d6-4502-b150-c2fb455033ff"
    path = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
    body = {
        "properties": {
            "roleDefinitionId": az.definition(MANAGED_IDENTITY_OPERATOR),
            "principalId": identity.principal_id,
            "principalType": "ServicePrincipal",
        }
    }

    created, again = az.raw("PUT", path, body), az.raw("PUT", path, body)
    got = az.raw("GET", path)
    listed = az.raw("GET", f"{scope}/providers/Microsoft.Authorization/roleAssignments")
    deleted, gone = az.raw("DELETE", path), az.raw("DELETE", path)

    create = spec_example("authorization/RoleAssignments_CreateForResource.json")["responses"]
    assert (created.status_code, again.status_code) == (201, 200)
    assert shape_gaps(create["201"]["body"], created.json()) == []
    assert shape_gaps(create["200"]["body"], again.json()) == []
    get = spec_example("authorization/RoleAssignments_Get.json")["responses"]["200"]["body"]
    assert shape_gaps(get, got.json()) == []
    lst = spec_example("authorization/RoleAssignments_ListForScope.json")["responses"]["200"]
    assert shape_gaps(lst["body"], listed.json()) == []
    delete = spec_example("authorization/RoleAssignments_Delete.json")["responses"]
    assert (deleted.status_code, gone.status_code) == (200, 204)
    assert shape_gaps(delete["200"]["body"], deleted.json()) == []
    assert gone.text() == ""


def test_role_definition_matches_spec(az: Clients) -> None:
    example = spec_example("authorization/GetRoleDefinitionByName.json")

    got = az.raw(
        "GET",
        f"{az.sub}/providers/Microsoft.Authorization/roleDefinitions/{MANAGED_IDENTITY_OPERATOR}",
    )

    assert got.status_code == 200
    assert shape_gaps(example["responses"]["200"]["body"], got.json()) == []


# -- CLI recordings -----------------------------------------------------------------------


@pytest.mark.parametrize("name", RECORDINGS)
def test_recorded_group_and_identity_replies(az: Clients, name: str) -> None:
    """Each recorded resource group GET and identity PUT/GET, replayed: same status and shape."""
    replayed = 0
    for interaction in _core(name):
        path = _replay_path(az, interaction["path"])
        is_group = path.lower().endswith("/resourcegroups/rg1")
        is_identity = (
            f"/{IDENTITY_TYPE}/".lower() in path.lower()
            and "/providers/Microsoft.Authorization" not in path
        )
        if not (is_group or is_identity):
            continue
        if is_group:
            az.group()
        body = interaction["body"]
        if interaction["method"] == "PUT":
            body = {"location": body["location"]}
        api = (
            "2015-08-31-preview" if "clientSecretUrl" in str(interaction["body"]) else "2023-01-31"
        )
        answer = az.raw(
            interaction["method"],
            path,
            body if interaction["method"] == "PUT" else None,
            **{"api-version": api},
        )
        assert answer.status_code == interaction["status"], path
        assert shape_gaps(_untagged(interaction["body"]), answer.json()) == [], path
        if "location" in interaction["headers"]:
            assert _SUB.sub("", answer.headers["Location"]) == _SUB.sub(
                "", interaction["headers"]["location"]
            ).replace("clitest000001", "rg1")
        replayed += 1
    assert replayed > 0


def test_recorded_role_assignment_flow(az: Clients, emu: Emulator) -> None:
    """The CLI's kubelet-identity grant: PrincipalNotFound while replicating, then 201."""
    emu.state.config.replication_delay = emu.state.config.replication_delay.fixed(60)
    az.group()
    kubelet = az.identity("cliakstest000004")
    for interaction in _core(KUBELET):
        path = _replay_path(az, interaction["path"]).replace("cliakstest000004", "cliakstest000004")
        if "/providers/Microsoft.Authorization/" not in path:
            continue
        body = None
        if interaction["method"] == "PUT":
            emu.clock.advance(15)
            body = {
                "properties": {
                    "roleDefinitionId": az.definition(MANAGED_IDENTITY_OPERATOR),
                    "principalId": kubelet.principal_id,
                }
            }
        params = {}
        if path.endswith("roleDefinitions"):
            params["$filter"] = "roleName eq 'Managed Identity Operator'"
        answer = az.raw(interaction["method"], path, body, **params)

        assert answer.status_code == interaction["status"], path
        assert shape_gaps(interaction["body"], answer.json()) == [], path
        if interaction["status"] == 400:
            assert answer.json()["error"]["code"] == "PrincipalNotFound"
            assert re.fullmatch(
                r"Principal [0-9a-f]{32} does not exist in the directory [-0-9a-f]{36}\.",
                answer.json()["error"]["message"],
            )


# -- headers and error bodies -------------------------------------------------------------


def test_common_headers_and_content_type(az: Clients) -> None:
    response = az.raw("PUT", f"{az.sub}/resourcegroups/rg1", {"location": LOCATION})

    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert re.fullmatch(r"[-0-9a-f]{36}", response.headers["x-ms-request-id"])


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/resourcegroups/nope", 404, "ResourceGroupNotFound"),
        (f"/resourceGroups/rg1/providers/{IDENTITY_TYPE}/nope", 404, "ResourceNotFound"),
        (
            "/providers/Microsoft.Authorization/roleAssignments/"
            "00000000-0000-0000-0000-000000000001",
            404,
            "RoleAssignmentNotFound",
        ),
        ("/resourceGroups/rg1/providers/Microsoft.Nothing/things/x", 404, "ResourceNotFound"),
    ],
)
def test_error_bodies_are_arm_envelopes(az: Clients, path: str, status: int, code: str) -> None:
    az.group()

    response = az.raw("GET", f"{az.sub}{path}")

    assert response.status_code == status
    assert set(response.json()) == {"error"}
    assert set(response.json()["error"]) == {"code", "message"}
    assert response.json()["error"]["code"] == code
