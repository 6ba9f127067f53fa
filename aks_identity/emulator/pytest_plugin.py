"""pytest plugin: an ``arm_emulator`` fixture for tests of code that manages AKS identities.

One emulator per test session (virtual clock); each test gets it reset::

    def test_grant(arm_emulator):
        client = AuthorizationManagementClient(arm_emulator.credential(), ...,
                                               base_url=arm_emulator.url,
                                               connection_verify=arm_emulator.ca_bundle)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aks_identity.emulator._emulator import Emulator

__all__ = ["arm_emulator", "arm_emulator_session"]


@pytest.fixture(scope="session")
def arm_emulator_session() -> Iterator[Emulator]:
    """The session's emulator (not reset between tests)."""
    with Emulator(clock="virtual") as emulator:
        yield emulator


@pytest.fixture
def arm_emulator(arm_emulator_session: Emulator) -> Emulator:
    """A freshly reset emulator: no resources, no faults, an empty request log."""
    arm_emulator_session.reset()
    return arm_emulator_session
