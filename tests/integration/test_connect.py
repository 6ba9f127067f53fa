"""Connecting: clouds, endpoints and authorities, from_environment, the emulator client."""

from __future__ import annotations

import pytest
from azure.identity import DefaultAzureCredential

from aks_identity import Azure, RetryPolicy, ValidationError
from aks_identity.emulator import Emulator


class _NoCredential:
    def get_token(self, *scopes: str, **kwargs: object) -> object:  # pragma: no cover
        raise AssertionError("no token needed to build a client")


@pytest.mark.parametrize(
    ("cloud", "arm", "authority"),
    [
        ("AzureCloud", "https://management.azure.com", "login.microsoftonline.com"),
        ("AzureUSGovernment", "https://management.usgovcloudapi.net", "login.microsoftonline.us"),
        ("azurechinacloud", "https://management.chinacloudapi.cn", "login.chinacloudapi.cn"),
    ],
)
def test_sovereign_clouds_use_their_endpoint_and_authority(
    cloud: str, arm: str, authority: str
) -> None:
    az = Azure(_NoCredential(), "00000000-0000-0000-0000-000000000001", cloud=cloud)  # type: ignore[arg-type]
    assert az.base_url == arm
    assert az.authority == authority
    assert az.cloud.lower() == cloud.lower()
    assert "00000000-0000-0000-0000-000000000001" in repr(az)


def test_unknown_cloud_is_refused() -> None:
    with pytest.raises(ValidationError, match="AzureUSGovernment"):
        Azure(_NoCredential(), "00000000-0000-0000-0000-000000000001", cloud="AzureGermanCloud")  # type: ignore[arg-type]


def test_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-0000000000AA")
    monkeypatch.setenv("AZURE_CLOUD", "AzureUSGovernment")
    az = Azure.from_environment()
    assert az.subscription_id == "00000000-0000-0000-0000-0000000000aa"
    assert az.base_url == "https://management.usgovcloudapi.net"
    assert isinstance(az._arm._credential, DefaultAzureCredential)


def test_from_environment_needs_a_subscription(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    with pytest.raises(ValidationError, match="AZURE_SUBSCRIPTION_ID"):
        Azure.from_environment()


def test_explicit_client_talks_to_the_emulator(emu: Emulator) -> None:
    clock = emu.clock
    az = Azure(
        emu.credential(),
        emu.subscription_id,
        base_url=emu.url,
        connection_verify=emu.ca_bundle,
        retry=RetryPolicy(clock=clock.now, sleep=clock.sleep, progress=False),
    )
    with az:
        az.create_resource_group("connect", location="westus2")
        assert [g.name for g in az.list_resource_groups()] == ["connect"]
    assert emu.requests[-1].path.endswith("/resourcegroups") or emu.requests[-1].method == "GET"


def test_emulator_azure_is_wired(az: Azure, emu: Emulator) -> None:
    assert az.subscription_id == emu.subscription_id.lower()
    assert az.base_url.startswith("https://127.0.0.1:")
    group = az.create_resource_group("wired", location="West US 2")
    assert group.location == "westus2"
    assert repr(group) == "<ResourceGroup wired in westus2>"
