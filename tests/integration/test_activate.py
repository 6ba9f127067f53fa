"""emu.activate() and the arm_emulator fixture: clients without an endpoint reach the
emulator, and no request can reach real Azure (moto's mock_aws is the model)."""

from __future__ import annotations

import pytest
import requests
from azure.core.credentials import AccessToken
from azure.mgmt.resource.resources import ResourceManagementClient

import aks_identity as aki
from aks_identity._azure._guard import blocked
from aks_identity.emulator import Emulator


class _RealLookingCredential:
    """A credential that is not the emulator's (it must never be asked for a token)."""

    asked = 0

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        type(self).asked += 1
        raise AssertionError("a non-emulator credential was asked for a token")


def test_from_environment_reaches_the_active_emulator(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000001")
    with emu.activate(), aki.Azure.from_environment() as az:
        assert az.base_url == emu.url
        assert az.subscription_id == emu.subscription_id
        az.create_resource_group("activated", location="westus2")
    assert emu.requests.matching("PUT", "/resourceGroups/activated")


def test_azure_without_base_url_reaches_the_emulator_not_azure(emu: Emulator) -> None:
    with emu.activate(), aki.Azure(_RealLookingCredential(), emu.subscription_id) as az:
        assert az.base_url == emu.url
        az.create_resource_group("plain", location="westus2")
        before = emu.clock.now()
        # the emulator's clock drives the waits: an LRO of 30 s passes at once
        az.create_cluster("c", resource_group="plain")
        assert emu.clock.now() - before >= 30
    assert _RealLookingCredential.asked == 0


def test_an_emulator_credential_given_is_kept(emu: Emulator) -> None:
    reader = emu.create_caller("reader", role="Reader")
    with (
        emu.activate(),
        aki.Azure(emu.credential(reader), emu.subscription_id) as az,
        pytest.raises(aki.AuthorizationError),
    ):
        az.create_resource_group("denied", location="westus2")


@pytest.mark.parametrize(
    "url",
    [
        "https://management.azure.com/subscriptions?api-version=2022-12-01",
        "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        "https://graph.microsoft.com/v1.0/servicePrincipals",
        "https://management.usgovcloudapi.net/subscriptions",
        "https://login.chinacloudapi.cn/tenant/oauth2/v2.0/token",
        "https://microsoftgraph.chinacloudapi.cn/v1.0/me",
        "http://169.254.169.254/metadata/identity/oauth2/token",
    ],
)
def test_real_azure_is_refused_at_once(emu: Emulator, url: str) -> None:
    with emu.activate(), pytest.raises(aki.RealAzureBlocked, match="emulator is active"):
        requests.get(url, timeout=0.001)


def test_an_sdk_client_aimed_at_azure_fails_at_once_without_retries(emu: Emulator) -> None:
    with emu.activate():
        client = ResourceManagementClient(emu.credential(), emu.subscription_id)
        with pytest.raises(aki.RealAzureBlocked, match=r"management\.azure\.com"):
            client.resource_groups.get("rg")
        client.close()


def test_sovereign_client_inside_activation_reaches_the_emulator(emu: Emulator) -> None:
    with emu.activate(), aki.Azure(emu.credential(), emu.subscription_id,
                                   cloud="AzureChinaCloud") as az:
        assert az.base_url == emu.url
        assert az.list_resource_groups() == []


def test_the_guard_ends_with_the_activation(emu: Emulator) -> None:
    with emu.activate(), emu.activate():  # nested
        pass
    with emu.activate():
        pass
    # outside: building a client aimed at Azure is allowed again (nothing is sent here)
    az = aki.Azure(emu.credential(), emu.subscription_id)
    assert az.base_url == "https://management.azure.com"
    az.close()
    from requests.adapters import HTTPAdapter

    assert HTTPAdapter.send.__name__ == "send"


def test_activate_starts_and_stops_an_emulator_that_was_not_running() -> None:
    local = Emulator()
    with local.activate() as active, aki.Azure.from_environment() as az:
        assert active is local
        assert az.list_resource_groups() == []
    with pytest.raises(RuntimeError):
        local.url


def test_blocked_hosts_match_subdomains_only() -> None:
    assert blocked("https://MANAGEMENT.azure.com/x")
    assert blocked("https://westus2.management.azure.com/x")
    assert not blocked("https://127.0.0.1:8443/subscriptions")
    assert not blocked("https://notmanagement.azure.com.example/x")


def test_arm_emulator_fixture_is_active(arm_emulator: Emulator) -> None:
    with aki.Azure.from_environment() as az:
        assert az.base_url == arm_emulator.url
        az.create_resource_group("fixture", location="westus2")
    with pytest.raises(aki.RealAzureBlocked):
        requests.get("https://management.azure.com/", timeout=0.001)
