"""Shared fixtures and helpers for the AKS emulator tests (no tests here).

One Emulator per test module (virtual clock), reset before each test. Set-up that is not the
subject of a test (identities, role assignments, directory principals) goes straight to the
emulator's state; everything under test goes through the real ContainerServiceClient over HTTPS.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.rest import HttpRequest, HttpResponse
from azure.mgmt.containerservice import ContainerServiceClient

from aks_identity.emulator import Emulator
from aks_identity.emulator._config import Delay

SAMPLES = Path(__file__).resolve().parents[1] / "arm_samples"  # copy of ../shared/arm-samples
LOCATION = "westus2"
RG = "rg1"
API_VERSION = "2026-08-01"
MANAGED_IDENTITY_OPERATOR = "Managed Identity Operator"
NETWORK_CONTRIBUTOR = "Network Contributor"
LRO_SECONDS = 30.0
TOKEN_LIFETIME = 7200.0


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(
        clock="virtual",
        seed=11,
        propagation_delay=0,
        replication_delay=0,
        lro_duration=LRO_SECONDS,
        token_lifetime=TOKEN_LIFETIME,
        page_size=2,
    ) as emu:
        yield emu


class Aks:
    """One test's view of the emulator: the SDK client plus set-up helpers."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.state = emu.state
        self.sub = emu.subscription_id
        self.client = ContainerServiceClient(
            credential=emu.credential(),
            subscription_id=emu.subscription_id,
            base_url=emu.url,
            connection_verify=emu.ca_bundle,
            polling_interval=0,
        )
        self.resource_group(RG)

    # -- set-up --------------------------------------------------------------------------

    def resource_group(self, name: str) -> None:
        self.state.resources.ensure_resource_group(name, LOCATION)

    def identity(self, name: str, resource_group: str = RG) -> dict[str, Any]:
        rid = (
            f"/subscriptions/{self.sub}/resourceGroups/{resource_group}"
            f"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
        )
        return self.state.identities.create_user_assigned(rid, LOCATION, {})

    def grant(self, principal_id: str, role: str, scope: str) -> None:
        """A role assignment, in force after the propagation delay."""
        self.emu.grant(principal_id, role, scope)

    def operator(self, control_plane: dict[str, Any], kubelet: dict[str, Any]) -> None:
        """Managed Identity Operator for the control plane on the kubelet identity."""
        self.grant(
            control_plane["properties"]["principalId"], MANAGED_IDENTITY_OPERATOR, kubelet["id"]
        )

    def service_principal(self) -> str:
        client_id = str(uuid.uuid4())
        self.state.directory.add_principal(client_id=client_id, display_name="sp")
        return client_id

    def subnet(self, name: str = "aks") -> str:
        vnet = (
            f"/subscriptions/{self.sub}/resourceGroups/{RG}"
            "/providers/Microsoft.Network/virtualNetworks/vnet1"
        )
        self.emu.put_resource(vnet, {"location": LOCATION, "properties": {}})
        subnet = f"{vnet}/subnets/{name}"
        self.emu.put_resource(subnet, {"properties": {"addressPrefix": "10.240.0.0/16"}})
        return subnet

    def advance(self, seconds: float = LRO_SECONDS + 1) -> None:
        self.emu.clock.advance(seconds)

    # -- framework knobs (the only place that knows the core's configuration API) ----------

    def set_propagation_delay(self, seconds: float) -> None:
        self.state.config.propagation_delay = Delay.of(seconds)

    def set_replication_delay(self, seconds: float) -> None:
        self.state.config.replication_delay = Delay.of(seconds)

    def token_lifetime(self) -> float:
        return TOKEN_LIFETIME

    def client_for_group_contributor(self) -> ContainerServiceClient:
        """A client whose caller is only Contributor on the resource group RG."""
        scope = f"/subscriptions/{self.sub}/resourceGroups/{RG}"
        caller = self.emu.create_caller("contributor", role="Contributor", scope=scope)
        return ContainerServiceClient(
            credential=self.emu.credential(caller),
            subscription_id=self.sub,
            base_url=self.emu.url,
            connection_verify=self.emu.ca_bundle,
            polling_interval=0,
        )

    # -- requests ------------------------------------------------------------------------

    def cluster_id(self, name: str) -> str:
        return (
            f"/subscriptions/{self.sub}/resourcegroups/{RG}"
            f"/providers/Microsoft.ContainerService/managedClusters/{name}"
        )

    def create(self, name: str, body: dict[str, Any]) -> Any:
        """Create or update through the SDK and wait for the LRO."""
        return self.client.managed_clusters.begin_create_or_update(RG, name, body).result()

    def raw(self, method: str, path: str, body: Any = None, **params: str) -> HttpResponse:
        """A raw request through the SDK's pipeline (auth, TLS), for wire-level checks."""
        params.setdefault("api-version", API_VERSION)
        request = HttpRequest(
            method,
            f"{self.emu.url}{path}",
            params=params,
            json=body,
        )
        response: HttpResponse = self.client.send_request(request)
        response.read()
        return response


@pytest.fixture
def aks(emulator: Emulator) -> Aks:
    emulator.reset()
    return Aks(emulator)


def pool(name: str = "nodepool1", **extra: Any) -> dict[str, Any]:
    return {"name": name, "count": 1, "vmSize": "Standard_DS2_v2", "mode": "System", **extra}


def system_assigned(**properties: Any) -> dict[str, Any]:
    return {
        "location": LOCATION,
        "identity": {"type": "SystemAssigned"},
        "properties": {"dnsPrefix": "dns", "agentPoolProfiles": [pool()], **properties},
    }


def user_assigned(
    control_plane: dict[str, Any], kubelet: dict[str, Any] | None = None, **properties: Any
) -> dict[str, Any]:
    props: dict[str, Any] = {"dnsPrefix": "dns", "agentPoolProfiles": [pool()], **properties}
    if kubelet is not None:
        props["identityProfile"] = {"kubeletidentity": {"resourceId": kubelet["id"]}}
    return {
        "location": LOCATION,
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {control_plane["id"]: {}}},
        "properties": props,
    }


def service_principal_body(client_id: str, **properties: Any) -> dict[str, Any]:
    return {
        "location": LOCATION,
        "properties": {
            "dnsPrefix": "dns",
            "agentPoolProfiles": [pool()],
            "servicePrincipalProfile": {"clientId": client_id, "secret": "not-a-real-secret"},
            **properties,
        },
    }


def sample(*parts: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / "specs" / Path(*parts)).read_text())
    return data


def shape_gaps(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where ``actual`` lacks a key of ``expected`` or has another JSON type (recursive)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected object"]
        gaps = []
        for key, value in expected.items():
            if key not in actual:
                gaps.append(f"{path}.{key}: missing")
            else:
                gaps.extend(shape_gaps(value, actual[key], f"{path}.{key}"))
        return gaps
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected array"]
        if expected and actual:
            return shape_gaps(expected[0], actual[0], f"{path}[0]")
        return []
    kinds = (bool, int, float, str, type(None))
    expected_kind = next(k for k in kinds if isinstance(expected, k))
    if expected_kind in (int, float):
        ok = isinstance(actual, (int, float)) and not isinstance(actual, bool)
    else:
        ok = isinstance(actual, expected_kind)
    return [] if ok else [f"{path}: {type(actual).__name__} instead of {expected_kind.__name__}"]


# -- CLI recordings (YAML without a YAML parser: the few fields the tests need) ---------------


def _unfold(text: str) -> str:
    """A YAML double-quoted scalar's content, folded as YAML does."""
    out = ""
    for index, raw in enumerate(text.split("\n")):
        line = raw.strip() if index else raw
        if index:
            if out.endswith("\\") and not out.endswith("\\\\"):
                out = out[:-1]
            else:
                out += " "
        out += line
    return re.sub(r"(?<!\\)\\ ", " ", out)


def recording(name: str) -> list[dict[str, Any]]:
    """Interactions of a recording: method, path, status, headers of interest, JSON body."""
    text = (SAMPLES / "cli-recordings" / name).read_text()
    interactions = []
    for chunk in text.split("\n- request:")[1:]:
        request = re.search(r"\n    method: (\w+)\n    uri: (\S+)", chunk)
        status = re.search(r"\n      code: (\d+)", chunk)
        raw = re.search(r"\n  response:\n    body:\n      string: (.*?)\n    headers:", chunk, re.S)
        assert request and status and raw
        body: Any = None
        value = raw.group(1)
        if value.startswith('"'):
            body = json.loads(json.loads('"' + _unfold(value[1 : value.rstrip().rfind('"')]) + '"'))
        elif value.startswith("'") and len(value.strip()) > 2:
            inner = value[1 : value.rstrip().rfind("'")]
            body = json.loads(" ".join(x.strip() for x in inner.split("\n")).replace("''", "'"))
        headers = {
            key: found.group(1)
            for key in ("azure-asyncoperation", "location")
            if (found := re.search(rf"\n      {key}:\n      - (\S+)", chunk))
        }
        interactions.append(
            {
                "method": request.group(1),
                "path": request.group(2).replace("https://management.azure.com", "").split("?")[0],
                "status": int(status.group(1)),
                "headers": headers,
                "body": body,
            }
        )
    return interactions


def aks_interactions(name: str) -> list[dict[str, Any]]:
    return [i for i in recording(name) if "Microsoft.ContainerService" in i["path"]]
