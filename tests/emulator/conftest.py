"""Fixtures for the emulator core tests: one emulator per session, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emu_support import Clients

from aks_identity.emulator import Emulator


@pytest.fixture(scope="session")
def session_emulator() -> Iterator[Emulator]:
    with Emulator(clock="virtual", seed=7, lro_duration=30) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def session_clients(session_emulator: Emulator) -> Clients:
    return Clients.connect(session_emulator)


@pytest.fixture
def emu(session_emulator: Emulator) -> Emulator:
    """The session emulator, reset: no resources, faults, requests; default delays."""
    session_emulator.reset()
    return session_emulator


@pytest.fixture
def az(emu: Emulator, session_clients: Clients) -> Clients:
    """SDK clients of the default caller (subscription Owner) with a fresh emulator."""
    return session_clients
