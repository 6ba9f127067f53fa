"""Issue 8 item 7: the emulator is a server users run; hostile clients must not break it.

Raw sockets and ``http.client`` for what the SDK cannot send (stalled handshakes, oversized
requests, malformed bodies); the real SDK for api-versions. ARM's wire shapes:

- 413 ``RequestContentTooLarge``: "The request content size exceeds the maximum size of
  4 MB." (as ARM answers deployments, quoted in Azure/Azure-Landing-Zones#2644 and
  Azure/azure-api-management-devops-resource-kit#594);
- 400 ``InvalidRequestContent``: "The request content was invalid and could not be
  deserialized: ..." (ARM's answer to a body it cannot read);
- 400 ``NoRegisteredProviderFound`` / ``InvalidApiVersionParameter`` with the supported
  versions listed (ARM's "Resolve errors for resource provider registration" page).
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerservice import ContainerServiceClient

from aks_identity.emulator import Emulator
from aks_identity.emulator._bodies import MAX_BODY_BYTES, MAX_JSON_DEPTH

ARM_SCOPE = "https://management.azure.com/.default"


class Raw:
    """``http.client`` over TLS to the emulator, with a bearer token."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.port = int(emu.url.rsplit(":", 1)[1])
        self.context = ssl.create_default_context(cafile=emu.ca_bundle)
        self.token = emu.credential().get_token(ARM_SCOPE).token

    def connection(self, timeout: float = 10.0) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(
            "127.0.0.1", self.port, context=self.context, timeout=timeout
        )

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        connection: http.client.HTTPSConnection | None = None,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        own = connection is None
        conn = connection or self.connection()
        try:
            conn.request(
                method,
                path,
                body=body,
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                    **(headers or {}),
                },
            )
            response = conn.getresponse()
            raw = response.read()
            head = {k.lower(): v for k, v in response.getheaders()}
            return response.status, (json.loads(raw) if raw else {}), head
        finally:
            if own:
                conn.close()


@pytest.fixture
def raw(arm_emulator: Emulator) -> Iterator[Raw]:
    yield Raw(arm_emulator)


def _group(emu: Emulator, name: str = "rg") -> str:
    return f"/subscriptions/{emu.subscription_id}/resourceGroups/{name}"


def _make_group(raw: Raw) -> str:
    path = _group(raw.emu)
    status, _, _ = raw.send("PUT", path + "?api-version=2021-04-01", b'{"location": "westus2"}')
    assert status in (200, 201)
    return path


# -- stalled and slow clients ---------------------------------------------------------------


def test_a_client_that_connects_and_sends_nothing_stalls_nobody(raw: Raw) -> None:
    idle = [socket.create_connection(("127.0.0.1", raw.port)) for _ in range(3)]
    try:
        # before the fix the accept loop sat in the first socket's TLS handshake: this timed out
        status, body, _ = raw.send("GET", "/subscriptions?api-version=2022-12-01")
        assert status == 200 and body["value"]
    finally:
        for sock in idle:
            sock.close()


def test_a_client_that_handshakes_then_stalls_stalls_nobody(raw: Raw) -> None:
    stalled = raw.context.wrap_socket(
        socket.create_connection(("127.0.0.1", raw.port)), server_hostname="127.0.0.1"
    )
    half = raw.connection()
    half.putrequest("PUT", _group(raw.emu) + "?api-version=2021-04-01")
    half.putheader("Content-Length", "100")
    half.endheaders()  # the body never comes
    try:
        status, _, _ = raw.send("GET", "/subscriptions?api-version=2022-12-01")
        assert status == 200
    finally:
        stalled.close()
        half.close()


# -- oversized requests -----------------------------------------------------------------------


def test_a_body_over_four_megabytes_gets_arms_413(raw: Raw) -> None:
    conn = raw.connection()
    conn.putrequest("PUT", _group(raw.emu) + "?api-version=2021-04-01")
    conn.putheader("Authorization", f"Bearer {raw.token}")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
    conn.endheaders()  # refused on the header alone, the body is never read
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    assert response.status == 413
    assert body["error"]["code"] == "RequestContentTooLarge"
    assert "4 MB" in body["error"]["message"]
    assert response.getheader("Connection") == "close"
    assert raw.emu.requests[-1].status == 413
    assert not raw.emu.state.resources.exists(_group(raw.emu))


def test_a_chunked_body_over_the_limit_gets_413(raw: Raw) -> None:
    def chunks() -> Iterator[bytes]:
        # one byte over the limit: the server answers once it has read it, and nothing but the
        # last chunk's terminator is left unsent (no reset while the client still writes)
        piece = b" " * (1024 * 1024)
        for _ in range(4):
            yield piece
        yield b" "

    conn = raw.connection()
    conn.request(
        "PUT",
        _group(raw.emu) + "?api-version=2021-04-01",
        body=chunks(),
        headers={"Authorization": f"Bearer {raw.token}", "Transfer-Encoding": "chunked"},
        encode_chunked=True,
    )
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    assert response.status == 413 and body["error"]["code"] == "RequestContentTooLarge"


def test_a_body_just_under_the_limit_is_read(raw: Raw) -> None:
    padding = " " * (MAX_BODY_BYTES - 100)
    body = f'{{"location": "westus2"{padding}}}'.encode()
    status, _, _ = raw.send("PUT", _group(raw.emu) + "?api-version=2021-04-01", body)
    assert status == 201


@pytest.mark.parametrize("length", [20_000, 70_000])
def test_a_very_long_url_gets_an_arm_shaped_414(raw: Raw, length: int) -> None:
    # 70,000 is past http.server's own 64 KiB request line limit: still JSON, never HTML
    path = _group(raw.emu, "g" * length) + "?api-version=2021-04-01"
    status, body, head = raw.send("GET", path)
    assert status == 414
    assert body["error"]["code"] == "RequestUriTooLong" and body["error"]["message"]
    assert head["content-type"].startswith("application/json")


def test_a_refused_protocol_version_gets_json_not_html(raw: Raw) -> None:
    sock = raw.context.wrap_socket(
        socket.create_connection(("127.0.0.1", raw.port), timeout=10),
        server_hostname="127.0.0.1",
    )
    sock.sendall(b"GET / HTTP/2.0\r\n\r\n")
    reply = b""
    while chunk := sock.recv(65536):
        reply += chunk
    sock.close()
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 505")
    assert b"application/json" in head
    assert json.loads(body)["error"]["code"] == "HttpVersionNotSupported"


# -- malformed bodies -------------------------------------------------------------------------

_NESTED = b'{"location": "westus2", "tags": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}"

MALFORMED = {
    "not json": b"{location: westus2",
    "invalid utf-8": b'{"location": "\xff\xfe"}',
    "top-level array": b'["westus2"]',
    "top-level string": b'"westus2"',
    "top-level null": b"null",
    "deep nesting": _NESTED,
    "nesting just past the limit": b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1),
    "location an object": b'{"location": {"name": "westus2"}}',
    "location a number": b'{"location": 5}',
    "tags a string": b'{"location": "westus2", "tags": "a=b"}',
    "tags a list": b'{"location": "westus2", "tags": ["a"]}',
    "properties a list": b'{"location": "westus2", "properties": [1, 2]}',
    "identity a string": b'{"location": "westus2", "identity": "SystemAssigned"}',
    "identity type a number": b'{"location": "westus2", "identity": {"type": 3}}',
    "pools a dict": b'{"location": "westus2", "properties": {"agentPoolProfiles": {"a": 1}}}',
    "pool a string": b'{"location": "westus2", "properties": {"agentPoolProfiles": ["x"]}}',
    "user identities a list": (
        b'{"location": "westus2", "identity": {"type": "UserAssigned",'
        b' "userAssignedIdentities": ["x"]}}'
    ),
    "role assignment properties a string": b'{"properties": "Reader"}',
    "principal id a number": b'{"properties": {"roleDefinitionId": 1, "principalId": 2}}',
}


ENVELOPE_CASES = {
    "location an object",
    "location a number",
    "tags a string",
    "tags a list",
    "properties a list",
    "identity a string",
    "role assignment properties a string",
}


def _targets(emu: Emulator, group: str) -> dict[str, str]:
    role = "/providers/Microsoft.Authorization/roleAssignments/0b4c1f5e-3a3e-4a43-9d39-1f0f1b5c7a11"
    return {
        "resource group": f"{_group(emu, 'other')}?api-version=2021-04-01",
        "identity": f"{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ident1"
        "?api-version=2023-01-31",
        "cluster": f"{group}/providers/Microsoft.ContainerService/managedClusters/c1"
        "?api-version=2024-09-01",
        "role assignment": f"{group}{role}?api-version=2022-04-01",
        "generic": f"{group}/providers/Microsoft.KeyVault/vaults/kv1?api-version=2023-07-01",
    }


def test_malformed_bodies_get_400_invalid_request_content_never_500(raw: Raw) -> None:
    group = _make_group(raw)
    seen: list[tuple[str, str, int, str]] = []
    for target, path in _targets(raw.emu, group).items():
        for case, body in MALFORMED.items():
            status, answer, _ = raw.send("PUT", path, body)
            seen.append((target, case, status, answer.get("error", {}).get("code", "")))
    failures = [s for s in seen if s[2] >= 500]
    assert failures == []
    # the parser-level problems are ARM's InvalidRequestContent wherever they are sent
    for target, case, status, code in seen:
        if case in {"not json", "invalid utf-8", "deep nesting", "nesting just past the limit"}:
            assert (status, code) == (400, "InvalidRequestContent"), (target, case)
        if case.startswith("top-level") or case in ENVELOPE_CASES:
            # ARM deserializes the resource envelope itself: the same answer on every route
            assert (status, code) == (400, "InvalidRequestContent"), (target, case)
        assert 400 <= status < 500 or status in (200, 201), (target, case, status, code)
    assert len(seen) == 5 * len(MALFORMED)


def test_the_emulator_still_serves_after_the_abuse(raw: Raw) -> None:
    group = _make_group(raw)
    for body in MALFORMED.values():
        raw.send("PUT", f"{group}?api-version=2021-04-01", body)
    status, answer, _ = raw.send("GET", f"{group}?api-version=2021-04-01")
    assert status == 200 and answer["location"] == "westus2"


# -- api-versions -----------------------------------------------------------------------------


def _families(emu: Emulator, group: str) -> dict[str, str]:
    sub = f"/subscriptions/{emu.subscription_id}"
    return {
        "subscriptions": sub,
        "resource groups": f"{sub}/resourcegroups",
        "resource group": group,
        "identities": f"{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities",
        "clusters": f"{group}/providers/Microsoft.ContainerService/managedClusters",
        "role assignments": f"{sub}/providers/Microsoft.Authorization/roleAssignments",
        "role definitions": f"{sub}/providers/Microsoft.Authorization/roleDefinitions",
        "permissions": f"{group}/providers/Microsoft.Authorization/permissions",
        "generic": f"{group}/providers/Microsoft.KeyVault/vaults",
    }


@pytest.mark.parametrize("version", ["2099-01-01", "banana", "2021-02-30", "2021-04-01x"])
def test_unknown_api_versions_are_refused_as_arm_refuses_them(raw: Raw, version: str) -> None:
    group = _make_group(raw)
    for family, path in _families(raw.emu, group).items():
        status, body, _ = raw.send("GET", f"{path}?api-version={version}")
        if family == "generic" and version == "2099-01-01":
            assert status == 200, family  # no registration list for catch-all providers
            continue
        assert status == 400, (family, version, body)
        error = body["error"]
        message = error["message"]
        if family.startswith(("subscriptions", "resource group")):
            assert error["code"] == "InvalidApiVersionParameter", family
            assert f"The api-version '{version}' is invalid." in message
            assert "The supported versions are '2025-04-01, " in message
        else:
            assert error["code"] == "NoRegisteredProviderFound", family
            assert f"API version '{version}'" in message
            assert "The supported api-versions are '" in message


def test_the_location_of_the_group_is_named(raw: Raw) -> None:
    group = _make_group(raw)
    path = f"{group}/providers/Microsoft.ContainerService/managedClusters?api-version=2099-01-01"
    _, body, _ = raw.send("GET", path)
    assert body["error"]["message"].startswith(
        "No registered resource provider found for location 'westus2' and API version "
        "'2099-01-01' for type 'managedClusters'. The supported api-versions are '2026-08-01, "
    )


def test_an_sdk_newer_than_the_emulator_is_refused(arm_emulator: Emulator) -> None:
    client = ContainerServiceClient(
        arm_emulator.credential(),
        arm_emulator.subscription_id,
        base_url=arm_emulator.url,
        connection_verify=arm_emulator.ca_bundle,
        api_version="2099-01-01",
    )
    with client, pytest.raises(HttpResponseError) as refused:
        list(client.managed_clusters.list())
    assert refused.value.status_code == 400
    assert refused.value.error is not None
    assert refused.value.error.code == "NoRegisteredProviderFound"


# -- a burst ----------------------------------------------------------------------------------


def test_500_concurrent_requests_from_16_threads_without_error(raw: Raw) -> None:
    group = _make_group(raw)
    local = threading.local()

    def one(index: int) -> int:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = raw.connection(timeout=30)
        if index % 5 == 0:
            name = f"burst-{index}"
            path = f"{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
            status, _, _ = raw.send(
                "PUT", f"{path}?api-version=2023-01-31", b'{"location": "westus2"}', None, conn
            )
        else:
            status, _, _ = raw.send("GET", f"{group}?api-version=2021-04-01", None, None, conn)
        return status

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(one, range(500)))
    assert len(statuses) == 500
    assert {s for s in statuses} <= {200, 201}, sorted(set(statuses))
    assert sum(1 for s in statuses if s == 201) == 100
    assert not [r for r in raw.emu.requests if r.status is None or r.status >= 500]
