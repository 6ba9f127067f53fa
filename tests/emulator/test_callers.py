"""Authentication and the caller's RBAC: 401 without a valid token, 403 without a role."""

from __future__ import annotations

import logging

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.mgmt.resource.resources import ResourceManagementClient
from emu_support import LOCATION, Clients

from aks_identity.emulator import Emulator


class _FixedToken:
    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        return AccessToken(self.token, 2**31)


def _client(emu: Emulator, credential: object) -> ResourceManagementClient:
    return ResourceManagementClient(
        credential, emu.subscription_id, base_url=emu.url, connection_verify=emu.ca_bundle
    )


def test_invalid_token_is_401(emu: Emulator) -> None:
    with pytest.raises(ClientAuthenticationError) as caught:
        _client(emu, _FixedToken("forged")).resource_groups.get("rg1")

    assert caught.value.status_code == 401
    assert caught.value.error.code == "InvalidAuthenticationToken"
    assert emu.requests[-1].caller is None


def test_missing_token_is_401(az: Clients) -> None:
    import requests

    response = requests.get(
        f"{az.emu.url}{az.sub}/resourcegroups",
        params={"api-version": "2021-04-01"},
        verify=az.emu.ca_bundle,
        timeout=10,
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"
    assert "WWW-Authenticate" in response.headers


def test_tokens_never_appear_in_logs_or_reprs(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    credential = emu.credential()
    token = credential.get_token("https://management.azure.com/.default").token
    caplog.set_level(logging.DEBUG)

    _client(emu, credential).resource_groups.check_existence("rg1")

    assert token not in caplog.text
    assert token not in repr(credential)
    assert all(token not in repr(record) for record in emu.requests)


def test_a_caller_without_roles_is_forbidden(emu: Emulator) -> None:
    nobody = Clients.connect(emu, emu.create_caller("nobody"))

    with pytest.raises(HttpResponseError) as caught:
        nobody.resources.resource_groups.create_or_update("rg1", {"location": LOCATION})

    assert caught.value.status_code == 403
    assert caught.value.error.code == "AuthorizationFailed"
    assert "Microsoft.Resources/subscriptions/resourceGroups/write" in caught.value.error.message


def test_a_reader_reads_but_cannot_write(emu: Emulator, az: Clients) -> None:
    az.group()
    az.identity()
    reader = Clients.connect(emu, emu.create_caller("reader", role="Reader"))

    names = [i.name for i in reader.msi.user_assigned_identities.list_by_resource_group("rg1")]
    with pytest.raises(HttpResponseError) as caught:
        reader.identity("id2")

    assert names == ["id1"]
    assert caught.value.error.code == "AuthorizationFailed"
    assert "Microsoft.ManagedIdentity/userAssignedIdentities/write" in caught.value.error.message


def test_a_group_contributor_is_limited_to_its_group(emu: Emulator, az: Clients) -> None:
    group = az.group("rg1")
    az.group("rg2")
    contributor = Clients.connect(emu, emu.create_caller("dev", role="Contributor", scope=group))

    contributor.identity("id1", "rg1")
    with pytest.raises(HttpResponseError) as elsewhere:
        contributor.identity("id1", "rg2")
    with pytest.raises(HttpResponseError) as grant:
        contributor.assign(group, "acdd72a7-3385-48ef-bd42-f606fba81ae7", emu.caller_id, "User")

    assert elsewhere.value.status_code == 403
    assert grant.value.status_code == 403
    assert "Microsoft.Authorization/roleAssignments/write" in grant.value.error.message


def test_the_callers_own_grants_wait_for_propagation(emu: Emulator, az: Clients) -> None:
    emu.state.config.propagation_delay = emu.state.config.propagation_delay.fixed(600)
    az.group()
    caller = emu.create_caller("late")
    emu.grant(caller, "Reader", az.sub, principal_type="User")
    late = Clients.connect(emu, caller)

    with pytest.raises(HttpResponseError) as before:
        late.resources.resource_groups.get("rg1")
    emu.clock.advance(600)

    assert before.value.status_code == 403
    assert late.resources.resource_groups.get("rg1").name == "rg1"


def test_check_access_sees_only_assignments_in_force(emu: Emulator, az: Clients) -> None:
    emu.state.config.propagation_delay = emu.state.config.propagation_delay.fixed(300)
    az.group()
    identity = az.identity()
    action = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
    az.assign(
        identity.id,
        "f1a07417-d97a-45cb-824c-7a7467783830",
        identity.principal_id,
        "ServicePrincipal",
    )

    before = emu.check_access(identity.principal_id, action, identity.id)
    emu.clock.advance(299)
    almost = emu.check_access(identity.principal_id, action, identity.id)
    emu.clock.advance(1)
    after = emu.check_access(identity.principal_id, action, identity.id)

    assert (before, almost, after) == (False, False, True)
    assert emu.check_access(identity.principal_id, action, az.sub) is False
