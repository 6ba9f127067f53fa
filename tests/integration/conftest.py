"""Integration fixtures: the library, through the real azure-mgmt SDKs, against the emulator."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from aks_identity import Azure, ServicePrincipal
from aks_identity.emulator import Emulator

LOCATION = "westus2"
RG = "rg"
WRITE_METHODS = {"PUT", "POST", "PATCH", "DELETE"}


@pytest.fixture(scope="session")
def _shared_emulator() -> Iterator[Emulator]:
    with Emulator(clock="virtual", seed=3) as emu:
        yield emu


@pytest.fixture
def emu(_shared_emulator: Emulator) -> Iterator[Emulator]:
    """A clean emulator (default delays: none), shared by tests and reset before each."""
    _shared_emulator.reset()
    yield _shared_emulator


@pytest.fixture
def az(emu: Emulator) -> Iterator[Azure]:
    with emu.azure() as client:
        yield client


@pytest.fixture
def rg(az: Azure) -> str:
    az.create_resource_group(RG, location=LOCATION)
    return RG


@pytest.fixture(autouse=True)
def _quiet_library_warnings() -> Iterator[None]:
    """Library warnings are asserted explicitly where they matter; elsewhere they are noise."""
    from aks_identity import AksIdentityWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AksIdentityWarning)
        yield


def scope_id(emu: Emulator, kind: str, name: str, group: str = RG) -> str:
    """IDs of resources the tests grant on."""
    base = f"/subscriptions/{emu.subscription_id}/resourceGroups/{group}/providers"
    return {
        "vnet": f"{base}/Microsoft.Network/virtualNetworks/{name}",
        "subnet": f"{base}/Microsoft.Network/virtualNetworks/{name}/subnets/aks",
        "vault": f"{base}/Microsoft.KeyVault/vaults/{name}",
        "registry": f"{base}/Microsoft.ContainerRegistry/registries/{name}",
    }[kind]


@pytest.fixture
def subnet(emu: Emulator, rg: str) -> str:
    vnet = scope_id(emu, "vnet", "vnet1")
    emu.put_resource(
        vnet,
        {
            "location": LOCATION,
            "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}},
        },
    )
    sid = scope_id(emu, "subnet", "vnet1")
    emu.put_resource(sid, {"properties": {"addressPrefix": "10.1.0.0/24"}})
    return sid


@pytest.fixture
def vault(emu: Emulator, rg: str) -> str:
    vid = scope_id(emu, "vault", "kv1")
    emu.put_resource(
        vid,
        {
            "location": LOCATION,
            "properties": {"tenantId": emu.tenant_id, "sku": {"name": "standard"}},
        },
    )
    return vid


@pytest.fixture
def registry(emu: Emulator, rg: str) -> str:
    rid = scope_id(emu, "registry", "acr1")
    emu.put_resource(rid, {"location": LOCATION, "sku": {"name": "Basic"}})
    return rid


def make_registry(emu: Emulator, name: str) -> str:
    rid = scope_id(emu, "registry", name)
    emu.put_resource(rid, {"location": LOCATION, "sku": {"name": "Basic"}})
    return rid


@pytest.fixture
def service_principal(emu: Emulator) -> ServicePrincipal:
    """A legacy service principal the emulated directory knows (replicated)."""
    make = getattr(emu, "create_service_principal", None)
    if make is not None:
        client_id, secret = make("legacy-sp")
        return ServicePrincipal(client_id, secret)
    principal = emu.state.directory.add_principal(display_name="legacy-sp", replicated=True)
    return ServicePrincipal(principal.client_id, "test-secret-value")


def writes_since(emu: Emulator, first: int) -> list[Any]:
    """Write requests logged after index ``first`` (a conditional create refused 412
    PreConditionFailed, If-None-Match: * on an existing cluster, wrote nothing: not counted)."""
    return [
        r
        for r in list(emu.requests)[first:]
        if r.method in WRITE_METHODS and r.error_code != "PreConditionFailed"
    ]


def assignments(emu: Emulator, principal_id: str, scope: str | None = None) -> list[Any]:
    """The emulator's assignments of a principal (optionally at exactly ``scope``)."""
    found = [a for a in emu.state.rbac.all() if a.principal_id.lower() == principal_id.lower()]
    if scope is not None:
        found = [a for a in found if a.scope.lower() == scope.lower()]
    return found


@pytest.fixture
def emulator_with() -> Iterator[Any]:
    """Factory: a dedicated emulator with other settings (delays); stopped after the test."""
    started: list[Emulator] = []

    def make(**settings: Any) -> Emulator:
        emu = Emulator(clock="virtual", seed=5, **settings)
        emu.__enter__()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.__exit__(None, None, None)
