"""ARM throttling on the emulator (token buckets per subscription) and the library's pacing."""

from __future__ import annotations

import pytest
from azure.mgmt.resource.resources import ResourceManagementClient

from aks_identity._azure._pacing import LOW_WATER, Pacer
from aks_identity.emulator import Emulator, _throttle
from aks_identity.emulator._errors import ArmError
from aks_identity.emulator._throttle import Throttle

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"


def test_buckets_spend_refill_and_refuse() -> None:
    throttle = Throttle()
    reads = [throttle.take("GET", f"{SUB}/resourcegroups", 0.0) for _ in range(250)]

    with pytest.raises(ArmError) as caught:
        throttle.take("GET", f"{SUB}/resourcegroups", 0.0)
    writes = throttle.take("PUT", f"{SUB}/resourcegroups/rg", 0.0)
    later = throttle.take("GET", f"{SUB}/resourcegroups", 2.0)

    assert reads[0] == {"x-ms-ratelimit-remaining-subscription-reads": "249"}
    assert reads[-1] == {"x-ms-ratelimit-remaining-subscription-reads": "0"}
    assert caught.value.status == 429
    assert caught.value.code == "SubscriptionRequestsThrottled"
    assert caught.value.headers["Retry-After"] == "1"
    assert writes == {"x-ms-ratelimit-remaining-subscription-writes": "199"}  # its own bucket
    assert later == {"x-ms-ratelimit-remaining-subscription-reads": "49"}  # 2 s x 25/s, less one
    assert throttle.take("POST", "/providers/Microsoft.ResourceGraph/resources", 0.0) == {}


def test_throttled_requests_are_retried_after_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_throttle.LIMITS, "reads", (3.0, 1.0))
    with Emulator(throttling=True) as emu:
        az = emu.azure()
        az.create_resource_group("rg", location="westus2")
        groups = [az.get_resource_group("rg") for _ in range(5)]
        statuses = [r.status for r in emu.requests if r.method == "GET"]

    assert len(groups) == 5
    assert 429 not in statuses  # the pacer waited for the bucket instead of running into it


def test_refusals_report_the_remaining_requests_too() -> None:
    """ARM counts a 404 against the bucket and says so: the pacer keeps an exact count."""
    with Emulator(throttling=True) as emu:
        client = ResourceManagementClient(
            emu.credential(), emu.subscription_id, base_url=emu.url, connection_verify=emu.ca_bundle
        )
        seen: dict[str, str] = {}
        with pytest.raises(Exception, match="ResourceGroupNotFound"):
            client.resource_groups.get(
                "absent", raw_response_hook=lambda r: seen.update(r.http_response.headers)
            )

    assert {k.lower(): v for k, v in seen.items()}.get(
        "x-ms-ratelimit-remaining-subscription-reads"
    ) == "249"


def test_without_pacing_the_sdk_honours_429(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_throttle.LIMITS, "reads", (2.0, 1.0))
    with Emulator(throttling=True) as emu:
        client = ResourceManagementClient(
            emu.credential(),
            emu.subscription_id,
            base_url=emu.url,
            connection_verify=emu.ca_bundle,
            retry_backoff_factor=0.01,
        )
        client.resource_groups.create_or_update("rg", {"location": "westus2"})
        emu.clock.advance(10)
        monkeypatch.setattr("time.sleep", emu.clock.advance)
        for _ in range(3):
            client.resource_groups.get("rg")
        statuses = [r.status for r in emu.requests if r.method == "GET"]

    assert statuses.count(429) >= 1 and statuses[-1] == 200


def test_pacer_waits_only_when_few_requests_are_left() -> None:
    pacer = Pacer()
    url = f"https://arm{SUB}/resourcegroups"
    pacer.observe("GET", url, {"x-ms-ratelimit-remaining-subscription-reads": "200"}, 0.0)
    assert pacer.delay("GET", url, 0.0) == 0.0

    pacer.observe("GET", url, {"x-ms-ratelimit-remaining-subscription-reads": "4"}, 10.0)
    wait = pacer.delay("GET", url, 10.0)
    assert wait == pytest.approx((LOW_WATER - 4) / 25.0)
    assert pacer.delay("PUT", url, 10.0) == 0.0  # writes: nothing known yet


def test_pacer_respects_resource_graph_quota() -> None:
    pacer = Pacer()
    url = "https://arm/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01"
    pacer.observe(
        "POST",
        url,
        {"x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:04"},
        1.0,
    )

    assert pacer.delay("POST", url, 2.0) == pytest.approx(3.0)
    assert pacer.delay("POST", url, 6.0) == 0.0
