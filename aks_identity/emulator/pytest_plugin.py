"""pytest plugin: an ``arm_emulator`` fixture for tests of code that manages AKS identities.

One emulator per test session (virtual clock); each test gets it reset and active
(``emu.activate()``): code under test that calls ``Azure.from_environment()`` or builds
``Azure(credential, subscription_id)`` reaches the emulator, and no request reaches real
Azure::

    def test_grant(arm_emulator):
        az = aks_identity.Azure.from_environment()     # the emulator, not Azure
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "arm_emulator(**settings): a dedicated emulator for this test, e.g. "
        "@pytest.mark.arm_emulator(propagation_delay=300, replication_delay=30)",
    )


@pytest.fixture
def arm_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A freshly reset emulator, active: no resources, no faults, an empty request log.

    While the test runs, ``Azure.from_environment()`` and ``Azure(...)`` without ``base_url``
    reach it, and requests to real Azure raise ``RealAzureBlocked``.

    Tests marked ``@pytest.mark.arm_emulator(**settings)`` get a dedicated emulator built
    with those ``Emulator`` settings (delays, seed, page size, ...); the others share one.
    """
    marker = request.node.get_closest_marker("arm_emulator")
    if marker is not None:
        with Emulator(**marker.kwargs) as dedicated, dedicated.activate():
            yield dedicated
        return
    shared: Emulator = request.getfixturevalue("arm_emulator_session")
    shared.reset()
    with shared.activate():
        yield shared
