"""The pytest fixture for users' tests and ``python -m aks_identity.emulator``."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from azure.mgmt.msi import ManagedServiceIdentityClient

from aks_identity.emulator import Emulator, TokenFileCredential
from aks_identity.emulator.pytest_plugin import arm_emulator, arm_emulator_session

__all__ = ["arm_emulator", "arm_emulator_session"]  # fixtures used below


def test_arm_emulator_fixture_is_running_and_reset(arm_emulator: Emulator) -> None:
    arm_emulator.state.resources.ensure_resource_group("rg1", "westus2")
    client = ManagedServiceIdentityClient(
        arm_emulator.credential(),
        arm_emulator.subscription_id,
        base_url=arm_emulator.url,
        connection_verify=arm_emulator.ca_bundle,
    )

    created = client.user_assigned_identities.create_or_update(
        "rg1", "id1", {"location": "westus2"}
    )

    assert created.principal_id
    assert len(arm_emulator.requests) == 1


def test_arm_emulator_fixture_starts_clean(arm_emulator: Emulator) -> None:
    assert len(arm_emulator.requests) == 0
    assert (
        arm_emulator.state.identities.get(
            f"/subscriptions/{arm_emulator.subscription_id}/resourceGroups/rg1/providers/"
            "Microsoft.ManagedIdentity/userAssignedIdentities/id1"
        )
        is None
    )


@pytest.mark.arm_emulator(propagation_delay=300, seed=11)
def test_arm_emulator_marker_gives_a_dedicated_configured_emulator(
    arm_emulator: Emulator, arm_emulator_session: Emulator
) -> None:
    assert arm_emulator is not arm_emulator_session
    scope = f"/subscriptions/{arm_emulator.subscription_id}"
    assert arm_emulator.state.config.propagation_delay.sample(arm_emulator.state.rng) == 300
    assert arm_emulator_session.state.config.propagation_delay.sample(arm_emulator.state.rng) == 0
    assert arm_emulator.check_access(arm_emulator.caller_id, "Microsoft.Resources/read", scope)


def test_standalone_prints_how_to_connect_and_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "aks_identity.emulator", "--seed", "3"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while not any(line.startswith("curl:") for line in lines) and time.monotonic() < deadline:
            lines.append(process.stdout.readline())
        info = {
            key.strip(): value.strip().split()[0]
            for key, _, value in (line.partition(":") for line in lines[1:6])
        }
        client = ManagedServiceIdentityClient(
            TokenFileCredential(info["token file"]),
            info["subscription"],
            base_url=info["URL"],
            connection_verify=info["CA bundle"],
        )

        listed = list(client.user_assigned_identities.list_by_subscription())

        assert listed == []
        assert info["URL"].startswith("https://127.0.0.1:")
        assert Path(info["CA bundle"]).exists()
        assert "token" not in repr(TokenFileCredential(info["token file"])).split("path=")[0]
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert not Path(info["CA bundle"]).exists()


def test_stop_is_prompt_with_idle_keep_alive_connections() -> None:
    emu = Emulator().start()
    client = ManagedServiceIdentityClient(
        emu.credential(), emu.subscription_id, base_url=emu.url, connection_verify=emu.ca_bundle
    )
    before = set(threading.enumerate())
    list(client.user_assigned_identities.list_by_subscription())  # leaves a pooled connection
    handlers = set(threading.enumerate()) - before
    started = time.monotonic()

    emu.stop()
    for thread in handlers:
        thread.join(timeout=2)

    assert handlers
    assert time.monotonic() - started < 2
    assert not any(t.is_alive() for t in handlers)
