"""Time: virtual and real clocks, replication and propagation delays, LROs, seeded randomness."""

from __future__ import annotations

import time

import pytest
from emu_support import LOCATION, Clients

from aks_identity.emulator import Delay, Emulator, RealClock, VirtualClock


def test_virtual_clock_sleep_advances_at_once() -> None:
    clock = VirtualClock()
    started = time.monotonic()

    clock.sleep(3600)
    clock.advance(60)

    assert clock.now() == 3660
    assert time.monotonic() - started < 0.5
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_real_clock_runs_time_scale_times_faster() -> None:
    clock = RealClock(time_scale=600)

    clock.sleep(30)  # 0.05 s of real time
    clock.advance(100)

    assert 130 <= clock.now() < 200


def test_delay_fixed_or_seeded_uniform() -> None:
    import random

    fixed = Delay.of(5)
    spread = Delay.of((10, 20))
    first = [spread.sample(random.Random(3)) for _ in range(2)]

    assert fixed.sample(random.Random()) == 5
    assert first[0] == first[1]
    assert 10 <= first[0] <= 20
    with pytest.raises(ValueError, match="invalid delay"):
        Delay(5, 1)


def test_sdk_long_running_operation_completes_without_real_waiting(az: Clients) -> None:
    """Default SDK polling (30 s interval) finishes in well under a second of real time."""
    az.group()
    started = time.monotonic()

    az.resources.resource_groups.begin_delete("rg1").result()

    assert time.monotonic() - started < 2
    assert az.resources.resource_groups.check_existence("rg1") is False


def test_operations_complete_when_the_clock_passes_without_polling(
    az: Clients, emu: Emulator
) -> None:
    az.group()
    az.resources.resource_groups.begin_delete("rg1", polling=False)

    present = az.resources.resource_groups.check_existence("rg1")
    emu.clock.advance(30)

    assert present is True
    assert az.resources.resource_groups.check_existence("rg1") is False


def test_each_poll_advances_the_virtual_clock(az: Clients, emu: Emulator) -> None:
    az.group()
    started = emu.clock.now()

    az.resources.resource_groups.begin_delete("rg1").result()

    polls = emu.requests.matching(method="GET", path="/operationresults/")
    assert [p.status for p in polls] == [202, 200]
    assert emu.clock.now() - started == pytest.approx(30)


def test_random_delays_are_reproducible_with_a_seed() -> None:
    def principal_delays(seed: int) -> list[float]:
        emu = Emulator(seed=seed, replication_delay=(10, 100))
        made = [emu.state.directory.add_principal(display_name=f"p{i}") for i in range(3)]
        return [p.replicated_at - p.created_at for p in made]

    assert principal_delays(1) == principal_delays(1)
    assert principal_delays(1) != principal_delays(2)
    assert all(10 <= d <= 100 for d in principal_delays(1))


def test_real_clock_emulator_serves_and_polls(tmp_path: object) -> None:
    with Emulator(clock="real", time_scale=300, lro_duration=60) as emu:
        az = Clients.connect(emu)
        az.resources.resource_groups.create_or_update("rg1", {"location": LOCATION})
        started = time.monotonic()

        az.resources.resource_groups.begin_delete("rg1").result()

        assert 0.1 < time.monotonic() - started < 5
        assert emu.clock.now() >= 60
