"""Visible work: every write logged at INFO with its reason, long waits log progress, the
User-Agent names the library, SDK options pass through, one transport for every client."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
from azure.core.pipeline.transport import RequestsTransport

import aks_identity as aki
from aks_identity.emulator import Emulator

from .conftest import WRITE_METHODS


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("aks_identity")
            and r.levelno == logging.INFO]


def test_every_write_is_logged_with_its_plan_step(
    az: aki.Azure, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aks_identity")
    first = len(emu.requests)
    az.create_resource_group("logged", location="westus2")
    control = az.create_identity("control", resource_group="logged")
    kubelet = az.create_identity("kubelet", resource_group="logged")
    az.create_cluster("c", resource_group="logged", identity=control, kubelet_identity=kubelet)
    writes = [r for r in list(emu.requests)[first:] if r.method in WRITE_METHODS]
    logged = [line for line in _lines(caplog) if line.split(" ")[0] in WRITE_METHODS]
    assert len(logged) == len(writes) >= 5
    for record, line in zip(writes, logged, strict=True):
        assert line.startswith(f"{record.method} {record.path} (")
    operator = next(line for line in logged if "roleAssignments" in line)
    assert "Managed Identity Operator" in operator and "create cluster c" in operator


def test_reads_and_dry_runs_log_no_write(
    az: aki.Azure, rg: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aks_identity")
    az.create_cluster("dry", resource_group=rg, dry_run=True)
    az.list_resource_groups()
    assert [line for line in _lines(caplog) if line.split(" ")[0] in WRITE_METHODS] == []


def test_a_long_operation_logs_progress_every_minute(
    emulator_with: Any, caplog: pytest.LogCaptureFixture
) -> None:
    emu = emulator_with(lro_duration=300)
    caplog.set_level(logging.INFO, logger="aks_identity")
    with emu.azure() as az:
        az.create_resource_group("slow", location="westus2")
        start = emu.clock.now()
        az.create_cluster("c", resource_group="slow")
        waited = emu.clock.now() - start
    progress = [line for line in _lines(caplog) if line.startswith("still waiting for")]
    assert waited >= 300
    assert len(progress) >= int(waited // 60) - 1 >= 4
    assert "create cluster c" in progress[0]


def test_a_propagation_wait_logs_progress_every_minute(
    emulator_with: Any, caplog: pytest.LogCaptureFixture
) -> None:
    emu = emulator_with(propagation_delay=600)
    caplog.set_level(logging.INFO, logger="aks_identity")
    with emu.azure() as az:
        az.create_resource_group("rbac", location="westus2")
        control = az.create_identity("control", resource_group="rbac")
        kubelet = az.create_identity("kubelet", resource_group="rbac")
        az.create_cluster("c", resource_group="rbac", identity=control, kubelet_identity=kubelet)
    times = [r.created for r in caplog.records]  # real time: only that lines exist matters
    assert times
    waits = [line for line in _lines(caplog) if line.startswith(("still waiting", "retrying"))]
    # 600 virtual seconds of waiting: a line at least every minute of it
    assert len(waits) >= 10


def test_requests_carry_the_library_user_agent(az: aki.Azure, emu: Emulator) -> None:
    az.create_resource_group("ua", location="westus2")
    az.get_resource_group("ua")
    seen = {r.user_agent for r in emu.requests}
    assert seen and all(
        ua is not None and ua.startswith(f"aks-identity/{aki.__version__} azsdk-python-")
        for ua in seen
    ), seen
    assert all("authorization" not in r.headers for r in emu.requests)


def test_sdk_options_pass_through(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="azure")
    with aki.Azure(emu.credential(), emu.subscription_id, base_url=emu.url,
                   connection_verify=emu.ca_bundle, user_agent="myapp/1.2",
                   headers={"x-ms-custom": "yes"}, logging_enable=True,
                   read_timeout=30) as az:
        az.list_resource_groups()
    record = emu.requests[-1]
    assert record.user_agent is not None
    assert record.user_agent.startswith(f"myapp/1.2 aks-identity/{aki.__version__} ")
    assert record.headers.get("x-ms-custom") == "yes"
    assert any(r.name.startswith("azure.core.pipeline.policies.http_logging_policy")
               for r in caplog.records)


def test_a_transport_passed_in_is_used_by_every_client(emu: Emulator) -> None:
    transport = RequestsTransport(connection_verify=emu.ca_bundle)
    with aki.Azure(emu.credential(), emu.subscription_id, base_url=emu.url,
                   transport=transport) as az:
        az.create_resource_group("own", location="westus2")
        az.create_identity("own-identity", resource_group="own")
        assert az._arm.connection.transport is transport
        arm = az._arm
        clients = [arm.__dict__[n] for n in ("_resources", "_msi")]
        assert {id(c._client._pipeline._transport) for c in clients} == {id(transport)}
    assert transport.session is None  # closed with the Azure, as an SDK client closes it


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"logging": True}, "unknown SDK option"),
        ({"logging_enable": "yes"}, "logging_enable must be bool"),
        ({"read_timeout": 0}, "read_timeout must be > 0"),
        ({"read_timeout": True}, "read_timeout must be int or float"),
        ({"user_agent": "bad\nagent"}, "user_agent must be printable"),
        ({"proxies": {"https": 3128}}, "proxies must map strings"),
        ({"headers": {"Authorization": "Bearer x"}}, "must not set Authorization"),
        ({"transport": object()}, "transport must be an azure.core HttpTransport"),
    ],
)
def test_bad_sdk_options_are_refused_before_any_request(
    emu: Emulator, options: dict[str, Any], problem: str
) -> None:
    with pytest.raises(aki.ValidationError, match=problem):
        aki.Azure(emu.credential(), emu.subscription_id, base_url=emu.url, **options)


def test_every_client_shares_one_transport_and_one_session(
    az: aki.Azure, emu: Emulator, registry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions: list[requests.Session] = []
    original = requests.Session.__init__

    def counting(self: requests.Session) -> None:
        sessions.append(self)
        original(self)

    monkeypatch.setattr(requests.Session, "__init__", counting)
    with emu.azure() as fresh:
        ident = fresh.create_identity("shared", resource_group="rg")      # msi + resources
        ident.grant("AcrPull", scope=registry)                             # authorization
        fresh.create_cluster("c", resource_group="rg", identity=ident)     # containerservice
        arm = fresh._arm
        clients = [arm.__dict__[n] for n in ("_resources", "_msi", "_authorization", "_aks")]
        transports = {id(c._client._pipeline._transport) for c in clients}
        assert transports == {id(arm.connection.transport)}
        session = arm.connection.transport.session
    assert sessions == [session]
    assert arm.connection.transport is None  # closed once, by Azure.close()
