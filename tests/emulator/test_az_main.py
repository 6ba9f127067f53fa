"""``python -m aks_identity.emulator --az`` and the standalone token file's renewal."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from azure.mgmt.resource.resources import ResourceManagementClient

from aks_identity.emulator import Emulator, TokenFileCredential
from aks_identity.emulator.__main__ import _keep_token_file


def test_az_flag_prints_the_cli_set_up() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "aks_identity.emulator", "--seed", "4", "--az"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while not any(line.startswith("az login") for line in lines):
            assert time.monotonic() < deadline, lines
            lines.append(process.stdout.readline())
        url = next(line.split()[1] for line in lines if line.strip().startswith("URL:"))
        commands = [line.strip() for line in lines]
        assert any(c.startswith("export AZURE_CONFIG_DIR=") for c in commands)
        bundle = next(c for c in commands if c.startswith("export REQUESTS_CA_BUNDLE="))
        assert Path(bundle.split("=", 1)[1]).exists()
        assert "az config set core.instance_discovery=false" in commands
        assert f"az cloud register -n Emulator --endpoint-resource-manager {url}" in commands
        assert "az cloud set -n Emulator" in commands
        assert commands[-1].startswith("az login --service-principal -u ")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_token_file_is_renewed_before_the_token_expires(tmp_path: Path) -> None:
    with Emulator(access_token_lifetime=3600) as emu:
        path = str(tmp_path / "token")
        stop = threading.Event()
        keeper = threading.Thread(target=_keep_token_file, args=(emu, path, stop, 0.01))
        keeper.start()
        try:
            deadline = time.monotonic() + 10
            while not Path(path).exists():
                assert time.monotonic() < deadline
                stop.wait(0.01)
            first = Path(path).read_text()
            arm = ResourceManagementClient(
                TokenFileCredential(path),
                emu.subscription_id,
                base_url=emu.url,
                connection_verify=emu.ca_bundle,
            )
            assert list(arm.resource_groups.list()) == []

            emu.clock.advance(3400)  # within five minutes of expiry
            while Path(path).read_text() == first:
                assert time.monotonic() < deadline
                stop.wait(0.01)
            emu.clock.advance(300)  # the first token has expired; the file's has not
            assert list(arm.resource_groups.list()) == []
        finally:
            stop.set()
            keeper.join(timeout=5)
