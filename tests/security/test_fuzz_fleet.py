"""Fuzzing Fleet's entry points as test_fuzz.py fuzzes the single-cluster ones: random values
give success or an AksIdentityError subclass, never anything else, and never a write."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aks_identity import AuditReport, Fleet, FleetPlan

from .conftest import World
from .test_fuzz import FUZZ, _only_domain_errors, values

not_text = values.filter(lambda v: not isinstance(v, str))
"""Values for ``journal=``: a random string would be a file made in the working directory."""


@pytest.fixture(scope="module")
def fleet(world: World) -> Iterator[Fleet]:
    with world.emu.fleet() as made:
        yield made


@pytest.fixture(scope="module")
def empty_plan(fleet: Fleet) -> FleetPlan:
    """No cluster: whatever apply() accepts, it has nothing to write."""
    return fleet.plan_migration(to="system-assigned", where=lambda c: False)


@pytest.fixture(scope="module")
def report(fleet: Fleet) -> AuditReport:
    return fleet.audit()


def _connect(world: World, subscriptions: Any, cloud: Any) -> None:
    made = Fleet(
        world.emu.credential(),
        subscriptions,
        cloud=cloud,
        base_url=world.emu.url,
        connection_verify=world.emu.ca_bundle,
    )
    made.close()


def _entry_points(
    world: World, fleet: Fleet, plan: FleetPlan, report: AuditReport
) -> list[Callable[[Any, Any], object]]:
    return [
        lambda a, b: _connect(world, a, b),
        Fleet,
        lambda a, b: fleet.azure(a),
        lambda a, b: fleet.plan_migration(to=a, where=b),
        lambda a, b: fleet.plan_migration(to=a),
        lambda a, b: plan.apply(max_parallel=a, max_failures=b),
        lambda a, b: plan.apply(allow_downtime=a, progress=b),
        lambda a, b: report.at_least(a),
        lambda a, b: report.by_cluster(a),
        lambda a, b: report.to_json(indent=a),
        lambda a, b: report.to_table(width=a),
    ]


@pytest.mark.parametrize("index", range(11))
@FUZZ
@given(a=values, b=values)
def test_fleet_entry_points_raise_only_domain_errors(
    world: World,
    fleet: Fleet,
    empty_plan: FleetPlan,
    report: AuditReport,
    index: int,
    a: Any,
    b: Any,
) -> None:
    call = _entry_points(world, fleet, empty_plan, report)[index]
    _only_domain_errors(world, lambda: call(a, b))


@FUZZ
@given(journal=not_text, text=st.text(max_size=60))
def test_journal_and_target_text(
    world: World, fleet: Fleet, empty_plan: FleetPlan, journal: Any, text: str
) -> None:
    _only_domain_errors(world, lambda: empty_plan.apply(journal=journal))
    _only_domain_errors(world, lambda: fleet.plan_migration(to=text, where=lambda c: False))
