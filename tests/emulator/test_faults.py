"""Fault injection: throttling, server errors, dropped connections, failed LROs."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from emu_support import LOCATION, Clients

from aks_identity.emulator import Emulator


def test_429_with_retry_after_is_retried_by_the_sdk(az: Clients, emu: Emulator) -> None:
    fault = emu.faults.inject(429, method="PUT", path=r"/resourcegroups/rg1$", retry_after=0)

    az.group("rg1")

    puts = emu.requests.matching(method="PUT")
    assert [(r.status, r.fault, r.error_code) for r in puts] == [
        (429, "429", "TooManyRequests"),
        (201, None, None),
    ]
    assert fault.hits == 1
    assert emu.faults.active == []


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried(az: Clients, emu: Emulator, status: int) -> None:
    az.group()
    emu.faults.inject(status, method="GET", path="userAssignedIdentities")
    az.identity()

    got = az.msi.user_assigned_identities.get("rg1", "id1")

    assert got.name == "id1"
    assert [r.status for r in emu.requests.matching(method="GET")] == [status, 200]


def test_faults_beyond_the_retry_budget_reach_the_caller(emu: Emulator) -> None:
    impatient = Clients.connect(emu, retry_total=0)
    emu.faults.inject(503, path="resourcegroups", times=5, retry_after=0)

    with pytest.raises(HttpResponseError) as caught:
        impatient.resources.resource_groups.get("rg1")

    assert caught.value.status_code == 503
    assert caught.value.error.code == "ServiceUnavailable"


def test_a_dropped_connection_is_retried(az: Clients, emu: Emulator) -> None:
    emu.faults.inject("drop", method="PUT", path="resourcegroups")

    az.group("rg1")

    statuses = [(r.status, r.fault) for r in emu.requests.matching(method="PUT")]
    assert statuses == [(None, "drop"), (201, None)]


def test_lro_failed_fault_makes_the_operation_end_failed(az: Clients, emu: Emulator) -> None:
    az.group()
    emu.faults.inject("lro_failed", method="DELETE", path="resourcegroups/rg1")

    with pytest.raises(HttpResponseError) as caught:
        az.resources.resource_groups.begin_delete("rg1").result()

    assert caught.value.error.code == "InternalOperationError"
    assert az.resources.resource_groups.check_existence("rg1") is True


def test_probability_faults_are_seeded(emu: Emulator) -> None:
    def pattern() -> list[bool]:
        emu.reset()
        emu.faults.inject(500, probability=0.5)
        return [emu.faults.take("GET", "/x") is not None for _ in range(20)]

    first, second = pattern(), pattern()

    assert first == second
    assert 0 < sum(first) < 20


def test_faults_match_method_and_path_only(emu: Emulator) -> None:
    emu.faults.inject(500, method="PUT", path=r"/vaults/", times=2)

    assert emu.faults.take("GET", "/a/vaults/b") is None
    assert emu.faults.take("PUT", "/a/registries/b") is None
    assert emu.faults.take("put", "/a/Vaults/b") is not None
    assert emu.faults.take("PUT", "/a/vaults/b") is not None
    assert emu.faults.take("PUT", "/a/vaults/b") is None


def test_unsupported_fault_is_refused(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="unsupported fault"):
        emu.faults.inject(418)
    with pytest.raises(ValueError, match="probability"):
        emu.faults.inject(500, probability=2)


def test_request_log_records_every_request(az: Clients, emu: Emulator) -> None:
    az.resources.resource_groups.create_or_update("rg1", {"location": LOCATION})

    [record] = emu.requests

    assert record.method == "PUT"
    assert record.path == f"{az.sub}/resourcegroups/rg1"
    assert record.api_version
    assert record.status == 201
    assert record.time == emu.clock.now()
    assert record.caller == emu.caller_id
