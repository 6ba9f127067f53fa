"""Issue 9 item 1: upgrade_node_images reads each pool's upgrade profile first, and says when
there is nothing to consume; enable_managed_identity(dry_run=True) says when the kubelet moves.
Issue 12 item 5: DowntimeWarning only when nodes are really reimaged."""

from __future__ import annotations

import warnings

import pytest

from aks_identity import (
    Azure,
    ConfirmationRequired,
    DowntimeWarning,
    NoNewerNodeImageWarning,
    Plan,
    ServicePrincipal,
    ServicePrincipalKubeletWarning,
)
from aks_identity.emulator import Emulator

from .conftest import writes_since

NEWER = "AKSUbuntu-2204gen2containerd-209912.01.0"


def _caught(call: object) -> tuple[object, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()  # type: ignore[operator]
    return result, caught


def test_nothing_newer_writes_nothing_and_needs_no_consent(
    az: Azure, rg: str, emu: Emulator
) -> None:
    cluster = az.create_cluster("c1", resource_group=rg)
    first = len(emu.requests)

    plan, _ = _caught(lambda: cluster.upgrade_node_images(dry_run=True))
    same, warned = _caught(cluster.upgrade_node_images)  # no allow_downtime needed

    assert isinstance(plan, Plan)
    assert plan.writes == () and plan.expected_downtime is None
    assert [type(w) for w in plan.warnings] == [NoNewerNodeImageWarning]
    image = cluster.agent_pools[0].node_image_version
    assert f"nodepool1 runs {image}" in str(plan.warnings[0])
    # a cluster that never had a service principal hears nothing about one
    assert [c.category for c in warned] == [NoNewerNodeImageWarning]
    assert "service principal" not in str(warned[0].message)
    assert same is cluster
    assert writes_since(emu, first) == []
    assert emu.requests.matching("GET", "/agentPools/nodepool1/upgradeProfiles/default")
    assert not emu.requests.matching("POST", "/upgradeNodeImageVersion")


def test_a_newer_image_is_planned_refused_without_consent_then_applied(
    az: Azure, rg: str, emu: Emulator
) -> None:
    cluster = az.create_cluster("c1", resource_group=rg)
    emu.set_newest_node_image(NEWER)
    first = len(emu.requests)

    plan, _ = _caught(lambda: cluster.upgrade_node_images(dry_run=True))
    with warnings.catch_warnings(record=True) as refused_warnings:
        warnings.simplefilter("always")
        with pytest.raises(ConfirmationRequired) as refused:
            cluster.upgrade_node_images()
    assert writes_since(emu, first) == []
    with pytest.warns(DowntimeWarning):
        upgraded = cluster.upgrade_node_images(allow_downtime=True)

    assert isinstance(plan, Plan)
    assert [s.action for s in plan.writes] == ["upgrade"]
    assert NEWER in plan.steps[0].description
    assert refused.value.plan.expected_downtime
    assert refused_warnings == []  # refused: nothing is reimaged, so no DowntimeWarning
    assert {p.node_image_version for p in upgraded.agent_pools} == {NEWER}


def test_enable_managed_identity_dry_run_says_whether_the_kubelet_can_move(
    az: Azure, rg: str, emu: Emulator, service_principal: ServicePrincipal
) -> None:
    legacy = az.create_cluster("legacy", resource_group=rg, service_principal=service_principal)
    first = len(emu.requests)

    waiting = legacy.enable_managed_identity(dry_run=True)
    emu.set_newest_node_image(NEWER)
    now = legacy.enable_managed_identity(dry_run=True)

    def kubelet_note(plan: Plan) -> str:
        return next(str(w) for w in plan.warnings if isinstance(w, ServicePrincipalKubeletWarning))

    assert "must wait for the next node image" in kubelet_note(waiting)
    assert "can move now" in kubelet_note(now) and NEWER in kubelet_note(now)
    assert writes_since(emu, first) == []


def test_after_a_migration_nothing_newer_says_the_kubelet_must_wait(
    az: Azure, rg: str, emu: Emulator, service_principal: ServicePrincipal
) -> None:
    legacy = az.create_cluster("legacy", resource_group=rg, service_principal=service_principal)
    migrated = legacy.enable_managed_identity()
    first = len(emu.requests)

    same, warned = _caught(migrated.upgrade_node_images)

    assert [c.category for c in warned] == [NoNewerNodeImageWarning]
    assert "must wait for the next node image" in str(warned[0].message)
    assert writes_since(emu, first) == []
    assert same is migrated
    assert not migrated.kubelet_uses_managed_identity
    assert migrated.uses_managed_identity
