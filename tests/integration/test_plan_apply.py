"""``Plan.apply()``: a reviewed dry-run plan runs later, unless its cluster changed (ETag).

AKS returns ``eTag`` on managed clusters and agent pools (read-only, "unique read-only string
used to implement optimistic concurrency", azure-rest-api-specs
``specification/containerservice/.../aks/stable/2024-09-01/managedClusters.json``); it changes
with every write.
"""

from __future__ import annotations

import pytest

from aks_identity import (
    AksIdentityError,
    Azure,
    Cluster,
    ConfirmationRequired,
    ConflictError,
    ManagedIdentity,
    ResourceGroup,
    RoleAssignment,
)
from aks_identity.emulator import Emulator

from .conftest import writes_since


def test_apply_returns_what_the_call_returns(az: Azure, rg: str, emu: Emulator) -> None:
    cluster = az.create_cluster("c", resource_group=rg)
    ident = az.create_identity("next", resource_group=rg)
    plan = cluster.use_identity(ident, dry_run=True)
    assert cluster.etag and plan.planned_state is not None
    assert plan.planned_state.etag == cluster.etag and not plan.applied
    first = len(emu.requests)
    assert writes_since(emu, first) == []
    switched = plan.apply()
    assert isinstance(switched, Cluster)
    assert ident.id in switched.identity.user_assigned
    assert switched.etag != cluster.etag  # every write changes the ETag
    assert plan.applied


def test_apply_refuses_when_the_cluster_changed(az: Azure, rg: str, emu: Emulator) -> None:
    cluster = az.create_cluster("c", resource_group=rg)
    first_ident = az.create_identity("first", resource_group=rg)
    second = az.create_identity("second", resource_group=rg)
    plan = cluster.use_identity(second, dry_run=True)
    cluster.use_identity(first_ident)  # someone else changed the cluster meanwhile
    mark = len(emu.requests)
    with pytest.raises(ConflictError) as refused:
        plan.apply()
    assert refused.value.code == "PlanOutdated"
    assert "changed since the plan" in str(refused.value) and "make a new plan" in str(
        refused.value
    )
    assert writes_since(emu, mark) == []
    assert not plan.applied
    assert first_ident.id in az.get_cluster(cluster.id).identity.user_assigned


def test_apply_twice_is_refused(az: Azure, rg: str, emu: Emulator) -> None:
    ident = az.create_identity("next", resource_group=rg)
    plan = az.create_identity("other", resource_group=rg, dry_run=True)
    made = plan.apply()
    assert isinstance(made, ManagedIdentity) and made.name == "other"
    mark = len(emu.requests)
    with pytest.raises(ConflictError) as again:
        plan.apply()
    assert again.value.code == "PlanAlreadyApplied" and "make a new plan" in str(again.value)
    assert writes_since(emu, mark) == []
    assert ident.name == "next"


def test_create_plan_refuses_once_the_cluster_exists(az: Azure, rg: str, emu: Emulator) -> None:
    plan = az.create_cluster("c", resource_group=rg, dry_run=True)
    az.create_cluster("c", resource_group=rg)
    with pytest.raises(ConflictError) as refused:
        plan.apply()
    assert "planned: absent" in str(refused.value)


def test_a_plan_with_downtime_needs_consent(az: Azure, rg: str, emu: Emulator) -> None:
    control = az.create_identity("control", resource_group=rg)
    kubelet = az.create_identity("kubelet", resource_group=rg)
    cluster = az.create_cluster("c", resource_group=rg, identity=control)
    with pytest.raises(ConfirmationRequired) as refused:
        cluster.use_kubelet_identity(kubelet)
    plan = refused.value.plan
    assert plan.expected_downtime  # typed Plan (issue 12 item 4)
    mark = len(emu.requests)
    with pytest.raises(ConfirmationRequired):
        plan.apply()
    assert writes_since(emu, mark) == []
    switched = plan.apply(allow_downtime=True)
    assert switched.kubelet_identity.resource_id == kubelet.id


def test_other_plans_apply_too(az: Azure, emu: Emulator) -> None:
    group = az.create_resource_group("later", location="westus2", dry_run=True).apply()
    assert isinstance(group, ResourceGroup) and group.name == "later"
    assert az.delete_resource_group("later", dry_run=True).apply() is None
    az.create_resource_group("rg2", location="westus2")
    ident = az.create_identity("reader", resource_group="rg2")
    scope = f"/subscriptions/{emu.subscription_id}/resourceGroups/rg2"
    granted = ident.grant("Reader", scope=scope, dry_run=True).apply()
    assert isinstance(granted, RoleAssignment) and granted.role_name == "Reader"
    assert granted.revoke(dry_run=True).apply() is None


def test_a_node_image_upgrade_changes_the_etag(az: Azure, rg: str, emu: Emulator) -> None:
    cluster = az.create_cluster("c", resource_group=rg)
    ident = az.create_identity("next", resource_group=rg)
    plan = cluster.use_identity(ident, dry_run=True)
    emu.set_newest_node_image("AKSUbuntu-2204gen2containerd-209912.01.0")
    upgraded = cluster.upgrade_node_images(allow_downtime=True)
    assert upgraded.etag != cluster.etag
    with pytest.raises(ConflictError, match="changed since the plan"):
        plan.apply()


def test_a_plan_that_failed_part_way_can_be_applied_again(
    az: Azure, rg: str, emu: Emulator
) -> None:
    plan = az.create_identity("flaky", resource_group=rg, dry_run=True)
    emu.faults.inject(500, method="PUT", path="userAssignedIdentities/flaky", times=10)
    with pytest.raises(AksIdentityError):
        plan.apply()
    assert not plan.applied
    emu.faults.clear()
    made = plan.apply()  # every step is idempotent: a second try converges
    assert made.name == "flaky" and plan.applied
