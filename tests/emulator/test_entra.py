"""Entra ID on the emulator: discovery, JWKS, the token endpoint, JWT checks on every request.

Entra's error shape (error, error_description with the AADSTS code, error_codes, timestamp,
trace_id, correlation_id) and the codes used: AADSTS7000215 invalid client secret,
AADSTS700016 application not found, AADSTS90002 tenant not found
(https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes).
ARM's token errors: ExpiredAuthenticationToken ("The access token expiry UTC time ... is
earlier than current UTC time ...") and InvalidAuthenticationTokenTenant (message quoted in
Azure/azure-sdk-for-net#49391), each with a ``WWW-Authenticate: Bearer authorization_uri=...,
error="invalid_token", error_description=...`` challenge.
"""

from __future__ import annotations

import base64
import json

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from aks_identity import Azure
from aks_identity.emulator import Delay, Emulator

ARM_SCOPE = "https://management.azure.com/.default"


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _claims(token: str) -> dict[str, object]:
    return json.loads(_b64(token.split(".")[1]))


def _secret_credential(emu: Emulator, client_id: str, secret: str) -> ClientSecretCredential:
    return ClientSecretCredential(
        emu.tenant_id,
        client_id,
        secret,
        authority=emu.url,
        disable_instance_discovery=True,
        connection_verify=emu.ca_bundle,
    )


def _token_request(emu: Emulator, tenant: str | None = None, **form: str) -> requests.Response:
    return requests.post(
        f"{emu.url}/{tenant or emu.tenant_id}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "scope": ARM_SCOPE, **form},
        verify=emu.ca_bundle,
    )


def _arm_get(emu: Emulator, token: str) -> requests.Response:
    return requests.get(
        f"{emu.url}/subscriptions/{emu.subscription_id}/resourcegroups",
        params={"api-version": "2021-04-01"},
        headers={"Authorization": f"Bearer {token}"},
        verify=emu.ca_bundle,
    )


def test_discovery_names_the_token_endpoint_and_keys_that_verify_tokens(emu: Emulator) -> None:
    config = requests.get(
        f"{emu.url}/{emu.tenant_id}/v2.0/.well-known/openid-configuration", verify=emu.ca_bundle
    ).json()
    assert config["token_endpoint"] == f"{emu.url}/{emu.tenant_id}/oauth2/v2.0/token"
    for key in ("issuer", "authorization_endpoint", "device_authorization_endpoint"):
        assert config[key].startswith(f"{emu.url}/{emu.tenant_id}/")
    [jwk] = requests.get(config["jwks_uri"], verify=emu.ca_bundle).json()["keys"]

    token = emu.credential().get_token(ARM_SCOPE).token
    header, payload, signature = token.split(".")
    assert json.loads(_b64(header))["kid"] == jwk["kid"]
    public = rsa.RSAPublicNumbers(
        int.from_bytes(_b64(jwk["e"]), "big"), int.from_bytes(_b64(jwk["n"]), "big")
    ).public_key()
    public.verify(  # raises if the signature does not hold
        _b64(signature), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    claims = _claims(token)
    assert claims["tid"] == emu.tenant_id
    assert claims["oid"] == emu.caller_id
    assert claims["aud"] == "https://management.azure.com/"
    assert {"iss", "appid", "iat", "nbf", "exp"} <= set(claims)


def test_client_secret_credential_signs_in_and_the_library_runs_on_it(emu: Emulator) -> None:
    client_id, secret = emu.create_service_principal("ci", replicated=True, role="Owner")
    credential = _secret_credential(emu, client_id, secret)
    token = credential.get_token(ARM_SCOPE)
    assert _claims(token.token)["appid"] == client_id

    az = Azure(credential, emu.subscription_id, base_url=emu.url, connection_verify=emu.ca_bundle)
    assert az.create_resource_group("rg-ci", location="westus2").name == "rg-ci"
    write = emu.requests.matching("PUT", "rg-ci")[0]
    assert write.caller == emu.service_principal_id(client_id)


def test_default_caller_can_sign_in_with_its_secret(emu: Emulator) -> None:
    reply = _token_request(emu, client_id=emu.caller_client_id, client_secret=emu.caller_secret)
    assert reply.status_code == 200
    body = reply.json()
    assert body["token_type"] == "Bearer"
    assert 3600 <= body["expires_in"] <= 5400  # Entra's default: random 60-90 minutes
    assert _claims(body["access_token"])["oid"] == emu.caller_id


@pytest.mark.parametrize(
    ("form", "status", "error", "code"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client", 7000215),
        ({"client_id": "00000000-0000-0000-0000-00000000dead"}, 400, "unauthorized_client", 700016),
    ],
)
def test_bad_client_gets_entras_error_shape(
    emu: Emulator, form: dict[str, str], status: int, error: str, code: int
) -> None:
    client_id, secret = emu.create_service_principal("sp", replicated=True)
    reply = _token_request(emu, **{"client_id": client_id, "client_secret": secret, **form})
    body = reply.json()
    assert reply.status_code == status
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert {"timestamp", "trace_id", "correlation_id"} <= set(body)
    assert secret not in reply.text


def test_wrong_secret_through_azure_identity(emu: Emulator) -> None:
    client_id, _ = emu.create_service_principal("sp", replicated=True)
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        _secret_credential(emu, client_id, "not-the-secret").get_token(ARM_SCOPE)


def test_unknown_tenant_and_unreplicated_application(emu: Emulator) -> None:
    other = "11111111-2222-3333-4444-555555555555"
    discovery = requests.get(
        f"{emu.url}/{other}/v2.0/.well-known/openid-configuration", verify=emu.ca_bundle
    )
    assert discovery.status_code == 400
    assert discovery.json()["error_codes"] == [90002]
    emu.state.config.replication_delay = Delay.fixed(30)
    client_id, secret = emu.create_service_principal("new")
    early = _token_request(emu, client_id=client_id, client_secret=secret)
    assert early.json()["error_codes"] == [700016]
    emu.clock.advance(31)
    assert _token_request(emu, client_id=client_id, client_secret=secret).status_code == 200


def test_expired_token_gets_arms_401_and_the_credential_refreshes(emu: Emulator) -> None:
    credential = emu.credential()
    old = credential.get_token(ARM_SCOPE).token
    client = ResourceManagementClient(
        credential, emu.subscription_id, base_url=emu.url, connection_verify=emu.ca_bundle
    )
    client.resource_groups.create_or_update("rg1", {"location": "westus2"})

    emu.clock.advance(2 * 3600)

    reply = _arm_get(emu, old)
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "ExpiredAuthenticationToken"
    assert "is earlier than current UTC time" in reply.json()["error"]["message"]
    challenge = reply.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer authorization_uri="https://login.windows.net/", ')
    assert 'error="invalid_token"' in challenge
    assert client.resource_groups.get("rg1").name == "rg1"  # same client, renewed token
    assert credential.get_token(ARM_SCOPE).token != old


def test_token_of_another_tenant_is_refused(emu: Emulator) -> None:
    other = "11111111-2222-3333-4444-555555555555"
    token = emu.credential(tenant_id=other).get_token(ARM_SCOPE).token
    reply = _arm_get(emu, token)
    assert reply.status_code == 401
    error = reply.json()["error"]
    assert error["code"] == "InvalidAuthenticationTokenTenant"
    assert f"'https://sts.windows.net/{other}/'" in error["message"]
    assert reply.headers["WWW-Authenticate"] == (
        f'Bearer authorization_uri="https://login.windows.net/{emu.tenant_id}", '
        'error="invalid_token", error_description="The access token is from the wrong issuer."'
    )


def test_tampered_and_wrong_audience_tokens_are_refused(emu: Emulator) -> None:
    token = emu.credential().get_token(ARM_SCOPE).token
    header, _, signature = token.split(".")
    forged = dict(_claims(token), oid="00000000-0000-0000-0000-000000000001")
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert _arm_get(emu, f"{header}.{body}.{signature}").json()["error"]["code"] == (
        "InvalidAuthenticationToken"
    )
    graph_token = emu.credential().get_token(f"{emu.url}/.default").token
    wrong = _arm_get(emu, graph_token).json()["error"]
    assert wrong["code"] == "InvalidAuthenticationToken"
    assert "wrong audience" in wrong["message"]


def test_token_lifetime_is_configurable() -> None:
    with Emulator(access_token_lifetime=600) as emu:
        token = emu.credential().get_token(ARM_SCOPE).token
        claims = _claims(token)
        assert int(str(claims["exp"])) - int(str(claims["iat"])) == 600
        client = ResourceManagementClient(
            emu.credential(),
            emu.subscription_id,
            base_url=emu.url,
            connection_verify=emu.ca_bundle,
        )
        client.resource_groups.create_or_update("rg1", {"location": "westus2"})
        emu.clock.advance(601)
        assert _arm_get(emu, token).status_code == 401
        assert client.resource_groups.get("rg1").name == "rg1"


def test_metadata_endpoints_without_authentication(emu: Emulator) -> None:
    reply = requests.get(
        f"{emu.url}/metadata/endpoints", params={"api-version": "2022-09-01"}, verify=emu.ca_bundle
    )
    cloud = reply.json()
    assert reply.status_code == 200
    assert cloud["resourceManager"] == f"{emu.url}/"
    assert cloud["authentication"]["loginEndpoint"] == f"{emu.url}/"
    assert cloud["authentication"]["audiences"][0] == "https://management.core.windows.net/"
    assert cloud["microsoftGraphResourceId"] == f"{emu.url}/"
    old = requests.get(
        f"{emu.url}/metadata/endpoints", params={"api-version": "2019-05-01"}, verify=emu.ca_bundle
    ).json()
    assert old == [cloud]
    missing = requests.get(f"{emu.url}/metadata/endpoints", verify=emu.ca_bundle)
    assert missing.json()["error"]["code"] == "MissingApiVersionParameter"
    assert [r.caller for r in emu.requests.matching("GET", "/metadata/endpoints")] == [None] * 3


def test_az_setup_names_everything_and_hides_the_secret(emu: Emulator, tmp_path: object) -> None:
    setup = emu.az_setup(str(tmp_path))
    assert setup.env["AZURE_CONFIG_DIR"] == str(tmp_path)
    with open(setup.ca_bundle, encoding="ascii") as handle:
        bundle = handle.read()
    with open(emu.ca_bundle, encoding="ascii") as handle:
        assert bundle.startswith(handle.read().strip())
    assert bundle.count("BEGIN CERTIFICATE") > 10  # the system's roots follow
    lines = setup.text.splitlines()
    assert "az config set core.instance_discovery=false" in lines
    assert f"az cloud register -n Emulator --endpoint-resource-manager {emu.url}" in lines
    assert "az cloud set -n Emulator" in lines
    assert lines[-1].startswith(f"az login --service-principal -u {setup.client_id} -p ")
    assert lines[-1].endswith(f"--tenant {emu.tenant_id}")
    secret = lines[-1].split(" -p ")[1].split()[0]
    assert secret not in repr(setup)
    assert emu.check_access(
        setup.object_id,
        "Microsoft.Authorization/roleAssignments/write",
        f"/subscriptions/{emu.subscription_id}",
    )


def test_http_error_from_graph_token_on_arm_maps_in_sdk(emu: Emulator) -> None:
    graph_only = emu.credential()
    client = ResourceManagementClient(
        graph_only,
        emu.subscription_id,
        base_url=emu.url,
        connection_verify=emu.ca_bundle,
        credential_scopes=[f"{emu.url}/.default"],
    )
    with pytest.raises(HttpResponseError) as caught:
        client.resource_groups.get("rg1")
    assert caught.value.status_code == 401
