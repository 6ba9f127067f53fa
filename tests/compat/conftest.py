"""The real Azure CLI against a fresh emulator: ``az`` from ``AKS_IDENTITY_AZ`` (nox -s compat).

A missing or broken ``az`` fails the session; nothing here is ever skipped. Every ``az`` call
runs with ``HTTP(S)_PROXY`` pointing at a closed port on 127.0.0.1 and ``NO_PROXY`` for the
loopback, so any request to anywhere but the emulator fails the command that sent it.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from aks_identity.emulator import Emulator

AZ_VERSION = "2.91.0"


@dataclass
class Run:
    """One ``az`` invocation: what it printed and the emulator requests it sent."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    requests: list[str]

    def json(self) -> Any:
        assert self.returncode == 0, self.stderr
        return json.loads(self.stdout)

    @property
    def text(self) -> str:
        assert self.returncode == 0, self.stderr
        return self.stdout.strip()


@dataclass
class Cli:
    """The Azure CLI signed in to one emulator; records requests per command."""

    executable: str
    emu: Emulator
    env: dict[str, str]
    runs: list[Run] = field(default_factory=list)

    def __call__(self, *args: str, check: bool = True) -> Run:
        before = len(self.emu.requests)
        started = time.monotonic()
        done = subprocess.run(
            [self.executable, *args],
            env=self.env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
            check=False,
        )
        records = list(self.emu.requests)[before:]
        run = Run(
            args=tuple(args),
            returncode=done.returncode,
            stdout=done.stdout,
            stderr=done.stderr,
            seconds=time.monotonic() - started,
            requests=[f"{r.method} {r.path} {r.status}" for r in records],
        )
        self.runs.append(run)
        if check:
            assert run.returncode == 0, f"az {shlex.join(args)} failed:\n{run.stderr}"
        return run


def _az_executable() -> str:
    path = os.environ.get("AKS_IDENTITY_AZ", "")
    if not path or not os.access(path, os.X_OK):
        pytest.fail(
            f"AKS_IDENTITY_AZ={path!r} is not an executable az: run `nox -s compat`, which "
            f"installs azure-cli=={AZ_VERSION} into its own virtual environment",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def emu() -> Iterator[Emulator]:
    """A fresh emulator on a virtual clock (polls move it; tests advance it on purpose)."""
    with Emulator(clock="virtual", seed=11) as emulator:
        yield emulator


def _is_poll(line: str) -> bool:
    """``GET <path> <status>`` of an operation status or result URL (an LRO poll)."""
    method, path = line.split(" ", 2)[:2]
    path = path.lower()
    return method == "GET" and ("/operations/" in path or "/operationresults/" in path)


def _failed(line: str) -> bool:
    """A request answered 4xx/5xx, or not at all (status ``None``)."""
    status = line.rsplit(" ", 1)[-1]
    return not status.isdigit() or int(status) >= 400


@pytest.fixture(scope="session")
def az(emu: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """``az``, set up exactly as ``emu.az_setup()`` prints, in a private HOME."""
    executable = _az_executable()
    home = tmp_path_factory.mktemp("home")
    setup = emu.az_setup(home / "azure")
    env = {
        **setup.environ(),
        "HOME": str(home),
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost",
        "AZURE_CORE_NO_COLOR": "true",
    }
    env.pop("AZURE_EXTENSION_DIR", None)
    cli = Cli(executable, emu, env)
    version = cli("version", "--output", "json").json()
    assert version["azure-cli"] == AZ_VERSION, version
    for command in setup.commands:
        cli(*command)
    yield cli
    report = os.environ.get("AKS_IDENTITY_COMPAT_REPORT")
    if report:
        rows = [
            {
                "command": "az " + shlex.join(r.args).replace(setup.commands[-1][5], "***"),
                "requests": len(r.requests),
                "polls": sum(1 for line in r.requests if _is_poll(line)),
                "failed": sum(1 for line in r.requests if _failed(line)),
                "seconds": round(r.seconds, 2),
                "returncode": r.returncode,
            }
            for r in cli.runs
        ]
        Path(report).write_text(json.dumps(rows, indent=2), encoding="utf-8")
